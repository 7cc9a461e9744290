//! `cine new`: a project folder to start from: `cine.toml`, a starter screenplay that lints
//! clean and renders with the chosen model, an `out/` folder for renders and a `.gitignore`.
//! Existing files are never replaced: the command stops before writing anything.

use std::io::Write;
use std::path::{Path, PathBuf};

const FILM: &str = include_str!("new/film.cine");
const CONFIG: &str = include_str!("new/cine.toml");
const GITIGNORE: &str = "# Renders of `cine render` (the MP4s are rebuilt from the screenplays).\n/out/\n";

/// Arguments of `cine new`.
#[derive(clap::Args)]
pub struct Args {
    /// The project folder (created if missing; an existing one may hold other files).
    pub path: PathBuf,
    /// The film's title (default: from the folder's name).
    #[arg(long)]
    pub title: Option<String>,
    /// The model the screenplay targets.
    #[arg(long, default_value = "cine-tiny", value_parser = ["cine-tiny", "wan2.1-1.3b"])]
    pub model: String,
}

pub fn run(args: Args) -> i32 {
    match create(&args) {
        Ok(()) => 0,
        Err(msg) => {
            eoutln!("error: {msg}");
            2
        }
    }
}

fn create(args: &Args) -> Result<(), String> {
    let dir = &args.path;
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} is a file, not a folder", dir.display()));
    }
    let name = folder_name(dir);
    let stem = file_stem(&name);
    let title = args.title.clone().unwrap_or_else(|| title_of(&name));
    if title.trim().is_empty() || title.chars().any(char::is_control) {
        return Err(if title.trim().is_empty() { "the title is empty; give it some words, e.g. --title \"Night Walk\"".to_string() } else { format!("the title {title:?} must be one line of text") });
    }
    let script = format!("{stem}.cine");
    let escaped = escape_title(&title);
    let keys = [("{model}", args.model.as_str()), ("{file}", &script), ("{stem}", &stem), ("{name}", &title), ("{title}", &escaped)];
    let fill = |t: &str| fill(t, &keys);
    let mut files = vec![(script.clone(), fill(FILM)), ("cine.toml".to_string(), fill(CONFIG))];
    // A project already under git keeps its own .gitignore.
    if !dir.join(".gitignore").exists() {
        files.push((".gitignore".into(), GITIGNORE.into()));
    }
    let taken: Vec<String> = files.iter().filter(|(f, _)| dir.join(f).exists()).map(|(f, _)| f.clone()).collect();
    if !taken.is_empty() {
        return Err(format!("{} already has {}: nothing was written (choose another folder)", dir.display(), taken.join(" and ")));
    }
    std::fs::create_dir_all(dir.join("out")).map_err(|e| format!("cannot create {}: {e}", dir.join("out").display()))?;
    for (file, text) in &files {
        write_new(&dir.join(file), text).map_err(|e| format!("cannot write {}: {e}", dir.join(file).display()))?;
    }
    // The template is part of the product: show what the compiler says about it, if anything.
    let compiled = super::compile(&dir.join(&script));
    if !compiled.diagnostics.is_empty() {
        eout!("{}", cine_compiler::report::render(cine_compiler::report::Format::Human, &compiled.diagnostics, &compiled.sources));
    }
    let listed: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    outln!("created {} with {}, out/", dir.display(), listed.join(", "));
    outln!("next:");
    outln!("  cd {}", shell_word(&dir.display().to_string()));
    outln!("  cine lint .");
    outln!("  cine render {} -o {}", shell_word(&script), shell_word(&format!("out/{stem}.mp4")));
    Ok(())
}

/// `template` with each `{key}` replaced in one pass (a title that reads `{model}` stays).
fn fill(template: &str, keys: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match keys.iter().find(|(k, _)| rest.starts_with(k)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &rest[k.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes a file that must not exist yet (never replaces one created meanwhile).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The folder's own name, `.` and `..` resolved.
fn folder_name(dir: &Path) -> String {
    let real = std::fs::canonicalize(dir).ok();
    let named = real.as_deref().unwrap_or(dir);
    named.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A file stem from a folder name: lower-case letters, digits, `_` and `-`; `film` if none.
fn file_stem(name: &str) -> String {
    let s: String = name.chars().flat_map(|c| if c.is_alphanumeric() || c == '-' { c.to_lowercase().collect() } else { vec!['_'] }).collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "film".into()
    } else {
        s
    }
}

/// `my_first-film` -> `My first film`.
fn title_of(name: &str) -> String {
    let words = name.replace(['_', '-'], " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => "My film".into(),
    }
}

/// The title inside the template's quotes (`"{title}"`): `"` escaped, and `\` where a single
/// one would read as an escape.
fn escape_title(title: &str) -> String {
    let q = cine_grammar::print::quote(title);
    q[1..q.len() - 1].to_string()
}

/// A path as one shell word in the printed hint.
fn shell_word(s: &str) -> String {
    // `-dash` would be read as an option.
    if s.starts_with('-') {
        return shell_word(&format!("./{s}"));
    }
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
        s.into()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_folders() {
        assert_eq!(file_stem("My Film!"), "my_film");
        assert_eq!(file_stem("Été"), "été");
        assert_eq!(file_stem("!!"), "film");
        assert_eq!(title_of("my_first-film"), "My first film");
        assert_eq!(title_of("__"), "My film");
        assert_eq!(escape_title(r#"a "b" \c"#), r#"a \"b\" \c"#);
        assert_eq!(escape_title(r#"a\"#), r#"a\\"#);
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("-dash.cine"), "./-dash.cine");
        assert_eq!(shell_word("-a b"), "'./-a b'");
        assert_eq!(fill("{a} {b} {c}", &[("{a}", "{b}"), ("{b}", "x")]), "{b} x {c}");
    }
}

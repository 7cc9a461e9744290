//! One module per subcommand. Each exposes `Args` (clap) and `run(Args) -> i32` (exit code).

pub mod batch;
pub mod bench;
pub mod cache;
pub mod completions;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod import;
pub mod lint;
pub mod live;
pub mod lsp;
pub mod new;
pub mod plan;
pub mod render;
pub mod train;
pub mod watch;

use std::path::{Path, PathBuf};

/// Writes a command's output to stdout (the `out!` / `outln!` macros). A reader that went
/// away (`| head`) ends the process with 0, as for the Unix tools; any other failure with 2.
pub fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eoutln!("error: cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

/// How the CLI compiles: the model registry for the model-aware checks, `use` paths
/// confined to `root` (none: file imports are refused).
pub fn compile_options(root: Option<PathBuf>) -> cine_compiler::Options {
    cine_compiler::Options { profile: Some(cine_model::registry::profile), root, ..Default::default() }
}

/// Compiles a screenplay file as `cine lint` does by default: its project root is the folder
/// of the nearest cine.toml, whose lint levels apply.
pub fn compile(path: &Path) -> cine_compiler::Compiled {
    cine_compiler::compile_file(path, &compile_options(Some(cine_compiler::project_root(path))), None)
}

/// A file, or every `.cine` file under a folder (sorted, recursively). A walk skips hidden
/// entries (`.git`, editors' `.#film.cine` lock files) and enters each real folder once, so
/// a symlink back up the tree is not followed round.
/// The error is the whole message: the folder cannot be read, or holds no screenplay.
pub fn screenplays(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let before = out.len();
    walk(path, out, &mut std::collections::HashSet::new()).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if out.len() == before {
        return Err(format!("there is no `.cine` file in {}", path.display()));
    }
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut std::collections::HashSet<PathBuf>) -> std::io::Result<()> {
    let at = |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display()));
    if !seen.insert(std::fs::canonicalize(dir).map_err(at)?) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(at)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        if e.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if e.is_dir() {
            walk(&e, out, seen)?;
        } else if e.extension().is_some_and(|x| x == "cine") {
            out.push(e);
        }
    }
    Ok(())
}

/// How many of `files` are `-` (stdin), or the error when it is more than one.
pub fn stdin_once(files: &[PathBuf]) -> Result<usize, String> {
    match files.iter().filter(|f| f.as_os_str() == "-").count() {
        n @ 0..=1 => Ok(n),
        n => Err(format!("`-` is given {n} times; stdin can be read once")),
    }
}

/// `--root`: a folder that exists (a mistyped root would otherwise turn every `use` into
/// an error of its own).
pub fn parse_root(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    match std::fs::metadata(&p) {
        Ok(m) if m.is_dir() => Ok(p),
        Ok(_) => Err(format!("`{s}` is a file; the root is the project folder")),
        Err(e) => Err(format!("cannot use `{s}` as the project root: {e}")),
    }
}

/// Writes an output file (a report, a recording, an import) through a temporary file in its
/// folder and a rename: an interrupted write never leaves half a file under its name.
pub fn write_output(path: &Path, text: &str) -> std::io::Result<()> {
    through_temp(path, text, None)
}

/// Rewrites a file through a temporary file in its folder and a rename, keeping its
/// permissions: an interrupted write never leaves half a screenplay.
pub fn rewrite(path: &Path, text: &str) -> std::io::Result<()> {
    // Through a symlink, rewrite its target (a rename would replace the link itself).
    let real = std::fs::canonicalize(path);
    let path = real.as_deref().unwrap_or(path);
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "the file is read-only"));
    }
    through_temp(path, text, std::fs::metadata(path).ok().map(|m| m.permissions()))
}

/// `text` into a temporary file beside `path`, synced, with `perms` (else readable by all,
/// as a new file is), then renamed to `path`.
fn through_temp(path: &Path, text: &str, perms: Option<std::fs::Permissions>) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = cine_renderer::files::temp_beside(path)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    match perms {
        Some(p) => tmp.as_file().set_permissions(p)?,
        None => cine_renderer::files::readable(tmp.path()),
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

//! `cine lint`: checks screenplays and reports every diagnostic.

use std::path::{Path, PathBuf};

use cine_compiler::report::{render, Format};
use cine_compiler::{Diagnostic, Rule, Severity, SourceFile};

/// Arguments of `cine lint`.
#[derive(clap::Args)]
pub struct Args {
    /// Screenplays to check; a folder means every `.cine` file in it.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output: human (to stderr), json or sarif (to stdout).
    #[arg(long, default_value = "human", value_parser = ["human", "json", "sarif"])]
    pub format: String,
    /// `--deny warnings` makes warnings fail the run (exit 1).
    #[arg(long, value_parser = ["warnings"])]
    pub deny: Option<String>,
    /// Project root that `use` paths are confined to (default: the folder holding
    /// cine.toml, else each screenplay's folder).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let format: Format = args.format.parse().unwrap_or(Format::Human);
    let mut files = Vec::new();
    for f in &args.files {
        if let Err(e) = expand(f, &mut files) {
            eprintln!("error: cannot read {}: {e}", f.display());
            return 2;
        }
    }
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut sources: Vec<SourceFile> = Vec::new();
    let mut io = false;
    for f in &files {
        let root = args.root.clone().unwrap_or_else(|| cine_compiler::project_root(f));
        let opts = cine_compiler::Options { profile: Some(cine_model::registry::profile), root: Some(root) };
        let out = cine_compiler::compile_file(f, &opts, None);
        io |= out.diagnostics.iter().any(|d| d.rule == Rule::Io);
        let base = sources.len();
        sources.extend(out.sources);
        diags.extend(out.diagnostics.into_iter().map(|mut d| {
            d.file += base;
            d
        }));
    }
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diags.len() - errors;
    let text = render(format, &diags, &sources);
    if format == Format::Human {
        eprint!("{text}");
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        eprintln!("{}: {}, {}", plural(files.len(), "file"), plural(errors, "error"), plural(warnings, "warning"));
    } else {
        print!("{text}");
    }
    if io {
        2
    } else if errors > 0 || (warnings > 0 && args.deny.is_some()) {
        1
    } else {
        0
    }
}

/// A file, or every `.cine` file under a folder (sorted).
fn expand(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            expand(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "cine") {
            out.push(e);
        }
    }
    Ok(())
}

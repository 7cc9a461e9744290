//! `cine lint`: checks screenplays and reports every diagnostic.

use std::path::PathBuf;

use cine_compiler::report::{render_totals, Format, Totals};
use cine_compiler::{Diagnostic, SourceFile};

/// Arguments of `cine lint`.
#[derive(clap::Args)]
pub struct Args {
    /// Screenplays to check; a folder means every `.cine` file in it; `-` reads one from stdin
    /// (for editor plugins; name it with --stdin-name).
    #[arg(required_unless_present = "explain")]
    pub files: Vec<PathBuf>,
    /// With `-`: the path the text on stdin is checked as (its folder is where `use` paths and
    /// cine.toml are found; diagnostics name it). Default: `stdin.cine` in the working folder.
    #[arg(long, value_name = "PATH")]
    pub stdin_name: Option<PathBuf>,
    /// Output: human (to stderr), json, sarif or github (GitHub Actions annotations), to stdout.
    #[arg(long, default_value = "human", value_parser = ["human", "json", "sarif", "github"])]
    pub format: String,
    /// `--deny warnings` makes warnings fail the run (exit 1).
    #[arg(long, value_parser = ["warnings"])]
    pub deny: Option<String>,
    /// Project root that `use` paths are confined to (default: the folder holding
    /// cine.toml, else each screenplay's folder).
    #[arg(long, value_parser = super::parse_root)]
    pub root: Option<PathBuf>,
    /// Apply the fixes the diagnostics suggest ("did you mean `x`?") in place, list each one,
    /// then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// Explain a rule (`--explain fast-line`): what it checks, its level, an example and its
    /// fix. `--explain` alone lists every rule.
    #[arg(long, value_name = "RULE", num_args = 0..=1, default_missing_value = "", value_parser = RuleName, hide_possible_values = true)]
    pub explain: Option<String>,
}

/// A rule name for `--explain`: any text is taken (an unknown one gets a "did you mean" from
/// `explain::run`), and the rules are offered to shell completion instead of file names.
#[derive(Clone)]
struct RuleName;

impl clap::builder::TypedValueParser for RuleName {
    type Value = String;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &std::ffi::OsStr) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(cine_compiler::Rule::ALL.iter().map(|r| clap::builder::PossibleValue::new(r.name()))))
    }
}

pub fn run(args: Args) -> i32 {
    if let Some(rule) = &args.explain {
        return super::explain::run(rule);
    }
    let format: Format = args.format.parse().unwrap_or(Format::Human);
    let dashes = match super::stdin_once(&args.files) {
        Ok(n) => n,
        Err(e) => {
            eoutln!("error: {e}");
            return 2;
        }
    };
    if let (Some(n), 0) = (&args.stdin_name, dashes) {
        eoutln!("error: --stdin-name {} names the text read from stdin, but no `-` is given; add `-`", n.display());
        return 2;
    }
    let mut files = Vec::new();
    for f in &args.files {
        if f.as_os_str() == "-" {
            if args.fix {
                eoutln!("error: --fix rewrites files; it cannot fix stdin");
                return 2;
            }
            files.push(f.clone());
            continue;
        }
        if let Err(e) = super::screenplays(f, &mut files) {
            eoutln!("error: {e}");
            return 2;
        }
    }
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut sources: Vec<SourceFile> = Vec::new();
    // What each compile found, also past the diagnostics it keeps.
    let mut totals = Totals::default();
    let mut io = false;
    for f in &files {
        let stdin = f.as_os_str() == "-";
        let f = if stdin { args.stdin_name.clone().unwrap_or_else(|| PathBuf::from("stdin.cine")) } else { f.clone() };
        let f = &f;
        let root = args.root.clone().unwrap_or_else(|| cine_compiler::project_root(f));
        let opts = super::compile_options(Some(root));
        let mut out = if stdin {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes) {
                eoutln!("error: cannot read stdin: {e}");
                return 2;
            }
            // Text in another encoding is an error in it, as for a file.
            match cine_compiler::decode(&f.display().to_string(), bytes) {
                Ok(text) => cine_compiler::compile_text(f, &text, &opts, None),
                Err(failed) => failed,
            }
        } else {
            cine_compiler::compile_file(f, &opts, None)
        };
        // A fix can uncover the next one (a camera's parameters are checked once its name is
        // known), so fixing goes on, a few rounds at most, until nothing is left to apply.
        for _ in 0..if args.fix { 4 } else { 0 } {
            match fix(f, &out) {
                Ok(true) => out = cine_compiler::compile_file(f, &opts, None),
                Ok(false) => break,
                Err(e) => {
                    eoutln!("error: cannot write {}: {e}", f.display());
                    return 2;
                }
            }
        }
        io |= out.read_error().is_some();
        totals = totals.add(out.totals());
        let base = sources.len();
        sources.extend(out.sources);
        diags.extend(out.diagnostics.into_iter().map(|mut d| {
            d.file += base;
            d
        }));
    }
    let (errors, warnings) = (totals.errors, totals.warnings);
    let text = render_totals(format, &diags, &sources, totals);
    if format == Format::Human {
        eout!("{text}");
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        eoutln!("{}: {}, {}", plural(files.len(), "file"), plural(errors, "error"), plural(warnings, "warning"));
    } else {
        out!("{text}");
    }
    if io {
        2
    } else if errors > 0 || (warnings > 0 && args.deny.is_some()) {
        1
    } else {
        0
    }
}

/// Applies the suggested fixes of a screenplay's own diagnostics to the file; true when it
/// changed. Each fix is listed on stderr.
fn fix(path: &std::path::Path, out: &cine_compiler::Compiled) -> std::io::Result<bool> {
    let Some(src) = out.sources.first() else { return Ok(false) };
    let fixes = out.diagnostics.iter().filter(|d| d.file == 0).filter_map(|d| d.fix.as_ref());
    let (text, applied) = cine_compiler::apply_fixes(&src.text, fixes);
    if applied.is_empty() {
        return Ok(false);
    }
    // Listed once written: a read-only file is not "fixed".
    super::rewrite(path, &text)?;
    for f in &applied {
        let (line, col) = src.line_col(f.span.start);
        let old = &src.text[f.span.start..f.span.end];
        match f.replacement.as_str() {
            "" => eoutln!("fixed {}:{line}:{col}: removed `{old}`", path.display()),
            new => eoutln!("fixed {}:{line}:{col}: `{old}` -> `{new}`", path.display()),
        }
    }
    Ok(true)
}

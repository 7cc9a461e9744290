//! `cine fmt`: rewrites screenplays in canonical form; `--check` only reports.

use std::io::Read;
use std::path::PathBuf;

use cine_compiler::report::{render, Format};
use cine_compiler::{Diagnostic, Rule, SourceFile};

/// Arguments of `cine fmt`.
#[derive(clap::Args)]
pub struct Args {
    /// Screenplays to format (a folder means every `.cine` file in it; `-` reads stdin
    /// and writes stdout).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> i32 {
    if let Err(e) = super::stdin_once(&args.files) {
        eoutln!("error: {e}");
        return 2;
    }
    let mut files = Vec::new();
    for f in &args.files {
        if f.as_os_str() == "-" {
            files.push(f.clone());
            continue;
        }
        if let Err(e) = super::screenplays(f, &mut files) {
            eoutln!("error: {e}");
            return 2;
        }
    }
    // Each file on its own: one that cannot be read, parsed or written is reported and the
    // rest are still formatted. Exit: 2 if a file could not be read or written, else 1 if one
    // does not parse (or is not formatted, under --check), else 0.
    let mut code = 0;
    for f in &files {
        let stdin = f.as_os_str() == "-";
        let bytes = if stdin {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b).map(|_| b)
        } else {
            std::fs::read(f)
        };
        let name = if stdin { "<stdin>".to_string() } else { f.display().to_string() };
        let text = match bytes.map(|b| cine_compiler::decode(&name, b)) {
            Ok(Ok(t)) => t,
            Ok(Err(failed)) => {
                // Like `cine lint`: a file in another encoding (or too large) is an error in it.
                eout!("{}", render(Format::Human, &failed.diagnostics, &failed.sources));
                eoutln!("error: {name} cannot be formatted");
                code = code.max(1);
                continue;
            }
            Err(e) => {
                eoutln!("error: cannot read {name}: {e}");
                code = 2;
                continue;
            }
        };
        let formatted = match cine_compiler::fmt::format(&text) {
            Ok(s) => s,
            Err(errors) => {
                let sources = vec![SourceFile::new(f.display().to_string(), text)];
                let diags: Vec<Diagnostic> = errors
                    .into_iter()
                    .map(|e| {
                        let mut d = Diagnostic::new(Rule::Syntax, 0, e.span, e.message);
                        d.help = e.help;
                        d
                    })
                    .collect();
                eout!("{}", render(Format::Human, &diags, &sources));
                eoutln!("error: {} does not parse; not formatted", f.display());
                code = code.max(1);
                continue;
            }
        };
        if stdin && !args.check {
            out!("{formatted}");
        } else if formatted != text {
            if args.check {
                outln!("{name}");
                code = code.max(1);
            } else if let Err(e) = super::rewrite(f, &formatted) {
                eoutln!("error: cannot write {}: {e}", f.display());
                code = 2;
            }
        }
    }
    code
}

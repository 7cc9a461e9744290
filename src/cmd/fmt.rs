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
    let mut files = Vec::new();
    for f in &args.files {
        if f.as_os_str() == "-" {
            files.push(f.clone());
            continue;
        }
        if let Err(e) = super::screenplays(f, &mut files) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    let mut code = 0;
    for f in &files {
        let stdin = f.as_os_str() == "-";
        let text = if stdin {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map(|_| s)
        } else {
            std::fs::read(f).and_then(|b| String::from_utf8(b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))))
        };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return 2;
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
                eprint!("{}", render(Format::Human, &diags, &sources));
                eprintln!("error: {} does not parse; not formatted", f.display());
                code = 1;
                continue;
            }
        };
        if stdin {
            out!("{formatted}");
            if args.check && formatted != text {
                code = 1;
            }
        } else if formatted != text {
            if args.check {
                outln!("{}", f.display());
                code = 1;
            } else if let Err(e) = super::rewrite(f, &formatted) {
                eprintln!("error: cannot write {}: {e}", f.display());
                return 2;
            }
        }
    }
    code
}

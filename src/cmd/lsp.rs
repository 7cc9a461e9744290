//! `cine lsp`: the language server, over stdin and stdout, for editors.

/// Arguments of `cine lsp`.
#[derive(clap::Args)]
pub struct Args {
    /// Talk over stdin/stdout (the only transport; accepted because editors pass it).
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: Args) -> i32 {
    let stdin = std::io::BufReader::new(std::io::stdin());
    let stdout = std::io::stdout();
    match cine_lsp::serve(stdin, stdout.lock(), Some(cine_model::registry::profile)) {
        Ok(code) => code,
        Err(e) => {
            eoutln!("cine lsp: {e}");
            2
        }
    }
}

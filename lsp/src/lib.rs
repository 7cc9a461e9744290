//! A language server for screenplays (LSP over stdio), so that editors check a screenplay
//! as it is typed, with the same compiler as `cine lint`.
//!
//! It publishes the compiler's diagnostics on every change (with `cine.toml` levels and
//! inline `cine:allow`), and answers hover (what a name means; for a shot, its frames and the
//! exact prompt the model gets), completion (keywords of the block, vocabulary, cast, sets,
//! shots, constants, call parameters, modules, lint names), go to definition, references,
//! rename, the document outline, formatting (`cine fmt`), quick fixes for "did you mean",
//! semantic tokens (highlighting), inlay hints (each shot's time span and chunks), folding and
//! the highlight of a name's uses.
//! Documents are synced whole. Nothing here knows about models beyond a [`Profiles`] lookup.
//!
//! ```
//! let msg = |v: serde_json::Value| { let b = v.to_string(); format!("Content-Length: {}\r\n\r\n{b}", b.len()) };
//! let input = [
//!     msg(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})),
//!     msg(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})),
//!     msg(serde_json::json!({"jsonrpc": "2.0", "method": "exit"})),
//! ].concat();
//! let mut out = Vec::new();
//! let code = cine_lsp::serve(input.as_bytes(), &mut out, None).unwrap();
//! assert_eq!(code, 0);
//! assert!(String::from_utf8(out).unwrap().contains("\"hoverProvider\":true"));
//! ```

mod analysis;
mod complete;
mod diagnostics;
mod edit;
mod hints;
mod hover;
mod navigate;
pub mod rpc;
mod server;
pub mod text;
mod tokens;

use std::io::{self, BufRead, Write};

pub use analysis::Profiles;
pub use server::DOCUMENT_REQUESTS;

/// Serves one client until it sends `exit` or closes the stream. Returns the exit code:
/// 0 after `shutdown` then `exit`, 1 otherwise (LSP's rule).
pub fn serve(mut input: impl BufRead, output: impl Write, profiles: Profiles) -> io::Result<i32> {
    let mut server = server::Server::new(output, profiles);
    loop {
        match rpc::read(&mut input)? {
            rpc::Incoming::End => return Ok(1),
            rpc::Incoming::Bad(why) => {
                eprintln!("cine lsp: skipped {why}");
                server.send(serde_json::json!({ "jsonrpc": "2.0", "id": null, "error": { "code": server::PARSE_ERROR, "message": why } }))?;
            }
            rpc::Incoming::Message(msg) => {
                if let Some(code) = server.handle(msg)? {
                    return Ok(code);
                }
            }
        }
    }
}

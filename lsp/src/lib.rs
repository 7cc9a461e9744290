//! A language server for screenplays (LSP over stdio), so that editors check a screenplay
//! as it is typed, with the same compiler as `cine lint`.
//!
//! It publishes the compiler's diagnostics on every change (with `cine.toml` levels and
//! inline `cine:allow`), and answers hover (what a name means; for a shot, its frames and the
//! exact prompt the model gets), completion (keywords of the block, vocabulary, cast, sets,
//! shots, constants, call parameters, modules, lint names), go to definition, references,
//! rename, the document outline, formatting (`cine fmt`), quick fixes for "did you mean",
//! semantic tokens (highlighting), inlay hints (each shot's time span and chunks, each say line's time on screen), folding and
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
//! let code = cine_lsp::serve(std::io::Cursor::new(input.into_bytes()), &mut out, None).unwrap();
//! assert_eq!(code, 0);
//! assert!(String::from_utf8(out).unwrap().contains("\"hoverProvider\":true"));
//! ```

/// `eprintln!` that ignores a stderr that has gone away, so the work goes on.
macro_rules! eoutln {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stderr(), $($t)*); }};
}

mod analysis;
mod complete;
mod diagnostics;
mod edit;
mod hints;
mod hover;
mod navigate;
mod project;
pub mod rpc;
mod server;
pub mod text;
mod tokens;

use std::io::{self, BufRead, Write};

pub use analysis::Profiles;
pub use server::DOCUMENT_REQUESTS;

/// Serves one client until it sends `exit` or closes the stream. Returns the exit code:
/// 0 after `shutdown` then `exit`, 1 otherwise (LSP's rule).
///
/// A thread reads messages as they come; a change to a document that the next message already
/// replaces (the client typed on while the server was compiling) is skipped, so a long film does
/// not fall behind the keyboard.
pub fn serve<R: BufRead + Send + 'static>(input: R, output: impl Write, profiles: Profiles) -> io::Result<i32> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut input = input;
        loop {
            let m = rpc::read(&mut input);
            let go_on = matches!(m, Ok(rpc::Incoming::Message(_) | rpc::Incoming::Bad(_)));
            if tx.send(m).is_err() || !go_on {
                break;
            }
        }
    });
    let mut server = server::Server::new(output, profiles);
    let mut queue = std::collections::VecDeque::new();
    loop {
        if queue.is_empty() {
            queue.push_back(rx.recv().unwrap_or(Ok(rpc::Incoming::End)));
        }
        queue.extend(rx.try_iter());
        let Some(next) = queue.pop_front() else { continue };
        match next? {
            rpc::Incoming::End => return Ok(1),
            rpc::Incoming::Bad(why) => {
                eoutln!("cine lsp: skipped {why}");
                server.send(serde_json::json!({ "jsonrpc": "2.0", "id": null, "error": { "code": server::PARSE_ERROR, "message": why } }))?;
            }
            rpc::Incoming::Message(msg) => {
                if superseded(&msg, queue.front()) {
                    continue;
                }
                if let Some(code) = server.handle(msg)? {
                    return Ok(code);
                }
            }
        }
    }
}

/// Whether a message is a whole-text change that the next one replaces (the same document
/// changed again, nothing asked in between).
fn superseded(msg: &serde_json::Value, next: Option<&io::Result<rpc::Incoming>>) -> bool {
    let change = |m: &serde_json::Value| {
        (m["method"] == "textDocument/didChange").then(|| m.pointer("/params/textDocument/uri").cloned()).flatten()
    };
    match (change(msg), next) {
        (Some(uri), Some(Ok(rpc::Incoming::Message(n)))) => change(n) == Some(uri),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(uri: &str, v: i64) -> serde_json::Value {
        json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "text": "" }] } })
    }

    #[test]
    fn only_a_change_followed_by_a_change_of_the_same_document_is_skipped() {
        let next = |m: serde_json::Value| Some(Ok(rpc::Incoming::Message(m)));
        assert!(superseded(&change("a", 1), next(change("a", 2)).as_ref()));
        assert!(!superseded(&change("a", 1), next(change("b", 2)).as_ref()), "another document");
        assert!(!superseded(&change("a", 1), None), "nothing after it");
        let hover = json!({ "jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": { "textDocument": { "uri": "a" } } });
        assert!(!superseded(&change("a", 1), next(hover.clone()).as_ref()), "a request on the version in between");
        assert!(!superseded(&hover, next(change("a", 2)).as_ref()));
    }
}

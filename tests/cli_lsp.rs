//! `cine lsp`: the language server as an editor starts it, over the process's stdin/stdout.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn frame(v: Value) -> Vec<u8> {
    let body = v.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn an_editor_session_over_stdio() {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = format!("{root}/screenplays/lighthouse.cine");
    let text = std::fs::read_to_string(&path).unwrap().replacen("subjects keeper", "subjects keepr", 1);
    let uri = format!("file://{path}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine")).args(["lsp", "--stdio"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for m in [
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "processId": null, "capabilities": {} } }),
        json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "cine", "version": 1, "text": text } } }),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }),
        json!({ "jsonrpc": "2.0", "method": "exit" }),
    ] {
        stdin.write_all(&frame(m)).unwrap();
    }
    drop(stdin);
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{out}");
    let bodies: Vec<Value> = out.split("Content-Length: ").filter(|s| !s.is_empty()).map(|s| serde_json::from_str(s.split_once("\r\n\r\n").unwrap().1).unwrap()).collect();
    assert_eq!(bodies.len(), 3, "{out}");
    assert_eq!(bodies[0]["result"]["serverInfo"]["name"], "cine");
    let diags = bodies[1]["params"]["diagnostics"].as_array().unwrap();
    // The screenplay's model (cine-tiny) is known to the server: the only problems are the typo's.
    assert!(!diags.is_empty() && diags.iter().all(|d| d["message"].as_str().unwrap().contains("keep")), "{diags:?}");
    assert_eq!(diags[0]["code"], "cine::undefined-cast");
    assert!(diags[0]["message"].as_str().unwrap().contains("did you mean `keeper`?"));
}

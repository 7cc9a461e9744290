//! How long an editor waits on `cine lsp` for a long screenplay: a whole-text change (compile
//! and publish), then semantic tokens, completion, hover and the outline.
//! `cargo bench -p cine-lsp` (add `-- 1000` for another shot count).

use std::time::Instant;

use serde_json::{json, Value};

fn frame(v: Value) -> Vec<u8> {
    let body = v.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// A film of `shots` shots in scenes of 50.
fn film(shots: usize) -> String {
    let mut s = String::from("title \"Bench\"\nfps 16\n");
    for i in 0..40 {
        s += &format!("cast c{i} \"person number {i} in a coat\"\n");
    }
    for i in 0..20 {
        s += &format!("set s{i} \"place number {i}\"\n");
    }
    for n in 0..shots {
        if n % 50 == 0 {
            s += &format!("{}scene s{} {{\n", if n > 0 { "}\n" } else { "" }, (n / 50) % 20);
        }
        let (a, b) = (n % 40, (n + 7) % 40);
        s += &format!("  shot k{n} {{\n    duration 2s\n    size wide\n    subjects c{a}, c{b}\n    camera pan_left(speed: slow)\n    action \"walks to window {n}\"\n  }}\n");
    }
    s + "}\n"
}

fn main() {
    let shots: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let text = film(shots);
    let uri = "file:///tmp/cine-bench/film.cine";
    let lines = text.lines().count() as u32;
    let steps: Vec<(&str, Value)> = vec![
        ("change (compile + publish)", json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": text }] } })),
        ("semantic tokens", json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/semanticTokens/full", "params": { "textDocument": { "uri": uri } } })),
        ("completion after `camera `", json!({ "jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": { "textDocument": { "uri": uri }, "position": { "line": lines - 4, "character": 11 } } })),
        ("hover on a shot", json!({ "jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": { "textDocument": { "uri": uri }, "position": { "line": lines - 8, "character": 3 } } })),
        ("outline", json!({ "jsonrpc": "2.0", "id": 5, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } })),
    ];
    let mut open = frame(json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {} }));
    open.extend(frame(json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "version": 1, "text": text } } })));
    let base = time(&open, 7);
    println!("cine lsp, {shots} shots ({} KiB): median of 7 runs, the open (initialize + didOpen, {base:.1} ms) subtracted", text.len() / 1024);
    for (name, msg) in steps {
        let mut input = open.clone();
        input.extend(frame(msg));
        let ms = time(&input, 7) - base;
        // Below the run-to-run noise of the open the difference can come out negative.
        if ms < 1.0 {
            println!("  {name:<28} {:>8} ms (below the noise)", "< 1");
        } else {
            println!("  {name:<28} {ms:>8.1} ms");
        }
    }
}

/// Median wall time of serving `input` (ms).
fn time(input: &[u8], runs: usize) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let mut out = Vec::new();
            let start = Instant::now();
            cine_lsp::serve(std::io::Cursor::new(input.to_vec()), &mut out, None).unwrap();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[runs / 2]
}

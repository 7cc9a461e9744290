//! The protocol: initialize, shutdown and exit, and bad input that must not stop the server.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn initialize_announces_the_features_and_exit_after_shutdown_is_clean() {
    let r = Session::new(json!({})).finish();
    let caps = &r.result(1)["capabilities"];
    for feature in ["hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider", "renameProvider", "documentFormattingProvider"] {
        assert_eq!(caps[feature], true, "{feature}");
    }
    assert_eq!(caps["textDocumentSync"]["change"], 1, "whole-document sync");
    assert_eq!(caps["positionEncoding"], "utf-16", "the default encoding when the client offers nothing else");
    assert_eq!(r.result(2), &Value::Null, "shutdown answers null");
    assert_eq!(r.code, 0);
}

#[test]
fn exit_without_shutdown_or_a_closed_stream_exits_with_1() {
    let mut s = Session::new(json!({}));
    s.notify("exit", Value::Null);
    assert_eq!(s.run().code, 1);
    assert_eq!(Session::new(json!({})).run().code, 1, "end of input");
}

#[test]
fn requests_before_initialize_and_unknown_methods_are_errors_not_crashes() {
    let mut input = frame(&json!({ "jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {} }));
    input.extend(frame(&json!({ "jsonrpc": "2.0", "id": 8, "method": "initialize", "params": {} })));
    input.extend(frame(&json!({ "jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {} })));
    input.extend(frame(&json!({ "jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": { "textDocument": { "uri": "file:///nowhere.cine" }, "position": { "line": 0, "character": 0 } } })));
    let mut out = Vec::new();
    cine_lsp::serve(std::io::Cursor::new(input), &mut out, None).unwrap();
    let msgs = messages(&out);
    let error = |id: i64| msgs.iter().find(|m| m["id"] == json!(id)).unwrap()["error"].clone();
    assert_eq!(error(7)["code"], -32002);
    assert_eq!(error(9)["code"], -32601);
    assert_eq!(error(10)["code"], -32602);
    assert!(error(10)["message"].as_str().unwrap().contains("didOpen"), "{}", error(10));
}

#[test]
fn a_message_that_is_not_json_is_answered_and_the_next_one_still_served() {
    let mut s = Session::new(json!({}));
    s.raw(b"Content-Length: 9\r\n\r\n{not json");
    s.raw(b"X-Nothing: 1\r\n\r\n");
    s.open("file:///tmp/p/pier.cine", FILM);
    let (line, col) = pos(FILM, "mara \"");
    let hover = s.at("textDocument/hover", "file:///tmp/p/pier.cine", line, col);
    let r = s.finish();
    let errors: Vec<&Value> = r.msgs.iter().filter(|m| m["error"]["code"] == -32700).collect();
    assert_eq!(errors.len(), 2, "{:?}", r.msgs);
    assert!(r.result(hover)["contents"]["value"].as_str().unwrap().contains("fisherwoman"));
    assert_eq!(r.code, 0);
}

#[test]
fn malformed_params_get_answers_never_an_internal_error() {
    let uri = "file:///tmp/cine-lsp-test/pier.cine";
    let mut s = Session::new(json!({}));
    s.open(uri, FILM);
    s.notify("textDocument/didOpen", json!({ "textDocument": 7 }));
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri }, "contentChanges": "nope" }));
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": 5 }, "contentChanges": [{ "text": 5 }] }));
    let methods = cine_lsp::DOCUMENT_REQUESTS;
    assert!(methods.len() >= 12);
    let bad = [
        json!(5),
        json!([]),
        json!({ "textDocument": 3 }),
        json!({ "textDocument": { "uri": uri }, "position": "x" }),
        json!({ "textDocument": { "uri": uri }, "position": { "line": -1, "character": 1e9 } }),
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 2 }, "range": [], "newName": 3, "context": null }),
    ];
    let mut ids = Vec::new();
    for &m in methods {
        for p in &bad {
            ids.push(s.request(m, p.clone()));
        }
    }
    let r = s.finish();
    for id in ids {
        let a = r.answer(id);
        assert!(a.get("result").is_some() || a["error"]["code"] != -32603, "{a}");
    }
    assert_eq!(r.code, 0);
}

#[test]
fn changes_that_queue_up_behind_a_slow_compile_are_skipped_for_the_newest() {
    // A long film compiles for a while; the changes typed meanwhile wait in the queue, and only
    // the last of them is compiled and published.
    let mut film = String::from("cast mara \"a fisherwoman\"\nset pier \"a pier\"\n");
    for k in 0..40 {
        film += "scene pier {\n";
        for n in 0..50 {
            film += &format!("  shot s{k}_{n} {{\n    duration 1s\n    subjects mara\n    camera pan_left(speed: slow)\n    action \"she walks\"\n  }}\n");
        }
        film += "}\n";
    }
    let uri = "file:///tmp/cine-lsp-test/long.cine";
    let live = Live::start();
    live.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "version": 1, "text": film } }));
    for v in 2..=4 {
        live.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "text": film.replacen("subjects mara", &format!("subjects nobody{v}"), 1) }] }));
    }
    live.send(json!({ "jsonrpc": "2.0", "id": 9, "method": "shutdown" }));
    let msgs = live.wait(4);
    let versions: Vec<i64> = msgs.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").map(|m| m["params"]["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, vec![1, 4], "{msgs:?}");
    let last = msgs.iter().rfind(|m| m["method"] == "textDocument/publishDiagnostics").unwrap();
    assert!(last["params"]["diagnostics"][0]["message"].as_str().unwrap().contains("nobody4"));
    live.stop();
}

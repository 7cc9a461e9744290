//! A client that speaks to the server in memory: messages in, messages out.

#![allow(dead_code)]

use serde_json::{json, Value};

pub const FILM: &str = "title \"Pier\"\nfps 16\ncast mara \"a fisherwoman in a red coat\"\nset pier \"a wooden pier at dawn\"\n\nscene pier {\n  time dawn\n  shot arrival {\n    duration 2s\n    size wide\n    subjects mara\n    camera pan_left(speed: slow)\n    at 1s: \"gulls rise\"\n  }\n  shot {\n    duration 1s\n    subjects mara\n    recall shot arrival\n  }\n}\n";

pub fn frame(v: &Value) -> Vec<u8> {
    let body = v.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Splits the server's output into messages.
pub fn messages(mut out: &[u8]) -> Vec<Value> {
    let mut msgs = Vec::new();
    while !out.is_empty() {
        let text = std::str::from_utf8(out).unwrap();
        let head_end = text.find("\r\n\r\n").expect("a header");
        let len: usize = text[..head_end].trim_start_matches("Content-Length: ").parse().unwrap();
        let body = &out[head_end + 4..head_end + 4 + len];
        msgs.push(serde_json::from_slice(body).unwrap());
        out = &out[head_end + 4 + len..];
    }
    msgs
}

/// A session: requests queued with ids 1, 2, ..., run in one go.
pub struct Session {
    input: Vec<u8>,
    next: i64,
    pub profiles: cine_lsp::Profiles,
}

impl Session {
    /// A session that has sent `initialize` (with the client's capabilities) and `initialized`.
    pub fn new(capabilities: Value) -> Self {
        let mut s = Session { input: Vec::new(), next: 1, profiles: None };
        s.request("initialize", json!({ "capabilities": capabilities }));
        s.notify("initialized", json!({}));
        s
    }
    pub fn raw(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
    }
    pub fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next;
        self.next += 1;
        self.raw(&frame(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })));
        id
    }
    pub fn notify(&mut self, method: &str, params: Value) {
        self.raw(&frame(&json!({ "jsonrpc": "2.0", "method": method, "params": params })));
    }
    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "cine", "version": 1, "text": text } }));
    }
    pub fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> i64 {
        self.request(method, json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }))
    }
    /// Sends shutdown and exit; returns the exit code and every message the server sent.
    pub fn finish(mut self) -> Reply {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.run()
    }
    /// Runs the input as it is (no shutdown added).
    pub fn run(self) -> Reply {
        let mut out = Vec::new();
        let code = cine_lsp::serve(std::io::Cursor::new(self.input), &mut out, self.profiles).unwrap();
        Reply { code, msgs: messages(&out) }
    }
}

pub struct Reply {
    pub code: i32,
    pub msgs: Vec<Value>,
}

impl Reply {
    /// The answer to request `id` (its result, or panics on an error).
    pub fn result(&self, id: i64) -> &Value {
        let m = self.answer(id);
        assert!(m.get("error").is_none(), "request {id} failed: {m}");
        &m["result"]
    }
    pub fn answer(&self, id: i64) -> &Value {
        self.msgs.iter().find(|m| m["id"] == json!(id)).unwrap_or_else(|| panic!("no answer to {id}: {:?}", self.msgs))
    }
    /// The diagnostics last published for a URI.
    pub fn diagnostics(&self, uri: &str) -> Vec<Value> {
        let last = self.msgs.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri).last();
        last.unwrap_or_else(|| panic!("nothing published for {uri}"))["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

/// The `{line, character}` of the first occurrence of `needle` in `text` (ASCII text).
pub fn pos(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let line = text[..at].matches('\n').count() as u32;
    let col = (at - text[..at].rfind('\n').map_or(0, |i| i + 1)) as u32;
    (line, col)
}

/// A model profile for tests: chunks of 12 frames (the first 9), like cine-tiny.
pub fn tiny_profile(name: &str) -> Option<cine_ir::ModelProfile> {
    (name == "cine-tiny").then(|| cine_ir::ModelProfile { name: name.into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None })
}

/// A server running in a thread, spoken to message by message (for tests that change files
/// on disk between messages).
pub struct Live {
    tx: Option<std::sync::mpsc::Sender<Vec<u8>>>,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    thread: Option<std::thread::JoinHandle<i32>>,
}

struct Pipe {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

impl std::io::Read for Pipe {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        if self.buf.is_empty() {
            match self.rx.recv() {
                Ok(b) => self.buf = b,
                Err(_) => return Ok(0),
            }
        }
        let n = into.len().min(self.buf.len());
        into[..n].copy_from_slice(&self.buf[..n]);
        self.buf.drain(..n);
        Ok(n)
    }
}

struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Live {
    pub fn start() -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = Shared(out.clone());
        let thread = std::thread::spawn(move || cine_lsp::serve(std::io::BufReader::new(Pipe { rx, buf: vec![] }), writer, None).unwrap());
        let live = Live { tx: Some(tx), out, thread: Some(thread) };
        live.send(json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {} }));
        live
    }
    pub fn send(&self, v: Value) {
        self.tx.as_ref().unwrap().send(frame(&v)).unwrap();
    }
    pub fn notify(&self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }
    /// Waits (up to 10 s) until the server has sent `n` messages; returns them all.
    pub fn wait(&self, n: usize) -> Vec<Value> {
        let t0 = std::time::Instant::now();
        loop {
            let msgs = messages(&self.out.lock().unwrap());
            if msgs.len() >= n || t0.elapsed().as_secs() > 10 {
                return msgs;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    /// Ends the session (end of input) and returns the exit code.
    pub fn stop(mut self) -> i32 {
        self.tx.take();
        self.thread.take().unwrap().join().unwrap()
    }
}

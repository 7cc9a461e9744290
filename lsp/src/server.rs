//! The server: the lifecycle, open documents, and dispatch of requests to the features.

use std::collections::HashMap;
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Value};

use crate::analysis::{Doc, Profiles};
use crate::text::Encoding;
use crate::{diagnostics, edit, hover, navigate, rpc};

/// An error answer: a JSON-RPC code and a message for the user.
pub type Failure = (i64, String);

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const NOT_INITIALIZED: i64 = -32002;
pub const REQUEST_FAILED: i64 = -32803;

/// The requests about one open document that the server answers.
pub const DOCUMENT_REQUESTS: &[&str] = &[
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentSymbol",
    "textDocument/rename",
    "textDocument/formatting",
    "textDocument/codeAction",
    "textDocument/semanticTokens/full",
    "textDocument/inlayHint",
    "textDocument/foldingRange",
    "textDocument/documentHighlight",
    "textDocument/signatureHelp",
];

pub struct Server<W: Write> {
    out: W,
    pub docs: HashMap<String, Doc>,
    pub enc: Encoding,
    profiles: Profiles,
    initialized: bool,
    shutdown: bool,
}

impl<W: Write> Server<W> {
    pub fn new(out: W, profiles: Profiles) -> Self {
        Server { out, docs: HashMap::new(), enc: Encoding::Utf16, profiles, initialized: false, shutdown: false }
    }

    /// Handles one incoming message; `Some(code)` when the client asked the server to exit.
    pub fn handle(&mut self, msg: Value) -> io::Result<Option<i32>> {
        let method = msg.get("method").and_then(Value::as_str).map(str::to_string);
        let id = msg.get("id").cloned();
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let Some(method) = method else {
            if id.is_none() {
                self.fail(Value::Null, (INVALID_REQUEST, "a message with neither a method nor an id".into()))?;
            }
            return Ok(None); // a response to a request of ours (we send none)
        };
        let Some(id) = id else {
            return self.notify(&method, params);
        };
        let answer = if !self.initialized && method != "initialize" {
            Err((NOT_INITIALIZED, format!("`{method}` before `initialize`")))
        } else if self.shutdown {
            Err((INVALID_REQUEST, format!("`{method}` after `shutdown`")))
        } else {
            match catch_unwind(AssertUnwindSafe(|| self.request(&method, &params))) {
                Ok(a) => a,
                Err(_) => Err((INTERNAL_ERROR, format!("cine lsp failed on `{method}`; the document is kept, please report this"))),
            }
        };
        match answer {
            Ok(result) => self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }))?,
            Err(f) => self.fail(id, f)?,
        }
        Ok(None)
    }

    fn request(&mut self, method: &str, params: &Value) -> Result<Value, Failure> {
        if method == "initialize" {
            return Ok(self.initialize(params));
        }
        if method == "shutdown" {
            self.shutdown = true;
            return Ok(Value::Null);
        }
        if !DOCUMENT_REQUESTS.contains(&method) {
            return Err((METHOD_NOT_FOUND, format!("cine lsp does not support `{method}`")));
        }
        let doc = self.doc(params)?;
        let enc = self.enc;
        // The unsaved texts of the open documents, for rename and references across files.
        let open: HashMap<std::path::PathBuf, String> = self.docs.values().filter_map(|d| Some((d.path.clone()?, d.text.clone()))).collect();
        let project = crate::project::Project { profiles: self.profiles, open: &open };
        match method {
            "textDocument/hover" => Ok(hover::hover(doc, enc, params)),
            "textDocument/completion" => Ok(crate::complete::complete(doc, enc, params)),
            "textDocument/definition" => Ok(navigate::definition(doc, enc, params)),
            "textDocument/references" => Ok(navigate::references(doc, enc, params, &project)),
            "textDocument/documentSymbol" => Ok(navigate::outline(doc, enc)),
            "textDocument/rename" => navigate::rename(doc, enc, params, &project),
            "textDocument/formatting" => edit::format(doc, enc),
            "textDocument/codeAction" => Ok(edit::code_actions(doc, enc, params)),
            "textDocument/semanticTokens/full" => Ok(crate::tokens::full(doc, enc)),
            "textDocument/inlayHint" => Ok(crate::hints::inlay(doc, enc, params)),
            "textDocument/foldingRange" => Ok(crate::hints::folding(doc, enc)),
            "textDocument/documentHighlight" => Ok(crate::hints::highlight(doc, enc, params)),
            "textDocument/signatureHelp" => Ok(crate::complete::signature(doc, enc, params)),
            _ => Err((METHOD_NOT_FOUND, format!("cine lsp does not support `{method}`"))),
        }
    }

    /// The open document a request is about.
    fn doc(&self, params: &Value) -> Result<&Doc, Failure> {
        let uri = params.pointer("/textDocument/uri").and_then(Value::as_str).ok_or((INVALID_PARAMS, "missing textDocument.uri".to_string()))?;
        self.docs.get(uri).ok_or_else(|| (INVALID_PARAMS, format!("{uri} is not open (send textDocument/didOpen first)")))
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let offered = params.pointer("/capabilities/general/positionEncodings").and_then(Value::as_array);
        if offered.is_some_and(|v| v.iter().any(|e| e == "utf-8")) {
            self.enc = Encoding::Utf8;
        }
        self.initialized = true;
        json!({
            "capabilities": {
                "positionEncoding": if self.enc == Encoding::Utf8 { "utf-8" } else { "utf-16" },
                "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
                "hoverProvider": true,
                "completionProvider": { "triggerCharacters": [" ", "(", ",", ":"] },
                "definitionProvider": true,
                "referencesProvider": true,
                "documentSymbolProvider": true,
                "renameProvider": true,
                "documentFormattingProvider": true,
                "codeActionProvider": { "codeActionKinds": ["quickfix"] },
                "signatureHelpProvider": { "triggerCharacters": ["(", ","] },
                "inlayHintProvider": true,
                "foldingRangeProvider": true,
                "documentHighlightProvider": true,
                "semanticTokensProvider": {
                    "legend": { "tokenTypes": crate::tokens::TYPES, "tokenModifiers": crate::tokens::MODIFIERS },
                    "full": true,
                },
            },
            "serverInfo": { "name": "cine", "version": env!("CARGO_PKG_VERSION") },
        })
    }

    fn notify(&mut self, method: &str, params: Value) -> io::Result<Option<i32>> {
        let uri = params.pointer("/textDocument/uri").and_then(Value::as_str).map(str::to_string);
        match (method, uri) {
            ("exit", _) => return Ok(Some(if self.shutdown { 0 } else { 1 })),
            ("textDocument/didOpen", Some(uri)) => {
                let text = params.pointer("/textDocument/text").and_then(Value::as_str).unwrap_or_default().to_string();
                let version = params.pointer("/textDocument/version").and_then(Value::as_i64).unwrap_or(0);
                self.update(uri, text, version)?;
            }
            ("textDocument/didChange", Some(uri)) => {
                // Full sync: the last change holds the whole text.
                let changes = params.get("contentChanges").and_then(Value::as_array);
                let text = changes.and_then(|c| c.last()).and_then(|c| c.get("text")).and_then(Value::as_str);
                let version = params.pointer("/textDocument/version").and_then(Value::as_i64).unwrap_or(0);
                if let Some(text) = text {
                    self.update(uri, text.to_string(), version)?;
                }
            }
            ("textDocument/didSave", Some(_)) | ("workspace/didChangeWatchedFiles", _) => {
                // Used files or cine.toml may have changed on disk: check every open document again.
                self.recheck(|_| true)?;
            }
            ("textDocument/didClose", Some(uri)) => {
                self.docs.remove(&uri);
                self.send(diagnostics::publish(&uri, None, vec![]))?;
                self.check_users(&uri)?; // they read the file from disk again
            }
            _ => {} // initialized, $/cancelRequest, $/setTrace, ...: nothing to do
        }
        Ok(None)
    }

    /// Compiles a document's new text and publishes its diagnostics; then checks again the
    /// open documents that use it (they read it from here, not from disk).
    fn update(&mut self, uri: String, text: String, version: i64) -> io::Result<()> {
        self.check(uri.clone(), text, version)?;
        self.check_users(&uri)
    }

    /// Checks again the open documents that use the file of `uri`.
    fn check_users(&mut self, uri: &str) -> io::Result<()> {
        let Some(path) = crate::text::to_path(uri).and_then(|p| p.canonicalize().ok()) else { return Ok(()) };
        self.recheck(|d| d.uri != uri && d.compiled.sources.iter().skip(1).any(|s| s.path.as_ref() == Some(&path)))
    }

    /// Compiles again, from their current text, the open documents that `which` picks.
    fn recheck(&mut self, which: impl Fn(&Doc) -> bool) -> io::Result<()> {
        let picked: Vec<(String, String, i64)> = self.docs.values().filter(|d| which(d)).map(|d| (d.uri.clone(), d.text.clone(), d.version)).collect();
        for (uri, text, version) in picked {
            self.check(uri, text, version)?;
        }
        Ok(())
    }

    fn check(&mut self, uri: String, text: String, version: i64) -> io::Result<()> {
        let profiles = self.profiles;
        let enc = self.enc;
        let open: HashMap<std::path::PathBuf, String> = self
            .docs
            .values()
            .filter(|d| d.uri != uri)
            .filter_map(|d| Some((d.path.clone()?, d.text.clone())))
            .collect();
        let open = (!open.is_empty()).then(|| std::sync::Arc::new(open));
        let doc = match catch_unwind(AssertUnwindSafe(|| Doc::new(uri.clone(), text, version, profiles, open))) {
            Ok(doc) => doc,
            Err(_) => {
                eoutln!("cine lsp: the compiler failed on {uri}; its diagnostics are not updated");
                return Ok(());
            }
        };
        let msg = diagnostics::publish(&uri, Some(version), diagnostics::of(&doc, enc));
        self.docs.insert(uri, doc);
        self.send(msg)
    }

    fn fail(&mut self, id: Value, (code, message): Failure) -> io::Result<()> {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }))
    }

    pub fn send(&mut self, msg: Value) -> io::Result<()> {
        rpc::write(&mut self.out, &msg)
    }
}

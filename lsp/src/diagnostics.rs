//! The compiler's diagnostics as LSP diagnostics.

use cine_compiler::{Diagnostic, Severity, SourceFile};
use cine_grammar::Span;
use serde_json::{json, Value};

use crate::analysis::Doc;
use crate::text::{Encoding, LineIndex};

/// Every diagnostic of a document's compile. Problems found in a used file are shown on the
/// `use` line that loads it, directly or through other used files (cine.toml's on the first
/// line), pointing to the place in that file.
pub fn of(doc: &Doc, enc: Encoding) -> Vec<Value> {
    let index = doc.index(enc);
    doc.compiled.diagnostics.iter().map(|d| one(doc, &index, enc, d)).collect()
}

/// One diagnostic of the document's compile.
pub fn one(doc: &Doc, index: &LineIndex, enc: Encoding, d: &Diagnostic) -> Value {
    let mut message = d.message_with_help();
    let sources = &doc.compiled.sources;
    let mut related = Vec::new();
    let range = if d.file == 0 {
        for l in &d.others {
            related.push(json!({ "location": { "uri": doc.uri, "range": index.range(l.span) }, "message": l.text }));
        }
        index.range(d.span)
    } else {
        let src = sources.get(d.file);
        let name = src.map_or("another file", |s| s.name.as_str());
        if let Some(src) = src {
            let (line, col) = src.line_col(d.span.start);
            message = format!("in {name}:{line}:{col}: {message}");
            if let Some(uri) = doc.file_uri(d.file) {
                let there = LineIndex::new(&src.text, enc);
                related.push(json!({ "location": { "uri": uri, "range": there.range(d.span) }, "message": d.label }));
            }
        }
        index.range(use_line(sources, d.file))
    };
    let mut v = json!({
        "range": range,
        "severity": if d.severity == Severity::Error { 1 } else { 2 },
        "code": d.rule.code(),
        "source": "cine",
        "message": message,
    });
    if !related.is_empty() {
        v["relatedInformation"] = Value::Array(related);
    }
    v
}

/// The `use` statement of the document (file 0) that loads a file, following the chain of
/// used files up; the start of the text for a file no `use` loads (cine.toml, the prelude).
fn use_line(sources: &[SourceFile], file: usize) -> Span {
    let mut at = file;
    // Each step goes to the file that loaded this one; a chain is never longer than the files.
    for _ in 0..sources.len() {
        match sources.get(at).and_then(|s| s.used_at) {
            Some((0, span)) => return span,
            Some((by, _)) => at = by,
            None => break,
        }
    }
    Span::new(0, 0)
}

/// The `textDocument/publishDiagnostics` notification.
pub fn publish(uri: &str, version: Option<i64>, diagnostics: Vec<Value>) -> Value {
    let mut params = json!({ "uri": uri, "diagnostics": diagnostics });
    if let Some(v) = version {
        params["version"] = json!(v);
    }
    json!({ "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params })
}

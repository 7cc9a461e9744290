//! Edits: formatting the document, and quick fixes from the compiler's suggestions.

use cine_grammar::Span;
use serde_json::{json, Value};

use crate::analysis::Doc;
use crate::server::{Failure, REQUEST_FAILED};
use crate::text::Encoding;

/// `cine fmt` of the document as one edit; no edit when it is already formatted. Refused
/// while the document has syntax errors, so formatting never loses text.
pub fn format(doc: &Doc, enc: Encoding) -> Result<Value, Failure> {
    match cine_compiler::fmt::format(&doc.text) {
        Ok(text) if text == doc.text => Ok(json!([])),
        Ok(text) => Ok(json!([{ "range": doc.index(enc).all(), "newText": text }])),
        Err(errors) => {
            let line = doc.index(enc).position(errors[0].span.start)["line"].as_u64().unwrap_or(0) + 1;
            Err((REQUEST_FAILED, format!("cannot format: line {line} does not parse ({})", errors[0].message)))
        }
    }
}

/// A quick fix for every diagnostic in the range whose help is one exact replacement.
pub fn code_actions(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let index = doc.index(enc);
    let range = index.range_in(params);
    let touches = |s: Span| s.start <= range.end && range.start <= s.end;
    let mut out = Vec::new();
    for d in &doc.compiled.diagnostics {
        let Some(fix) = &d.fix else { continue };
        if d.file != 0 || !touches(d.span) {
            continue;
        }
        let shown = crate::diagnostics::one(doc, &index, enc, d);
        out.push(json!({
            "title": fix.title(&doc.text),
            "kind": "quickfix",
            "isPreferred": true,
            "diagnostics": [shown],
            "edit": { "changes": { doc.uri.clone(): [{ "range": index.range(fix.span), "newText": fix.replacement }] } },
        }));
    }
    Value::Array(out)
}

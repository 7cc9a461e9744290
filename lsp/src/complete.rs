//! Completion: keywords of the block, vocabulary entries, cast, sets, shots, constants,
//! call parameters, stdlib modules and lint names, each where the grammar allows it.

use cine_compiler::symbols::SymbolKind;
use cine_compiler::Rule;
use cine_grammar::Context;
use serde_json::{json, Value};

use crate::analysis::{context_at, line_before, word_before, Doc};
use crate::text::Encoding;

// LSP CompletionItemKind values.
const KEYWORD: u8 = 14;
const VALUE: u8 = 12;
const VARIABLE: u8 = 6;
const MODULE: u8 = 9;
const CONSTANT: u8 = 21;
const PROPERTY: u8 = 10;
const REFERENCE: u8 = 18;

pub fn complete(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let index = doc.index(enc);
    let Some(offset) = index.cursor(params) else { return json!([]) };
    let word = word_before(&doc.text, offset);
    let range = index.range(word);
    let items: Vec<Value> = candidates(doc, offset)
        .into_iter()
        .map(|c| {
            let mut item = json!({ "label": c.label, "kind": c.kind, "textEdit": { "range": range, "newText": c.label } });
            if !c.detail.is_empty() {
                item["detail"] = json!(c.detail);
            }
            item
        })
        .collect();
    json!({ "isIncomplete": false, "items": items })
}

struct Candidate {
    label: String,
    kind: u8,
    detail: String,
}

fn cand(label: &str, kind: u8, detail: &str) -> Candidate {
    Candidate { label: label.to_string(), kind, detail: detail.to_string() }
}

/// What may be written at the offset, filtered by the word typed so far.
fn candidates(doc: &Doc, offset: usize) -> Vec<Candidate> {
    let before = line_before(&doc.text, offset);
    let typed = &doc.text[word_before(&doc.text, offset).start..offset.min(doc.text.len())];
    let mut out = Vec::new();
    let (comment, in_text) = scan(before);
    if let Some(comment) = comment {
        if let Some(open) = before[comment..].find("cine:allow(") {
            let inside = &before[comment + open..];
            if !inside.contains(')') {
                out.extend(Rule::ALL.iter().filter(|r| r.is_lint()).map(|r| cand(r.name(), VALUE, r.doc())));
            }
        }
        return filter(out, typed);
    }
    if in_text {
        return vec![];
    }
    let head = &before[..before.len() - typed.len()];
    let words: Vec<&str> = head.split_whitespace().collect();
    let Some(&first) = words.first() else {
        let ctx = context_at(&doc.text, &doc.parse, offset);
        out.extend(cine_grammar::keywords(ctx).iter().map(|k| cand(k, KEYWORD, "")));
        if ctx != Context::Top {
            out.push(cand("}", KEYWORD, "close the block"));
        }
        return filter(out, typed);
    };
    let symbols = &doc.compiled.symbols;
    let defs = |kind: SymbolKind, item: u8| -> Vec<Candidate> {
        symbols.of_kind(&kind).iter().map(|d| cand(&d.name, item, &d.detail)).collect()
    };
    let entries = |kind: &str| defs(SymbolKind::Entry(kind.to_string()), VALUE);
    match first {
        "size" | "angle" | "time" | "style" if words.len() == 1 => out = entries(first),
        "camera" | "transition" => {
            let call = head.split_once('(');
            match call {
                None if words.len() == 1 => out = entries(first),
                None => {}
                Some((name_part, args)) => {
                    let name = name_part.split_whitespace().nth(1).unwrap_or("");
                    let last = args.rsplit(',').next().unwrap_or("");
                    if last.contains(':') {
                        out = defs(SymbolKind::Const, CONSTANT);
                    } else if let Some(def) = symbols.definition(&SymbolKind::Entry(first.to_string()), name) {
                        let given: Vec<&str> = args.split(',').filter_map(|a| a.split_once(':')).map(|(n, _)| n.trim()).collect();
                        out = def.params.iter().filter_map(|p| p.split(':').next()).filter(|p| !given.contains(p)).map(|p| cand(p, PROPERTY, p)).collect();
                    }
                }
            }
        }
        "subjects" => {
            let listed: Vec<&str> = head.trim_start()["subjects".len()..].split([',', ' ']).filter(|w| !w.is_empty()).collect();
            out = defs(SymbolKind::Cast, VARIABLE).into_iter().filter(|c| !listed.contains(&c.label.as_str())).collect();
        }
        "say" if words.len() == 1 => out = defs(SymbolKind::Cast, VARIABLE),
        "say" if !head.contains(':') && !matches!(words.last(), Some(&"at" | &"for")) => {
            out = ["at", "for"].iter().filter(|k| !words[2..].contains(k)).map(|k| cand(k, KEYWORD, "")).collect();
        }
        "scene" if words.len() == 1 => out = defs(SymbolKind::Set, VARIABLE),
        "recall" if words.len() == 1 => out = ["shot", "cast", "set"].iter().map(|k| cand(k, KEYWORD, "")).collect(),
        "recall" if words.len() == 2 => {
            out = match words[1] {
                // Only shots before the one being written can be recalled.
                "shot" => {
                    let here = crate::analysis::shots(&doc.parse).find(|s| s.span.start <= offset && offset <= s.span.end).map_or(offset, |s| s.span.start);
                    symbols.of_kind(&SymbolKind::Shot).iter().filter(|d| d.file == 0 && d.span.end <= here).map(|d| cand(&d.name, REFERENCE, &d.detail)).collect()
                }
                "cast" => defs(SymbolKind::Cast, VARIABLE),
                "set" => defs(SymbolKind::Set, VARIABLE),
                _ => vec![],
            }
        }
        "recall" if words.len() == 3 => out = vec![cand("at", KEYWORD, "from a time in the shot on")],
        "use" if words.len() == 1 => out = cine_compiler::stdlib::MODULES.iter().map(|m| cand(m.name, MODULE, "stdlib module")).collect(),
        "define" if words.len() == 1 => out = cine_compiler::stdlib::KINDS.iter().map(|k| cand(k, KEYWORD, "")).collect(),
        _ => {}
    }
    filter(out, typed)
}

/// Where a line's comment starts (outside texts), and whether the line ends inside a text.
fn scan(line: &str) -> (Option<usize>, bool) {
    let (mut in_text, mut escaped) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_text => escaped = true,
            b'"' => in_text = !in_text,
            b'/' if !in_text && bytes.get(i + 1) == Some(&b'/') => return (Some(i), false),
            _ => {}
        }
    }
    (None, in_text)
}

/// Keeps the candidates starting with the typed word, sorted, each label once.
fn filter(mut c: Vec<Candidate>, typed: &str) -> Vec<Candidate> {
    c.retain(|c| c.label.starts_with(typed));
    c.sort_by(|a, b| a.label.cmp(&b.label));
    c.dedup_by(|a, b| a.label == b.label);
    c
}

/// Signature help inside `camera name(...)` / `transition name(...)`: the entry's parameters
/// with their defaults, the one being written marked.
pub fn signature(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let index = doc.index(enc);
    let Some(offset) = index.cursor(params) else { return Value::Null };
    let before = line_before(&doc.text, offset);
    let Some((head, args)) = before.split_once('(') else { return Value::Null };
    if args.contains(')') {
        return Value::Null;
    }
    let mut words = head.split_whitespace();
    let (Some(kind @ ("camera" | "transition")), Some(name), None) = (words.next(), words.next(), words.next()) else { return Value::Null };
    let Some(def) = doc.compiled.symbols.definition(&SymbolKind::Entry(kind.to_string()), name) else { return Value::Null };
    let label = format!("{name}({})", def.params.join(", "));
    let parameters: Vec<Value> = def.params.iter().map(|p| json!({ "label": p })).collect();
    let active = args.matches(',').count().min(def.params.len().saturating_sub(1));
    json!({
        "signatures": [{ "label": label, "documentation": def.detail, "parameters": parameters }],
        "activeSignature": 0,
        "activeParameter": active,
    })
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn comments_and_texts_are_told_apart() {
        let line = r#"    action "see http://x, say \"hi\"" // cine:allow("#;
        assert_eq!(scan(line), (Some(line.rfind("//").unwrap()), false), "the `//` in the text is not a comment");
        assert_eq!(scan(r#"    action "say \"hi"#), (None, true), "an escaped quote does not end the text");
        assert_eq!(scan("    camera pan_left("), (None, false));
    }
}

//! Semantic tokens: highlighting from the parser and the symbol index, so every LSP editor
//! colours a screenplay without a grammar of its own.

use std::collections::HashMap;

use cine_compiler::symbols::{Definition, SymbolKind};
use cine_grammar::{LineKind, Span, Stmt};
use serde_json::{json, Value};

use crate::analysis::Doc;
use crate::text::Encoding;

/// Token types, in the order of the legend the server announces.
pub const TYPES: &[&str] = &["keyword", "string", "number", "comment", "variable", "namespace", "function", "enumMember", "property", "macro"];
/// Token modifiers (bits).
pub const MODIFIERS: &[&str] = &["declaration", "defaultLibrary"];

const KEYWORD: u32 = 0;
const STRING: u32 = 1;
const NUMBER: u32 = 2;
const COMMENT: u32 = 3;
const PROPERTY: u32 = 8;
const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;

fn kind_type(kind: &SymbolKind) -> u32 {
    match kind {
        SymbolKind::Cast => 4,
        SymbolKind::Set => 5,
        SymbolKind::Shot => 6,
        SymbolKind::Entry(_) => 7,
        SymbolKind::Const => 9,
    }
}

/// `textDocument/semanticTokens/full`.
pub fn full(doc: &Doc, enc: Encoding) -> Value {
    let mut toks = collect(doc);
    toks.sort_by_key(|t| t.0.start);
    let index = doc.index(enc);
    let (mut line0, mut col0) = (0u64, 0u64);
    let mut data = Vec::with_capacity(toks.len() * 5);
    for (span, ty, mods) in toks {
        let (start, end) = (index.position(span.start), index.position(span.end));
        let line = start["line"].as_u64().unwrap_or(0);
        let col = start["character"].as_u64().unwrap_or(0);
        let end_col = if end["line"] == start["line"] { end["character"].as_u64().unwrap_or(col) } else { continue };
        let dcol = if line == line0 { col - col0 } else { col };
        data.extend([line - line0, dcol, end_col - col, ty as u64, mods as u64]);
        (line0, col0) = (line, col);
    }
    json!({ "data": data })
}

/// Every token as (span, type, modifiers), not overlapping.
fn collect(doc: &Doc) -> Vec<(Span, u32, u32)> {
    let text = doc.text.as_str();
    let names = names(doc);
    let mut out = Vec::new();
    for line in &doc.parse.lines {
        let (stmt, span, comment) = match &line.kind {
            LineKind::Comment(c) => {
                out.push((*c, COMMENT, 0));
                continue;
            }
            LineKind::Stmt { stmt, span, comment } => (stmt, *span, *comment),
            LineKind::Blank | LineKind::Error => continue,
        };
        if let Some(c) = comment {
            out.push((c, COMMENT, 0));
        }
        let mut first = true;
        let mut in_call = false;
        for (tok, kind) in lex(text, span) {
            let word = &text[tok.start..tok.end];
            let token = match kind {
                Lex::Text => (STRING, 0),
                Lex::Number => (NUMBER, 0),
                Lex::Open => {
                    in_call = true;
                    continue;
                }
                Lex::Ident => match names.get(&tok.start).filter(|n| n.0 == tok) {
                    Some(&(_, ty, mods)) => (ty, mods),
                    None if first && !matches!(stmt, Stmt::Attr(_)) => (KEYWORD, 0),
                    None if text[tok.end..].trim_start().starts_with(':') && (in_call || matches!(stmt, Stmt::Attr(_))) => (PROPERTY, 0),
                    None if matches!(word, "shot" | "cast" | "set") || cine_compiler::stdlib::KINDS.contains(&word) => (KEYWORD, 0),
                    None if matches!(stmt, Stmt::Say { .. }) && matches!(word, "at" | "for") => (KEYWORD, 0),
                    None => continue,
                },
            };
            first = false;
            out.push((tok, token.0, token.1));
        }
    }
    out
}

/// The names of the document by start offset: (span, type, modifiers), in one pass over the
/// symbol index (a lookup per token would be quadratic on a long film).
fn names(doc: &Doc) -> HashMap<usize, (Span, u32, u32)> {
    let symbols = &doc.compiled.symbols;
    let mut defs: HashMap<(&SymbolKind, &str), &Definition> = HashMap::new();
    for d in &symbols.defs {
        defs.entry((&d.kind, d.name.as_str())).or_insert(d);
    }
    let stdlib = |kind: &SymbolKind, name: &str| defs.get(&(kind, name)).is_some_and(|d| !doc.editable(d.file));
    let mut out = HashMap::new();
    for d in symbols.defs.iter().filter(|d| d.file == 0) {
        let lib = if stdlib(&d.kind, &d.name) { DEFAULT_LIBRARY } else { 0 };
        out.insert(d.span.start, (d.span, kind_type(&d.kind), DECLARATION | lib));
    }
    for r in symbols.refs.iter().filter(|r| r.file == 0) {
        let lib = if stdlib(&r.kind, &r.name) { DEFAULT_LIBRARY } else { 0 };
        out.insert(r.span.start, (r.span, kind_type(&r.kind), lib));
    }
    out
}

enum Lex {
    Ident,
    Number,
    Text,
    Open,
}

/// Identifiers, numbers (with a unit suffix), quoted texts and `(` of a statement.
fn lex(text: &str, span: Span) -> Vec<(Span, Lex)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = span.start;
    while i < span.end {
        let b = bytes[i];
        let start = i;
        if b == b'"' {
            i += 1;
            while i < span.end && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(span.end);
            out.push((Span::new(start, i), Lex::Text));
        } else if b.is_ascii_digit() {
            while i < span.end && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            out.push((Span::new(start, i), Lex::Number));
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while i < span.end && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Span::new(start, i), Lex::Ident));
        } else {
            if b == b'(' {
                out.push((Span::new(i, i + 1), Lex::Open));
            }
            i += 1;
        }
    }
    out
}

//! Hover: what a name means, and for a shot what the model will be asked to generate.

use cine_compiler::symbols::{Symbol, SymbolKind};
use cine_grammar::{Parse, Span};
use serde_json::{json, Value};
use cine_ir::RecallTarget;

use crate::analysis::{shots, Doc};
use crate::text::Encoding;

pub fn hover(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let index = doc.index(enc);
    let Some(offset) = index.cursor(params) else { return Value::Null };
    let symbols = &doc.compiled.symbols;
    let (text, span) = match symbols.at(0, offset) {
        Some(sym) if *sym.kind() == SymbolKind::Shot => match shot_named(&doc.parse, sym.name()) {
            Some(i) => (shot(doc, i), sym.span()),
            None => (format!("**shot** `{}`: no shot has this name", sym.name()), sym.span()),
        },
        Some(sym) => (name(doc, sym), sym.span()),
        None => match shot_at(&doc.parse, offset) {
            Some((i, head)) => (shot(doc, i), head),
            None => match keyword_at(&doc.text, offset) {
                Some((usage, span)) => {
                    // Each form in a code span of its own (the usage lists them with ", or ").
                    let forms: Vec<String> = usage.split(", or ").map(|f| format!("`{f}`")).collect();
                    (format!("**`{}`**: write it like {}", &doc.text[span.start..span.end], forms.join(" or ")), span)
                }
                None => return Value::Null,
            },
        },
    };
    json!({ "contents": { "kind": "markdown", "value": text }, "range": index.range(span) })
}

fn name(doc: &Doc, sym: Symbol) -> String {
    let (kind, name) = (sym.kind(), sym.name());
    let symbols = &doc.compiled.symbols;
    let Some(def) = symbols.definition(kind, name) else {
        return format!("**{}** `{name}`: not defined", kind.word());
    };
    let mut out = format!("**{}** `{name}`", kind.word());
    if def.file != 0 {
        if let Some(src) = doc.compiled.sources.get(def.file) {
            out.push_str(&format!(" (from {})", src.name));
        }
    }
    if !def.detail.is_empty() {
        match kind {
            SymbolKind::Const => out.push_str(&format!(" = {}", def.detail)),
            _ => out.push_str(&format!("\n\n\"{}\"", def.detail)),
        }
    }
    if !def.params.is_empty() {
        let what = if matches!(kind, SymbolKind::Entry(_)) { "parameters" } else { "attributes" };
        out.push_str(&format!("\n\n{what}: {}", def.params.join(", ")));
    }
    let uses = symbols.references(kind, name).filter(|r| r.file == 0).count();
    out.push_str(&format!("\n\nused {uses} time{} in this file", if uses == 1 { "" } else { "s" }));
    out
}

/// What the compiled film holds for the shot at an index (source order).
fn shot(doc: &Doc, i: usize) -> String {
    let Some(film) = &doc.compiled.film else {
        return "**shot**: fix the errors in this file to see its frames and prompt".to_string();
    };
    let Some(s) = film.shots.get(i) else { return "**shot**".to_string() };
    let fps = film.fps.max(1) as f64;
    let last = (s.start_frame + s.frames).saturating_sub(1);
    let mut out = format!(
        "**shot** `{}`: frames {}-{} ({:.2} s at {} fps)\n\nprompt:\n\n> {}",
        s.label,
        s.start_frame,
        last,
        s.frames as f64 / fps,
        film.fps,
        s.prompt
    );
    // Changes reach the model at chunk boundaries: say where, when the model is known.
    let sched = doc.profile.as_ref().map(|p| cine_ir::schedule::plan(film, p));
    let took = sched.as_ref().map(|sc| sc.change_chunks(s));
    for (k, e) in s.events.iter().enumerate() {
        let at = match took.as_ref().map(|t| t.get(k).copied().flatten()) {
            None => format!("frame {}", e.frame),
            Some(Some(c)) => format!("frame {} (written at frame {})", c.film_start, e.frame),
            Some(None) => format!("frame {}: no chunk takes this change, it never reaches the model", e.frame),
        };
        out.push_str(&format!("\n\nfrom {at}:\n\n> {}", e.prompt));
    }
    if !s.lines.is_empty() {
        out.push_str("\n\ndialogue (subtitles, not in the prompt):\n");
        for l in &s.lines {
            let at = |f: u32| (f - s.start_frame) as f64 / fps;
            out.push_str(&format!("\n- {:.2}-{:.2} s, {}: \"{}\"", at(l.start_frame), at(l.start_frame + l.frames), l.speaker, l.text));
        }
    }
    if !s.recalls.is_empty() {
        out.push_str("\n\nkept in memory (recall):\n");
        let label = |i: usize| film.shots.get(i).map_or(String::new(), |t| format!("`{}`", t.label));
        for r in &s.recalls {
            let seen = |kind: &str, name: &str, shots: &[usize]| {
                if shots.is_empty() {
                    return format!("{kind} `{name}` (not on screen before this shot: nothing to remember yet)");
                }
                let labels: Vec<String> = shots.iter().map(|&i| label(i)).collect();
                format!("{kind} `{name}` (shots {})", labels.join(", "))
            };
            let what = match &r.target {
                RecallTarget::Shot { shot } => format!("shot {}", label(*shot)),
                RecallTarget::Cast { name, shots } => seen("cast", name, shots),
                RecallTarget::Set { name, shots } => seen("set", name, shots),
            };
            let when = r.from_frame.map_or("for the whole shot".to_string(), |f| format!("from {:.2} s (frame {f})", f.saturating_sub(s.start_frame) as f64 / fps));
            out.push_str(&format!("\n- {what}, {when}"));
        }
    }
    if s.transition.frames > 0 {
        out.push_str(&format!("\n\ntransition out, into the next shot: {} over {} frames", s.transition.kind, s.transition.frames));
    }
    out
}

/// The shot whose head line holds the offset: its index and head.
fn shot_at(parse: &Parse, offset: usize) -> Option<(usize, Span)> {
    shots(parse).map(|s| s.head).enumerate().find(|(_, head)| head.start <= offset && offset <= head.end)
}

fn shot_named(parse: &Parse, name: &str) -> Option<usize> {
    shots(parse).position(|s| s.name.as_ref().is_some_and(|n| n.text == name))
}

/// The statement keyword under the cursor (the first word of its line) and how it is written.
fn keyword_at(text: &str, offset: usize) -> Option<(&'static str, Span)> {
    let word = crate::analysis::word_before(text, offset);
    let end = text[word.end..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(text.len(), |i| word.end + i);
    let span = Span::new(word.start, end);
    if !crate::analysis::line_before(text, span.start).trim().is_empty() {
        return None;
    }
    cine_grammar::usage(&text[span.start..span.end]).map(|u| (u, span))
}

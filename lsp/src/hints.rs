//! Inlay hints (each shot's place in the film: time span and chunks; where each timed
//! prompt change and recall takes effect; when each line of dialogue is on screen), folding ranges and the highlight of a name's uses.

use cine_grammar::{Item, Stmt};
use serde_json::{json, Value};

use crate::analysis::{shots, Doc};
use crate::text::Encoding;

/// `m:ss.cc` of a frame.
fn timecode(frame: u32, fps: u32) -> String {
    let s = frame as f64 / fps.max(1) as f64;
    format!("{}:{:05.2}", (s / 60.0).floor() as u64, s % 60.0)
}

/// After each shot's `{`: `0:02.00-0:04.00 · chunks 2-4` (chunks when the model is known).
/// Only while the film compiles.
pub fn inlay(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let Some(film) = &doc.compiled.film else { return json!([]) };
    let index = doc.index(enc);
    let range = index.range_in(params);
    let schedule = doc.profile.as_ref().map(|p| cine_ir::schedule::plan(film, p));
    let mut out = Vec::new();
    for (i, head) in shots(&doc.parse).map(|s| s.head).enumerate() {
        let (Some(shot), true) = (film.shots.get(i), range.start <= head.end && head.end <= range.end) else { continue };
        let mut label = format!("{}-{}", timecode(shot.start_frame, film.fps), timecode(shot.start_frame + shot.frames, film.fps));
        if let Some(plan) = schedule.as_ref().and_then(|s| s.shots.iter().find(|p| p.shot == shot.index)) {
            let last = plan.first_chunk + plan.chunks.saturating_sub(1);
            label += &if plan.chunks == 1 { format!(" · chunk {}", plan.first_chunk) } else { format!(" · chunks {}-{last}", plan.first_chunk) };
        }
        out.push(json!({ "position": index.position(head.end), "label": label, "paddingLeft": true }));
    }
    // After each timed prompt change and recall: where it takes effect (the chunk boundary
    // nearest to it), or that it never does.
    if let Some(schedule) = &schedule {
        for (i, ast) in shots(&doc.parse).enumerate() {
            let (Some(shot), Some(k)) = (film.shots.get(i), schedule.shots.iter().position(|p| p.shot == i)) else { continue };
            for p in &ast.props {
                let time = match &p.stmt {
                    Stmt::At { time, .. } | Stmt::Recall { at: Some(time), .. } => time,
                    _ => continue,
                };
                let rel = time.frames(film.fps);
                if rel >= shot.frames as f64 || !(range.start <= p.span.end && p.span.end <= range.end) {
                    continue;
                }
                let label = match schedule.change_chunk(k, shot.start_frame + rel as u32) {
                    Some(c) => format!("from {} · chunk {}", timecode(c.film_start, film.fps), c.index),
                    None => "never: after the last chunk's middle".to_string(),
                };
                out.push(json!({ "position": index.position(p.span.end), "label": label, "paddingLeft": true }));
            }
        }
    }
    // After each `say` line: when it is on screen (the compiler times lines that have no
    // `for`). A source line is matched to the IR's line by speaker and text, in order.
    for (i, ast) in shots(&doc.parse).enumerate() {
        let Some(shot) = film.shots.get(i) else { continue };
        let mut used = vec![false; shot.lines.len()];
        for p in &ast.props {
            let Stmt::Say { speaker, text, .. } = &p.stmt else { continue };
            let found = shot.lines.iter().enumerate().position(|(k, l)| !used[k] && l.speaker == speaker.text && l.text == text.value);
            let Some(k) = found else { continue };
            used[k] = true;
            if range.start <= p.span.end && p.span.end <= range.end {
                let l = &shot.lines[k];
                let label = format!("{}-{}", timecode(l.start_frame, film.fps), timecode(l.start_frame + l.frames, film.fps));
                out.push(json!({ "position": index.position(p.span.end), "label": label, "paddingLeft": true }));
            }
        }
    }
    Value::Array(out)
}

/// Scenes and shots fold.
pub fn folding(doc: &Doc, enc: Encoding) -> Value {
    let index = doc.index(enc);
    let line = |offset: usize| index.position(offset)["line"].clone();
    let mut out = Vec::new();
    for item in &doc.parse.file.items {
        if let Item::Scene(scene) = item {
            out.push(json!({ "startLine": line(scene.span.start), "endLine": line(scene.span.end), "kind": "region" }));
            for shot in &scene.shots {
                out.push(json!({ "startLine": line(shot.span.start), "endLine": line(shot.span.end), "kind": "region" }));
            }
        }
    }
    Value::Array(out)
}

/// The uses of the name under the cursor in this file, and its definition (as a write).
pub fn highlight(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let index = doc.index(enc);
    let Some(offset) = index.cursor(params) else { return Value::Null };
    let symbols = &doc.compiled.symbols;
    let Some(sym) = symbols.at(0, offset) else { return Value::Null };
    let mut out: Vec<Value> = symbols.references(sym.kind(), sym.name()).filter(|r| r.file == 0).map(|r| json!({ "range": index.range(r.span), "kind": 2 })).collect();
    if let Some(d) = symbols.definition(sym.kind(), sym.name()).filter(|d| d.file == 0) {
        out.push(json!({ "range": index.range(d.span), "kind": 3 }));
    }
    Value::Array(out)
}

//! Importers: other systems' prompt files to screenplays (which then compile to the IR).
//!
//! - [`holocine`]: HoloCine multi-shot prompts, `[global caption] ... [per shot caption]
//!   ... [shot cut] ...`, as raw text or JSON with per-shot frame counts.
//! - [`longlive`]: LongLive JSONL prompt lists (`{"prompts": [...]}` per line) with switch
//!   frames in latent frames.
//! - [`fountain`]: Fountain screenplays (title page, scene headings, action, dialogue,
//!   transitions) to scenes, sets, cast, shots and `say` lines.
//!
//! A UTF-8 byte order mark at the start of the input is ignored by all three.
//!
//! All produce screenplay text (so the result can be read, edited and formatted) that
//! lints clean apart from model limits the source file itself breaks (prompt length).

pub mod fountain;
pub mod holocine;
pub mod longlive;

use cine_grammar::print::quote;

/// What the imported screenplay targets.
#[derive(Debug, Clone)]
pub struct Target {
    pub title: String,
    pub model: String,
    pub fps: u32,
    /// Shot lengths are rounded to multiples of this (the model's frame granularity).
    pub granularity: u32,
}

impl Default for Target {
    fn default() -> Self {
        Target { title: "Imported".into(), model: crate::DEFAULT_MODEL.into(), fps: 16, granularity: 4 }
    }
}

/// Rounds a frame count to the nearest multiple of `g` (at least `g`).
pub(crate) fn round_to(frames: u64, g: u32) -> u64 {
    let g = g.max(1) as u64;
    (((frames + g / 2) / g) * g).max(g)
}

/// One shot of an imported film.
pub(crate) struct ImportShot {
    pub frames: u64,
    pub action: String,
    /// Prompt changes inside the shot: (frame from the shot start, text).
    pub events: Vec<(u64, String)>,
}

/// The text without a UTF-8 byte order mark (which Windows editors write at the start).
pub(crate) fn without_bom(s: &str) -> &str {
    &s[cine_grammar::bom_len(s)..]
}

/// Flattens text for a one-line screenplay string.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes the screenplay text of an imported film.
pub(crate) fn write(target: &Target, source_note: &str, caption: &str, shots: &[ImportShot]) -> String {
    let mut s = String::new();
    s += &format!("// {source_note}\n");
    s += &format!("title {}\nfps {}\nmodel {}\n", quote(&target.title), target.fps, target.model);
    if !caption.is_empty() {
        s += &format!("caption {}\n", quote(&one_line(caption)));
    }
    s += "\n// Imported prompts carry their own descriptions; the set adds nothing to them.\n";
    s += "set stage \"\"\n\nscene stage {\n";
    for (i, shot) in shots.iter().enumerate() {
        if i > 0 {
            s += "\n";
        }
        s += &format!("  shot shot{} {{\n    duration {}f\n", i + 1, shot.frames);
        if !shot.action.is_empty() {
            s += &format!("    action {}\n", quote(&one_line(&shot.action)));
        }
        for (f, text) in &shot.events {
            s += &format!("    at {f}f: {}\n", quote(&one_line(text)));
        }
        s += "  }\n";
    }
    s += "}\n";
    s
}

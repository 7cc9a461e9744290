//! Timing and the screenplay text of an imported Fountain film.
//!
//! Fountain has no durations, so they are estimated: an action paragraph lasts its words
//! at 2.5 words a second, 2 s to 8 s; a line of dialogue its reading time (15 characters a
//! second plus half a second, at least 1 s, as the compiler's default for `say`), and the
//! lines of a shot follow each other. A shot is long enough for its action and its lines.
//! All lengths are whole multiples of the target's frame granularity.

use cine_grammar::print::quote;

use super::film::{Film, Shot};
use super::text::{comment_lines, MAX_TEXT};
// A line's reading time and the longest a line without `for` stays (longer ones get a `for`):
// the compiler's own timing of `say`.
use crate::dialogue::{needed_seconds as line_secs, MAX_SECS as MAX_DEFAULT_LINE_SECS};
use crate::import::Target;

const WORDS_PER_SEC: f64 = 2.5;
const MIN_SHOT_SECS: f64 = 2.0;
const MAX_SHOT_SECS: f64 = 8.0;

/// Frames rounded up to a multiple of `g` (at least `g`).
fn ceil_to(frames: f64, g: u32) -> u64 {
    let g = g.max(1) as u64;
    let n = frames.ceil().max(1.0) as u64;
    n.div_ceil(g) * g
}

/// Seconds an action paragraph needs.
pub fn action_secs(text: &str) -> f64 {
    (text.split_whitespace().count() as f64 / WORDS_PER_SEC).clamp(MIN_SHOT_SECS, MAX_SHOT_SECS)
}

/// A shot's length and each line's (start, length), in frames.
pub fn timing(shot: &Shot, fps: u32, g: u32) -> (u64, Vec<(u64, u64)>) {
    let fps = fps.max(1) as f64;
    let mut at = 0;
    let mut lines = Vec::new();
    for l in &shot.lines {
        let n = ceil_to(line_secs(&l.text) * fps, g);
        lines.push((at, n));
        at += n;
    }
    (ceil_to(action_secs(&shot.action) * fps, g).max(at), lines)
}

/// The screenplay text.
pub fn write(f: &Film, target: &Target, keep_title: bool) -> String {
    let title = if keep_title { target.title.clone() } else { f.title.clone().unwrap_or_else(|| target.title.clone()) };
    let shots: usize = f.scenes.iter().map(|s| s.shots.len()).sum();
    let lines: usize = f.scenes.iter().flat_map(|s| &s.shots).map(|s| s.lines.len()).sum();
    let count = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let mut s = format!(
        "// Imported from a Fountain screenplay: {}, {}, {} of dialogue.\n// Shot lengths are estimated from the text; adjust them to taste.\n",
        count(f.scenes.len(), "scene", "scenes"),
        count(shots, "shot", "shots"),
        count(lines, "line", "lines")
    );
    for n in &f.notes {
        s += &comment("", n);
    }
    for t in &f.dropped {
        s += &comment("", &format!("{t} (before any shot; dropped)"));
    }
    s += &format!("title {}\nfps {}\nmodel {}\n", quote(&title), target.fps, target.model);
    if !f.cast.is_empty() {
        s += "\n";
        for c in &f.cast {
            s += &format!("cast {} {}\n", c.ident, quote(&c.description));
        }
    }
    s += "\n";
    for set in &f.sets {
        s += &format!("set {} {}\n", set.ident, quote(&set.description));
    }
    for scene in &f.scenes {
        s += "\n";
        for c in &scene.before {
            s += &comment("", c);
        }
        match &scene.heading {
            Some(h) => s += &comment("", h),
            None => s += "// The script starts without a scene heading.\n",
        }
        s += &format!("scene {} {{\n", f.sets[scene.set].ident);
        if let Some(t) = scene.time {
            s += &format!("  time {t}\n");
        }
        if let Some(n) = &scene.time_note {
            s += &comment("  ", n);
        }
        for (i, shot) in scene.shots.iter().enumerate() {
            if i > 0 || scene.time.is_some() || scene.time_note.is_some() {
                s += "\n";
            }
            for c in &shot.before {
                s += &comment("  ", c);
            }
            s += &write_shot(f, shot, target);
        }
        s += "}\n";
    }
    if !f.after.is_empty() {
        s += "\n";
        for c in &f.after {
            s += &comment("", c);
        }
    }
    s
}

/// `// text` lines, a long text over several.
fn comment(indent: &str, text: &str) -> String {
    comment_lines(text).iter().map(|l| format!("{indent}// {l}\n")).collect()
}

fn write_shot(f: &Film, shot: &Shot, target: &Target) -> String {
    let (frames, times) = timing(shot, target.fps, target.granularity);
    let mut s = format!("  shot {{\n    duration {frames}f\n");
    if let Some(size) = shot.size {
        s += &format!("    size {size}\n");
    }
    if !shot.subjects.is_empty() {
        let names: Vec<&str> = shot.subjects.iter().map(|&i| f.cast[i].ident.as_str()).collect();
        s += &format!("    subjects {}\n", names.join(", "));
    }
    if !shot.action.is_empty() {
        s += &format!("    action {}\n", quote(&shot.action));
    }
    let mut notes = shot.notes.iter().peekable();
    for (k, (l, &(at, n))) in shot.lines.iter().zip(&times).enumerate() {
        while let Some((_, note)) = notes.next_if(|(before, _)| *before <= k) {
            s += &comment("    ", note);
        }
        // An off-screen line's trailing comment is the allow; a note too long to trail goes first.
        let trailing = l.note.as_ref().filter(|n| !l.off_screen && n.chars().count() <= MAX_TEXT);
        if let Some(note) = l.note.as_ref().filter(|_| trailing.is_none()) {
            s += &comment("    ", note);
        }
        let mut line = format!("    say {}", f.cast[l.cast].ident);
        if at > 0 {
            line += &format!(" at {at}f");
        }
        if line_secs(&l.text) > MAX_DEFAULT_LINE_SECS {
            line += &format!(" for {n}f");
        }
        line += &format!(": {}", quote(&l.text));
        if l.off_screen {
            line += " // cine:allow(speaker-off-screen)";
        } else if let Some(note) = trailing {
            line += &format!(" // {note}");
        }
        s += &line;
        s += "\n";
    }
    for (_, note) in notes {
        s += &comment("    ", note);
    }
    if let Some((kind, original)) = &shot.transition {
        match original {
            Some(o) => s += &format!("    transition {kind} // {o}\n"),
            None => s += &format!("    transition {kind}\n"),
        }
    }
    s += "  }\n";
    s
}

//! LongLive JSONL prompt lists.
//!
//! Each line is one video: `{"prompts": ["p0", "p1", ...]}`, optionally with
//! `"switch_frame_indices": [s1, ...]` in latent frames (LongLive keeps these in its
//! config; [`Options::switches`] gives them from outside). Prompt `i` starts at latent frame
//! `s_i` (`s_0 = 0`); latent frame `l` is video frame `4 l`. A prompt that begins with
//! "The scene transitions." (LongLive 2.0's shot marker) starts a new shot; other switches
//! become timed prompt changes (`at`) inside the current shot.

use serde_json::Value;

use super::{round_to, without_bom, write, ImportShot, Target};

/// Video frames per latent frame (the Wan VAE's temporal stride).
pub const FRAMES_PER_LATENT: u64 = 4;
/// Latent frames per prompt when no switch frames are known (one Self-Forcing clip).
pub const DEFAULT_LATENT_PER_PROMPT: u64 = 21;

const SHOT_MARKER: &str = "The scene transitions.";

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which line of the file (0-based).
    pub line: usize,
    /// Switch frames in latent frames, overriding the line's own.
    pub switches: Option<Vec<u64>>,
    /// Total length in latent frames (default: last switch plus one default segment).
    pub total_latent: Option<u64>,
}

/// Converts one line of a LongLive JSONL file into screenplay text.
pub fn import(input: &str, opts: &Options, target: &Target) -> Result<String, String> {
    let lines: Vec<&str> = without_bom(input).lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err("the file holds no prompt lines: a LongLive prompt file has one JSON object a line, like {\"prompts\": [\"a cat\", \"a dog\"]}".into());
    }
    let line = lines.get(opts.line).ok_or_else(|| format!("the file has {} prompt line(s); --line {} is past the end (lines count from 0)", lines.len(), opts.line))?;
    let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: invalid JSON: {e}", opts.line))?;
    let prompts: Vec<String> = match v.get("prompts") {
        Some(Value::Array(a)) => a.iter().map(|p| p.as_str().map(str::to_string).ok_or("`prompts` must hold texts")).collect::<Result<_, _>>()?,
        Some(Value::String(s)) => vec![s.clone()],
        _ => match v.get("prompt").and_then(Value::as_str) {
            Some(p) => vec![p.to_string()],
            None => return Err(format!("line {}: expected a `prompts` list", opts.line)),
        },
    };
    if prompts.is_empty() {
        return Err(format!("line {}: `prompts` is empty", opts.line));
    }
    let switches: Vec<u64> = match &opts.switches {
        Some(s) => s.clone(),
        None => match v.get("switch_frame_indices") {
            Some(Value::Array(a)) => a.iter().map(|x| x.as_u64().ok_or("`switch_frame_indices` must hold whole numbers")).collect::<Result<_, _>>()?,
            None | Some(Value::Null) => (1..prompts.len() as u64).map(|i| i * DEFAULT_LATENT_PER_PROMPT).collect(),
            Some(other) => return Err(format!("line {}: `switch_frame_indices` must be a list of latent frames, like [21, 42], not {other}", opts.line)),
        },
    };
    if switches.len() + 1 != prompts.len() {
        return Err(format!("{} prompts need {} switch frames, found {}", prompts.len(), prompts.len() - 1, switches.len()));
    }
    let mut starts = vec![0u64];
    starts.extend(&switches);
    // Saturating: a switch near u64::MAX must be refused, not overflow.
    let total = opts.total_latent.unwrap_or(starts[starts.len() - 1].saturating_add(DEFAULT_LATENT_PER_PROMPT));
    starts.push(total);
    if starts.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!("switch frames must rise strictly and stay below the total of {total} latent frames: {switches:?}"));
    }
    // A shot holds at most 1,000,000 video frames; refuse before writing a screenplay that cannot compile.
    let max_latent = 1_000_000 / FRAMES_PER_LATENT;
    if total > max_latent {
        return Err(format!("the film would be {total} latent frames long; the most is {max_latent} ({} video frames)", max_latent * FRAMES_PER_LATENT));
    }
    // Group prompts into shots at the shot marker.
    let mut shots: Vec<ImportShot> = Vec::new();
    let mut shot_start = 0;
    for (i, p) in prompts.iter().enumerate() {
        let (begin, end) = (starts[i] * FRAMES_PER_LATENT, starts[i + 1] * FRAMES_PER_LATENT);
        let marked = p.trim_start().starts_with(SHOT_MARKER);
        let text = p.trim_start().strip_prefix(SHOT_MARKER).unwrap_or(p).trim().to_string();
        match shots.last_mut() {
            Some(shot) if !marked => {
                shot.events.push((begin - shot_start, text));
                shot.frames = end - shot_start;
            }
            _ => {
                shot_start = begin;
                shots.push(ImportShot { frames: end - begin, action: text, events: vec![] });
            }
        }
    }
    for s in &mut shots {
        s.frames = round_to(s.frames, target.granularity);
    }
    let note = format!("Imported from LongLive JSONL line {} ({} prompts, switches at latent frames {:?}).", opts.line, prompts.len(), switches);
    Ok(write(target, &note, "", &shots))
}

//! HoloCine multi-shot prompts.
//!
//! Accepted inputs:
//! - raw text: `[global caption] G ... This scene contains N shots. [per shot caption] S1
//!   [shot cut] S2 [shot cut] S3`;
//! - JSON: `{"prompt": "<raw text>", "num_frames": 241, "shot_cut_frames": [81, 161]}` or
//!   `{"global_caption": "G", "shot_captions": ["S1", "S2"], "num_frames": ..,
//!   "shot_cut_frames": [..]}`.
//!
//! Every shot needs a caption (an empty one, as in `a [shot cut] [shot cut] c`, is an
//! error). Without cut frames the shots share `num_frames` (HoloCine's default 241) evenly.
//! `[characterN]` markers lose their brackets. Shot lengths are rounded to the target's
//! frame granularity, and the original counts are kept in a comment.

use serde_json::Value;

use super::{round_to, without_bom, write, ImportShot, Target};

/// HoloCine's default video length in frames.
pub const DEFAULT_FRAMES: u64 = 241;

/// The parts of a HoloCine prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub global: String,
    pub shots: Vec<String>,
    pub num_frames: u64,
    pub cuts: Vec<u64>,
}

/// Splits a raw HoloCine prompt into the global caption and the per-shot captions.
pub fn split(raw: &str) -> Result<(String, Vec<String>), String> {
    let raw = without_bom(raw).trim();
    let body = raw.strip_prefix("[global caption]").unwrap_or(raw);
    let (global, shots) = match body.find("[per shot caption]") {
        Some(i) => (&body[..i], &body[i + "[per shot caption]".len()..]),
        None => return Err("no `[per shot caption]` marker: this does not look like a HoloCine multi-shot prompt".into()),
    };
    let global = strip_count(global.trim());
    let shots: Vec<String> = shots.split("[shot cut]").map(|s| unbracket(s.trim())).collect();
    if shots.iter().all(|s| s.is_empty()) {
        return Err("the prompt has no shot captions after `[per shot caption]`".into());
    }
    captioned(&shots)?;
    Ok((unbracket(&global), shots))
}

/// Refuses a shot without a caption: the cut frames would not say which shot was meant.
fn captioned(shots: &[String]) -> Result<(), String> {
    match shots.iter().position(|s| s.trim().is_empty()) {
        Some(i) => Err(format!("shot {} of {} has an empty caption: write one, or remove the shot", i + 1, shots.len())),
        None => Ok(()),
    }
}

/// Drops HoloCine's "This scene contains N shots." sentence.
fn strip_count(g: &str) -> String {
    match g.find("This scene contains") {
        Some(i) => {
            let rest = &g[i..];
            let end = rest.find('.').map_or(rest.len(), |e| e + 1);
            format!("{} {}", g[..i].trim(), rest[end..].trim()).trim().to_string()
        }
        None => g.to_string(),
    }
}

/// `[character1]` -> `character1`.
fn unbracket(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("[character") {
        out.push_str(&rest[..i]);
        match rest[i..].find(']') {
            Some(j) => {
                out.push_str(&rest[i + 1..i + j]);
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The longest film a HoloCine prompt may ask for.
const MAX_FRAMES: u64 = 1_000_000;

/// What HoloCine JSON looks like.
const JSON_SHAPE: &str = "HoloCine JSON is one object, {\"prompt\": \"[global caption] ... [per shot caption] ...\"} or {\"global_caption\": \"...\", \"shot_captions\": [\"...\", \"...\"]}";

/// `a list`, `a text`: what a JSON value is.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::String(_) => "a text",
        Value::Number(_) => "a number",
        Value::Bool(_) => "true or false",
        Value::Null => "null",
        Value::Object(_) => "an object",
    }
}

/// Reads raw text or JSON.
pub fn read(input: &str) -> Result<Prompt, String> {
    let input = without_bom(input);
    let t = input.trim_start();
    if !t.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return Err(format!("the JSON is {}, not an object: {JSON_SHAPE}", kind(&v)));
        }
        let (global, shots) = split(input)?;
        return Ok(Prompt { global, shots, num_frames: DEFAULT_FRAMES, cuts: vec![] });
    }
    let v: Value = serde_json::from_str(t).map_err(|e| format!("invalid JSON: {e}"))?;
    let num_frames = match v.get("num_frames") {
        None => DEFAULT_FRAMES,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=MAX_FRAMES) => n,
            Some(n) if n > MAX_FRAMES => return Err(format!("`num_frames` is {n}; cine imports films of at most {MAX_FRAMES} frames")),
            _ => return Err(format!("`num_frames` must be a whole number of frames from 1 to {MAX_FRAMES}, not {n}")),
        },
    };
    let cuts = match v.get("shot_cut_frames") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().map(|x| x.as_u64().ok_or("`shot_cut_frames` must hold whole numbers")).collect::<Result<_, _>>()?,
        Some(_) => return Err("`shot_cut_frames` must be a list of frame numbers".into()),
    };
    let (global, shots) = if let Some(p) = v.get("prompt").and_then(Value::as_str) {
        split(p)?
    } else {
        let g = v.get("global_caption").and_then(Value::as_str).ok_or("expected `prompt` or `global_caption` in the JSON")?;
        let s = v.get("shot_captions").and_then(Value::as_array).ok_or("expected `shot_captions`: a list of texts")?;
        let shots: Vec<String> = s.iter().map(|x| x.as_str().map(unbracket).ok_or("`shot_captions` must hold texts")).collect::<Result<_, _>>()?;
        if shots.is_empty() {
            return Err("`shot_captions` is empty".into());
        }
        captioned(&shots)?;
        (unbracket(&strip_count(g)), shots)
    };
    Ok(Prompt { global, shots, num_frames, cuts })
}

/// Frames per shot from the cut frames (or an even split).
pub fn shot_frames(p: &Prompt) -> Result<Vec<u64>, String> {
    let n = p.shots.len() as u64;
    if p.cuts.is_empty() && p.num_frames < n {
        return Err(format!("{n} shots need at least {n} frames; `num_frames` is {}", p.num_frames));
    }
    let cuts: Vec<u64> = if p.cuts.is_empty() {
        (1..n).map(|i| i * p.num_frames / n).collect()
    } else {
        p.cuts.clone()
    };
    if cuts.len() as u64 != n - 1 {
        return Err(format!("{} shot captions need {} cut frames, found {}", n, n - 1, cuts.len()));
    }
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(p.num_frames);
    if bounds.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!("cut frames must rise strictly inside 0..{}: {:?}", p.num_frames, &bounds[1..bounds.len() - 1]));
    }
    Ok(bounds.windows(2).map(|w| w[1] - w[0]).collect())
}

/// Converts a HoloCine prompt (text or JSON) into screenplay text.
pub fn import(input: &str, target: &Target) -> Result<String, String> {
    let p = read(input)?;
    let frames = shot_frames(&p)?;
    let shots: Vec<ImportShot> = p
        .shots
        .iter()
        .zip(&frames)
        .map(|(s, &f)| ImportShot { frames: round_to(f, target.granularity), action: s.clone(), events: vec![] })
        .collect();
    let list: Vec<String> = frames.iter().map(u64::to_string).collect();
    let note = format!("Imported from a HoloCine prompt; original shot frames {} (total {}).", list.join(", "), p.num_frames);
    Ok(write(target, &note, &p.global, &shots))
}

//! Metrics computed from frames alone plus the story's ground truth.

pub mod consistency;
pub mod detect;
pub mod motion;
pub mod shots;

use anyhow::{bail, Result};
use image::RgbImage;
use serde::Serialize;

use crate::story::Story;

/// Detected cuts count if within this many frames of a scripted cut (one model chunk).
pub const CUT_TOLERANCE: u32 = 12;

/// Scores of one story (all in 0..1, higher is better, except the raw flicker).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    pub set: f32,
    pub subject: f32,
    pub size: f32,
    pub camera: f32,
    /// Mean of the four adherence parts.
    pub adherence: f32,
    pub cut_f1: f32,
    pub spurious_cuts: usize,
    pub missed_cuts: usize,
    pub set_consistency: Option<f32>,
    pub subject_consistency: Option<f32>,
    /// Mean absolute second temporal difference within shots (grey levels).
    pub flicker: f32,
    /// exp(-flicker / 10).
    pub stability: f32,
    /// Part of within-shot 8-frame windows that move.
    pub motion: f32,
    pub frames: usize,
}

impl Scores {
    /// Mean of the available consistency parts.
    pub fn consistency(&self) -> Option<f32> {
        mean_opt(&[self.set_consistency, self.subject_consistency])
    }
}

fn mean_opt(v: &[Option<f32>]) -> Option<f32> {
    let s: Vec<f32> = v.iter().flatten().copied().collect();
    (!s.is_empty()).then(|| s.iter().sum::<f32>() / s.len() as f32)
}

/// Scores frames rendered for `story` (with the shot frame ranges of its film).
pub fn evaluate(story: &Story, film: &cine_ir::Film, frames: &[RgbImage]) -> Result<Scores> {
    let shots = crate::render::aligned_shots(story, film)?;
    let total: u32 = shots.iter().map(|s| s.frames).sum();
    if frames.len() as u32 != total {
        bail!("got {} frames for `{}`, which has {total}", frames.len(), story.title);
    }
    let mut starts = Vec::new();
    let mut acc = 0u32;
    for s in &shots {
        starts.push(acc);
        acc += s.frames;
    }
    let range = |i: usize| &frames[starts[i] as usize..(starts[i] + shots[i].frames) as usize];

    let checks: Vec<shots::ShotCheck> = (0..shots.len()).map(|i| shots::check(story, &shots[i], range(i))).collect();
    let n = checks.len().max(1) as f32;
    let mean = |f: fn(&shots::ShotCheck) -> f32| checks.iter().map(f).sum::<f32>() / n;
    let (set, subject, size, camera) = (mean(|c| c.set), mean(|c| c.subject), mean(|c| c.size), mean(|c| c.camera));

    let scripted: Vec<u32> = starts[1..].to_vec();
    let found = detect_cuts(frames);
    let (hits, spurious, missed) = match_cuts(&scripted, &found);
    let cut_f1 = if scripted.is_empty() && found.is_empty() { 1.0 } else { 2.0 * hits as f32 / (scripted.len() + found.len()) as f32 };

    let mut set_c = Vec::new();
    let mut subj_c = Vec::new();
    for i in 0..shots.len() {
        if let Some(j) = story.set_first_appearance(i) {
            let (a, b) = (consistency::panorama(story, &shots[j], range(j)), consistency::panorama(story, &shots[i], range(i)));
            if let Some(c) = consistency::layout_agreement(&a, &b) {
                set_c.push(c);
            }
        }
        if let Some(j) = story.subject_first_appearance(i) {
            let (a, b) = (consistency::marking(story, &shots[j], range(j)), consistency::marking(story, &shots[i], range(i)));
            if let (Some(a), Some(b)) = (a, b) {
                if let Some(c) = consistency::marking_agreement(a, b) {
                    subj_c.push(c);
                }
            }
        }
    }
    let avg = |v: &[f32]| (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32);

    let flicker = flicker(frames, &starts, &shots.iter().map(|s| s.frames).collect::<Vec<_>>());
    let motion = motion(frames, &starts, &shots.iter().map(|s| s.frames).collect::<Vec<_>>());
    Ok(Scores {
        set,
        subject,
        size,
        camera,
        adherence: (set + subject + size + camera) / 4.0,
        cut_f1,
        spurious_cuts: spurious,
        missed_cuts: missed,
        set_consistency: avg(&set_c),
        subject_consistency: avg(&subj_c),
        flicker,
        stability: (-flicker / 10.0).exp(),
        motion,
        frames: frames.len(),
    })
}

fn mad(a: &RgbImage, b: &RgbImage) -> f32 {
    let s: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| (x as i32 - y as i32).unsigned_abs() as u64).sum();
    s as f32 / a.as_raw().len().max(1) as f32
}

/// Frame-to-frame change after compensating a small shift, per frame (index 0 is 0).
pub fn cut_signal(frames: &[RgbImage]) -> Vec<f32> {
    let planes: Vec<motion::Plane> = frames.iter().map(|f| motion::Plane::new(f, vec![false; (f.width() * f.height()) as usize]).half()).collect();
    let mut d = vec![0.0; frames.len()];
    for t in 1..frames.len() {
        let mut best = f32::INFINITY;
        for dy in -1..=1 {
            for dx in -1..=1 {
                if let Some(c) = motion::cost(&planes[t - 1], &planes[t], dx as f32, dy as f32, 1.0) {
                    best = best.min(c);
                }
            }
        }
        d[t] = best;
    }
    d
}

/// Frames where a new shot starts, from the frames alone.
pub fn detect_cuts(frames: &[RgbImage]) -> Vec<u32> {
    let d = cut_signal(frames);
    let mut out = Vec::new();
    for t in 1..d.len() {
        let lo = t.saturating_sub(6).max(1);
        let hi = (t + 7).min(d.len());
        let mut around: Vec<f32> = (lo..hi).filter(|&u| u != t).map(|u| d[u]).collect();
        around.sort_by(f32::total_cmp);
        let med = around.get(around.len() / 2).copied().unwrap_or(0.0);
        if d[t] > 9.0 && d[t] > 3.0 * med + 2.0 && d[t] >= d[t - 1] && (t + 1 >= d.len() || d[t] >= d[t + 1]) {
            out.push(t as u32);
        }
    }
    out
}

/// Greedy one-to-one matching within [`CUT_TOLERANCE`]: (hits, spurious, missed).
pub fn match_cuts(scripted: &[u32], found: &[u32]) -> (usize, usize, usize) {
    let mut used = vec![false; found.len()];
    let mut hits = 0;
    for &s in scripted {
        let best = (0..found.len()).filter(|&k| !used[k] && found[k].abs_diff(s) <= CUT_TOLERANCE).min_by_key(|&k| found[k].abs_diff(s));
        if let Some(k) = best {
            used[k] = true;
            hits += 1;
        }
    }
    (hits, found.len() - hits, scripted.len() - hits)
}

/// Median over frames inside scripted shots of the mean |f(t) - (f(t-1) + f(t+1)) / 2|
/// (the median, so the odd bounce of a jump does not count as flicker).
pub fn flicker(frames: &[RgbImage], starts: &[u32], lens: &[u32]) -> f32 {
    let mut v = Vec::new();
    for (&s, &l) in starts.iter().zip(lens) {
        for t in s + 1..(s + l).saturating_sub(1) {
            let (a, b, c) = (frames[t as usize - 1].as_raw(), frames[t as usize].as_raw(), frames[t as usize + 1].as_raw());
            let e: f32 = a.iter().zip(b).zip(c).map(|((&x, &y), &z)| (y as f32 - (x as f32 + z as f32) * 0.5).abs()).sum();
            v.push(e / b.len() as f32);
        }
    }
    if v.is_empty() { 0.0 } else { shots::median(v) }
}

/// Part of 8-frame windows inside scripted shots whose ends differ visibly.
pub fn motion(frames: &[RgbImage], starts: &[u32], lens: &[u32]) -> f32 {
    let mut moving = 0;
    let mut n = 0;
    for (&s, &l) in starts.iter().zip(lens) {
        let mut t = s;
        while t + 8 < s + l {
            n += 1;
            if mad(&frames[t as usize], &frames[t as usize + 8]) > 0.3 {
                moving += 1;
            }
            t += 4;
        }
    }
    if n == 0 { 1.0 } else { moving as f32 / n as f32 }
}

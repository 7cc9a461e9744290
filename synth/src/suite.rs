//! The benchmark: 100 stories from a fixed seed, a long-form set of 2+ minute stories, and
//! a runner that scores a [`VideoSource`] over them.

use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::{self, Scores};
use crate::screenplay::{film_or_reference, Provenance};
use crate::source::VideoSource;
use crate::story::{Story, StoryConfig};

/// Seed of the benchmark suite; never change it (scores would stop being comparable).
pub const SUITE_SEED: u64 = 20_251_125;

/// The 100-story multi-shot benchmark: 4 to 8 shots of 1.5 to 4 s each.
pub fn benchmark_suite() -> Vec<Story> {
    suite(SUITE_SEED, 100, &StoryConfig::default())
}

/// The long-form set: 10 stories of 2 to 2.5 minutes (40 to 60 shots each).
pub fn long_form_suite() -> Vec<Story> {
    let cfg = StoryConfig { shots: (60, 60), ..StoryConfig::default() };
    let mut out = Vec::new();
    let mut seed = (SUITE_SEED + 1).wrapping_mul(1000);
    while out.len() < 10 {
        let mut s = Story::generate(seed, &cfg);
        seed += 1;
        let mut frames = 0;
        let keep = s.shots.iter().take_while(|sh| {
            let before = frames;
            frames += sh.frames;
            before < 120 * s.fps
        }).count();
        s.shots.truncate(keep);
        if s.total_frames() >= 120 * s.fps {
            s.title = format!("long {:02}", out.len());
            out.push(s);
        }
    }
    out
}

fn suite(seed: u64, n: usize, cfg: &StoryConfig) -> Vec<Story> {
    (0..n as u64).map(|i| {
        let mut s = Story::generate(seed.wrapping_mul(1000).wrapping_add(i), cfg);
        s.title = format!("bench {:03}", i);
        s
    }).collect()
}

/// Renders the ground truth of stories in parallel; returns the frame count.
pub fn render_all(stories: &[Story]) -> usize {
    stories.par_iter().map(|s| crate::render_story(s).len()).sum()
}

/// Mean scores of a source over stories, with speed and memory.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: String,
    pub stories: usize,
    pub frames: usize,
    pub set: f32,
    pub subject: f32,
    pub size: f32,
    pub camera: f32,
    pub adherence: f32,
    pub cut_f1: f32,
    pub set_consistency: Option<f32>,
    pub subject_consistency: Option<f32>,
    pub consistency: Option<f32>,
    pub stability: f32,
    pub motion: f32,
    /// Frames the source produced per second of its own time.
    pub fps: f64,
    /// Peak resident memory of this process (MiB), if the OS tells.
    pub peak_mib: Option<f64>,
    /// Whether every film came from the compiler (else from the reference lowering).
    pub compiled: bool,
}

/// Runs `source` over `stories` and scores every render.
pub fn run(source: &mut dyn VideoSource, stories: &[Story]) -> Result<Report> {
    let mut all: Vec<Scores> = Vec::new();
    let mut gen_secs = 0.0;
    let mut compiled = true;
    let mut work = Vec::new();
    for story in stories {
        let (film, how) = film_or_reference(story);
        compiled &= how == Provenance::Compiled;
        let t = Instant::now();
        let frames = source.render(&film, story).with_context(|| format!("{} on `{}`", source.name(), story.title))?;
        gen_secs += t.elapsed().as_secs_f64();
        work.push((story, film, frames));
        if work.len() >= 8 {
            all.extend(score(&mut work)?);
        }
    }
    all.extend(score(&mut work)?);
    Ok(summarise(source.name(), &all, gen_secs, compiled))
}

fn score(work: &mut Vec<(&Story, cine_ir::Film, Vec<image::RgbImage>)>) -> Result<Vec<Scores>> {
    let out: Result<Vec<Scores>> = work.par_iter().map(|(s, f, fr)| metrics::evaluate(s, f, fr)).collect();
    work.clear();
    out
}

fn summarise(source: String, all: &[Scores], gen_secs: f64, compiled: bool) -> Report {
    let n = all.len().max(1) as f32;
    let m = |f: fn(&Scores) -> f32| all.iter().map(f).sum::<f32>() / n;
    let mo = |f: fn(&Scores) -> Option<f32>| {
        let v: Vec<f32> = all.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32)
    };
    let frames: usize = all.iter().map(|s| s.frames).sum();
    Report {
        source,
        stories: all.len(),
        frames,
        set: m(|s| s.set),
        subject: m(|s| s.subject),
        size: m(|s| s.size),
        camera: m(|s| s.camera),
        adherence: m(|s| s.adherence),
        cut_f1: m(|s| s.cut_f1),
        set_consistency: mo(|s| s.set_consistency),
        subject_consistency: mo(|s| s.subject_consistency),
        consistency: mo(|s| s.consistency()),
        stability: m(|s| s.stability),
        motion: m(|s| s.motion),
        fps: frames as f64 / gen_secs.max(1e-9),
        peak_mib: peak_mib(),
        compiled,
    }
}

/// Peak resident memory (VmHWM) of this process in MiB, on Linux.
pub fn peak_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

//! The render loop: schedule -> generator (or cache) -> transitions -> sinks.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cine_ir::{Film, ModelProfile};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::cache::{shot_keys, Entry, RenderCache};
use crate::frame::{FrameSink, RgbFrame};
use crate::generator::{step, ChunkGenerator, StreamInfo};
use crate::mp4::{Mp4Options, Mp4Writer};
use crate::schedule::{plan, Schedule};
use crate::storyboard::Storyboard;

/// How to run a render.
#[derive(Default)]
pub struct RenderOptions<'a> {
    pub cache: Option<RenderCache>,
    /// Show a progress bar on stderr (hidden anyway when stderr is not a terminal).
    pub progress: bool,
    /// Set by a signal handler: the render stops at the next chunk with an error.
    pub interrupt: Option<&'a AtomicBool>,
    /// Film frames written to the MP4 and shown on the storyboard (all when `None`); the
    /// film is generated up to the last shot the range reaches.
    pub keep: Option<std::ops::Range<u32>>,
    /// Leave the generator where the film ends, restoring the cached state when the last
    /// shots came from the cache: for a live session that goes on from the film.
    pub resume: bool,
}

/// How the MP4 of [`render_film_with`] looks.
#[derive(Debug, Clone, Default)]
pub struct VideoOptions {
    /// The MP4 is this many times the frames' size (0 and 1: as is); the cache and the
    /// storyboard keep the native size.
    pub scale: u32,
    /// Draw the film's dialogue into the MP4's frames (it always gets a subtitle track).
    pub burn_subtitles: bool,
}

/// What a render did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RenderStats {
    pub frames: u32,
    pub chunks: usize,
    /// Chunks the generator actually ran (the rest came from the cache).
    pub chunks_generated: usize,
    pub shots_reused: usize,
    pub seconds: f64,
    /// Seconds until the first film frame was ready.
    pub first_frame_seconds: f64,
    /// Why the render cache could not be written (the render went on without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_error: Option<String>,
}

impl RenderStats {
    /// Film frames per wall-clock second.
    pub fn fps(&self) -> f64 {
        self.frames as f64 / self.seconds.max(1e-9)
    }
}

/// The stream settings of a schedule.
pub fn stream_info(s: &Schedule) -> StreamInfo {
    StreamInfo { seed: s.seed, width: s.width, height: s.height, fps: s.fps, global_caption: s.global_caption.clone() }
}

/// Runs a schedule, pushing each finished film frame (transitions applied) to every sink.
pub fn run(
    schedule: &Schedule,
    gen: &mut dyn ChunkGenerator,
    sinks: &mut [&mut dyn FrameSink],
    opts: &RenderOptions,
) -> Result<RenderStats> {
    let t0 = Instant::now();
    let info = stream_info(schedule);
    gen.start(&info)?;
    let keys = opts.cache.as_ref().map(|_| shot_keys(&gen.id(), &info, schedule));
    let bar = progress_bar(schedule.chunks.len() as u64, opts.progress);
    let mut stats = RenderStats { chunks: schedule.chunks.len(), ..Default::default() };
    // A film a live session goes on from does not fade out of its last shot: the session cuts.
    let mut fx = Transitions { last: None, film_ends: !opts.resume };
    let mut reusing = true;
    let mut pending: Option<Vec<u8>> = None;
    let interrupted = || opts.interrupt.is_some_and(|f| f.load(Ordering::SeqCst));
    for (k, shot) in schedule.shots.iter().enumerate() {
        // Also before a shot from the cache: an interrupted render writes nothing.
        if interrupted() {
            bar.abandon();
            bail!("interrupted");
        }
        let key = keys.as_ref().map(|keys| keys[k].as_str());
        let hit = match (reusing, &opts.cache, key) {
            (true, Some(cache), Some(key)) => cache.get(key).filter(|e| e.frames.len() == shot.frames as usize),
            _ => None,
        };
        let frames = if let Some(entry) = hit {
            stats.shots_reused += 1;
            bar.inc(shot.chunks as u64);
            pending = Some(entry.state);
            entry.frames
        } else {
            if let Some(state) = pending.take() {
                gen.restore(&state).context("cannot restore the cached generation state")?;
            }
            reusing = false;
            bar.reset_eta();
            let mut frames = Vec::with_capacity(shot.frames as usize);
            for chunk in schedule.shot_chunks(k) {
                if interrupted() {
                    bar.abandon();
                    bail!("interrupted");
                }
                let mut out = step(gen, chunk)?;
                stats.chunks_generated += 1;
                out.truncate(chunk.keep as usize);
                for (i, f) in out.iter().enumerate() {
                    if stats.frames == 0 && i == 0 {
                        stats.first_frame_seconds = t0.elapsed().as_secs_f64();
                    }
                    let index = chunk.film_start + i as u32;
                    emit(schedule, k, index, f, &mut fx, sinks)?;
                }
                stats.frames += out.len() as u32;
                frames.extend(out);
                bar.inc(1);
            }
            // The cache only saves time: a cache that cannot be written (a file in its place,
            // a full disk) is given up, and the film is still made.
            if let (Some(cache), Some(key), None) = (&opts.cache, key, &stats.cache_error) {
                if let Some(state) = gen.snapshot()? {
                    if let Err(e) = cache.put(key, &Entry { state, frames }) {
                        stats.cache_error = Some(format!("{e:#}"));
                    }
                }
            }
            continue;
        };
        if stats.frames == 0 {
            stats.first_frame_seconds = t0.elapsed().as_secs_f64();
        }
        for (i, f) in frames.iter().enumerate() {
            emit(schedule, k, shot.start_frame + i as u32, f, &mut fx, sinks)?;
        }
        stats.frames += frames.len() as u32;
    }
    if let Some(state) = pending.filter(|_| opts.resume) {
        gen.restore(&state).context("cannot restore the cached generation state")?;
    }
    bar.finish_and_clear();
    stats.seconds = t0.elapsed().as_secs_f64();
    Ok(stats)
}

fn progress_bar(len: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} chunks  {per_sec}  ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Fades, dissolves and wipes between shots, applied to finished frames.
struct Transitions {
    /// Last frame of the previous shot (for dissolves and wipes).
    last: Option<RgbFrame>,
    /// Whether the last shot ends the film (a fade out of it is drawn).
    film_ends: bool,
}

fn emit(
    s: &Schedule,
    k: usize,
    index: u32,
    frame: &RgbFrame,
    fx: &mut Transitions,
    sinks: &mut [&mut dyn FrameSink],
) -> Result<()> {
    let shot = &s.shots[k];
    let local = index - shot.start_frame;
    let mut out = frame.clone();
    // Into this shot, from the previous one.
    if let Some(prev) = k.checked_sub(1).map(|p| &s.shots[p]) {
        let n = prev.transition.frames.min(shot.frames);
        match prev.transition.kind.as_str() {
            "fade" if local < n.div_ceil(2) => out = out.dim((local + 1) as f32 / (n.div_ceil(2) + 1) as f32),
            kind @ ("dissolve" | "wipe") if local < n => {
                if let Some(last) = fx.last.as_ref().filter(|l| l.width == out.width && l.height == out.height) {
                    let t = (local + 1) as f32 / (n + 1) as f32;
                    out = if kind == "wipe" { last.wipe(&out, t) } else { last.blend(&out, t) };
                }
            }
            _ => {}
        }
    }
    // Out of this shot, into the next (or out of the film): a fade goes half its length
    // down to black (the next shot comes up the other half); a fade to black takes its
    // whole length, and the next shot cuts in.
    if k + 1 < s.shots.len() || fx.film_ends {
        let n = shot.transition.frames.min(shot.frames);
        let down = match shot.transition.kind.as_str() {
            "fade" => n / 2,
            "fade_to_black" => n,
            _ => 0,
        };
        let left = shot.frames - local;
        if down > 0 && left <= down {
            out = out.dim((left - 1) as f32 / down as f32);
        }
    }
    if local + 1 == shot.frames {
        fx.last = Some(frame.clone());
    }
    for sink in sinks.iter_mut() {
        sink.push(index, &out)?;
    }
    Ok(())
}

/// Renders a film to an MP4 at its native size (and optionally a storyboard PNG).
pub fn render_film(
    film: &Film,
    profile: &ModelProfile,
    gen: &mut dyn ChunkGenerator,
    output: &Path,
    storyboard: Option<&Path>,
    opts: &RenderOptions,
) -> Result<RenderStats> {
    render_film_with(film, profile, gen, output, storyboard, opts, &VideoOptions::default())
}

/// Renders a film to an MP4 (scaled, its dialogue as a subtitle track and maybe burned in)
/// and optionally a storyboard PNG.
pub fn render_film_with(
    film: &Film,
    profile: &ModelProfile,
    gen: &mut dyn ChunkGenerator,
    output: &Path,
    storyboard: Option<&Path>,
    opts: &RenderOptions,
    video: &VideoOptions,
) -> Result<RenderStats> {
    // With a range of frames to keep, generation stops after the last shot it reaches.
    let schedule = match &opts.keep {
        Some(r) => plan(film, profile).until_frame(r.end),
        None => plan(film, profile),
    };
    anyhow::ensure!(!schedule.chunks.is_empty(), "the film has no frames to render");
    if let Some(p) = storyboard {
        crate::files::check_output(p, "storyboard.png")?;
        crate::files::check_extension(p, "png", "PNG")?;
    }
    let (w, h) = gen.frame_size(schedule.width, schedule.height);
    let range = opts.keep.clone().unwrap_or(0..u32::MAX);
    let cues = crate::subtitles::cues(film, range.clone());
    let mo = Mp4Options { scale: video.scale, cues, burn: video.burn_subtitles };
    let mut mp4 = Mp4Writer::create_with(output, w, h, schedule.fps, &mo)?;
    // The storyboard shows the shots that are kept, as the MP4 does.
    let mut board = storyboard.map(|_| {
        let mut shown = schedule.clone();
        shown.shots.retain(|p| p.start_frame + p.frames > range.start && p.start_frame < range.end);
        Storyboard::new(&shown).with_lines(film)
    });
    let mut kept = Kept { sink: &mut mp4, range };
    let stats = {
        let mut sinks: Vec<&mut dyn FrameSink> = vec![&mut kept];
        if let Some(b) = board.as_mut() {
            sinks.push(b);
        }
        run(&schedule, gen, &mut sinks, opts)?
    };
    mp4.finish()?;
    if let (Some(b), Some(path)) = (board, storyboard) {
        b.save(path)?;
    }
    Ok(stats)
}

/// Passes on the frames of a range of film frames.
struct Kept<'a> {
    sink: &'a mut dyn FrameSink,
    range: std::ops::Range<u32>,
}

impl FrameSink for Kept<'_> {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> Result<()> {
        if self.range.contains(&index) {
            self.sink.push(index - self.range.start, frame)?;
        }
        Ok(())
    }
}

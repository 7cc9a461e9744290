//! The scheduler: maps a film's shots, timed prompt changes, cuts and recalls onto the
//! model's chunk grid.
//!
//! The model generates one continuous latent stream, a chunk of latent frames at a time.
//! With the Wan VAE's causal `1 + 4k` structure, latent frame 0 decodes to one video frame
//! and every later latent frame to four, so the film's first chunk yields
//! `chunk_frames - granularity + 1` frames (9 for cine-tiny) and every later chunk
//! `chunk_frames` (12). Each shot starts on a chunk boundary (the cut); its last chunk is
//! trimmed to the scripted frame count, so the film keeps its exact length. A prompt change
//! inside a shot takes effect at the chunk boundary nearest to its frame. The renderer and
//! the training data (`cine-train`) both lay films out with it.

use crate::{Film, ModelProfile, Recall, Transition};
use serde::{Deserialize, Serialize};

/// The model's chunk grid in video frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Frames a chunk yields once the stream is running.
    pub chunk_frames: u32,
    /// Frames the very first chunk of the stream yields.
    pub first_chunk_frames: u32,
}

impl Grid {
    /// The grid of a model: a causal VAE with temporal stride `frame_granularity` makes the
    /// first chunk `granularity - 1` frames shorter.
    pub fn from_profile(p: &ModelProfile) -> Self {
        let chunk = p.chunk_frames.max(1);
        let g = p.frame_granularity.clamp(1, chunk);
        Self { chunk_frames: chunk, first_chunk_frames: chunk - g + 1 }
    }

    /// Frames yielded by stream chunk `index`.
    pub fn chunk_len(&self, index: usize) -> u32 {
        if index == 0 {
            self.first_chunk_frames
        } else {
            self.chunk_frames
        }
    }

    /// The last frame of a shot (counted from its start, `shot_start` its first film frame)
    /// at which a timed change, a prompt or a recall, still takes effect: the middle of the
    /// shot's last chunk, as [`plan`] snaps changes to the nearest chunk boundary. `None`
    /// for a shot without frames.
    pub fn last_change_frame(&self, shot_start: u32, frames: u32) -> Option<u32> {
        self.chunk_middles(shot_start, frames).last().copied()
    }

    /// The frame (counted from the shot's start) whose prompt each chunk of the shot gets:
    /// the middle of the chunk, or the shot's last frame, as [`plan`] reads them.
    pub fn chunk_middles(&self, shot_start: u32, frames: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let (mut off, mut len) = (0u32, if shot_start == 0 { self.first_chunk_frames } else { self.chunk_frames });
        while off < frames && len > 0 {
            out.push(middle(off, len, frames));
            off = off.saturating_add(len);
            len = self.chunk_frames;
        }
        out
    }

    /// For each of a shot's prompt changes (frames from the shot's start, ascending), the
    /// shot's chunk that takes it: the first whose middle frame (which picks its prompt)
    /// falls between the change and the next one; `None` for a change no chunk takes.
    pub fn change_takers(&self, shot_start: u32, frames: u32, changes: &[u32]) -> Vec<Option<usize>> {
        let mids = self.chunk_middles(shot_start, frames);
        (0..changes.len())
            .map(|k| {
                let until = changes.get(k + 1).copied().unwrap_or(frames);
                mids.iter().position(|&m| changes[k] <= m && m < until)
            })
            .collect()
    }

    /// First stream frame of chunk `index`.
    pub fn chunk_start(&self, index: usize) -> u32 {
        if index == 0 {
            0
        } else {
            self.first_chunk_frames + (index as u32 - 1) * self.chunk_frames
        }
    }
}

/// What the renderer runs: the chunk list and, per shot, where it lies on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub model: String,
    pub seed: u64,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    /// Frames of the finished film (the sum of the shots' frames).
    pub total_frames: u32,
    /// Caption that is part of every prompt.
    pub global_caption: String,
    pub grid: Grid,
    pub shots: Vec<ShotPlan>,
    pub chunks: Vec<ChunkPlan>,
}

/// One shot on the chunk grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotPlan {
    pub shot: usize,
    pub label: String,
    /// Caption for storyboards: the shot's action, or its prompt when there is none.
    pub caption: String,
    /// Index of the shot's first chunk (a cut, except for the film's first shot).
    pub first_chunk: usize,
    pub chunks: usize,
    /// First film frame and length, as scripted.
    pub start_frame: u32,
    pub frames: u32,
    /// Generated frames dropped from the end of the shot's last chunk.
    pub trimmed_frames: u32,
    /// Earlier shots whose memory the shot pins (from `recall`s, timed ones too), ascending.
    pub pins: Vec<usize>,
    /// How the shot goes into the next one.
    pub transition: Transition,
}

/// One causal chunk generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkPlan {
    pub index: usize,
    pub shot: usize,
    /// The chunk opens its shot: the generator starts a new shot before it.
    pub cut: bool,
    /// The prompt in force for the whole chunk.
    pub prompt: String,
    /// The prompt differs from the previous chunk's within the same shot.
    pub prompt_changed: bool,
    /// Earlier shots to pin in memory while generating this chunk.
    pub pins: Vec<usize>,
    /// Shots up to this one that a later shot recalls: the memory keeps their blocks as long
    /// as it can (CAMR evicts them last). Part of the plan, so cache keys cover it. Recalls
    /// in shots from `Film::live_from` on count for nothing here.
    #[serde(default)]
    pub protect: Vec<usize>,
    /// First stream frame the chunk decodes, and how many.
    pub stream_start: u32,
    pub stream_frames: u32,
    /// The first `keep` decoded frames go to the film, from film frame `film_start` on.
    pub keep: u32,
    pub film_start: u32,
}

/// Plans a film on a model's chunk grid.
pub fn plan(film: &Film, profile: &ModelProfile) -> Schedule {
    let grid = Grid::from_profile(profile);
    let mut shots = Vec::new();
    let mut chunks: Vec<ChunkPlan> = Vec::new();
    // Recalls of shots directed live were not foreseen: they protect nothing beforehand.
    let foreseen = film.live_from.unwrap_or(usize::MAX);
    let all_pins: Vec<(usize, Vec<usize>)> = film
        .shots
        .iter()
        .filter(|s| s.frames > 0 && s.index < foreseen)
        .map(|s| (s.index, pins_of(s.index, &s.recalls, u32::MAX)))
        .collect();
    for shot in film.shots.iter().filter(|s| s.frames > 0) {
        let pins = pins_of(shot.index, &shot.recalls, u32::MAX);
        let mut protect: Vec<usize> = all_pins
            .iter()
            .filter(|(later, _)| *later > shot.index)
            .flat_map(|(_, p)| p.iter().copied().filter(|&j| j <= shot.index))
            .collect();
        protect.sort_unstable();
        protect.dedup();
        let first_chunk = chunks.len();
        let mut done = 0;
        while done < shot.frames {
            let index = chunks.len();
            let len = grid.chunk_len(index);
            let keep = len.min(shot.frames - done);
            let film_start = shot.start_frame + done;
            // The prompt at the chunk's middle frame: events snap to the nearest boundary.
            let mid = middle(film_start, len, shot.start_frame + shot.frames);
            let prompt = prompt_in_shot(shot, mid).to_string();
            let cut = index == first_chunk;
            let prompt_changed = !cut && chunks.last().is_some_and(|c| c.prompt != prompt);
            chunks.push(ChunkPlan {
                index,
                shot: shot.index,
                cut,
                prompt,
                prompt_changed,
                // A timed recall, like a prompt change, counts from the chunk whose middle it reaches.
                pins: pins_of(shot.index, &shot.recalls, mid),
                protect: protect.clone(),
                stream_start: grid.chunk_start(index),
                stream_frames: len,
                keep,
                film_start,
            });
            done += keep;
        }
        let n = chunks.len() - first_chunk;
        let generated: u32 = chunks[first_chunk..].iter().map(|c| c.stream_frames).sum();
        shots.push(ShotPlan {
            shot: shot.index,
            label: shot.label.clone(),
            caption: if shot.action.trim().is_empty() { shot.prompt.clone() } else { shot.action.clone() },
            first_chunk,
            chunks: n,
            start_frame: shot.start_frame,
            frames: shot.frames,
            trimmed_frames: generated - shot.frames,
            pins,
            transition: shot.transition.clone(),
        });
    }
    Schedule {
        model: film.model.clone(),
        seed: film.seed,
        fps: film.fps,
        width: film.width,
        height: film.height,
        total_frames: shots.iter().map(|s| s.frames).sum(),
        global_caption: film.global_caption.clone(),
        grid,
        shots,
        chunks,
    }
}

impl Schedule {
    /// The chunk where each of a shot's prompt changes reaches the model, in order (see
    /// [`Grid::change_takers`]).
    pub fn change_chunks(&self, shot: &crate::Shot) -> Vec<Option<&ChunkPlan>> {
        let chunks: Vec<&ChunkPlan> = self.chunks.iter().filter(|c| c.shot == shot.index).collect();
        let changes: Vec<u32> = shot.events.iter().map(|e| e.frame.saturating_sub(shot.start_frame)).collect();
        self.grid.change_takers(shot.start_frame, shot.frames, &changes).into_iter().map(|i| i.and_then(|i| chunks.get(i).copied())).collect()
    }

    /// The plan of the shots that start before film frame `end`: the chunks those shots
    /// need, planned with the whole film in view, so they are the chunks (and cache keys)
    /// of the whole film's render (a later shot's recall still protects their memory).
    pub fn until_frame(&self, end: u32) -> Schedule {
        let mut s = self.clone();
        s.shots.retain(|p| p.start_frame < end);
        let last = s.shots.last().map(|p| p.shot);
        s.chunks.retain(|c| last.is_some_and(|l| c.shot <= l));
        s.total_frames = s.shots.iter().map(|p| p.frames).sum();
        s
    }
}

/// The film frame a chunk stands for when timed changes are snapped to chunk boundaries:
/// its middle generated frame, or the shot's last frame when that comes first.
fn middle(film_start: u32, len: u32, shot_end: u32) -> u32 {
    (film_start + len / 2).min(shot_end - 1)
}

/// Earlier shots named by a shot's recalls in force at film frame `frame`, ascending,
/// without duplicates.
fn pins_of(shot: usize, recalls: &[Recall], frame: u32) -> Vec<usize> {
    let mut pins: Vec<usize> = recalls
        .iter()
        .filter(|r| r.from_frame.is_none_or(|f| f <= frame))
        .flat_map(|r| r.shots().iter().copied())
        .filter(|&s| s < shot)
        .collect();
    pins.sort_unstable();
    pins.dedup();
    pins
}

fn prompt_in_shot(shot: &crate::Shot, frame: u32) -> &str {
    let mut prompt = shot.prompt.as_str();
    for e in &shot.events {
        if e.frame <= frame {
            prompt = &e.prompt;
        }
    }
    prompt
}

impl Schedule {
    /// The chunks of shot plan `i` (an index into [`Schedule::shots`]).
    pub fn shot_chunks(&self, i: usize) -> &[ChunkPlan] {
        let s = &self.shots[i];
        &self.chunks[s.first_chunk..s.first_chunk + s.chunks]
    }

    /// The chunk from which a timed change (a prompt or a recall) at film frame `frame` of
    /// shot plan `i` takes effect: the first of the shot's chunks whose middle frame it
    /// reaches, as [`plan`] applies them; `None` when it comes after the middle of the
    /// shot's last chunk (it never takes effect).
    pub fn change_chunk(&self, i: usize, frame: u32) -> Option<&ChunkPlan> {
        let s = &self.shots[i];
        self.shot_chunks(i).iter().find(|c| frame <= middle(c.film_start, c.stream_frames, s.start_frame + s.frames))
    }

    /// Frames the generator decodes in all (kept and trimmed).
    pub fn generated_frames(&self) -> u32 {
        self.chunks.iter().map(|c| c.stream_frames).sum()
    }
}

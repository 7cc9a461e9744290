//! A procedural test generator: NOT a video model.
//!
//! It paints a gradient and a moving disc whose colours come from a hash of the prompt and
//! whose grain comes from the seed, so renders are deterministic, cuts and prompt switches
//! are visible, and a `recall` shows (the disc takes the recalled shot's colour). It exists
//! for fast tests of the pipeline (scheduling, cache, MP4, batch, live) and for running the
//! CLI without model weights (`--generator procedural`).

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::frame::RgbFrame;
use crate::generator::{ChunkGenerator, StreamInfo};
use crate::schedule::ChunkPlan;

/// Name used on the command line and in cache keys.
pub const NAME: &str = "procedural-test-pattern";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    seed: u64,
    width: u32,
    height: u32,
    caption_hash: u64,
    /// Stream frame where the current shot began.
    shot_start: u32,
    prompt_hash: u64,
    /// Colours of each shot begun so far: (shot, colour).
    shot_colours: Vec<(usize, [u8; 3])>,
    /// Next stream frame.
    next_frame: u32,
    started: bool,
}

/// The procedural test generator (see the module docs).
#[derive(Debug, Default)]
pub struct ProceduralGenerator {
    state: State,
}

impl ProceduralGenerator {
    pub fn new() -> Self {
        Self::default()
    }
}

/// FNV-1a, stable across platforms and releases.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn colour(h: u64) -> [u8; 3] {
    [(h & 0xff) as u8, ((h >> 8) & 0xff) as u8, ((h >> 16) & 0xff) as u8]
}

impl ChunkGenerator for ProceduralGenerator {
    fn id(&self) -> String {
        format!("{NAME}/v1")
    }

    fn start(&mut self, info: &StreamInfo) -> Result<()> {
        anyhow::ensure!(info.width > 0 && info.height > 0, "frame size must not be zero");
        self.state = State {
            seed: info.seed,
            width: info.width,
            height: info.height,
            caption_hash: fnv(info.global_caption.as_bytes()),
            started: true,
            ..State::default()
        };
        Ok(())
    }

    fn begin_shot(&mut self, shot: usize, prompt: &str) -> Result<()> {
        let s = &mut self.state;
        s.shot_start = s.next_frame;
        s.prompt_hash = mix(fnv(prompt.as_bytes()) ^ s.caption_hash);
        let c = colour(mix(s.prompt_hash ^ 0x5eed));
        s.shot_colours.push((shot, c));
        Ok(())
    }

    fn set_prompt(&mut self, prompt: &str) -> Result<()> {
        self.state.prompt_hash = mix(fnv(prompt.as_bytes()) ^ self.state.caption_hash);
        Ok(())
    }

    fn next_chunk(&mut self, chunk: &ChunkPlan) -> Result<Vec<RgbFrame>> {
        anyhow::ensure!(self.state.started, "the procedural generator was not started");
        anyhow::ensure!(
            chunk.stream_start == self.state.next_frame,
            "chunk {} starts at stream frame {}, the generator is at {}",
            chunk.index,
            chunk.stream_start,
            self.state.next_frame
        );
        // A recall shows as the disc taking the first recalled shot's colour.
        let pinned = chunk
            .pins
            .first()
            .and_then(|p| self.state.shot_colours.iter().find(|(s, _)| s == p))
            .map(|(_, c)| *c);
        let frames = (0..chunk.stream_frames)
            .map(|i| self.paint(self.state.next_frame + i, pinned))
            .collect();
        self.state.next_frame += chunk.stream_frames;
        Ok(frames)
    }

    fn snapshot(&self) -> Result<Option<Vec<u8>>> {
        Ok(Some(serde_json::to_vec(&self.state)?))
    }

    fn restore(&mut self, state: &[u8]) -> Result<()> {
        self.state = serde_json::from_slice(state).context("corrupt procedural generator state")?;
        Ok(())
    }
}

impl ProceduralGenerator {
    fn paint(&self, t: u32, pinned: Option<[u8; 3]>) -> RgbFrame {
        let s = &self.state;
        let (w, h) = (s.width, s.height);
        let top = colour(s.prompt_hash);
        let bottom = colour(s.prompt_hash >> 24);
        let disc = pinned.unwrap_or_else(|| colour(s.prompt_hash >> 40));
        let u = (t - s.shot_start) as f32;
        let phase = (mix(s.seed) % 628) as f32 / 100.0;
        let cx = w as f32 * (0.5 + 0.3 * (phase + u * 0.15).sin());
        let cy = h as f32 * (0.5 + 0.25 * (phase * 0.7 + u * 0.11).cos());
        let r2 = (h.min(w) as f32 / 6.0).powi(2);
        let mut f = RgbFrame::new(w, h);
        for y in 0..h {
            let k = y as f32 / (h.max(2) - 1) as f32;
            for x in 0..w {
                let d2 = (x as f32 - cx).powi(2) + (y as f32 - cy).powi(2);
                let grain = (mix(s.seed ^ ((t as u64) << 32) ^ ((y * w + x) as u64)) & 15) as i32 - 8;
                let mut px = [0u8; 3];
                for c in 0..3 {
                    let base = if d2 < r2 {
                        disc[c] as f32
                    } else {
                        top[c] as f32 * (1.0 - k) + bottom[c] as f32 * k
                    };
                    px[c] = (base as i32 + grain).clamp(0, 255) as u8;
                }
                f.put(x, y, px);
            }
        }
        f
    }
}

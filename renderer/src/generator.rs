//! The seam between the render loop and whatever makes frames.

use anyhow::Result;

use crate::frame::RgbFrame;
use crate::schedule::ChunkPlan;

/// What a generator needs to know of the whole stream before the first chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub seed: u64,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Caption that is part of every prompt.
    pub global_caption: String,
}

/// Makes a film chunk by chunk, causally: a chunk depends only on what came before it.
///
/// The render loop calls [`start`](Self::start) once, then for each chunk of the schedule
/// [`begin_shot`](Self::begin_shot) (on a cut) or [`set_prompt`](Self::set_prompt) (on a
/// prompt change), then [`next_chunk`](Self::next_chunk). [`snapshot`](Self::snapshot) and
/// [`restore`](Self::restore) save and reload the whole generation state at a shot boundary
/// so the render cache can resume there; a restored generator must continue bit for bit as
/// if it had generated the earlier chunks itself.
pub trait ChunkGenerator: Send {
    /// Identifies the generator and its weights in cache keys (name plus a weights hash).
    fn id(&self) -> String;
    /// Output size this generator makes for a film of the given size.
    fn frame_size(&self, width: u32, height: u32) -> (u32, u32) {
        (width, height)
    }
    /// Starts an empty stream.
    fn start(&mut self, info: &StreamInfo) -> Result<()>;
    /// Opens shot `shot` (a cut) with its first prompt.
    fn begin_shot(&mut self, shot: usize, prompt: &str) -> Result<()>;
    /// Switches the prompt inside the current shot.
    fn set_prompt(&mut self, prompt: &str) -> Result<()>;
    /// Generates and decodes one chunk: `chunk.stream_frames` frames.
    fn next_chunk(&mut self, chunk: &ChunkPlan) -> Result<Vec<RgbFrame>>;
    /// Seconds spent so far in each stage of generation (e.g. text encoder, DiT, VAE), for
    /// `cine bench`; empty when the generator does not measure them.
    fn timings(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// The generation state, serialised; `None` when this generator cannot save its state
    /// (renders then run without the cache).
    fn snapshot(&self) -> Result<Option<Vec<u8>>>;
    /// Reloads a state from [`snapshot`](Self::snapshot).
    fn restore(&mut self, state: &[u8]) -> Result<()>;
}

/// Runs one chunk of a plan against a generator: the cut or prompt switch, then the chunk.
pub fn step(gen: &mut dyn ChunkGenerator, chunk: &ChunkPlan) -> Result<Vec<RgbFrame>> {
    if chunk.cut {
        gen.begin_shot(chunk.shot, &chunk.prompt)?;
    } else if chunk.prompt_changed {
        gen.set_prompt(&chunk.prompt)?;
    }
    let frames = gen.next_chunk(chunk)?;
    anyhow::ensure!(
        frames.len() == chunk.stream_frames as usize,
        "generator `{}` returned {} frames for chunk {}, the plan expects {}",
        gen.id(),
        frames.len(),
        chunk.index,
        chunk.stream_frames
    );
    Ok(frames)
}

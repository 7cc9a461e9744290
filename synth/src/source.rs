//! Where frames come from: a model behind [`VideoSource`], the ground truth, or the ground
//! truth spoiled on purpose to show that each metric can tell.

use anyhow::{bail, Result};
pub use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::story::Story;

/// Anything that turns a compiled film (and, for references, its story) into frames.
/// A model must use only `film`; `story` is there for the ground truth and corruptions.
pub trait VideoSource {
    fn name(&self) -> String;
    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>>;
}

/// The world's own renders: the ceiling of every metric.
pub struct GroundTruth;

impl VideoSource for GroundTruth {
    fn name(&self) -> String {
        "ground-truth".into()
    }
    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        crate::render(story, film)
    }
}

/// Ways to spoil a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// Shots in another order.
    Shuffle,
    /// Colour channels rotated (r, g, b) -> (g, b, r).
    Swap,
    /// From a third of the way on, the frame stops changing (rollout stagnation).
    Freeze,
    /// Independent noise on every pixel of every frame.
    Noise,
    /// Hidden details drawn anew whenever a set or subject returns.
    Rerandomise,
}

impl Corruption {
    pub const ALL: [Corruption; 5] = [Corruption::Shuffle, Corruption::Swap, Corruption::Freeze, Corruption::Noise, Corruption::Rerandomise];

    pub fn name(self) -> &'static str {
        match self {
            Corruption::Shuffle => "shuffle",
            Corruption::Swap => "swap",
            Corruption::Freeze => "freeze",
            Corruption::Noise => "noise",
            Corruption::Rerandomise => "rerandomise",
        }
    }

    pub fn from_name(s: &str) -> Result<Corruption> {
        match Corruption::ALL.into_iter().find(|c| c.name() == s) {
            Some(c) => Ok(c),
            None => bail!("unknown corruption `{s}`; choose one of {}", Corruption::ALL.map(|c| c.name()).join(", ")),
        }
    }
}

/// Ground truth with a corruption applied.
pub struct Corrupted {
    pub kind: Corruption,
    pub seed: u64,
}

impl VideoSource for Corrupted {
    fn name(&self) -> String {
        format!("ground-truth+{}", self.kind.name())
    }
    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        let seed = self.seed ^ story.seed;
        if self.kind == Corruption::Rerandomise {
            return crate::render(&story.rerandomised_returns(seed), film);
        }
        let frames = crate::render(story, film)?;
        Ok(corrupt(self.kind, frames, film, seed))
    }
}

/// Applies a frame-level corruption (all but [`Corruption::Rerandomise`]).
pub fn corrupt(kind: Corruption, mut frames: Vec<RgbImage>, film: &cine_ir::Film, seed: u64) -> Vec<RgbImage> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match kind {
        Corruption::Shuffle => {
            let mut order: Vec<usize> = (0..film.shots.len()).collect();
            // A rotation, so no shot stays in place.
            let k = 1.min(order.len());
            order.rotate_left(k);
            let mut out = Vec::with_capacity(frames.len());
            for i in order {
                let s = &film.shots[i];
                out.extend_from_slice(&frames[s.start_frame as usize..(s.start_frame + s.frames) as usize]);
            }
            out
        }
        Corruption::Swap => {
            for f in &mut frames {
                for p in f.pixels_mut() {
                    p.0 = [p.0[1], p.0[2], p.0[0]];
                }
            }
            frames
        }
        Corruption::Freeze => {
            let from = frames.len() / 3;
            if let Some(still) = frames.get(from).cloned() {
                for f in &mut frames[from..] {
                    *f = still.clone();
                }
            }
            frames
        }
        Corruption::Noise => {
            for f in &mut frames {
                for v in f.iter_mut() {
                    let n: f32 = (0..4).map(|_| rng.gen_range(-1.0f32..1.0)).sum::<f32>() * 14.0;
                    *v = (*v as f32 + n).clamp(0.0, 255.0) as u8;
                }
            }
            frames
        }
        Corruption::Rerandomise => frames,
    }
}

//! Clips of the synthetic world for VAE training: rendered stories kept as RGB8 frames, random
//! `[B, 3, T, H, W]` clips in [-1, 1] drawn from them.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use cine_synth::{render_story, training_stories, Story, StoryConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rendered stories (each a run of consecutive frames) at one size.
pub struct Clips {
    stories: Vec<Vec<Vec<u8>>>,
    size: usize,
}

impl Clips {
    /// Render `n` training stories (`training_stories(n, seed)`) at `size`x`size`, 16 fps.
    pub fn render(n: usize, seed: u64, size: u32) -> Result<Self> {
        let stories: Vec<Story> = if size == 64 {
            training_stories(n, seed)
        } else {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let cfg = StoryConfig { width: size, height: size, shots: (1, 2), ..StoryConfig::default() };
            (0..n).map(|_| Story::generate(rng.gen(), &cfg)).collect()
        };
        let stories = stories
            .iter()
            .map(|s| render_story(s).into_iter().map(|f| f.into_raw()).collect())
            .collect();
        Ok(Self { stories, size: size as usize })
    }

    /// Total frames held.
    pub fn frames(&self) -> usize {
        self.stories.iter().map(Vec::len).sum()
    }

    /// `b` random clips of `t` consecutive frames: `[b, 3, t, H, W]` in [-1, 1].
    pub fn batch(&self, b: usize, t: usize, rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let long: Vec<&Vec<Vec<u8>>> = self.stories.iter().filter(|s| s.len() >= t).collect();
        if long.is_empty() {
            bail!("no rendered story has {t} frames; use fewer --frames or more stories")
        }
        let s = self.size;
        let mut data = vec![0f32; b * 3 * t * s * s];
        for bi in 0..b {
            let story = long[rng.gen_range(0..long.len())];
            let start = rng.gen_range(0..=story.len() - t);
            for ti in 0..t {
                let frame = &story[start + ti];
                for c in 0..3 {
                    let dst = &mut data[((bi * 3 + c) * t + ti) * s * s..][..s * s];
                    for (p, d) in dst.iter_mut().enumerate() {
                        *d = frame[p * 3 + c] as f32 / 127.5 - 1.0;
                    }
                }
            }
        }
        Ok(Tensor::from_vec(data, (b, 3, t, s, s), &Device::Cpu)?)
    }

    /// A batch fixed by `seed` (validation, latent statistics).
    pub fn fixed_batch(&self, b: usize, t: usize, seed: u64) -> Result<Tensor> {
        self.batch(b, t, &mut ChaCha8Rng::seed_from_u64(seed))
    }
}

/// Standard normal noise shaped like `x`, from `rng` (reproducible across runs).
pub fn normal_like(x: &Tensor, rng: &mut ChaCha8Rng) -> candle_core::Result<Tensor> {
    let n = x.elem_count();
    let v: Vec<f32> = (0..n)
        .map(|_| {
            let u1: f32 = rng.gen_range(f32::EPSILON..1.0);
            let u2: f32 = rng.gen();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
        })
        .collect();
    Tensor::from_vec(v, x.shape(), x.device())?.to_dtype(x.dtype())
}

/// Per-pixel loss weights `[B, 1, T, H, W]` of `video` `[B, 3, T, H, W]` in [-1, 1]: `1 + extra`
/// where the pixel has a cast body colour, else 1.
pub fn body_weights(video: &Tensor, extra: f64) -> candle_core::Result<Tensor> {
    let (b, c, t, h, w) = video.dims5()?;
    let v: Vec<f32> = video.flatten_all()?.to_vec1()?;
    let plane = t * h * w;
    let to_u8 = |x: f32| ((x + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8;
    let mut out = vec![1f32; b * plane];
    for bi in 0..b {
        for p in 0..plane {
            let px = [0, 1, 2].map(|ci| to_u8(v[(bi * c + ci) * plane + p]));
            if cine_synth::metrics::detect::is_body(&px) {
                out[bi * plane + p] = 1.0 + extra as f32;
            }
        }
    }
    Tensor::from_vec(out, (b, 1, t, h, w), video.device())?.to_dtype(video.dtype())
}

//! One training forward of the causal DiT over a window of chunks: per-chunk prompts,
//! per-chunk noise levels, the shot-gap RoPE positions of the generator, and CAMR routing
//! per layer, under teacher forcing (`[clean | noisy]`, the clean copies are the KV cache)
//! or diffusion forcing (every chunk noisy, chunks are each other's context).

use anyhow::{bail, Result};
use candle_core::Tensor;
use cine_model::memory::MemoryPolicy;
use cine_model::wan::{TrainLayout, TrainRouter, WanModel};

/// How the window's chunks see each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum Forcing {
    /// `[clean chunks | noisy chunks]`: noisy chunk c attends to the clean chunks before it
    /// (as the KV cache holds them at inference) and to itself.
    Teacher,
    /// Every chunk at its own noise level, attending to the (noisy) chunks before it.
    Diffusion,
}

/// A window ready for the DiT.
pub struct Window<'a> {
    /// Clean latents `[B, C, F, H, W]` (the teacher-forcing context).
    pub x0: &'a Tensor,
    /// Noisy latents at `t` (same shape).
    pub xt: &'a Tensor,
    /// Timestep (0..1000) per chunk.
    pub t: &'a [f64],
    /// Per-chunk prompt embeddings `[chunks, L, text_dim]` (batch 1).
    pub text: &'a Tensor,
    pub shots: &'a [usize],
    pub pins: &'a [Vec<usize>],
}

/// RoPE positions skipped at a cut (the generator's `shot_rope_gap`).
pub const SHOT_GAP: usize = 8;

/// Flow prediction for the noisy chunks `[B, C, F, H, W]`, and the router (for its routing
/// statistics). `chunk_frames` latent frames per chunk.
pub fn predict(dit: &WanModel, w: &Window, forcing: Forcing, policy: &MemoryPolicy, chunk_frames: usize) -> Result<(Tensor, TrainRouter)> {
    let (b, _c, f, h, wd) = w.xt.dims5()?;
    let n = w.t.len();
    if f != n * chunk_frames || w.shots.len() != n || w.pins.len() != n || w.text.dim(0)? != n {
        bail!("window of {f} latent frames does not match {n} chunks of {chunk_frames} with {} shots, {} prompts", w.shots.len(), w.text.dim(0)?);
    }
    let tpf = dit.tokens_per_frame(h, wd);
    let pt = dit.config().patch_size[0];
    let cf = chunk_frames / pt;
    let tframes: Vec<f32> = w.t.iter().flat_map(|&t| std::iter::repeat_n(t as f32, cf)).collect();
    let dev = w.xt.device();
    let (layout, x, tv, text) = match forcing {
        Forcing::Teacher => {
            let layout = TrainLayout::teacher(w.shots.to_vec(), w.pins.to_vec(), cf, tpf);
            let x = Tensor::cat(&[w.x0, w.xt], 2)?;
            let tv: Vec<f32> = std::iter::repeat_n(0f32, n * cf).chain(tframes).collect();
            (layout, x, tv, Tensor::cat(&[w.text, w.text], 0)?)
        }
        Forcing::Diffusion => {
            let layout = TrainLayout::diffusion(w.shots.to_vec(), w.pins.to_vec(), cf, tpf);
            (layout, w.xt.clone(), tframes, w.text.clone())
        }
    };
    let nt = tv.len();
    let t = Tensor::from_vec(tv, (1, nt), dev)?.repeat((b, 1))?;
    let text = if b > 1 { text.repeat((b, 1, 1))? } else { text };
    let frames = layout.rope_frames(SHOT_GAP);
    let router = TrainRouter::new(layout, policy.clone());
    let out = dit.forward_train_routed(&x, &t, &text, &frames, &router)?;
    let out = match forcing {
        Forcing::Teacher => out.narrow(2, f, f)?,
        Forcing::Diffusion => out,
    };
    Ok((out, router))
}

/// `x_t = (1 - s) x0 + s noise` with a per-chunk `s = t / 1000`.
pub fn noisy(x0: &Tensor, noise: &Tensor, t: &[f64], chunk_frames: usize) -> Result<Tensor> {
    let s = sigmas(t, chunk_frames, x0.device())?;
    Ok((x0.broadcast_mul(&s.affine(-1.0, 1.0)?)? + noise.broadcast_mul(&s)?)?)
}

/// Per-frame `t / 1000` as a broadcastable `[1, 1, F, 1, 1]` tensor.
pub fn sigmas(t: &[f64], chunk_frames: usize, dev: &candle_core::Device) -> Result<Tensor> {
    let s: Vec<f32> = t.iter().flat_map(|&t| std::iter::repeat_n((t / 1000.0) as f32, chunk_frames)).collect();
    let n = s.len();
    Ok(Tensor::from_vec(s, (1, 1, n, 1, 1), dev)?)
}

//! Chunk-by-chunk causal sampling with the KV memory, as `cine_model::wan::CausalGenerator`
//! does it (same shot cuts, RoPE gap, pins, clean cache pass), with either the generator's
//! sampler (predict x0, re-noise with fresh noise) or a deterministic Euler ODE solver, and
//! the states at chosen timesteps recorded (teacher trajectories for distillation).

use anyhow::Result;
use candle_core::{Device, Tensor};
use cine_model::memory::{BlockInfo, KvMemory, MemoryPolicy};
use cine_model::wan::schedule::{add_noise, sigma, x0_from_flow};
use cine_model::wan::{randn_vec, Path, WanModel};
use rand::SeedableRng;

use crate::step::SHOT_GAP;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    /// The generator's: each step predicts x0 and re-noises it to the next step.
    Renoise,
    /// Euler steps along the flow (deterministic given the initial noise).
    Euler,
}

/// What a rollout produced.
pub struct Rollout {
    /// Clean latents per chunk `[1, C, F, H, W]`.
    pub chunks: Vec<Tensor>,
    /// Per chunk, the state `x_t` entering each step whose timestep is in `record` (same order).
    pub states: Vec<Vec<Tensor>>,
}

impl Rollout {
    pub fn latents(&self) -> Result<Tensor> {
        Ok(Tensor::cat(&self.chunks, 2)?)
    }
}

/// Generates `text.dim(0)` chunks. `text`: per-chunk prompt embeddings `[N, L, text_dim]`;
/// `steps`: descending timesteps (already shifted); `shape`: `(C, F, H, W)` of a chunk.
#[allow(clippy::too_many_arguments)]
pub fn rollout(dit: &WanModel, text: &Tensor, shots: &[usize], pins: &[Vec<usize>], steps: &[f64], sampler: Sampler, record: &[f64], policy: &MemoryPolicy, shape: (usize, usize, usize, usize), seed: u64) -> Result<Rollout> {
    let dev = Device::Cpu;
    let n = text.dim(0)?;
    let (c, f, h, w) = shape;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let noise = |rng: &mut rand_chacha::ChaCha8Rng| Tensor::from_vec(randn_vec(rng, c * f * h * w), (1, c, f, h, w), &dev);
    let mut mem = KvMemory::new(policy.clone(), dit.config().num_layers);
    let (mut rope, mut shot_start) = (0usize, 0usize);
    let mut out = Rollout { chunks: Vec::with_capacity(n), states: Vec::with_capacity(n) };
    let tvec = |t: f64| Tensor::full(t as f32, (1, f / dit.config().patch_size[0]), &dev);
    for ci in 0..n {
        if ci == 0 || shots[ci] != shots[ci - 1] {
            if ci > 0 {
                shot_start = ci;
                rope += SHOT_GAP;
            }
            mem.begin_shot(shot_start, pins[ci].clone());
        }
        // Cross-attention K/V of the chunk's prompt (equal prompts give equal K/V).
        let tk = dit.encode_text(&text.narrow(0, ci, 1)?, Path::Fused)?;
        let tk = &tk;
        let mut x = noise(&mut rng)?;
        let mut x0 = x.clone();
        let mut states = Vec::new();
        for (i, &t) in steps.iter().enumerate() {
            if record.iter().any(|r| (r - t).abs() < 1e-6) {
                states.push(x.clone());
            }
            mem.begin_pass(ci, i, false);
            let flow = dit.forward_chunk(&x, &tvec(t)?, tk, rope, &mut mem)?;
            x0 = x0_from_flow(&x, &flow, t)?;
            let next = steps.get(i + 1).copied();
            x = match (sampler, next) {
                (_, None) => x0.clone(),
                (Sampler::Renoise, Some(nt)) => add_noise(&x0, &noise(&mut rng)?, nt)?,
                (Sampler::Euler, Some(nt)) => (&x + (flow * (sigma(nt) - sigma(t)))?)?,
            };
        }
        mem.begin_pass(ci, steps.len(), true);
        dit.forward_chunk(&x0, &tvec(0.0)?, tk, rope, &mut mem)?;
        mem.commit(BlockInfo { id: ci, shot: shots[ci] })?;
        rope += f / dit.config().patch_size[0];
        out.chunks.push(x0);
        out.states.push(states);
    }
    Ok(out)
}

/// The teacher's timesteps for distillation: each of the student's `student` steps, with
/// `sub` equal sigma substeps between consecutive ones and `tail` from the last one down to 0
/// (0 itself excluded), descending.
pub fn teacher_steps(student: &[f64], sub: usize, tail: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, &t) in student.iter().enumerate() {
        let next = student.get(i + 1).copied();
        let (k, end) = match next {
            Some(nt) => (sub.max(1), nt),
            None => (tail.max(1), 0.0),
        };
        for j in 0..k {
            out.push(t + (end - t) * j as f64 / k as f64);
        }
    }
    out
}

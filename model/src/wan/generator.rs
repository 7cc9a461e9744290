//! Self-Forcing-style chunk-by-chunk causal generation with a KV memory.
//!
//! Per chunk: `steps` denoising passes, each predicting x0 from the flow and re-noising it to
//! the next (shifted) timestep with fresh noise; the last x0 is the chunk; then one clean pass
//! at `context_t` (0) writes the chunk's keys/values into the memory.
//!
//! Shot cuts ([`CausalGenerator::begin_shot`]): the RoPE frame position jumps by
//! `shot_rope_gap` (LongLive 2.0 uses 8), so the new shot is "further away" in time than its
//! neighbour frames; the shot's first chunk becomes a per-shot sink (policies with
//! `shot_sink`); the shots named by `recall` are pinned (CAMR prefers their blocks).

use candle_core::{Result, Tensor};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::random::randn_vec;
use super::schedule::{add_noise, sigma, warped_steps, x0_from_flow};
use super::{Path, TextKv, WanModel};
use crate::memory::{BlockInfo, KvMemory, MemoryPolicy};

// Euler sampler for base models, and save / restore between chunks (the renderer's cache).
mod euler;
mod state;

/// Sampler and chunk-grid settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorConfig {
    /// Latent frames per chunk.
    pub chunk_frames: usize,
    pub latent_height: usize,
    pub latent_width: usize,
    /// Denoising timesteps before shifting.
    pub steps: Vec<f64>,
    pub shift: f64,
    /// Timestep of the cache-writing pass (Self-Forcing's `context_noise`, 0).
    pub context_t: f64,
    /// RoPE frame positions skipped at a shot cut.
    pub shot_rope_gap: usize,
    /// On a prompt switch, re-run the clean pass of up to this many recent chunks of the
    /// current shot with the new prompt, replacing their K/V (LongLive's KV re-cache; 0 = off).
    pub recache_chunks: usize,
    pub seed: u64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self { chunk_frames: 3, latent_height: 16, latent_width: 16, steps: vec![1000.0, 750.0, 500.0, 250.0], shift: 5.0, context_t: 0.0, shot_rope_gap: 8, recache_chunks: 0, seed: 0 }
    }
}

impl GeneratorConfig {
    /// cine-tiny: 64x64 video, 16x16 latent. wan2.1-1.3b: 832x480 video, 60x104 latent.
    pub fn for_model(name: &str) -> Option<Self> {
        match name {
            "cine-tiny" => Some(Self::default()),
            "wan2.1-1.3b" | "self-forcing" => Some(Self { latent_height: 60, latent_width: 104, ..Self::default() }),
            _ => None,
        }
    }
}

/// Generates a video chunk by chunk. One generator is one video (batch 1).
pub struct CausalGenerator {
    dit: WanModel,
    cfg: GeneratorConfig,
    memory: KvMemory,
    text: Option<TextKv>,
    timesteps: Vec<f64>,
    rng: rand_chacha::ChaCha8Rng,
    chunk: usize,
    rope_frame: usize,
    shot: usize,
    shot_start: usize,
    /// Recent clean chunks `(id, rope frame, x0)` kept for re-caching.
    history: std::collections::VecDeque<(usize, usize, Tensor)>,
}

impl CausalGenerator {
    pub fn new(dit: WanModel, cfg: GeneratorConfig, policy: MemoryPolicy) -> Result<Self> {
        let p = dit.config().patch_size;
        if cfg.chunk_frames == 0 || cfg.chunk_frames % p[0] != 0 || cfg.latent_height % p[1] != 0 || cfg.latent_width % p[2] != 0 || cfg.steps.is_empty() {
            candle_core::bail!("generator config {cfg:?} does not fit patch size {p:?} (or has no steps)");
        }
        let memory = KvMemory::new(policy, dit.config().num_layers);
        Ok(Self {
            timesteps: warped_steps(&cfg.steps, cfg.shift),
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed),
            dit,
            cfg,
            memory,
            text: None,
            chunk: 0,
            rope_frame: 0,
            shot: 0,
            shot_start: 0,
            history: Default::default(),
        })
    }

    pub fn config(&self) -> &GeneratorConfig {
        &self.cfg
    }

    pub fn memory(&self) -> &KvMemory {
        &self.memory
    }

    pub fn memory_mut(&mut self) -> &mut KvMemory {
        &mut self.memory
    }

    /// Chunks generated so far.
    pub fn chunks_done(&self) -> usize {
        self.chunk
    }

    /// The current shot index (0 for the first shot).
    pub fn shot(&self) -> usize {
        self.shot
    }

    /// Sets (or switches, between chunks) the prompt: text-encoder output `[L, text_dim]` or
    /// `[1, L, text_dim]`, zero-padded to the DiT's `text_len` as Wan does. Cross-attention
    /// K/V are computed once here and reused by every pass until the next call. With
    /// `recache_chunks > 0` the recent chunks' self-attention K/V are recomputed too.
    pub fn set_prompt(&mut self, text: &Tensor) -> Result<()> {
        let text = if text.rank() == 2 { text.unsqueeze(0)? } else { text.clone() };
        let (b, l, d) = text.dims3()?;
        let cfg = self.dit.config();
        if b != 1 || d != cfg.text_dim || l > cfg.text_len {
            candle_core::bail!("prompt embedding {:?} should be [1, L <= {}, {}]", text.dims(), cfg.text_len, cfg.text_dim);
        }
        let text = if l < cfg.text_len { Tensor::cat(&[&text, &text.zeros_like()?.narrow(1, 0, 1)?.repeat((1, cfg.text_len - l, 1))?], 1)? } else { text };
        let text = self.dit.encode_text(&text, Path::Fused)?;
        // Re-cache the recent chunks of this shot under the new prompt, oldest first.
        let pass = self.timesteps.len() + 1;
        let f = self.cfg.chunk_frames / self.dit.config().patch_size[0];
        for (id, rope_frame, x0) in self.history.iter().filter(|h| h.0 >= self.shot_start) {
            self.memory.begin_pass(*id, pass, true);
            let t = Tensor::full(self.cfg.context_t as f32, (1, f), self.dit.device())?;
            self.dit.forward_chunk(x0, &t, &text, *rope_frame, &mut self.memory)?;
            self.memory.commit(BlockInfo { id: *id, shot: self.shot })?;
        }
        self.text = Some(text);
        Ok(())
    }

    /// Starts a new shot (a cut) before the next chunk; `pins` are earlier shot indices the
    /// screenplay `recall`s. Before the first chunk it only sets the pins of shot 0.
    pub fn begin_shot(&mut self, pins: Vec<usize>) -> usize {
        if self.chunk > self.shot_start {
            self.shot += 1;
            self.shot_start = self.chunk;
            self.rope_frame += self.cfg.shot_rope_gap;
        }
        self.memory.begin_shot(self.shot_start, pins);
        self.shot
    }

    /// Generates the next chunk with noise from the generator's seeded stream.
    /// Returns latents `[C, F, H, W]` (F = `chunk_frames`).
    pub fn generate_chunk(&mut self) -> Result<Tensor> {
        self.sample_chunk(false)
    }

    /// One chunk: `steps` passes, then the cache-writing pass. Between passes, the few-step
    /// sampler re-noises the x0 prediction with fresh noise; `euler` moves `x` along the flow.
    pub(crate) fn sample_chunk(&mut self, euler: bool) -> Result<Tensor> {
        let Some(text) = self.text.clone() else {
            candle_core::bail!("generate_chunk before set_prompt: give the generator a prompt embedding first")
        };
        let n = self.chunk_len();
        let f = self.cfg.chunk_frames / self.dit.config().patch_size[0];
        let dev = self.dit.device().clone();
        let tvec = |t: f64| Tensor::full(t as f32, (1, f), &dev);
        let mut x = self.noise(n)?;
        let mut x0 = x.clone();
        let steps = self.timesteps.clone();
        for (i, &t) in steps.iter().enumerate() {
            self.memory.begin_pass(self.chunk, i, false);
            let flow = self.dit.forward_chunk(&x, &tvec(t)?, &text, self.rope_frame, &mut self.memory)?;
            x0 = x0_from_flow(&x, &flow, t)?;
            if let Some(&next) = steps.get(i + 1) {
                x = if euler { (&x + (flow * (sigma(next) - sigma(t)))?)? } else { add_noise(&x0, &self.noise(n)?, next)? };
            }
        }
        self.memory.begin_pass(self.chunk, steps.len(), true);
        self.dit.forward_chunk(&x0, &tvec(self.cfg.context_t)?, &text, self.rope_frame, &mut self.memory)?;
        self.memory.commit(BlockInfo { id: self.chunk, shot: self.shot })?;
        if self.cfg.recache_chunks > 0 {
            self.history.push_back((self.chunk, self.rope_frame, x0.clone()));
            if self.history.len() > self.cfg.recache_chunks {
                self.history.pop_front();
            }
        }
        self.chunk += 1;
        self.rope_frame += f;
        x0.squeeze(0)
    }

    fn chunk_len(&self) -> usize {
        self.dit.config().in_dim * self.cfg.chunk_frames * self.cfg.latent_height * self.cfg.latent_width
    }

    fn noise(&mut self, n: usize) -> Result<Tensor> {
        let c = &self.cfg;
        let v = randn_vec(&mut self.rng, n);
        Tensor::from_vec(v, (1, self.dit.config().in_dim, c.chunk_frames, c.latent_height, c.latent_width), self.dit.device())?.to_dtype(self.dit.dtype())
    }
}

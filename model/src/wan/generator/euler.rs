//! A deterministic Euler ODE sampler for many-step base models (`cine eval --dit base`):
//! the same chunk, memory, cut and cache-pass logic as [`CausalGenerator::generate_chunk`],
//! but each step moves `x` along the predicted flow to the next timestep instead of
//! re-noising the x0 prediction (Self-Forcing's few-step sampler). The distillation teacher
//! (`cine_train::rollout`, `Sampler::Euler`) samples the base model the same way.

use candle_core::{Result, Tensor};

use super::super::schedule::{sigma, x0_from_flow};
use super::CausalGenerator;
use crate::memory::BlockInfo;

impl CausalGenerator {
    /// Generates the next chunk with Euler steps over the configured (shifted) timesteps;
    /// only the starting noise comes from the seeded stream. Returns latents `[C, F, H, W]`.
    pub fn generate_chunk_euler(&mut self) -> Result<Tensor> {
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
                x = (&x + (flow * (sigma(next) - sigma(t)))?)?;
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
}

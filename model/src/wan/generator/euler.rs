//! A deterministic Euler ODE sampler for many-step base models (`cine eval --dit base`):
//! the same chunk, memory, cut and cache-pass logic as [`CausalGenerator::generate_chunk`],
//! but each step moves `x` along the predicted flow to the next timestep instead of
//! re-noising the x0 prediction (Self-Forcing's few-step sampler). The distillation teacher
//! (`cine_train::rollout`, `Sampler::Euler`) samples the base model the same way.

use candle_core::{Result, Tensor};

use super::CausalGenerator;

impl CausalGenerator {
    /// Generates the next chunk with Euler steps over the configured (shifted) timesteps;
    /// only the starting noise comes from the seeded stream. Returns latents `[C, F, H, W]`.
    pub fn generate_chunk_euler(&mut self) -> Result<Tensor> {
        self.sample_chunk(true)
    }
}

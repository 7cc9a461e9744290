//! Saving and restoring a [`StreamingDecoder`] between chunks (the renderer's cache).

use std::collections::HashMap;

use candle_core::{Result, Tensor};
use serde::{Deserialize, Serialize};

use super::{FeatCache, StreamingDecoder};

/// Everything of a [`StreamingDecoder`] but its tensors and weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecoderState {
    pub latent_frames: usize,
    /// Per cache slot: (holds frames, started).
    pub slots: Vec<(bool, bool)>,
}

impl StreamingDecoder {
    /// The decoder's stream state; cached frames go into `tensors` as `vae.{slot}`.
    pub fn save_state(&self, tensors: &mut HashMap<String, Tensor>) -> DecoderState {
        DecoderState { latent_frames: self.latent_frames, slots: self.cache.save_state("vae", tensors) }
    }

    /// Continues a stream from [`Self::save_state`] (same VAE weights assumed).
    pub fn load_state(&mut self, st: &DecoderState, tensors: &HashMap<String, Tensor>) -> Result<()> {
        self.cache = FeatCache::load_state(&st.slots, "vae", tensors)?;
        self.latent_frames = st.latent_frames;
        Ok(())
    }
}

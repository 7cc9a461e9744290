//! Saving and restoring a [`CausalGenerator`] exactly between chunks: counters, the noise
//! stream's position, the current prompt's cross-attention K/V, the re-cache history and
//! the KV memory. Tensors go into a name map, the rest into [`GeneratorState`] (serde).

use std::collections::HashMap;

use candle_core::{Result, Tensor};
use serde::{Deserialize, Serialize};

use super::CausalGenerator;
use crate::memory::MemoryState;
use crate::wan::{CrossKv, TextKv};

/// Everything of a [`CausalGenerator`] but its tensors and weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorState {
    pub chunk: usize,
    pub rope_frame: usize,
    pub shot: usize,
    pub shot_start: usize,
    pub rng_seed: [u8; 32],
    pub rng_stream: u64,
    /// Word position of the ChaCha stream (u128 as two halves: high, low).
    pub rng_word_pos: (u64, u64),
    /// Cross-attention layers of the current prompt (0 = no prompt yet).
    pub text_layers: usize,
    /// `(chunk id, rope frame)` of each re-cache history entry.
    pub history: Vec<(usize, usize)>,
    pub memory: MemoryState,
}

fn get(tensors: &HashMap<String, Tensor>, n: String) -> Result<Tensor> {
    tensors.get(&n).cloned().ok_or_else(|| candle_core::Error::msg(format!("saved generator state lacks tensor `{n}`")))
}

impl CausalGenerator {
    /// The state after the last generated chunk; tensors go into `tensors` (names start
    /// with `gen.`).
    pub fn save_state(&self, tensors: &mut HashMap<String, Tensor>) -> GeneratorState {
        let text = self.text.as_ref().map(|t| t.layers.as_slice()).unwrap_or_default();
        for (i, kv) in text.iter().enumerate() {
            tensors.insert(format!("gen.text.{i}.k"), kv.k.clone());
            tensors.insert(format!("gen.text.{i}.v"), kv.v.clone());
        }
        for (i, (_, _, x0)) in self.history.iter().enumerate() {
            tensors.insert(format!("gen.history.{i}"), x0.clone());
        }
        let pos = self.rng.get_word_pos();
        GeneratorState {
            chunk: self.chunk,
            rope_frame: self.rope_frame,
            shot: self.shot,
            shot_start: self.shot_start,
            rng_seed: self.rng.get_seed(),
            rng_stream: self.rng.get_stream(),
            rng_word_pos: ((pos >> 64) as u64, pos as u64),
            text_layers: text.len(),
            history: self.history.iter().map(|(id, f, _)| (*id, *f)).collect(),
            memory: self.memory.save_state("gen.memory", tensors),
        }
    }

    /// Puts the generator where [`Self::save_state`] was taken: the next chunk is the one
    /// that would have followed, bit for bit. Same weights and config assumed.
    pub fn load_state(&mut self, st: &GeneratorState, tensors: &HashMap<String, Tensor>) -> Result<()> {
        let text = if st.text_layers == 0 {
            None
        } else {
            let layers = (0..st.text_layers)
                .map(|i| Ok(CrossKv { k: get(tensors, format!("gen.text.{i}.k"))?, v: get(tensors, format!("gen.text.{i}.v"))? }))
                .collect::<Result<Vec<_>>>()?;
            Some(TextKv { layers })
        };
        let history = st
            .history
            .iter()
            .enumerate()
            .map(|(i, (id, f))| Ok((*id, *f, get(tensors, format!("gen.history.{i}"))?)))
            .collect::<Result<_>>()?;
        self.memory.load_state(&st.memory, "gen.memory", tensors)?;
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::from_seed(st.rng_seed);
        rng.set_stream(st.rng_stream);
        rng.set_word_pos(((st.rng_word_pos.0 as u128) << 64) | st.rng_word_pos.1 as u128);
        self.rng = rng;
        self.text = text;
        self.history = history;
        self.chunk = st.chunk;
        self.rope_frame = st.rope_frame;
        self.shot = st.shot;
        self.shot_start = st.shot_start;
        Ok(())
    }
}

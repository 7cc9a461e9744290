//! Saving and restoring a [`KvMemory`] exactly: block tensors by name plus a serde record
//! (block ids, shots, relevance sums as f64 bits, routing state). Used by the renderer's
//! cache to resume a film at a shot boundary.

use std::collections::HashMap;

use candle_core::{Result, Tensor};
use serde::{Deserialize, Serialize};

use super::{Block, BlockInfo, KvMemory, RouteState};

/// Everything of a [`KvMemory`] but its tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryState {
    /// Per layer, per block: (info, rel_sum bits, rel_calls bits).
    pub blocks: Vec<Vec<(BlockInfo, u64, u64)>>,
    pub chunk: usize,
    pub shot_start: usize,
    pub pinned: Vec<usize>,
    pub protected: Vec<usize>,
    pub pass: usize,
}

fn name(prefix: &str, layer: usize, i: usize, what: &str) -> String {
    format!("{prefix}.{layer}.{i}.{what}")
}

impl KvMemory {
    /// The memory's state; its tensors go into `tensors` under `prefix`.
    pub fn save_state(&self, prefix: &str, tensors: &mut HashMap<String, Tensor>) -> MemoryState {
        let mut blocks = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let mut metas = Vec::with_capacity(layer.len());
            for (i, b) in layer.iter().enumerate() {
                tensors.insert(name(prefix, l, i, "k"), b.k.clone());
                tensors.insert(name(prefix, l, i, "v"), b.v.clone());
                tensors.insert(name(prefix, l, i, "k_mean"), b.k_mean.clone());
                metas.push((b.info, b.rel_sum.to_bits(), b.rel_calls.to_bits()));
            }
            blocks.push(metas);
        }
        MemoryState {
            blocks,
            chunk: self.state.chunk,
            shot_start: self.state.shot_start,
            pinned: self.state.pinned.clone(),
            protected: self.state.protected.clone(),
            pass: self.pass,
        }
    }

    /// Replaces the memory's contents with a saved state. The policy is not part of the state:
    /// restore into a memory made with the same policy (the renderer's cache keys include it).
    pub fn load_state(&mut self, st: &MemoryState, prefix: &str, tensors: &HashMap<String, Tensor>) -> Result<()> {
        if st.blocks.len() != self.layers.len() {
            candle_core::bail!("saved memory has {} layers, this one {}", st.blocks.len(), self.layers.len());
        }
        let get = |n: String| tensors.get(&n).cloned().ok_or_else(|| candle_core::Error::msg(format!("saved memory lacks tensor `{n}`")));
        let mut layers = Vec::with_capacity(st.blocks.len());
        for (l, metas) in st.blocks.iter().enumerate() {
            let mut layer = Vec::with_capacity(metas.len());
            for (i, (info, rs, rc)) in metas.iter().enumerate() {
                layer.push(Block {
                    info: *info,
                    k: get(name(prefix, l, i, "k"))?,
                    v: get(name(prefix, l, i, "v"))?,
                    k_mean: get(name(prefix, l, i, "k_mean"))?,
                    rel_sum: f64::from_bits(*rs),
                    rel_calls: f64::from_bits(*rc),
                });
            }
            layers.push(layer);
        }
        self.layers = layers;
        self.staged.iter_mut().for_each(|s| *s = None);
        self.writing = false;
        self.pass = st.pass;
        self.state = RouteState {
            chunk: st.chunk,
            shot_start: st.shot_start,
            pinned: st.pinned.clone(),
            protected: st.protected.clone(),
        };
        Ok(())
    }
}

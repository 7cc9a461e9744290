//! KV memory for chunked causal generation: a bank of past KV blocks per layer (one block per
//! generated chunk), routed per layer by a [`MemoryPolicy`]: full cache, sliding window,
//! sink + window, or CAMR (content-aware memory routing).
//!
//! CAMR relevance of a block to the current chunk, per layer: the mean over heads of
//! `mean_i(q_i) . mean_j(k_j) / sqrt(d)`, which by bilinearity is exactly the mean attention
//! logit between the chunk's queries and the block's (RoPE'd) keys. A block's accumulated
//! relevance, used for eviction, is the (decay-weighted) mean over the routing calls it took
//! part in of its softmax share among the layer's blocks, so young and old blocks compare fairly.

mod policy;
mod state;

use candle_core::{Result, Tensor, D};
use serde::Serialize;

pub use policy::{evict, mandatory, select, BlockInfo, CamrConfig, MemoryPolicy, RouteState};
pub use state::MemoryState;

use crate::wan::KvContext;

#[derive(Debug, Clone)]
struct Block {
    info: BlockInfo,
    k: Tensor,
    v: Tensor,
    /// Mean-pooled keys `[B, H, d]`.
    k_mean: Tensor,
    /// Decayed sums of relevance shares and of routing calls; relevance = sum / calls.
    rel_sum: f64,
    rel_calls: f64,
}

impl Block {
    fn relevance(&self) -> f64 {
        if self.rel_calls > 0.0 { self.rel_sum / self.rel_calls } else { 0.0 }
    }
}

/// One routing decision, for inspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRecord {
    /// Chunk being generated and forward pass within it (0.. denoising steps, then the clean pass).
    pub chunk: usize,
    pub pass: usize,
    pub layer: usize,
    /// Block ids (chunk indices) in the active set, chronological.
    pub selected: Vec<usize>,
    /// `(block id, relevance score)` of every block in the layer's bank (CAMR only).
    pub scores: Vec<(usize, f32)>,
}

/// The per-layer KV banks plus routing state. Implements [`KvContext`] for the DiT.
#[derive(Debug)]
pub struct KvMemory {
    policy: MemoryPolicy,
    layers: Vec<Vec<Block>>,
    staged: Vec<Option<(Tensor, Tensor)>>,
    writing: bool,
    pass: usize,
    state: RouteState,
    log_enabled: bool,
    log: Vec<RouteRecord>,
}

impl KvMemory {
    pub fn new(policy: MemoryPolicy, num_layers: usize) -> Self {
        Self {
            policy,
            layers: vec![Vec::new(); num_layers],
            staged: vec![None; num_layers],
            writing: false,
            pass: 0,
            state: RouteState::default(),
            log_enabled: false,
            log: Vec::new(),
        }
    }

    pub fn policy(&self) -> &MemoryPolicy {
        &self.policy
    }

    /// Keep a log of routing decisions (see [`Self::take_log`]).
    pub fn set_logging(&mut self, on: bool) {
        self.log_enabled = on;
    }

    pub fn take_log(&mut self) -> Vec<RouteRecord> {
        std::mem::take(&mut self.log)
    }

    /// Starts a forward pass for chunk `chunk`; if `write`, the pass's K/V are staged for [`Self::commit`].
    pub fn begin_pass(&mut self, chunk: usize, pass: usize, write: bool) {
        self.state.chunk = chunk;
        self.pass = pass;
        self.writing = write;
        self.staged.iter_mut().for_each(|s| *s = None);
    }

    /// A new shot begins at chunk `start`; `pinned` are earlier shots `recall`ed by it.
    pub fn begin_shot(&mut self, start: usize, pinned: Vec<usize>) {
        self.state.shot_start = start;
        self.state.pinned = pinned;
    }

    /// Changes the pins within the shot (a `recall` timed to start mid-shot).
    pub fn set_pinned(&mut self, pinned: Vec<usize>) {
        self.state.pinned = pinned;
    }

    /// Shots whose blocks the bank should keep (e.g. shots recalled later in the film).
    pub fn set_protected(&mut self, shots: Vec<usize>) {
        self.state.protected = shots;
    }

    /// Stores the staged K/V of the last writing pass as block `info` in every layer, ages the
    /// accumulated relevance and evicts what the policy no longer needs. If block `info.id` is
    /// already stored (a re-cache), its K/V are replaced and nothing else changes.
    pub fn commit(&mut self, info: BlockInfo) -> Result<()> {
        let decay = match &self.policy {
            MemoryPolicy::Camr(c) => c.decay,
            _ => 1.0,
        };
        let next = RouteState { chunk: info.id + 1, ..self.state.clone() };
        for (layer, staged) in self.layers.iter_mut().zip(self.staged.iter_mut()) {
            let Some((k, v)) = staged.take() else {
                candle_core::bail!("memory commit of chunk {} without a writing pass over every layer", info.id)
            };
            let k_mean = k.mean(2)?;
            if let Some(b) = layer.iter_mut().find(|b| b.info.id == info.id) {
                // Re-cache of a stored chunk (prompt switch): new K/V, same history.
                (b.k, b.v, b.k_mean) = (k, v, k_mean);
                continue;
            }
            layer.iter_mut().for_each(|b| {
                b.rel_sum *= decay;
                b.rel_calls *= decay;
            });
            layer.push(Block { info, k, v, k_mean, rel_sum: 0.0, rel_calls: 0.0 });
            let infos: Vec<BlockInfo> = layer.iter().map(|b| b.info).collect();
            let rel: Vec<f64> = layer.iter().map(Block::relevance).collect();
            for i in evict(&self.policy, &infos, &rel, &next).into_iter().rev() {
                layer.remove(i);
            }
        }
        self.writing = false;
        Ok(())
    }

    /// Block ids held by `layer`, chronological.
    pub fn block_ids(&self, layer: usize) -> Vec<usize> {
        self.layers.get(layer).map(|l| l.iter().map(|b| b.info.id).collect()).unwrap_or_default()
    }

    /// Keys and values of block `id` in `layer`, if held.
    pub fn block_kv(&self, layer: usize, id: usize) -> Option<(Tensor, Tensor)> {
        self.layers.get(layer)?.iter().find(|b| b.info.id == id).map(|b| (b.k.clone(), b.v.clone()))
    }

    /// Bytes of K/V held over all layers.
    pub fn bytes(&self) -> usize {
        let t = |x: &Tensor| x.elem_count() * x.dtype().size_in_bytes();
        self.layers.iter().flatten().map(|b| t(&b.k) + t(&b.v) + t(&b.k_mean)).sum()
    }

    /// Drops every stored block (e.g. a new film).
    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| l.clear());
        self.staged.iter_mut().for_each(|s| *s = None);
        self.state = RouteState::default();
    }

    /// Relevance scores of `layer`'s first `n` blocks to queries `q: [B, H, T, d]`.
    fn scores(&self, layer: usize, n: usize, q: &Tensor) -> Result<Vec<f32>> {
        let blocks = &self.layers[layer][..n];
        let d = q.dim(D::Minus1)?;
        let qm = q.mean(2)?.unsqueeze(0)?; // [1, B, H, d]
        let km = Tensor::stack(&blocks.iter().map(|b| &b.k_mean).collect::<Vec<_>>(), 0)?; // [n, B, H, d]
        let s = km.broadcast_mul(&qm)?.sum(D::Minus1)?.flatten_from(1)?.mean(1)?; // [n]
        (s / (d as f64).sqrt())?.to_dtype(candle_core::DType::F32)?.to_vec1()
    }
}

impl KvContext for KvMemory {
    fn past(&mut self, layer: usize, q: &Tensor) -> Result<Vec<(Tensor, Tensor)>> {
        // Only blocks older than the chunk being computed (matters when re-caching).
        let n = self.layers[layer].iter().take_while(|b| b.info.id < self.state.chunk).count();
        if n == 0 {
            return Ok(Vec::new());
        }
        let camr = matches!(self.policy, MemoryPolicy::Camr(_));
        let scores = if camr { self.scores(layer, n, q)? } else { vec![] };
        let infos: Vec<BlockInfo> = self.layers[layer][..n].iter().map(|b| b.info).collect();
        let sel = select(&self.policy, &infos, &scores, &self.state);
        if camr {
            // Accumulate the softmax-normalised relevance for eviction.
            let m = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f64> = scores.iter().map(|s| ((s - m) as f64).exp()).collect();
            let z: f64 = e.iter().sum();
            for (b, e) in self.layers[layer][..n].iter_mut().zip(e) {
                b.rel_sum += e / z;
                b.rel_calls += 1.0;
            }
        }
        if self.log_enabled {
            self.log.push(RouteRecord {
                chunk: self.state.chunk,
                pass: self.pass,
                layer,
                selected: sel.iter().map(|i| infos[*i].id).collect(),
                scores: infos.iter().zip(&scores).map(|(b, s)| (b.id, *s)).collect(),
            });
        }
        let blocks = &self.layers[layer];
        Ok(sel.iter().map(|i| (blocks[*i].k.clone(), blocks[*i].v.clone())).collect())
    }

    fn put(&mut self, layer: usize, k: &Tensor, v: &Tensor) -> Result<()> {
        if self.writing {
            self.staged[layer] = Some((k.clone(), v.clone()));
        }
        Ok(())
    }
}

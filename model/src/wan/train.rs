//! Training layouts of a chunked video: which chunk of a training sequence may attend to which,
//! with the memory routing of inference (CAMR) applied per layer.
//!
//! A training sequence is a list of chunks in token order. Each represents a chunk of the
//! video; per video chunk one sequence chunk holds the keys/values that inference keeps in the
//! KV memory (its clean copy under teacher forcing, the chunk itself under diffusion forcing).
//! A sequence chunk of video chunk `c` sees itself plus the cache chunks of the past video
//! chunks that the memory policy selects for `c` ([`crate::memory::select`]), scored per layer
//! from this layer's queries and keys exactly as [`crate::memory::KvMemory`] scores them.

use std::sync::atomic::{AtomicUsize, Ordering};

use candle_core::{DType, Result, Tensor};

use super::layers::{attention, Path};
use crate::memory::{select, BlockInfo, MemoryPolicy, RouteState};

/// Chunk structure of one training sequence (batch elements share it).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainLayout {
    /// Latent frames per chunk (after temporal patching) and tokens per latent frame.
    pub chunk_frames: usize,
    pub tokens_per_frame: usize,
    /// Video chunk of each sequence chunk, in token order.
    pub seq: Vec<usize>,
    /// Per video chunk: the sequence chunk holding its cached keys/values.
    pub cache: Vec<usize>,
    /// Per video chunk: its shot index.
    pub shots: Vec<usize>,
    /// Per video chunk: the shots its `recall`s pin.
    pub pins: Vec<Vec<usize>>,
}

impl TrainLayout {
    /// Diffusion forcing: one copy of every chunk (each with its own noise level); the
    /// chunks are their own cache.
    pub fn diffusion(shots: Vec<usize>, pins: Vec<Vec<usize>>, chunk_frames: usize, tokens_per_frame: usize) -> Self {
        let n = shots.len();
        Self { chunk_frames, tokens_per_frame, seq: (0..n).collect(), cache: (0..n).collect(), shots, pins }
    }

    /// Teacher forcing (CausVid): `[clean chunks | noisy chunks]`; the clean copies are the
    /// cache, as the clean pass of inference writes it.
    pub fn teacher(shots: Vec<usize>, pins: Vec<Vec<usize>>, chunk_frames: usize, tokens_per_frame: usize) -> Self {
        let n = shots.len();
        Self { chunk_frames, tokens_per_frame, seq: (0..n).chain(0..n).collect(), cache: (0..n).collect(), shots, pins }
    }

    pub fn video_chunks(&self) -> usize {
        self.shots.len()
    }

    /// Tokens of one chunk.
    pub fn chunk_tokens(&self) -> usize {
        self.chunk_frames * self.tokens_per_frame
    }

    /// RoPE frame positions of every latent frame of the sequence: video chunks follow each
    /// other, with `gap` positions skipped at every shot change (as the generator does).
    pub fn rope_frames(&self, gap: usize) -> Vec<usize> {
        let mut start = Vec::with_capacity(self.shots.len());
        let mut pos = 0;
        for (c, s) in self.shots.iter().enumerate() {
            if c > 0 && self.shots[c - 1] != *s {
                pos += gap;
            }
            start.push(pos);
            pos += self.chunk_frames;
        }
        self.seq.iter().flat_map(|&c| start[c]..start[c] + self.chunk_frames).collect()
    }

    fn shot_start(&self, c: usize) -> usize {
        (0..=c).rev().take_while(|&j| self.shots[j] == self.shots[c]).last().unwrap_or(c)
    }

    /// Chunk-level visibility `[seq x seq]` (row = query chunk) under `policy`, with
    /// `scores[a][j]` the relevance of video chunk `j`'s cache to sequence chunk `a`'s queries.
    pub fn allowed(&self, policy: &MemoryPolicy, scores: &[Vec<f32>]) -> Vec<Vec<bool>> {
        let n = self.seq.len();
        let mut out = vec![vec![false; n]; n];
        for (a, row) in out.iter_mut().enumerate() {
            let c = self.seq[a];
            row[a] = true;
            if c == 0 {
                continue;
            }
            let infos: Vec<BlockInfo> = (0..c).map(|j| BlockInfo { id: j, shot: self.shots[j] }).collect();
            let st = RouteState { chunk: c, shot_start: self.shot_start(c), pinned: self.pins[c].clone(), protected: vec![] };
            let sc: Vec<f32> = (0..c).map(|j| scores.get(a).and_then(|r| r.get(j)).copied().unwrap_or(0.0)).collect();
            for i in select(policy, &infos, &sc, &st) {
                row[self.cache[infos[i].id]] = true;
            }
        }
        out
    }
}

/// Builds every layer's self-attention mask of a training forward from the layer's queries
/// and keys: CAMR (or any policy) routing over the sequence's chunks, computed without
/// gradient. Counts how many past blocks routing kept.
#[derive(Debug)]
pub struct TrainRouter {
    pub layout: TrainLayout,
    pub policy: MemoryPolicy,
    kept: AtomicUsize,
    offered: AtomicUsize,
}

impl TrainRouter {
    pub fn new(layout: TrainLayout, policy: MemoryPolicy) -> Self {
        Self { layout, policy, kept: AtomicUsize::new(0), offered: AtomicUsize::new(0) }
    }

    /// `(past blocks kept, past blocks available)` summed over all routing decisions so far.
    pub fn stats(&self) -> (usize, usize) {
        (self.kept.load(Ordering::Relaxed), self.offered.load(Ordering::Relaxed))
    }

    /// Relevance `[B][seq][video chunk]`: mean over heads of mean(q) . mean(k) / sqrt(d), the
    /// keys being each video chunk's cache chunk. `q, k: [B, H, S, d]`.
    pub fn scores(&self, q: &Tensor, k: &Tensor) -> Result<Vec<Vec<Vec<f32>>>> {
        let (b, h, s, d) = q.dims4()?;
        let n = self.layout.seq.len();
        let t = self.layout.chunk_tokens();
        if s != n * t {
            candle_core::bail!("routed attention: {s} tokens, but the layout has {n} chunks of {t}");
        }
        let pool = |x: &Tensor| -> Result<Tensor> { x.detach().to_dtype(DType::F32)?.reshape((b, h, n, t, d))?.mean(3) };
        let (qm, km) = (pool(q)?, pool(k)?);
        let idx = Tensor::new(self.layout.cache.iter().map(|&c| c as u32).collect::<Vec<_>>(), q.device())?;
        let km = km.index_select(&idx, 2)?; // [B, H, video chunks, d]
        let s = (qm.matmul(&km.t()?.contiguous()?)?.mean(1)? / (d as f64).sqrt())?; // [B, seq, video]
        s.to_vec3()
    }

    /// Routed attention, block-sparse: each query chunk attends to the keys of its allowed
    /// chunks only (the same result as the dense [`Self::mask`] without the `S x S` scores).
    pub fn attend(&self, q: &Tensor, k: &Tensor, v: &Tensor, path: Path) -> Result<Tensor> {
        let scores = self.scores(q, k)?;
        let t = self.layout.chunk_tokens();
        let mut rows = Vec::with_capacity(scores.len());
        let (mut kept, mut offered) = (0, 0);
        for (b, sc) in scores.iter().enumerate() {
            let (qb, kb, vb) = (q.narrow(0, b, 1)?, k.narrow(0, b, 1)?, v.narrow(0, b, 1)?);
            let allowed = self.layout.allowed(&self.policy, sc);
            let mut outs = Vec::with_capacity(allowed.len());
            for (a, row) in allowed.iter().enumerate() {
                offered += self.layout.seq[a];
                let sel: Vec<usize> = (0..row.len()).filter(|j| row[*j]).collect();
                kept += sel.len() - 1;
                let ks: Vec<Tensor> = sel.iter().map(|j| kb.narrow(2, j * t, t)).collect::<Result<_>>()?;
                let vs: Vec<Tensor> = sel.iter().map(|j| vb.narrow(2, j * t, t)).collect::<Result<_>>()?;
                outs.push(attention(&qb.narrow(2, a * t, t)?, &Tensor::cat(&ks, 2)?, &Tensor::cat(&vs, 2)?, None, path)?);
            }
            rows.push(Tensor::cat(&outs, 2)?);
        }
        self.kept.fetch_add(kept, Ordering::Relaxed);
        self.offered.fetch_add(offered, Ordering::Relaxed);
        Tensor::cat(&rows, 0)
    }

    /// Additive mask `[B, 1, S, S]` (0 where allowed, -inf elsewhere).
    pub fn mask(&self, q: &Tensor, k: &Tensor) -> Result<Tensor> {
        let scores = self.scores(q, k)?;
        let n = self.layout.seq.len();
        let t = self.layout.chunk_tokens();
        let b = scores.len();
        let mut m = Vec::with_capacity(b * n * n);
        let (mut kept, mut offered) = (0, 0);
        for sc in &scores {
            let allowed = self.layout.allowed(&self.policy, sc);
            for (a, row) in allowed.iter().enumerate() {
                let c = self.layout.seq[a];
                offered += c;
                kept += row.iter().enumerate().filter(|(j, ok)| **ok && *j != a).count();
                m.extend(row.iter().map(|ok| if *ok { 0f32 } else { f32::NEG_INFINITY }));
            }
        }
        self.kept.fetch_add(kept, Ordering::Relaxed);
        self.offered.fetch_add(offered, Ordering::Relaxed);
        let m = Tensor::from_vec(m, (b, n, 1, n, 1), q.device())?;
        m.broadcast_as((b, n, t, n, t))?.contiguous()?.reshape((b, 1, n * t, n * t))?.to_dtype(q.dtype())
    }
}

/// Mean squared error of `pred` against `target` over the frames `frames` (a range along
/// dim 2 of `[B, C, F, H, W]`).
pub fn mse_frames(pred: &Tensor, target: &Tensor, start: usize, len: usize) -> Result<Tensor> {
    let p = pred.narrow(2, start, len)?;
    let t = target.narrow(2, start, len)?;
    (p - t)?.sqr()?.mean_all()
}

/// Row-wise check that a chunk-level visibility matrix is causal: no query sees a later video chunk.
pub fn is_causal(layout: &TrainLayout, allowed: &[Vec<bool>]) -> bool {
    allowed.iter().enumerate().all(|(a, row)| row.iter().enumerate().all(|(j, ok)| !ok || j == a || layout.seq[j] < layout.seq[a]))
}

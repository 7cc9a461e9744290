//! Memory policies and the pure routing / eviction rules (no tensors here).

use serde::{Deserialize, Serialize};

/// Which past KV blocks (one block = one generated chunk) a new chunk attends to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemoryPolicy {
    /// Every past block (Self-Forcing's growing cache). Memory grows with the video.
    Full,
    /// The `window` most recent blocks.
    Window { window: usize },
    /// The first `sinks` blocks of the video, the first block of the current shot when
    /// `shot_sink`, and the `window` most recent blocks (LongLive-style).
    SinkWindow { sinks: usize, window: usize, shot_sink: bool },
    /// Content-aware memory routing, see [`CamrConfig`].
    Camr(CamrConfig),
}

/// CAMR: sinks + local window + the `top_k` bank blocks whose mean-pooled keys the current
/// queries attend to most (blocks of `recall`-pinned shots first); the bank keeps at most
/// `bank` such candidate blocks per layer, evicting the lowest accumulated relevance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CamrConfig {
    pub sinks: usize,
    pub shot_sink: bool,
    pub window: usize,
    pub top_k: usize,
    pub bank: usize,
    /// Weight of older routing calls in a block's accumulated relevance, applied once per
    /// generated chunk (1 = plain mean over the block's lifetime).
    pub decay: f64,
}

impl Default for CamrConfig {
    fn default() -> Self {
        Self { sinks: 1, shot_sink: true, window: 2, top_k: 3, bank: 16, decay: 0.9 }
    }
}

impl MemoryPolicy {
    /// `full`, `window`, `sink-window` or `camr` with default numbers.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "full" => Some(Self::Full),
            "window" => Some(Self::Window { window: 4 }),
            "sink-window" | "sink_window" => Some(Self::SinkWindow { sinks: 1, window: 4, shot_sink: true }),
            "camr" => Some(Self::Camr(CamrConfig::default())),
            _ => None,
        }
    }
}

/// What routing needs to know of a stored block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInfo {
    /// Chunk index in the video (0, 1, ...).
    pub id: usize,
    /// Shot index the chunk belongs to.
    pub shot: usize,
}

/// The situation of the chunk being generated.
#[derive(Debug, Clone, Default)]
pub struct RouteState {
    /// Index of the chunk being generated (blocks have smaller ids).
    pub chunk: usize,
    /// Chunk index where the current shot began.
    pub shot_start: usize,
    /// Shots whose blocks are pinned by `recall` hints for the current shot.
    pub pinned: Vec<usize>,
    /// Shots whose blocks are kept in the bank as long as possible (future recalls).
    pub protected: Vec<usize>,
}

/// Blocks a chunk must see under `policy` (sinks, shot sink, window); indices into `blocks`.
pub fn mandatory(policy: &MemoryPolicy, blocks: &[BlockInfo], st: &RouteState) -> Vec<bool> {
    let (sinks, window, shot_sink) = match policy {
        MemoryPolicy::Full => return vec![true; blocks.len()],
        MemoryPolicy::Window { window } => (0, *window, false),
        MemoryPolicy::SinkWindow { sinks, window, shot_sink } => (*sinks, *window, *shot_sink),
        MemoryPolicy::Camr(c) => (c.sinks, c.window, c.shot_sink),
    };
    let recent = st.chunk.saturating_sub(window);
    blocks
        .iter()
        .map(|b| b.id < sinks || b.id >= recent || (shot_sink && b.id == st.shot_start))
        .collect()
}

/// Indices into `blocks` (ascending, i.e. chronological) of the active set. `scores` are the
/// relevance of each block to the current queries (used by CAMR only).
pub fn select(policy: &MemoryPolicy, blocks: &[BlockInfo], scores: &[f32], st: &RouteState) -> Vec<usize> {
    let mut keep = mandatory(policy, blocks, st);
    if let MemoryPolicy::Camr(c) = policy {
        let mut cand: Vec<usize> = (0..blocks.len()).filter(|i| !keep[*i]).collect();
        let pinned = |i: usize| st.pinned.contains(&blocks[i].shot);
        let score = |i: usize| scores.get(i).copied().unwrap_or(f32::NEG_INFINITY);
        // Pinned first, then by score (descending), then most recent.
        cand.sort_by(|&a, &b| {
            pinned(b).cmp(&pinned(a)).then(score(b).total_cmp(&score(a))).then(blocks[b].id.cmp(&blocks[a].id))
        });
        for i in cand.into_iter().take(c.top_k) {
            keep[i] = true;
        }
    }
    (0..blocks.len()).filter(|i| keep[*i]).collect()
}

/// Indices into `blocks` to evict after a chunk was stored, so that the next chunk
/// (`st.chunk`) still sees all it may need and the memory stays bounded.
pub fn evict(policy: &MemoryPolicy, blocks: &[BlockInfo], relevance: &[f64], st: &RouteState) -> Vec<usize> {
    let keep = mandatory(policy, blocks, st);
    match policy {
        MemoryPolicy::Full => vec![],
        MemoryPolicy::Window { .. } | MemoryPolicy::SinkWindow { .. } => (0..blocks.len()).filter(|i| !keep[*i]).collect(),
        MemoryPolicy::Camr(c) => {
            let mut cand: Vec<usize> = (0..blocks.len()).filter(|i| !keep[*i]).collect();
            if cand.len() <= c.bank {
                return vec![];
            }
            let held = |i: usize| st.pinned.contains(&blocks[i].shot) || st.protected.contains(&blocks[i].shot);
            // Evict unprotected blocks first, lowest relevance first, oldest first on ties.
            cand.sort_by(|&a, &b| {
                held(a).cmp(&held(b)).then(relevance[a].total_cmp(&relevance[b])).then(blocks[a].id.cmp(&blocks[b].id))
            });
            let n = cand.len() - c.bank;
            let mut out: Vec<usize> = cand.into_iter().take(n).collect();
            out.sort();
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(n: usize) -> Vec<BlockInfo> {
        (0..n).map(|id| BlockInfo { id, shot: id / 4 }).collect()
    }

    #[test]
    fn window_and_sinks() {
        let b = blocks(10);
        let st = RouteState { chunk: 10, shot_start: 8, ..Default::default() };
        assert_eq!(select(&MemoryPolicy::Window { window: 3 }, &b, &[], &st), vec![7, 8, 9]);
        let sw = MemoryPolicy::SinkWindow { sinks: 1, window: 1, shot_sink: true };
        assert_eq!(select(&sw, &b, &[], &st), vec![0, 8, 9]);
        assert_eq!(select(&MemoryPolicy::Full, &b, &[], &st).len(), 10);
        assert_eq!(evict(&sw, &b, &[0.0; 10], &st), vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn camr_prefers_pins_then_scores_and_evicts_least_relevant() {
        let b = blocks(10);
        let camr = MemoryPolicy::Camr(CamrConfig { sinks: 1, shot_sink: false, window: 2, top_k: 2, bank: 3, decay: 1.0 });
        let mut scores = vec![0.0f32; 10];
        scores[3] = 5.0;
        scores[5] = 4.0;
        scores[6] = 9.0;
        let mut st = RouteState { chunk: 10, ..Default::default() };
        assert_eq!(select(&camr, &b, &scores, &st), vec![0, 3, 6, 8, 9]);
        st.pinned = vec![0]; // blocks 0..4 pinned; 0 is a sink already
        assert_eq!(select(&camr, &b, &scores, &st), vec![0, 2, 3, 8, 9]);
        let rel: Vec<f64> = scores.iter().map(|s| *s as f64).collect();
        // 7 candidates (1..=7), bank 3: evict the 4 least relevant unpinned ones.
        st.pinned = vec![];
        assert_eq!(evict(&camr, &b, &rel, &st), vec![1, 2, 4, 7]);
        st.protected = vec![0];
        assert_eq!(evict(&camr, &b, &rel, &st), vec![4, 5, 6, 7]);
    }
}

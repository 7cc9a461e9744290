//! Feature caches of the streaming VAE: one slot per temporal layer, visited in a fixed order
//! (the reference's `feat_cache` / `feat_idx`).

use candle_core::Tensor;

// Save / restore between chunks (the renderer's cache).
mod state;

/// The state one temporal layer keeps between calls.
#[derive(Debug, Clone, Default)]
pub struct Slot {
    /// Last input frames seen (causal convs) or last output frame (temporal downsample).
    pub frames: Option<Tensor>,
    /// Whether the first frame of the stream has passed (temporal upsample).
    pub started: bool,
}

/// All slots of an encoder or decoder, with a cursor rewound at the start of every call.
#[derive(Debug, Clone, Default)]
pub struct FeatCache {
    slots: Vec<Slot>,
    idx: usize,
}

impl FeatCache {
    /// An empty cache: the next call is the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Back to the first slot; call at the start of each forward pass.
    pub fn rewind(&mut self) {
        self.idx = 0;
    }

    /// The next slot in visiting order (created empty on first use).
    pub fn next_slot(&mut self) -> &mut Slot {
        if self.idx == self.slots.len() {
            self.slots.push(Slot::default());
        }
        self.idx += 1;
        &mut self.slots[self.idx - 1]
    }

    /// Number of slots in use.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True before the first call.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

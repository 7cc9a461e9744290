//! Saving and restoring the feature caches exactly (the renderer's cache).

use std::collections::HashMap;

use candle_core::{Result, Tensor};

use super::{FeatCache, Slot};

impl FeatCache {
    /// Per slot: whether it holds frames, and its `started` flag; the frames go into `tensors`
    /// as `{prefix}.{slot}`.
    pub fn save_state(&self, prefix: &str, tensors: &mut HashMap<String, Tensor>) -> Vec<(bool, bool)> {
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(t) = &s.frames {
                tensors.insert(format!("{prefix}.{i}"), t.clone());
            }
        }
        self.slots.iter().map(|s| (s.frames.is_some(), s.started)).collect()
    }

    /// A cache as [`Self::save_state`] saw it.
    pub fn load_state(slots: &[(bool, bool)], prefix: &str, tensors: &HashMap<String, Tensor>) -> Result<Self> {
        let slots = slots
            .iter()
            .enumerate()
            .map(|(i, &(has, started))| {
                let frames = if has {
                    let n = format!("{prefix}.{i}");
                    Some(tensors.get(&n).cloned().ok_or_else(|| candle_core::Error::msg(format!("saved VAE cache lacks `{n}`")))?)
                } else {
                    None
                };
                Ok(Slot { frames, started })
            })
            .collect::<Result<_>>()?;
        Ok(Self { slots, idx: 0 })
    }
}

//! The causal video model on candle: Wan2.1-style DiT, KV cache, CAMR memory, sampler, VAE, umT5.

pub mod registry;
pub mod t5;
pub mod vae;
pub mod wan;
pub mod memory;
pub mod timing;
pub mod device;
pub mod untrusted;

//! The causal Wan2.1 DiT: model, weight loading, flow-matching schedule and the
//! Self-Forcing chunk-by-chunk generator.

mod attention;
pub mod flash;
mod block;
mod config;
mod generator;
mod layers;
mod loader;
mod model;
mod random;
pub mod schedule;
mod train;

pub use attention::{CrossKv, KvContext, SelfCtx};
pub use config::WanConfig;
pub use generator::{CausalGenerator, GeneratorConfig};
pub use layers::{timestep_embedding, Path};
pub use loader::{check_tensors, expected_tensors, load, load_bytes, load_tensors};
pub use model::{block_causal_mask, shot_frame_positions, TextKv, WanModel};
pub use random::{randn_vec, random_weights, random_weights_on_device};
pub use train::{is_causal, mse_frames, TrainLayout, TrainRouter};

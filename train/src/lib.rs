//! Training of the default model `cine-tiny`: the VAE, the text encoder with the causal base
//! model, and few-step distillation, all on candle and all on data from the synthetic world.
//!
//! Every stage writes resumable checkpoints (safetensors + `state.json`), a CSV loss log and a
//! loss-curve PNG into its run directory, and continues from the last checkpoint when re-run.

/// `eprintln!` that ignores a stderr that has gone away, so the work goes on.
macro_rules! eoutln {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stderr(), $($t)*); }};
}

pub mod checkpoint;
pub mod log;
pub mod plot;
pub mod vae;
pub mod vae_data;
pub mod base;
pub mod data;
pub mod distill;
pub mod dmd;
pub mod preview;
pub mod probe;
pub mod rollout;
pub mod run_opts;
pub mod step;
pub mod tiny;

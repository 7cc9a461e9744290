//! Options every DiT training stage (`base`, `distill`, `dmd`) shares.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct RunOpts {
    /// Continue from the run directory's checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Decay the learning rate(s) along a cosine to 10% over this run's --steps.
    #[arg(long)]
    pub cosine: bool,
    /// Global gradient-norm clip (0 = off).
    #[arg(long, default_value_t = 1.0)]
    pub clip: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// After training, save <run-dir>/preview.png (data vs. the model's own generation) for
    /// this many training windows.
    #[arg(long, default_value_t = 0)]
    pub preview: usize,
    /// Write the trained weights into --out at the end (base: t5.safetensors,
    /// dit-base.safetensors, tokenizer.json; distill and dmd: dit.safetensors). The default
    /// --out is the shipped model folder: give one for experiments.
    #[arg(long)]
    pub export: bool,
    #[arg(long, default_value = "model/weights/cine-tiny")]
    pub out: PathBuf,
}

impl Default for RunOpts {
    /// The command-line defaults.
    fn default() -> Self {
        Self { resume: false, cosine: false, clip: 1.0, seed: 0, preview: 0, export: false, out: PathBuf::from("model/weights/cine-tiny") }
    }
}

/// A count of windows, chunks or trajectories: at least 1 (0 failed deep inside a tensor op).
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("a whole number, at least 1, not `{s}`")),
    }
}

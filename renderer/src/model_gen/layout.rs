//! Which files of a model directory hold which part: cine's own names, or the published
//! Wan2.1-T2V-1.3B layout as downloaded (with a Self-Forcing generator checkpoint beside it).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// The parts of a model and the names each may have, first match wins. A Self-Forcing
/// checkpoint (few-step, causal) is preferred over Wan2.1's many-step base DiT.
pub const PARTS: [(&str, &[&str]); 4] = [
    ("DiT", &["dit.safetensors", "self_forcing_dmd.pt", "checkpoints/self_forcing_dmd.pt", "diffusion_pytorch_model.safetensors"]),
    ("VAE", &["vae.safetensors", "Wan2.1_VAE.pth", "Wan2.1_VAE.safetensors"]),
    ("text encoder", &["t5.safetensors", "models_t5_umt5-xxl-enc-bf16.pth", "models_t5_umt5-xxl-enc-bf16.safetensors"]),
    ("tokenizer", &["tokenizer.json", "google/umt5-xxl/tokenizer.json"]),
];

/// The four files of a model directory: DiT, VAE, text encoder, tokenizer.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    pub dit: PathBuf,
    pub vae: PathBuf,
    pub t5: PathBuf,
    pub tokenizer: PathBuf,
}

impl ModelFiles {
    /// Finds each part in `dir`; `dit` names the DiT file instead (e.g. the base DiT).
    /// An error lists every part that is missing with the names looked for.
    pub fn find(dir: &Path, dit: Option<&str>) -> Result<Self> {
        if !dir.is_dir() {
            bail!("the model directory {} does not exist (or is not a folder)", dir.display());
        }
        // An unreadable folder would look as if it held none of the parts.
        if let Err(e) = std::fs::read_dir(dir) {
            bail!("the model directory {} cannot be read ({e})", dir.display());
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (i, (part, names)) in PARTS.iter().enumerate() {
            let names: Vec<&str> = match (i, dit) {
                (0, Some(d)) => vec![d],
                _ => names.to_vec(),
            };
            match names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
                Some(p) => found.push(p),
                None => missing.push(format!("the {part} ({})", names.join(" or "))),
            }
        }
        if !missing.is_empty() {
            bail!("the model directory {} is missing {}", dir.display(), missing.join(", "));
        }
        let [dit, vae, t5, tokenizer] = <[PathBuf; 4]>::try_from(found).map_err(|_| anyhow::anyhow!("four parts"))?;
        Ok(Self { dit, vae, t5, tokenizer })
    }

    /// Whether the weights are safetensors small enough to read and hash whole (as cine's
    /// own models are); others are memory-mapped or read as PyTorch checkpoints.
    pub fn small_safetensors(&self) -> bool {
        let size: u64 = self.all().iter().map(|p| std::fs::metadata(p).map_or(u64::MAX / 8, |m| m.len())).sum();
        [&self.dit, &self.vae, &self.t5].iter().all(|p| p.extension().is_some_and(|e| e == "safetensors")) && size < 512 << 20
    }

    pub fn all(&self) -> [&Path; 4] {
        [&self.dit, &self.vae, &self.t5, &self.tokenizer]
    }
}

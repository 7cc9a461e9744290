//! DiT configuration: the fields of the official Wan2.1 `config.json`, plus presets.

use serde::{Deserialize, Serialize};

/// Hyper-parameters of a Wan2.1-style DiT. Field names follow the official `config.json`
/// (`WanModel`), so that file deserialises directly; missing fields take Wan2.1 defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WanConfig {
    /// `t2v` is the only supported type (no image conditioning).
    pub model_type: String,
    /// Patch size over (time, height, width).
    pub patch_size: [usize; 3],
    /// Text tokens the cross-attention sees; shorter prompts are zero-padded to this.
    pub text_len: usize,
    pub in_dim: usize,
    pub dim: usize,
    pub ffn_dim: usize,
    pub freq_dim: usize,
    pub text_dim: usize,
    pub out_dim: usize,
    pub num_heads: usize,
    pub num_layers: usize,
    pub qk_norm: bool,
    /// LayerNorm with affine weights before cross-attention (`norm3`); true in Wan2.1.
    pub cross_attn_norm: bool,
    pub eps: f64,
    /// RoPE base.
    pub rope_theta: f64,
}

impl Default for WanConfig {
    fn default() -> Self {
        Self::wan2_1_1_3b()
    }
}

impl WanConfig {
    /// Wan2.1-T2V-1.3B (also the Self-Forcing / CausVid generators).
    pub fn wan2_1_1_3b() -> Self {
        Self {
            model_type: "t2v".into(),
            patch_size: [1, 2, 2],
            text_len: 512,
            in_dim: 16,
            dim: 1536,
            ffn_dim: 8960,
            freq_dim: 256,
            text_dim: 4096,
            out_dim: 16,
            num_heads: 12,
            num_layers: 30,
            qk_norm: true,
            cross_attn_norm: true,
            eps: 1e-6,
            rope_theta: 10000.0,
        }
    }

    /// The project's small default model (see notes/tiny.md): 64 tokens per latent frame
    /// for a 16x16 latent, head dim 32.
    pub fn cine_tiny() -> Self {
        Self {
            text_len: 64,
            dim: 128,
            ffn_dim: 512,
            freq_dim: 64,
            text_dim: 128,
            num_heads: 4,
            num_layers: 4,
            ..Self::wan2_1_1_3b()
        }
    }

    /// A preset by name: `wan2.1-1.3b` (alias `self-forcing`) or `cine-tiny`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "wan2.1-1.3b" | "self-forcing" => Some(Self::wan2_1_1_3b()),
            "cine-tiny" => Some(Self::cine_tiny()),
            _ => None,
        }
    }

    pub fn head_dim(&self) -> usize {
        self.dim / self.num_heads
    }

    /// Head-dim split of the 3D RoPE over (t, h, w), as in Wan: h and w get 2*(d/6) each.
    pub fn rope_split(&self) -> [usize; 3] {
        let d = self.head_dim();
        let hw = 2 * (d / 6);
        [d - 2 * hw, hw, hw]
    }

    /// Checks the numbers fit together; the error says which field to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.model_type == "t2v", "model_type `{}` is not supported (only `t2v`)", self.model_type);
        anyhow::ensure!(self.num_heads > 0 && self.dim % self.num_heads == 0, "dim {} is not divisible by num_heads {}", self.dim, self.num_heads);
        let d = self.head_dim();
        anyhow::ensure!(d % 2 == 0 && self.rope_split().iter().all(|s| s % 2 == 0 && *s > 0), "head dim {d} cannot be split into even RoPE parts for t/h/w (use a multiple of 6 of at least 12)");
        anyhow::ensure!(self.freq_dim % 2 == 0, "freq_dim {} must be even", self.freq_dim);
        anyhow::ensure!(self.patch_size.iter().all(|p| *p > 0), "patch_size {:?} has a zero", self.patch_size);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_config_json_deserialises() {
        let json = r#"{"_class_name": "WanModel", "_diffusers_version": "0.30.0", "dim": 1536, "eps": 1e-06,
            "ffn_dim": 8960, "freq_dim": 256, "in_dim": 16, "model_type": "t2v", "num_heads": 12,
            "num_layers": 30, "out_dim": 16, "text_len": 512}"#;
        let cfg: WanConfig = serde_json::from_str(json).unwrap();
        assert_eq!(cfg, WanConfig::wan2_1_1_3b());
        assert_eq!(cfg.rope_split(), [44, 42, 42]);
        cfg.validate().unwrap();
        WanConfig::cine_tiny().validate().unwrap();
        assert_eq!(WanConfig::cine_tiny().rope_split(), [12, 10, 10]);
    }
}

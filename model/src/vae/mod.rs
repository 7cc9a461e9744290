//! The Wan2.1 video VAE: causal 3D convolutions built from 2D ones, 4x temporal compression
//! (the first latent frame holds one video frame, each next one holds four), z_dim 16 latents
//! normalised with fixed per-channel mean/std, and a streaming decoder for chunked generation.
//!
//! Weight names are those of the official `Wan2.1_VAE.pth` (`encoder.conv1`, `encoder.downsamples.N`,
//! `encoder.middle`, `encoder.head`, `conv1`, `conv2`, `decoder.*`). Public tensors use the PyTorch
//! layout `[B, C, T, H, W]`; inside, video is kept frame-major `[B, T, C, H, W]`.

mod blocks;
mod cache;
mod coder;
mod conv;
mod fused;
mod im2col;
mod init;
mod stream;

pub use cache::FeatCache;
pub use coder::{Decoder, Encoder};
pub use conv::{CausalConv3d, ChannelRmsNorm};
pub use init::randomize;
pub use stream::{to_rgb8, StreamingDecoder};

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Per-channel latent mean of the Wan2.1 VAE (z_dim 16).
pub const WAN21_LATENT_MEAN: [f32; 16] = [
    -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715, 0.5517,
    -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
];
/// Per-channel latent std of the Wan2.1 VAE (z_dim 16).
pub const WAN21_LATENT_STD: [f32; 16] = [
    2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579,
    1.6382, 1.1253, 2.8251, 1.9160,
];

/// VAE hyper-parameters (field names follow the reference `WanVAE_`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    pub base_dim: usize,
    pub z_dim: usize,
    pub dim_mult: Vec<usize>,
    pub num_res_blocks: usize,
    #[serde(default)]
    pub attn_scales: Vec<f64>,
    /// One entry per downsampling stage (`dim_mult.len() - 1`): whether it also halves time.
    pub temperal_downsample: Vec<bool>,
    pub latents_mean: Vec<f32>,
    pub latents_std: Vec<f32>,
}

impl VaeConfig {
    /// The published Wan2.1 VAE: 8x spatial, 4x temporal, z_dim 16.
    pub fn wan21() -> Self {
        Self {
            base_dim: 96,
            z_dim: 16,
            dim_mult: vec![1, 2, 4, 4],
            num_res_blocks: 2,
            attn_scales: vec![],
            temperal_downsample: vec![false, true, true],
            latents_mean: WAN21_LATENT_MEAN.to_vec(),
            latents_std: WAN21_LATENT_STD.to_vec(),
        }
    }

    /// The small default model: 4x spatial (64x64 -> 16x16), 4x temporal, z_dim 16; base_dim 8
    /// so that decoding keeps well ahead of 16 fps on a 2-core CPU.
    pub fn cine_tiny() -> Self {
        Self {
            base_dim: 8,
            z_dim: 16,
            dim_mult: vec![1, 2, 4],
            num_res_blocks: 1,
            attn_scales: vec![],
            temperal_downsample: vec![true, true],
            latents_mean: WAN21_LATENT_MEAN.to_vec(),
            latents_std: WAN21_LATENT_STD.to_vec(),
        }
    }

    /// A preset by name: `wan2.1` or `cine-tiny`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "wan2.1" => Some(Self::wan21()),
            "cine-tiny" => Some(Self::cine_tiny()),
            _ => None,
        }
    }

    /// Spatial compression factor (8 for Wan2.1).
    pub fn spatial_factor(&self) -> usize {
        1 << (self.dim_mult.len() - 1)
    }

    /// Temporal compression factor (4 for Wan2.1).
    pub fn temporal_factor(&self) -> usize {
        1 << self.temperal_downsample.iter().filter(|&&b| b).count()
    }

    /// Video frames decoded from `latent_frames` latent frames: `1 + tf * (L - 1)`.
    pub fn video_frames(&self, latent_frames: usize) -> usize {
        if latent_frames == 0 {
            0
        } else {
            1 + self.temporal_factor() * (latent_frames - 1)
        }
    }

    /// Check internal consistency; the error says which field is wrong.
    pub fn validate(&self) -> Result<()> {
        let stages = self.dim_mult.len();
        if stages < 2 || self.temperal_downsample.len() != stages - 1 {
            candle_core::bail!(
                "VAE config: temperal_downsample has {} entries, dim_mult has {stages}: need dim_mult.len() - 1 (>= 1)",
                self.temperal_downsample.len()
            )
        }
        if self.latents_mean.len() != self.z_dim || self.latents_std.len() != self.z_dim {
            candle_core::bail!(
                "VAE config: latents_mean/latents_std need {} entries (z_dim), got {}/{}",
                self.z_dim,
                self.latents_mean.len(),
                self.latents_std.len()
            )
        }
        Ok(())
    }
}

/// The Wan VAE: encoder, `conv1` (to mean/log-var), `conv2` (latent in), decoder.
#[derive(Debug, Clone)]
pub struct WanVae {
    cfg: VaeConfig,
    encoder: Encoder,
    conv1: CausalConv3d,
    conv2: CausalConv3d,
    decoder: Decoder,
    mean: Tensor,
    std: Tensor,
}

impl WanVae {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let z2 = 2 * cfg.z_dim;
        let shape = (1, 1, cfg.z_dim, 1, 1);
        Ok(Self {
            encoder: Encoder::new(cfg, vb.pp("encoder"))?,
            conv1: CausalConv3d::new(z2, z2, (1, 1, 1), 1, (0, 0), vb.pp("conv1"))?,
            conv2: CausalConv3d::new(cfg.z_dim, cfg.z_dim, (1, 1, 1), 1, (0, 0), vb.pp("conv2"))?,
            decoder: Decoder::new(cfg, vb.pp("decoder"))?,
            mean: latent_stat(&vb, "latents_mean", &cfg.latents_mean)?.reshape(shape)?,
            std: latent_stat(&vb, "latents_std", &cfg.latents_std)?.reshape(shape)?,
            cfg: cfg.clone(),
        })
    }

    /// Load from a `.safetensors` or PyTorch `.pth`/`.pt` state dict with official key names.
    pub fn load(path: &Path, cfg: &VaeConfig, dtype: DType, device: &Device) -> anyhow::Result<Self> {
        crate::untrusted::reading(path, || {
            let vb = crate::vae::load_var_builder(path, dtype, device)?;
            Self::new(cfg, vb).map_err(|e| {
                anyhow::anyhow!("loading the Wan VAE from {}: {e} (is the config right for this checkpoint?)", path.display())
            })
        })
    }

    /// Load from safetensors bytes (e.g. `include_bytes!` of the default model).
    pub fn load_bytes(bytes: &[u8], cfg: &VaeConfig, dtype: DType, device: &Device) -> anyhow::Result<Self> {
        let vb = VarBuilder::from_buffered_safetensors(bytes.to_vec(), dtype, device)
            .map_err(|e| anyhow::anyhow!("reading embedded VAE safetensors: {e}"))?;
        Self::new(cfg, vb).map_err(|e| anyhow::anyhow!("loading the embedded Wan VAE: {e}"))
    }

    /// A freshly initialised VAE whose weights live in the returned `VarMap` (for training, or
    /// tests): see [`randomize`] for `seed` and `noise`.
    pub fn new_random(cfg: &VaeConfig, seed: u64, noise: f64, dtype: DType, device: &Device) -> Result<(Self, candle_nn::VarMap)> {
        let vm = candle_nn::VarMap::new();
        let vae = Self::new(cfg, VarBuilder::from_varmap(&vm, dtype, device))?;
        // The model holds views of the vars, so setting them in place reaches the model.
        randomize(&vm, seed, noise)?;
        Ok((vae, vm))
    }

    pub fn config(&self) -> &VaeConfig {
        &self.cfg
    }

    /// Mean and log-variance `[B, z, T', h, w]` of video `[B, 3, T, H, W]` in [-1, 1] (not normalised).
    /// T must be `1 + tf * k`. Differentiable.
    pub fn encode_moments(&self, video: &Tensor) -> Result<(Tensor, Tensor)> {
        let (_b, c, t, h, w) = video.dims5()?;
        let (tf, sf) = (self.cfg.temporal_factor(), self.cfg.spatial_factor());
        if c != 3 || t == 0 || (t - 1) % tf != 0 || h % sf != 0 || w % sf != 0 {
            candle_core::bail!(
                "VAE encode: video must be [B, 3, 1 + {tf}k, H, W] with H, W multiples of {sf}, got {:?}",
                video.dims()
            )
        }
        let x = video.permute((0, 2, 1, 3, 4))?.contiguous()?;
        let out = self.encoder.forward(&x, &mut FeatCache::new())?;
        let out = self.conv1.forward(&out)?;
        let out = out.permute((0, 2, 1, 3, 4))?;
        let z = self.cfg.z_dim;
        Ok((out.narrow(1, 0, z)?.contiguous()?, out.narrow(1, z, z)?.contiguous()?))
    }

    /// Normalised latent mean `(mu - mean) / std`, `[B, z, T', h, w]`: what the DiT sees.
    pub fn encode(&self, video: &Tensor) -> Result<Tensor> {
        let (mu, _) = self.encode_moments(video)?;
        self.normalize(&mu)
    }

    /// `(z - mean) / std` per channel of `[B, z, T, h, w]`.
    pub fn normalize(&self, z: &Tensor) -> Result<Tensor> {
        z.broadcast_sub(&self.mean.permute((0, 2, 1, 3, 4))?)?
            .broadcast_div(&self.std.permute((0, 2, 1, 3, 4))?)
    }

    /// `z * std + mean` per channel of `[B, z, T, h, w]`.
    pub fn denormalize(&self, z: &Tensor) -> Result<Tensor> {
        z.broadcast_mul(&self.std.permute((0, 2, 1, 3, 4))?)?
            .broadcast_add(&self.mean.permute((0, 2, 1, 3, 4))?)
    }

    /// Decode raw (denormalised) latents `[B, z, L, h, w]` continuing the stream in `cache`;
    /// returns unclamped video `[B, 3, T, H, W]`. Differentiable.
    pub fn decode_raw_cached(&self, z: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        let (_b, c, _l, _h, _w) = z.dims5()?;
        if c != self.cfg.z_dim {
            candle_core::bail!("VAE decode: latents need {} channels, got {:?}", self.cfg.z_dim, z.dims())
        }
        let x = z.permute((0, 2, 1, 3, 4))?.contiguous()?;
        let x = self.conv2.forward(&x)?;
        let y = self.decoder.forward(&x, cache)?;
        y.permute((0, 2, 1, 3, 4))?.contiguous()
    }

    /// Decode normalised latents `[B, z, L, h, w]` at once to video `[B, 3, 1 + tf(L-1), H, W]`
    /// in [-1, 1].
    pub fn decode(&self, latents: &Tensor) -> Result<Tensor> {
        let z = self.denormalize(latents)?;
        self.decode_raw_cached(&z, &mut FeatCache::new())?.clamp(-1f32, 1f32)
    }
}

/// The latent statistic `name` (`[z_dim]`) stored with the weights (a trained cine VAE carries
/// its measured ones), else the config's values.
fn latent_stat(vb: &VarBuilder, name: &str, fallback: &[f32]) -> Result<Tensor> {
    if vb.contains_tensor(name) {
        vb.get(fallback.len(), name)
    } else {
        Tensor::new(fallback, vb.device())?.to_dtype(vb.dtype())
    }
}

/// A VarBuilder over a `.safetensors` file or a PyTorch `.pth`/`.pt`/`.bin` state dict.
pub(crate) fn load_var_builder(path: &Path, dtype: DType, device: &Device) -> anyhow::Result<VarBuilder<'static>> {
    crate::untrusted::regular_file(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let vb = match ext {
        "safetensors" => unsafe { VarBuilder::from_mmaped_safetensors(&[path], dtype, device) },
        "pth" | "pt" | "bin" => {
            crate::untrusted::check_pth(path, None)?;
            VarBuilder::from_pth(path, dtype, device)
        }
        _ => anyhow::bail!(
            "{}: unknown weight file type '.{ext}': expected .safetensors or .pth/.pt",
            path.display()
        ),
    };
    vb.map_err(|e| anyhow::anyhow!("reading weights {}: {e}", path.display()))
}

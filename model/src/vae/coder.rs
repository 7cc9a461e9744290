//! The Wan VAE encoder (`Encoder3d`) and decoder (`Decoder3d`).

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::blocks::{AttentionBlock, Resample, ResampleMode, ResidualBlock};
use super::cache::FeatCache;
use super::conv::{CausalConv3d, ChannelRmsNorm};
use super::VaeConfig;

/// One entry of `downsamples` / `upsamples` / `middle`.
#[derive(Debug, Clone)]
enum Layer {
    Res(ResidualBlock),
    Attn(AttentionBlock),
    Resample(Resample),
}

impl Layer {
    fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        match self {
            Layer::Res(b) => b.forward(x, cache),
            Layer::Attn(a) => a.forward(x),
            Layer::Resample(r) => r.forward(x, cache),
        }
    }
}

fn middle(dim: usize, vb: VarBuilder) -> Result<Vec<Layer>> {
    Ok(vec![
        Layer::Res(ResidualBlock::new(dim, dim, vb.pp("0"))?),
        Layer::Attn(AttentionBlock::new(dim, vb.pp("1"))?),
        Layer::Res(ResidualBlock::new(dim, dim, vb.pp("2"))?),
    ])
}

/// `conv1 -> layers -> middle -> head (norm, SiLU, conv)`, shared by encoder and decoder.
#[derive(Debug, Clone)]
struct Stack {
    conv1: CausalConv3d,
    layers: Vec<Layer>,
    head_norm: ChannelRmsNorm,
    head_conv: CausalConv3d,
}

impl Stack {
    fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        cache.rewind();
        let mut x = self.conv1.forward_cached(x, &mut cache.next_slot().frames)?;
        for layer in &self.layers {
            x = layer.forward(&x, cache)?;
        }
        let x = self.head_norm.forward_silu(&x)?;
        self.head_conv.forward_cached(&x, &mut cache.next_slot().frames)
    }
}

fn conv3(i: usize, o: usize, vb: VarBuilder) -> Result<CausalConv3d> {
    CausalConv3d::new(i, o, (3, 3, 3), 1, (1, 1), vb)
}

/// Video `[B, T, 3, H, W]` -> `[B, T', 2*z_dim, H/s, W/s]` (mean and log-variance).
#[derive(Debug, Clone)]
pub struct Encoder(Stack);

impl Encoder {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        let dims: Vec<usize> =
            std::iter::once(1).chain(cfg.dim_mult.iter().copied()).map(|u| u * cfg.base_dim).collect();
        let conv1 = conv3(3, dims[0], vb.pp("conv1"))?;
        let mut scale = 1.0;
        let mut layers = Vec::new();
        let dvb = vb.pp("downsamples");
        let n_stages = cfg.dim_mult.len();
        for i in 0..n_stages {
            let (mut in_dim, out_dim) = (dims[i], dims[i + 1]);
            for _ in 0..cfg.num_res_blocks {
                layers.push(Layer::Res(ResidualBlock::new(in_dim, out_dim, dvb.pp(layers.len()))?));
                if cfg.attn_scales.contains(&scale) {
                    layers.push(Layer::Attn(AttentionBlock::new(out_dim, dvb.pp(layers.len()))?));
                }
                in_dim = out_dim;
            }
            if i != n_stages - 1 {
                let mode = if cfg.temperal_downsample[i] {
                    ResampleMode::Downsample3d
                } else {
                    ResampleMode::Downsample2d
                };
                layers.push(Layer::Resample(Resample::new(out_dim, mode, dvb.pp(layers.len()))?));
                scale /= 2.0;
            }
        }
        let out_dim = dims[n_stages];
        layers.extend(middle(out_dim, vb.pp("middle"))?);
        let head = vb.pp("head");
        Ok(Self(Stack {
            conv1,
            layers,
            head_norm: ChannelRmsNorm::new(out_dim, false, head.pp("0"))?,
            head_conv: conv3(out_dim, 2 * cfg.z_dim, head.pp("2"))?,
        }))
    }

    pub fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        self.0.forward(x, cache)
    }
}

/// Latents `[B, L, z_dim, h, w]` -> video `[B, T, 3, H, W]` (unclamped).
#[derive(Debug, Clone)]
pub struct Decoder(Stack);

impl Decoder {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        let n_stages = cfg.dim_mult.len();
        let dims: Vec<usize> = std::iter::once(cfg.dim_mult[n_stages - 1])
            .chain(cfg.dim_mult.iter().rev().copied())
            .map(|u| u * cfg.base_dim)
            .collect();
        let conv1 = conv3(cfg.z_dim, dims[0], vb.pp("conv1"))?;
        let mut scale = 1.0 / 2f64.powi(n_stages as i32 - 2);
        let mut layers = middle(dims[0], vb.pp("middle"))?;
        let uvb = vb.pp("upsamples");
        let mut n = 0;
        for i in 0..n_stages {
            let (mut in_dim, out_dim) = (dims[i], dims[i + 1]);
            if i > 0 {
                in_dim /= 2; // the previous upsample halved the channels
            }
            for _ in 0..cfg.num_res_blocks + 1 {
                layers.push(Layer::Res(ResidualBlock::new(in_dim, out_dim, uvb.pp(n))?));
                n += 1;
                if cfg.attn_scales.contains(&scale) {
                    layers.push(Layer::Attn(AttentionBlock::new(out_dim, uvb.pp(n))?));
                    n += 1;
                }
                in_dim = out_dim;
            }
            if i != n_stages - 1 {
                let up = cfg.temperal_downsample[n_stages - 2 - i];
                let mode = if up { ResampleMode::Upsample3d } else { ResampleMode::Upsample2d };
                layers.push(Layer::Resample(Resample::new(out_dim, mode, uvb.pp(n))?));
                n += 1;
                scale *= 2.0;
            }
        }
        let out_dim = dims[n_stages];
        let head = vb.pp("head");
        Ok(Self(Stack {
            conv1,
            layers,
            head_norm: ChannelRmsNorm::new(out_dim, false, head.pp("0"))?,
            head_conv: conv3(out_dim, 3, head.pp("2"))?,
        }))
    }

    pub fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        self.0.forward(x, cache)
    }
}

//! Residual block, attention block and resampling of the Wan VAE (names as in the official checkpoint).

use candle_core::{Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, VarBuilder};

use super::cache::FeatCache;
use super::conv::{batch_to_frames, frames_to_batch, last_frames, CausalConv3d, ChannelRmsNorm};

/// `RMS_norm -> SiLU -> conv3 -> RMS_norm -> SiLU -> conv3` plus a 1x1x1 shortcut when dims differ.
#[derive(Debug, Clone)]
pub struct ResidualBlock {
    norm1: ChannelRmsNorm,
    conv1: CausalConv3d,
    norm2: ChannelRmsNorm,
    conv2: CausalConv3d,
    shortcut: Option<CausalConv3d>,
}

impl ResidualBlock {
    pub fn new(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Self> {
        let r = vb.pp("residual");
        let shortcut = if in_dim != out_dim {
            Some(CausalConv3d::new(in_dim, out_dim, (1, 1, 1), 1, (0, 0), vb.pp("shortcut"))?)
        } else {
            None
        };
        Ok(Self {
            norm1: ChannelRmsNorm::new(in_dim, false, r.pp("0"))?,
            conv1: CausalConv3d::new(in_dim, out_dim, (3, 3, 3), 1, (1, 1), r.pp("2"))?,
            norm2: ChannelRmsNorm::new(out_dim, false, r.pp("3"))?,
            conv2: CausalConv3d::new(out_dim, out_dim, (3, 3, 3), 1, (1, 1), r.pp("6"))?,
            shortcut,
        })
    }

    pub fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        let h = match &self.shortcut {
            Some(s) => s.forward(x)?,
            None => x.clone(),
        };
        let y = self.norm1.forward_silu(x)?;
        let y = self.conv1.forward_cached(&y, &mut cache.next_slot().frames)?;
        let y = self.norm2.forward_silu(&y)?;
        let y = self.conv2.forward_cached(&y, &mut cache.next_slot().frames)?;
        y + h
    }
}

/// Single-head self-attention over the pixels of each frame.
#[derive(Debug, Clone)]
pub struct AttentionBlock {
    norm: ChannelRmsNorm,
    to_qkv: Conv2d,
    proj: Conv2d,
    dim: usize,
}

impl AttentionBlock {
    pub fn new(dim: usize, vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig::default();
        Ok(Self {
            norm: ChannelRmsNorm::new(dim, true, vb.pp("norm"))?,
            to_qkv: candle_nn::conv2d(dim, dim * 3, 1, cfg, vb.pp("to_qkv"))?,
            proj: candle_nn::conv2d(dim, dim, 1, cfg, vb.pp("proj"))?,
            dim,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, _t, c, h, w) = x.dims5()?;
        let xb = frames_to_batch(x)?;
        let n = xb.dim(0)?;
        let qkv = self.to_qkv.forward(&self.norm.forward(&xb)?)?;
        let qkv = qkv.reshape((n, 3 * c, h * w))?.transpose(1, 2)?;
        let q = qkv.narrow(2, 0, c)?.contiguous()?;
        let k = qkv.narrow(2, c, c)?.contiguous()?;
        let v = qkv.narrow(2, 2 * c, c)?.contiguous()?;
        let scores = (q.matmul(&k.t()?)? * (1.0 / (self.dim as f64).sqrt()))?;
        let attn = candle_nn::ops::softmax(&scores, 2)?;
        let y = attn.matmul(&v)?.transpose(1, 2)?.reshape((n, c, h, w))?;
        let y = self.proj.forward(&y)?;
        batch_to_frames(&y, b)? + x
    }
}

/// Which resampling a `Resample` block does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResampleMode {
    Upsample2d,
    Upsample3d,
    Downsample2d,
    Downsample3d,
}

/// Spatial x2 resampling, with a causal temporal x2 (`time_conv`) in the 3d modes.
#[derive(Debug, Clone)]
pub struct Resample {
    mode: ResampleMode,
    conv: CausalConv3d,
    time_conv: Option<CausalConv3d>,
}

impl Resample {
    pub fn new(dim: usize, mode: ResampleMode, vb: VarBuilder) -> Result<Self> {
        use ResampleMode::*;
        let (out, stride, pad) = match mode {
            Upsample2d | Upsample3d => (dim / 2, 1, 1),
            Downsample2d | Downsample3d => (dim, 2, 0),
        };
        let conv = CausalConv3d::new_2d(dim, out, 3, stride, pad, vb.pp("resample").pp("1"))?;
        let tvb = vb.pp("time_conv");
        let time_conv = match mode {
            Upsample3d => Some(CausalConv3d::new(dim, dim * 2, (3, 1, 1), 1, (1, 0), tvb)?),
            Downsample3d => Some(CausalConv3d::new(dim, dim, (3, 1, 1), 2, (0, 0), tvb)?),
            _ => None,
        };
        Ok(Self { mode, conv, time_conv })
    }

    fn spatial(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, c, h, w) = x.dims5()?;
        let x = match self.mode {
            ResampleMode::Upsample2d | ResampleMode::Upsample3d => {
                // nearest(-exact) x2, as broadcast + reshape so that it has a backward pass
                x.reshape((b * t * c, h, 1, w, 1))?
                    .broadcast_as((b * t * c, h, 2, w, 2))?
                    .reshape((b, t, c, 2 * h, 2 * w))?
            }
            _ => x.pad_with_zeros(3, 0, 1)?.pad_with_zeros(4, 0, 1)?,
        };
        self.conv.forward_padded(&x)
    }

    pub fn forward(&self, x: &Tensor, cache: &mut FeatCache) -> Result<Tensor> {
        match (self.mode, &self.time_conv) {
            (ResampleMode::Upsample3d, Some(tc)) => {
                let slot = cache.next_slot();
                // The first frame of the stream is not upsampled in time.
                let (head, rest) = if slot.started {
                    (None, x.clone())
                } else {
                    slot.started = true;
                    let t = x.dim(1)?;
                    (Some(x.narrow(1, 0, 1)?), x.narrow(1, 1, t - 1)?)
                };
                let mut parts: Vec<Tensor> = head.into_iter().collect();
                if rest.dim(1)? > 0 {
                    let y = tc.forward_cached(&rest, &mut slot.frames)?;
                    let (b, t, c2, h, w) = y.dims5()?;
                    let y = y.reshape((b, t, 2, c2 / 2, h, w))?.reshape((b, 2 * t, c2 / 2, h, w))?;
                    parts.push(y);
                }
                let x = Tensor::cat(&parts, 1)?;
                self.spatial(&x)
            }
            (ResampleMode::Downsample3d, Some(tc)) => {
                let x = self.spatial(x)?;
                let slot = cache.next_slot();
                let out = match slot.frames.take() {
                    // Start of the stream: the first frame passes, windows start at frame 0.
                    None => {
                        let head = x.narrow(1, 0, 1)?;
                        if tc.out_frames(x.dim(1)?) > 0 {
                            Tensor::cat(&[&head, &tc.forward_padded(&x)?], 1)?
                        } else {
                            head
                        }
                    }
                    Some(prev) => tc.forward_padded(&Tensor::cat(&[&prev, &x], 1)?)?,
                };
                slot.frames = Some(last_frames(&x, 1)?);
                Ok(out)
            }
            _ => self.spatial(x),
        }
    }
}

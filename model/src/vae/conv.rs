//! Causal 3D convolution built from one 2D convolution, and the channel RMS norm of the Wan VAE.
//!
//! Video tensors inside the VAE are laid out frame-major, `[B, T, C, H, W]`, so that frames fold into
//! the batch of a 2D convolution with a plain reshape.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::VarBuilder;

use super::im2col::{self, ConvGeom};

/// Largest unfolded input (elements) one generic conv2d call may build.
const MAX_UNFOLD: usize = 1 << 29;

/// Number of past input frames a causal conv keeps between calls (the reference's `CACHE_T`).
pub const CACHE_T: usize = 2;

/// `[B, T, C, H, W] -> [B*T, C, H, W]`.
pub(crate) fn frames_to_batch(x: &Tensor) -> Result<Tensor> {
    let (b, t, c, h, w) = x.dims5()?;
    x.reshape((b * t, c, h, w))
}

/// `[B*T, C, H, W] -> [B, T, C, H, W]`.
pub(crate) fn batch_to_frames(x: &Tensor, b: usize) -> Result<Tensor> {
    let (bt, c, h, w) = x.dims4()?;
    x.reshape((b, bt / b, c, h, w))
}

/// The last `n` frames (or all when there are fewer).
pub(crate) fn last_frames(x: &Tensor, n: usize) -> Result<Tensor> {
    let t = x.dim(1)?;
    x.narrow(1, t.saturating_sub(n), t.min(n))
}

/// A 3D convolution, causal in time: weights `[out, in, kt, kh, kw]` as in the official checkpoint,
/// `2*pad_t` frames of padding in front, `pad_s` pixels on each side spatially. Also serves the
/// per-frame 2D convs of the resampling blocks (`kt = 1`, weights `[out, in, kh, kw]`).
#[derive(Debug, Clone)]
pub struct CausalConv3d {
    /// Weight viewed as `[out, in*kt, kh, kw]` (a view: it follows in-place updates of a `Var`);
    /// the kt frames of a window are stacked next to each input channel.
    weight: Tensor,
    /// The same weight viewed as `[out, in*kt*kh*kw]` (the fast im2col path).
    weight_flat: Tensor,
    bias: Tensor,
    geom: ConvGeom,
    pad_t: usize,
}

impl CausalConv3d {
    /// `kernel = (kt, kh, kw)`, `padding = (pt, ph)` (ph used for both spatial axes).
    pub fn new(
        in_dim: usize,
        out_dim: usize,
        kernel: (usize, usize, usize),
        stride_t: usize,
        padding: (usize, usize),
        vb: VarBuilder,
    ) -> Result<Self> {
        let (kt, kh, kw) = kernel;
        let w = vb.get((out_dim, in_dim, kt, kh, kw), "weight")?;
        let geom = ConvGeom { kt, kh, kw, stride_t, stride_s: 1, pad_s: padding.1 };
        Self::from_parts(w, vb.get(out_dim, "bias")?, geom, 2 * padding.0)
    }

    /// A per-frame 2D conv (weights `[out, in, k, k]`, e.g. `resample.1`), spatial stride and padding.
    pub fn new_2d(in_dim: usize, out_dim: usize, k: usize, stride: usize, pad: usize, vb: VarBuilder) -> Result<Self> {
        let w = vb.get((out_dim, in_dim, k, k), "weight")?;
        let geom = ConvGeom { kt: 1, kh: k, kw: k, stride_t: 1, stride_s: stride, pad_s: pad };
        Self::from_parts(w, vb.get(out_dim, "bias")?, geom, 0)
    }

    fn from_parts(w: Tensor, bias: Tensor, geom: ConvGeom, pad_t: usize) -> Result<Self> {
        let (out, k) = (w.dim(0)?, w.elem_count() / w.dim(0)?);
        let in_kt = k / (geom.kh * geom.kw);
        Ok(Self {
            weight: w.reshape((out, in_kt, geom.kh, geom.kw))?,
            weight_flat: w.reshape((out, k))?,
            bias,
            geom,
            pad_t,
        })
    }

    /// Frames of causal padding this conv wants in front of its input.
    pub fn front_pad(&self) -> usize {
        self.pad_t
    }

    /// Output frames for `t` input frames, padding already applied (0 when too short).
    pub fn out_frames(&self, t: usize) -> usize {
        let g = &self.geom;
        if t < g.kt {
            0
        } else {
            (t - g.kt) / g.stride_t + 1
        }
    }

    /// Convolve `x: [B, T, C, H, W]` that already carries its temporal padding (no padding added).
    pub fn forward_padded(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _c, _h, _w) = x.dims5()?;
        let t_out = self.out_frames(t);
        if t_out == 0 {
            candle_core::bail!("causal conv needs at least {} frames, got {t}", self.geom.kt)
        }
        if im2col::fast_path(x) {
            return im2col::conv(x, &self.weight_flat, &self.bias, self.geom);
        }
        let g = &self.geom;
        let x = if g.kt == 1 && g.stride_t == 1 {
            x.clone()
        } else {
            let mut taps = Vec::with_capacity(g.kt);
            for k in 0..g.kt {
                let tap = if g.stride_t == 1 {
                    x.narrow(1, k, t_out)?
                } else {
                    let idx: Vec<u32> = (0..t_out).map(|i| (k + i * g.stride_t) as u32).collect();
                    let idx = Tensor::new(idx, x.device())?;
                    x.index_select(&idx, 1)?
                };
                taps.push(tap);
            }
            let (b, t, c, h, w) = taps[0].dims5()?;
            Tensor::stack(&taps, 3)?.reshape((b, t, c * g.kt, h, w))?
        };
        let x = frames_to_batch(&x.contiguous()?)?;
        // candle's GPU conv2d unfolds the whole batch at once (C*k*k values per output pixel):
        // at 832x480 a 12-frame batch would take ~25 GB, so convolve a few frames at a time.
        let (_, ci, hh, ww) = x.dims4()?;
        let per_frame = ci * g.kh * g.kw * (hh / g.stride_s) * (ww / g.stride_s);
        let y = conv2d_grouped(&x, &self.weight, g, (MAX_UNFOLD / per_frame.max(1)).max(1))?;
        let y = y.broadcast_add(&self.bias.reshape((1, (), 1, 1))?)?;
        batch_to_frames(&y, b)
    }

    /// Causal conv from scratch: zero frames in front.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_padded(&x.pad_with_zeros(1, self.pad_t, 0)?)
    }

    /// Causal conv continuing a stream: `cache` holds the previous input frames (None = start of
    /// the stream, zeros) and is replaced by the last `CACHE_T` input frames seen so far.
    pub fn forward_cached(&self, x: &Tensor, cache: &mut Option<Tensor>) -> Result<Tensor> {
        let xin = match cache.as_ref() {
            Some(c) => Tensor::cat(&[c, x], 1)?,
            None => x.clone(),
        };
        // Cached frames stand in for (part of) the zero padding; never more than the padding.
        let have = (xin.dim(1)? - x.dim(1)?).min(self.pad_t);
        let xin_used = last_frames(&xin, x.dim(1)? + have)?;
        let padded = xin_used.pad_with_zeros(1, self.pad_t - have, 0)?;
        let y = self.forward_padded(&padded)?;
        *cache = Some(last_frames(&xin, CACHE_T)?);
        Ok(y)
    }
}

/// `F.normalize(x, dim=channels) * sqrt(C) * gamma`: the Wan VAE's RMS norm, written with plain ops
/// so that it has a backward pass. Works on `[B, T, C, H, W]` (channels on dim 2) and `[N, C, H, W]`.
#[derive(Debug, Clone)]
pub struct ChannelRmsNorm {
    gamma: Tensor,
    scale: f64,
}

impl ChannelRmsNorm {
    /// `images = false`: gamma stored as `[C, 1, 1, 1]`; `images = true`: `[C, 1, 1]`.
    pub fn new(dim: usize, images: bool, vb: VarBuilder) -> Result<Self> {
        let gamma = if images { vb.get((dim, 1, 1), "gamma")? } else { vb.get((dim, 1, 1, 1), "gamma")? };
        Ok(Self { gamma: gamma.flatten_all()?, scale: (dim as f64).sqrt() })
    }
}

impl ChannelRmsNorm {
    /// The norm followed by SiLU (fused on CPU f32).
    pub fn forward_silu(&self, x: &Tensor) -> Result<Tensor> {
        if im2col::fast_path(x) {
            return self.fused(x, true);
        }
        self.forward(x)?.silu()
    }

    fn fused(&self, x: &Tensor, silu: bool) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let cdim = if x.rank() == 5 { 2 } else { 1 };
        let n: usize = dims[..cdim].iter().product();
        let x3 = x.reshape((n, dims[cdim], ()))?;
        super::fused::rms_norm(&x3, &self.gamma, self.scale, silu)?.reshape(dims)
    }

    /// The generic (unfused) norm: any device and dtype.
    pub fn forward_generic(&self, x: &Tensor) -> Result<Tensor> {
        let cdim = if x.rank() == 5 { 2 } else { 1 };
        let dtype = x.dtype();
        let xf = x.to_dtype(DType::F32)?;
        let norm = xf.sqr()?.sum_keepdim(cdim)?.sqrt()?.maximum(1e-12)?;
        let y = xf.broadcast_div(&norm)?.to_dtype(dtype)?;
        let mut shape = vec![1usize; x.rank()];
        shape[cdim] = self.gamma.dim(0)?;
        let g = (self.gamma.reshape(shape)? * self.scale)?;
        y.broadcast_mul(&g)
    }
}

impl Module for ChannelRmsNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if im2col::fast_path(x) {
            return self.fused(x, false);
        }
        self.forward_generic(x)
    }
}

/// `x.conv2d(w)` over the batch `group` frames at a time (same result, bounded memory).
fn conv2d_grouped(x: &Tensor, w: &Tensor, g: &ConvGeom, group: usize) -> Result<Tensor> {
    let n = x.dim(0)?;
    if group >= n {
        return x.conv2d(w, g.pad_s, g.stride_s, 1, 1);
    }
    let parts = (0..n).step_by(group).map(|i| x.narrow(0, i, group.min(n - i))?.conv2d(w, g.pad_s, g.stride_s, 1, 1)).collect::<Result<Vec<_>>>()?;
    Tensor::cat(&parts, 0)
}

#[cfg(test)]
mod grouped_tests {
    use candle_core::{Device, Tensor};

    #[test]
    fn grouped_conv_equals_one_call() {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1., (5, 3, 6, 7), &dev).unwrap();
        let w = Tensor::randn(0f32, 1., (4, 3, 3, 3), &dev).unwrap();
        let g = super::ConvGeom { kt: 1, kh: 3, kw: 3, stride_t: 1, stride_s: 2, pad_s: 1 };
        let whole = super::conv2d_grouped(&x, &w, &g, 5).unwrap();
        let parts = super::conv2d_grouped(&x, &w, &g, 2).unwrap();
        assert_eq!(whole.dims(), parts.dims());
        let diff = (whole - parts).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0);
    }
}

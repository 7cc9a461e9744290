//! Small building blocks shared by the DiT: norms with a fused (inference) and a generic
//! (trainable) path, the 3D RoPE table, the sinusoidal timestep embedding, attention.

use candle_core::{DType, Device, Result, Tensor, D};
use candle_nn::{Module, VarBuilder};

/// Fused kernels (no backward) for inference, or generic ops that autograd can go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Fused,
    Generic,
}

/// LayerNorm over the last dim, optionally with affine weights (`weight`, `bias`).
#[derive(Debug, Clone)]
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
    affine: bool,
}

impl LayerNorm {
    pub fn new(dim: usize, eps: f64, affine: bool, vb: VarBuilder) -> Result<Self> {
        let (weight, bias) = if affine {
            (vb.get_with_hints(dim, "weight", candle_nn::Init::Const(1.0))?, vb.get_with_hints(dim, "bias", candle_nn::Init::Const(0.0))?)
        } else {
            let w = Tensor::ones(dim, vb.dtype(), vb.device())?;
            (w.clone(), w.zeros_like()?)
        };
        Ok(Self { weight, bias, eps: eps as f32, affine })
    }

    pub fn forward(&self, x: &Tensor, path: Path) -> Result<Tensor> {
        match path {
            Path::Fused => candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, self.eps),
            Path::Generic if self.affine => candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, self.eps),
            Path::Generic => {
                let dt = x.dtype();
                let x = x.to_dtype(DType::F32)?;
                let x = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
                let var = x.sqr()?.mean_keepdim(D::Minus1)?;
                x.broadcast_div(&(var + self.eps as f64)?.sqrt()?)?.to_dtype(dt)
            }
        }
    }
}

/// RMSNorm with a weight, as Wan's q/k norms (over the whole `dim`, across heads).
#[derive(Debug, Clone)]
pub struct RmsNorm {
    weight: Tensor,
    eps: f32,
}

impl RmsNorm {
    pub fn new(dim: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self { weight: vb.get_with_hints(dim, "weight", candle_nn::Init::Const(1.0))?, eps: eps as f32 })
    }

    pub fn forward(&self, x: &Tensor, path: Path) -> Result<Tensor> {
        match path {
            Path::Fused => candle_nn::ops::rms_norm(&x.contiguous()?, &self.weight, self.eps),
            Path::Generic => candle_nn::ops::rms_norm_slow(x, &self.weight, self.eps),
        }
    }
}

/// Linear layer with bias under `name` (`name.weight`, `name.bias`).
pub fn linear(i: usize, o: usize, vb: VarBuilder) -> Result<candle_nn::Linear> {
    candle_nn::linear(i, o, vb)
}

/// GELU with the tanh approximation (PyTorch `approximate='tanh'`).
pub fn gelu_tanh(x: &Tensor) -> Result<Tensor> {
    x.gelu()
}

/// `Sequential(Linear, act, Linear)` stored as `name.0` / `name.2`.
#[derive(Debug, Clone)]
pub struct Mlp2 {
    l0: candle_nn::Linear,
    l2: candle_nn::Linear,
    silu: bool,
}

impl Mlp2 {
    pub fn new(i: usize, h: usize, o: usize, silu: bool, vb: VarBuilder) -> Result<Self> {
        Ok(Self { l0: linear(i, h, vb.pp("0"))?, l2: linear(h, o, vb.pp("2"))?, silu })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.l0.forward(x)?;
        let h = if self.silu { h.silu()? } else { gelu_tanh(&h)? };
        self.l2.forward(&h)
    }
}

/// Sinusoidal timestep embedding `[cos, sin]` of Wan (`sinusoidal_embedding_1d`).
/// `t`: any shape of N values; returns `[N, dim]` in f32.
pub fn timestep_embedding(t: &Tensor, dim: usize) -> Result<Tensor> {
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half).map(|i| (-(10000f64.ln()) * i as f64 / half as f64).exp() as f32).collect();
    let freqs = Tensor::from_vec(freqs, (1, half), t.device())?;
    let t = t.flatten_all()?.to_dtype(DType::F32)?.unsqueeze(1)?;
    let args = t.broadcast_mul(&freqs)?;
    Tensor::cat(&[args.cos()?, args.sin()?], 1)
}

/// cos/sin tables `[f*h*w, head_dim/2]` for tokens of a `(f, h, w)` grid whose frames sit at
/// RoPE frame positions `frames` (`f` of them). Interleaved pairs, split over t/h/w as in Wan.
pub fn rope_tables(split: [usize; 3], theta: f64, frames: &[usize], grid: (usize, usize, usize), dtype: DType, dev: &Device) -> Result<(Tensor, Tensor)> {
    let (f, h, w) = grid;
    if frames.len() != f {
        candle_core::bail!("{} RoPE frame positions given for {f} frames", frames.len());
    }
    let inv = |d: usize| -> Vec<f64> { (0..d / 2).map(|i| 1.0 / theta.powf(2.0 * i as f64 / d as f64)).collect() };
    let (it, ih, iw) = (inv(split[0]), inv(split[1]), inv(split[2]));
    let half = (split[0] + split[1] + split[2]) / 2;
    let n = f * h * w;
    let (mut cos, mut sin) = (Vec::with_capacity(n * half), Vec::with_capacity(n * half));
    for fi in 0..f {
        for hi in 0..h {
            for wi in 0..w {
                let parts = [(&it, frames[fi] as f64), (&ih, hi as f64), (&iw, wi as f64)];
                for (inv, pos) in parts {
                    for fr in inv.iter() {
                        let a = pos * fr;
                        cos.push(a.cos() as f32);
                        sin.push(a.sin() as f32);
                    }
                }
            }
        }
    }
    let cos = Tensor::from_vec(cos, (n, half), dev)?.to_dtype(dtype)?;
    let sin = Tensor::from_vec(sin, (n, half), dev)?.to_dtype(dtype)?;
    Ok((cos, sin))
}

/// Applies interleaved RoPE to `x: [B, H, T, d]`.
pub fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor, path: Path) -> Result<Tensor> {
    match path {
        Path::Fused => candle_nn::rotary_emb::rope_i(&x.contiguous()?, cos, sin),
        Path::Generic => candle_nn::rotary_emb::rope_i_slow(x, cos, sin),
    }
}

/// Scaled dot-product attention, `q: [B, H, Tq, d]`, `k, v: [B, H, Tk, d]`, optional
/// additive mask broadcastable to `[B, H, Tq, Tk]`. Heads are processed in groups so the
/// score tensor stays below ~2^28 elements.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>, path: Path) -> Result<Tensor> {
    let (b, h, tq, d) = q.dims4()?;
    let tk = k.dim(2)?;
    let scale = 1.0 / (d as f64).sqrt();
    let per_head = (b * tq * tk).max(1);
    let group = ((1usize << 28) / per_head).clamp(1, h);
    let mut outs = Vec::with_capacity(h.div_ceil(group));
    let mut start = 0;
    while start < h {
        let n = group.min(h - start);
        let (qg, kg, vg) = (q.narrow(1, start, n)?, k.narrow(1, start, n)?, v.narrow(1, start, n)?);
        let mut s = (qg.contiguous()?.matmul(&kg.t()?.contiguous()?)? * scale)?;
        if let Some(m) = mask {
            s = s.broadcast_add(m)?;
        }
        let p = match path {
            Path::Fused => candle_nn::ops::softmax_last_dim(&s)?,
            Path::Generic => candle_nn::ops::softmax(&s, D::Minus1)?,
        };
        outs.push(p.matmul(&vg.contiguous()?)?);
        start += n;
    }
    if outs.len() == 1 {
        Ok(outs.pop().unwrap())
    } else {
        Tensor::cat(&outs, 1)
    }
}

//! umT5 encoder layers: RMS norm, relative position bias, attention (no scaling), gated-GELU FFN.
//! All written with differentiable candle ops.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Embedding, Linear, VarBuilder};

/// T5's RMS norm (no mean subtraction, no bias), `weight` of shape `[dim]`.
#[derive(Debug, Clone)]
pub struct T5LayerNorm {
    weight: Tensor,
    eps: f64,
}

impl T5LayerNorm {
    pub fn new(dim: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self { weight: vb.get(dim, "weight")?, eps })
    }
}

impl Module for T5LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dtype = x.dtype();
        let xf = x.to_dtype(DType::F32)?;
        let var = xf.sqr()?.mean_keepdim(D::Minus1)?;
        let y = xf.broadcast_div(&(var + self.eps)?.sqrt()?)?.to_dtype(dtype)?;
        y.broadcast_mul(&self.weight)
    }
}

/// Bucket of a relative position `key - query` (bidirectional), exactly as umT5 / Wan compute it
/// (in f32, truncating the logarithmic part).
pub fn relative_bucket(rel: i64, num_buckets: usize, max_distance: usize) -> u32 {
    let half = (num_buckets / 2) as i64;
    let mut bucket = if rel > 0 { half } else { 0 };
    let n = rel.abs();
    let max_exact = half / 2;
    if n < max_exact {
        bucket += n;
    } else {
        let ratio = (n as f32 / max_exact as f32).ln() / ((max_distance as f64 / max_exact as f64).ln() as f32);
        let large = max_exact + (ratio * (half - max_exact) as f32) as i64;
        bucket += large.min(half - 1);
    }
    bucket as u32
}

/// A layer's own relative position bias (`pos_embedding.embedding`, `[num_buckets, num_heads]`).
#[derive(Debug, Clone)]
pub struct RelativeBias {
    embedding: Embedding,
    num_buckets: usize,
    max_distance: usize,
}

impl RelativeBias {
    pub fn new(num_buckets: usize, num_heads: usize, max_distance: usize, vb: VarBuilder) -> Result<Self> {
        let embedding = candle_nn::embedding(num_buckets, num_heads, vb.pp("embedding"))?;
        Ok(Self { embedding, num_buckets, max_distance })
    }

    /// Bias `[1, heads, lq, lk]`.
    pub fn forward(&self, lq: usize, lk: usize, device: &candle_core::Device) -> Result<Tensor> {
        let mut idx = Vec::with_capacity(lq * lk);
        for q in 0..lq {
            for k in 0..lk {
                idx.push(relative_bucket(k as i64 - q as i64, self.num_buckets, self.max_distance));
            }
        }
        let idx = Tensor::from_vec(idx, (lq, lk), device)?;
        self.embedding.forward(&idx)?.permute((2, 0, 1))?.unsqueeze(0)
    }
}

/// Multi-head self-attention without the 1/sqrt(d) scaling (T5), `q/k/v/o` without bias.
#[derive(Debug, Clone)]
pub struct T5Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    num_heads: usize,
}

impl T5Attention {
    pub fn new(dim: usize, dim_attn: usize, num_heads: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            q: candle_nn::linear_no_bias(dim, dim_attn, vb.pp("q"))?,
            k: candle_nn::linear_no_bias(dim, dim_attn, vb.pp("k"))?,
            v: candle_nn::linear_no_bias(dim, dim_attn, vb.pp("v"))?,
            o: candle_nn::linear_no_bias(dim_attn, dim, vb.pp("o"))?,
            num_heads,
        })
    }

    /// `x: [B, L, dim]`, `bias: [B or 1, heads, L, L]` (position bias plus mask).
    pub fn forward(&self, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (b, l, _) = x.dims3()?;
        let heads = |t: Tensor| -> Result<Tensor> {
            let d = t.dim(2)? / self.num_heads;
            t.reshape((b, l, self.num_heads, d))?.transpose(1, 2)?.contiguous()
        };
        let q = heads(self.q.forward(x)?)?;
        let k = heads(self.k.forward(x)?)?;
        let v = heads(self.v.forward(x)?)?;
        let scores = q.matmul(&k.t()?)?.broadcast_add(bias)?;
        let attn = candle_nn::ops::softmax(&scores.to_dtype(DType::F32)?, D::Minus1)?.to_dtype(x.dtype())?;
        let y = attn.matmul(&v)?.transpose(1, 2)?.reshape((b, l, ()))?;
        self.o.forward(&y)
    }
}

/// `fc2(fc1(x) * gelu_tanh(gate.0(x)))`.
#[derive(Debug, Clone)]
pub struct T5FeedForward {
    gate: Linear,
    fc1: Linear,
    fc2: Linear,
}

impl T5FeedForward {
    pub fn new(dim: usize, dim_ffn: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            gate: candle_nn::linear_no_bias(dim, dim_ffn, vb.pp("gate").pp("0"))?,
            fc1: candle_nn::linear_no_bias(dim, dim_ffn, vb.pp("fc1"))?,
            fc2: candle_nn::linear_no_bias(dim_ffn, dim, vb.pp("fc2"))?,
        })
    }
}

impl Module for T5FeedForward {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = (self.fc1.forward(x)? * self.gate.forward(x)?.gelu()?)?;
        self.fc2.forward(&h)
    }
}

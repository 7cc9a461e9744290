//! Wan self-attention (q/k RMSNorm, 3D RoPE, optional KV context) and cross-attention.

use candle_core::{Result, Tensor};
use candle_nn::{Linear, Module, VarBuilder};

use super::layers::{attention, linear, rope, Path, RmsNorm};
use super::flash::{self, KvSegment};
use super::WanConfig;
use crate::timing;

/// Where a self-attention layer gets keys/values of earlier frames from during chunked
/// generation. Implemented by [`crate::memory::KvMemory`].
pub trait KvContext {
    /// Past key/value blocks (RoPE applied, each `[B, H, T_i, d]`, chronological) that queries
    /// `q` of `layer` attend to; handed out as they are stored, not concatenated.
    fn past(&mut self, layer: usize, q: &Tensor) -> Result<Vec<(Tensor, Tensor)>>;
    /// The current chunk's keys/values of `layer`, kept if this pass writes the cache.
    fn put(&mut self, layer: usize, k: &Tensor, v: &Tensor) -> Result<()>;
}

/// How self-attention sees other tokens.
pub enum SelfCtx<'a> {
    /// The tokens of this call only, with an optional additive mask `[S, S]`.
    Masked(Option<&'a Tensor>),
    /// This call's tokens (a chunk) plus past keys/values from a cache.
    Cached(&'a mut dyn KvContext),
    /// Training: every layer gets its own additive mask from its (RoPE'd) queries and keys,
    /// e.g. CAMR routing over the chunks of a sequence ([`super::TrainRouter`]).
    Routed(&'a super::TrainRouter),
}

fn heads(x: &Tensor, h: usize) -> Result<Tensor> {
    let (b, s, dim) = x.dims3()?;
    x.reshape((b, s, h, dim / h))?.transpose(1, 2)
}

fn merge(x: &Tensor) -> Result<Tensor> {
    let (b, h, s, d) = x.dims4()?;
    x.transpose(1, 2)?.reshape((b, s, h * d))
}

#[derive(Debug, Clone)]
struct Qkvo {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    norm_q: Option<RmsNorm>,
    norm_k: Option<RmsNorm>,
    heads: usize,
}

impl Qkvo {
    fn new(cfg: &WanConfig, vb: VarBuilder) -> Result<Self> {
        let d = cfg.dim;
        let (norm_q, norm_k) = if cfg.qk_norm {
            (Some(RmsNorm::new(d, cfg.eps, vb.pp("norm_q"))?), Some(RmsNorm::new(d, cfg.eps, vb.pp("norm_k"))?))
        } else {
            (None, None)
        };
        Ok(Self {
            q: linear(d, d, vb.pp("q"))?,
            k: linear(d, d, vb.pp("k"))?,
            v: linear(d, d, vb.pp("v"))?,
            o: linear(d, d, vb.pp("o"))?,
            norm_q,
            norm_k,
            heads: cfg.num_heads,
        })
    }

    fn q(&self, x: &Tensor, path: Path) -> Result<Tensor> {
        let q = self.q.forward(x)?;
        let q = match &self.norm_q { Some(n) => n.forward(&q, path)?, None => q };
        heads(&q, self.heads)
    }

    fn kv(&self, c: &Tensor, path: Path) -> Result<(Tensor, Tensor)> {
        let k = self.k.forward(c)?;
        let k = match &self.norm_k { Some(n) => n.forward(&k, path)?, None => k };
        Ok((heads(&k, self.heads)?, heads(&self.v.forward(c)?, self.heads)?))
    }
}

/// `blocks.N.self_attn`.
#[derive(Debug, Clone)]
pub struct SelfAttention(Qkvo);

impl SelfAttention {
    pub fn new(cfg: &WanConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self(Qkvo::new(cfg, vb)?))
    }

    /// `x: [B, S, dim]`, RoPE tables `[S, d/2]`.
    pub fn forward(&self, x: &Tensor, cos: &Tensor, sin: &Tensor, ctx: &mut SelfCtx, layer: usize, path: Path) -> Result<Tensor> {
        let q = rope(&self.0.q(x, path)?, cos, sin, path)?;
        let (k, v) = self.0.kv(x, path)?;
        let k = rope(&k, cos, sin, path)?;
        let out = match ctx {
            SelfCtx::Masked(mask) => attention(&q, &k, &v, *mask, path)?,
            SelfCtx::Routed(router) => router.attend(&q, &k, &v, path)?,
            SelfCtx::Cached(kv) => {
                let dev = q.device().clone();
                let past = timing::time("memory routing", &dev, || kv.past(layer, &q))?;
                kv.put(layer, &k, &v)?;
                timing::time("self-attention", &dev, || {
                    if path == Path::Generic {
                        // Training through the cache: ops with a backward pass on the
                        // concatenation (the fused kernels record none, silently).
                        let ks: Vec<&Tensor> = past.iter().map(|(k, _)| k).chain([&k]).collect();
                        let vs: Vec<&Tensor> = past.iter().map(|(_, v)| v).chain([&v]).collect();
                        return attention(&q, &Tensor::cat(&ks, 2)?, &Tensor::cat(&vs, 2)?, None, path);
                    }
                    // The chunk sees every handed-out block and itself (one query chunk).
                    let mut segs: Vec<KvSegment> = past.iter().map(|(k, v)| KvSegment { k, v, chunk: 0 }).collect();
                    segs.push(KvSegment { k: &k, v: &v, chunk: 0 });
                    flash::segmented_attention(&q, &segs, q.dim(2)?, 0)
                })?
            }
        };
        self.0.o.forward(&merge(&out)?)
    }
}

/// Cross-attention keys/values of one prompt for one layer, `[B, H, L, d]`.
#[derive(Debug, Clone)]
pub struct CrossKv {
    pub k: Tensor,
    pub v: Tensor,
}

/// `blocks.N.cross_attn`.
#[derive(Debug, Clone)]
pub struct CrossAttention(Qkvo);

impl CrossAttention {
    pub fn new(cfg: &WanConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self(Qkvo::new(cfg, vb)?))
    }

    /// Keys/values of the embedded text `[B, L, dim]` (cached per prompt).
    pub fn kv(&self, text: &Tensor, path: Path) -> Result<CrossKv> {
        let (k, v) = self.0.kv(text, path)?;
        Ok(CrossKv { k, v })
    }

    /// `x: [B, S, dim]`. With keys/values of `B` prompts every token sees its own sample's
    /// prompt; with `B * n` prompts (per-chunk prompts, see [`super::WanModel::encode_text`])
    /// the `S` tokens are split into `n` equal consecutive segments and segment `i` of sample
    /// `b` sees prompt `b * n + i` only.
    pub fn forward(&self, x: &Tensor, kv: &CrossKv, path: Path) -> Result<Tensor> {
        let (b, s, dim) = x.dims3()?;
        let kb = kv.k.dim(0)?;
        if kb == b {
            let q = self.0.q(x, path)?;
            let out = timing::time("cross-attention", x.device(), || attention(&q, &kv.k, &kv.v, None, path))?;
            return self.0.o.forward(&merge(&out)?);
        }
        if kb % b != 0 || s % (kb / b) != 0 {
            candle_core::bail!("cross-attention: {kb} prompts do not split {b} samples of {s} tokens into equal segments");
        }
        let n = kb / b;
        let xs = x.reshape((kb, s / n, dim))?;
        let q = self.0.q(&xs, path)?;
        let out = attention(&q, &kv.k, &kv.v, None, path)?;
        self.0.o.forward(&merge(&out)?.reshape((b, s, dim))?)
    }
}

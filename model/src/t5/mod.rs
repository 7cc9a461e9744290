//! The umT5 text encoder (as used by Wan2.1): every layer has its own relative position bias
//! (unlike candle-transformers' t5.rs, which shares layer 0's), gated-GELU FFN, T5 RMS norm.
//! Weight names follow the published `models_t5_umt5-xxl-enc-bf16.pth`: `token_embedding`,
//! `blocks.N.{norm1,attn.{q,k,v,o},norm2,ffn.{gate.0,fc1,fc2},pos_embedding.embedding}`, `norm`.
//! Output positions under padding are zeroed, as Wan does before feeding the DiT.

mod layers;
pub mod tokenizer;

pub use layers::{relative_bucket, RelativeBias, T5Attention, T5FeedForward, T5LayerNorm};
pub use tokenizer::TextTokenizer;

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, VarBuilder};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Encoder hyper-parameters (names follow Wan's `T5Encoder`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct T5Config {
    pub vocab_size: usize,
    pub dim: usize,
    pub dim_attn: usize,
    pub dim_ffn: usize,
    pub num_heads: usize,
    pub num_layers: usize,
    pub num_buckets: usize,
    #[serde(default = "default_max_distance")]
    pub max_distance: usize,
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// Tokens per prompt after padding/truncation (512 for Wan).
    pub text_len: usize,
}

fn default_max_distance() -> usize {
    128
}
fn default_eps() -> f64 {
    1e-6
}

impl T5Config {
    /// umT5-XXL encoder (Wan2.1's text encoder).
    pub fn umt5_xxl() -> Self {
        Self {
            vocab_size: 256384,
            dim: 4096,
            dim_attn: 4096,
            dim_ffn: 10240,
            num_heads: 64,
            num_layers: 24,
            num_buckets: 32,
            max_distance: 128,
            eps: 1e-6,
            text_len: 512,
        }
    }

    /// The small default encoder: d_model 128 (the cine-tiny DiT's text_dim), 2 layers,
    /// 64 tokens, room for a 4096-word vocabulary.
    pub fn cine_tiny() -> Self {
        Self {
            vocab_size: 4096,
            dim: 128,
            dim_attn: 128,
            dim_ffn: 256,
            num_heads: 4,
            num_layers: 2,
            num_buckets: 32,
            max_distance: 128,
            eps: 1e-6,
            text_len: 64,
        }
    }

    /// A preset by name: `umt5-xxl` or `cine-tiny`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "umt5-xxl" => Some(Self::umt5_xxl()),
            "cine-tiny" => Some(Self::cine_tiny()),
            _ => None,
        }
    }
}

/// One encoder layer: `x + attn(norm1(x))`, then `x + ffn(norm2(x))`.
#[derive(Debug, Clone)]
struct Block {
    norm1: T5LayerNorm,
    attn: T5Attention,
    norm2: T5LayerNorm,
    ffn: T5FeedForward,
    pos: RelativeBias,
}

impl Block {
    fn new(cfg: &T5Config, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            norm1: T5LayerNorm::new(cfg.dim, cfg.eps, vb.pp("norm1"))?,
            attn: T5Attention::new(cfg.dim, cfg.dim_attn, cfg.num_heads, vb.pp("attn"))?,
            norm2: T5LayerNorm::new(cfg.dim, cfg.eps, vb.pp("norm2"))?,
            ffn: T5FeedForward::new(cfg.dim, cfg.dim_ffn, vb.pp("ffn"))?,
            pos: RelativeBias::new(cfg.num_buckets, cfg.num_heads, cfg.max_distance, vb.pp("pos_embedding"))?,
        })
    }

    fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let l = x.dim(1)?;
        let bias = self.pos.forward(l, l, x.device())?.to_dtype(x.dtype())?.broadcast_add(mask_bias)?;
        let x = (x + self.attn.forward(&self.norm1.forward(x)?, &bias)?)?;
        &x + self.ffn.forward(&self.norm2.forward(&x)?)?
    }
}

/// The umT5 encoder.
#[derive(Debug, Clone)]
pub struct T5Encoder {
    cfg: T5Config,
    token_embedding: Embedding,
    blocks: Vec<Block>,
    norm: T5LayerNorm,
}

impl T5Encoder {
    pub fn new(cfg: &T5Config, vb: VarBuilder) -> Result<Self> {
        let token_embedding = candle_nn::embedding(cfg.vocab_size, cfg.dim, vb.pp("token_embedding"))?;
        let blocks = (0..cfg.num_layers).map(|i| Block::new(cfg, vb.pp("blocks").pp(i))).collect::<Result<_>>()?;
        Ok(Self { token_embedding, blocks, norm: T5LayerNorm::new(cfg.dim, cfg.eps, vb.pp("norm"))?, cfg: cfg.clone() })
    }

    /// Load from `.safetensors` or the published `.pth` state dict.
    pub fn load(path: &Path, cfg: &T5Config, dtype: DType, device: &Device) -> anyhow::Result<Self> {
        crate::untrusted::reading(path, || {
            let vb = crate::vae::load_var_builder(path, dtype, device)?;
            Self::new(cfg, vb).map_err(|e| {
                anyhow::anyhow!("loading the umT5 encoder from {}: {e} (is the config right for this checkpoint?)", path.display())
            })
        })
    }

    /// Load from safetensors bytes (e.g. `include_bytes!` of the default model).
    pub fn load_bytes(bytes: &[u8], cfg: &T5Config, dtype: DType, device: &Device) -> anyhow::Result<Self> {
        let vb = VarBuilder::from_buffered_safetensors(bytes.to_vec(), dtype, device)
            .map_err(|e| anyhow::anyhow!("reading embedded umT5 safetensors: {e}"))?;
        Self::new(cfg, vb).map_err(|e| anyhow::anyhow!("loading the embedded umT5 encoder: {e}"))
    }

    /// A freshly initialised encoder whose weights live in the returned `VarMap`.
    pub fn new_random(cfg: &T5Config, seed: u64, dtype: DType, device: &Device) -> Result<(Self, candle_nn::VarMap)> {
        let vm = candle_nn::VarMap::new();
        let enc = Self::new(cfg, VarBuilder::from_varmap(&vm, dtype, device))?;
        crate::vae::randomize(&vm, seed, 0.0)?;
        Ok((enc, vm))
    }

    pub fn config(&self) -> &T5Config {
        &self.cfg
    }

    /// `ids: [B, L]` (u32/i64), `mask: [B, L]` (1 = token, 0 = padding; any numeric dtype)
    /// -> hidden states `[B, L, dim]` with padding positions zeroed. Differentiable.
    pub fn encode(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, l) = ids.dims2()?;
        if mask.dims() != [b, l] {
            candle_core::bail!("umT5 encode: mask {:?} does not match ids {:?}", mask.dims(), ids.dims())
        }
        let ids = ids.to_dtype(DType::U32)?;
        let x = self.token_embedding.forward(&ids)?;
        let dtype = x.dtype();
        let m = mask.to_dtype(DType::F32)?;
        // 0 where attended, a large negative where the key is padding: [B, 1, 1, L].
        let mask_bias = m.affine(1e9, -1e9)?.reshape((b, 1, 1, l))?.to_dtype(dtype)?;
        let mut x = x;
        for block in &self.blocks {
            x = block.forward(&x, &mask_bias)?;
        }
        let x = self.norm.forward(&x)?;
        x.broadcast_mul(&m.to_dtype(dtype)?.unsqueeze(2)?)
    }
}

//! One Wan attention block: AdaLN-modulated self-attention, cross-attention, GELU FFN.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::attention::{CrossAttention, CrossKv, SelfAttention, SelfCtx};
use super::layers::{LayerNorm, Mlp2, Path};
use super::WanConfig;

/// `blocks.N`. Norm names as in the official checkpoint: `norm1` (self-attn, no affine),
/// `norm3` (cross-attn, affine), `norm2` (FFN, no affine).
#[derive(Debug, Clone)]
pub struct WanBlock {
    norm1: LayerNorm,
    self_attn: SelfAttention,
    norm3: Option<LayerNorm>,
    cross_attn: CrossAttention,
    norm2: LayerNorm,
    ffn: Mlp2,
    /// `[1, 6, dim]`: shift/scale/gate of self-attn, then of the FFN.
    modulation: Tensor,
    dim: usize,
}

impl WanBlock {
    pub fn new(cfg: &WanConfig, vb: VarBuilder) -> Result<Self> {
        let d = cfg.dim;
        Ok(Self {
            norm1: LayerNorm::new(d, cfg.eps, false, vb.pp("norm1"))?,
            self_attn: SelfAttention::new(cfg, vb.pp("self_attn"))?,
            norm3: if cfg.cross_attn_norm { Some(LayerNorm::new(d, cfg.eps, true, vb.pp("norm3"))?) } else { None },
            cross_attn: CrossAttention::new(cfg, vb.pp("cross_attn"))?,
            norm2: LayerNorm::new(d, cfg.eps, false, vb.pp("norm2"))?,
            ffn: Mlp2::new(d, cfg.ffn_dim, d, false, vb.pp("ffn"))?,
            modulation: vb.get_with_hints((1, 6, d), "modulation", candle_nn::Init::Randn { mean: 0.0, stdev: 1.0 / (d as f64).sqrt() })?,
            dim: d,
        })
    }

    pub fn cross_kv(&self, text: &Tensor, path: Path) -> Result<CrossKv> {
        self.cross_attn.kv(text, path)
    }

    /// `x: [B, F*T, dim]` (F frames of T tokens), `e: [B, F, 6, dim]` per-frame time projection.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(&self, x: &Tensor, e: &Tensor, rope: (&Tensor, &Tensor), cross: &CrossKv, ctx: &mut SelfCtx, layer: usize, path: Path) -> Result<Tensor> {
        let (b, s, _) = x.dims3()?;
        let f = e.dim(1)?;
        let t = s / f;
        let e = self.modulation.unsqueeze(0)?.broadcast_add(e)?; // [B, F, 6, dim]
        let m = |i: usize| e.narrow(2, i, 1); // [B, F, 1, dim]
        let frames = |x: &Tensor| x.reshape((b, f, t, self.dim));
        let flat = |x: &Tensor| x.reshape((b, s, self.dim));
        let modulate = |x: &Tensor, shift: &Tensor, scale: &Tensor| -> Result<Tensor> {
            flat(&frames(x)?.broadcast_mul(&(scale + 1.0)?)?.broadcast_add(shift)?)
        };

        let h = modulate(&self.norm1.forward(x, path)?, &m(0)?, &m(1)?)?;
        let y = self.self_attn.forward(&h, rope.0, rope.1, ctx, layer, path)?;
        let x = (x + flat(&frames(&y)?.broadcast_mul(&m(2)?)?)?)?;

        let h = match &self.norm3 { Some(n) => n.forward(&x, path)?, None => x.clone() };
        let x = (&x + self.cross_attn.forward(&h, cross, path)?)?;

        let h = modulate(&self.norm2.forward(&x, path)?, &m(3)?, &m(4)?)?;
        let y = self.ffn.forward(&h)?;
        &x + flat(&frames(&y)?.broadcast_mul(&m(5)?)?)?
    }
}

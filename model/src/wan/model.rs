//! The Wan2.1 DiT: patch embedding, text/time embeddings, blocks, head, unpatchify.

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::{Linear, Module, VarBuilder};

use super::attention::{CrossKv, KvContext, SelfCtx};
use super::block::WanBlock;
use super::layers::{linear, rope_tables, timestep_embedding, LayerNorm, Mlp2, Path};
use super::WanConfig;

/// The embedded prompt and its per-layer cross-attention keys/values.
#[derive(Debug, Clone)]
pub struct TextKv {
    pub layers: Vec<CrossKv>,
}

/// Wan2.1 DiT with the official checkpoint's weight names. Cheap to clone (tensors are shared).
#[derive(Debug, Clone)]
pub struct WanModel {
    cfg: WanConfig,
    patch_w: Tensor,
    patch_b: Tensor,
    text_embedding: Mlp2,
    time_embedding: Mlp2,
    time_projection: Linear,
    blocks: Vec<WanBlock>,
    head_norm: LayerNorm,
    head: Linear,
    head_modulation: Tensor,
    /// The last RoPE table built (the passes of one chunk share it).
    rope_cache: std::sync::Arc<std::sync::Mutex<Option<RopeEntry>>>,
}

type RopeEntry = ((Vec<usize>, (usize, usize, usize)), (Tensor, Tensor));

impl WanModel {
    /// Builds the model from a `VarBuilder` rooted at the checkpoint's top level.
    /// Use [`super::load`] for files: it checks names and shapes first.
    pub fn new(cfg: &WanConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate().map_err(candle_core::Error::msg)?;
        let [pt, ph, pw] = cfg.patch_size;
        let d = cfg.dim;
        let patch_w = vb.get_with_hints((d, cfg.in_dim, pt, ph, pw), "patch_embedding.weight", candle_nn::init::DEFAULT_KAIMING_NORMAL)?;
        let blocks = (0..cfg.num_layers).map(|i| WanBlock::new(cfg, vb.pp(format!("blocks.{i}")))).collect::<Result<_>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            patch_w: patch_w.reshape((d, cfg.in_dim * pt * ph * pw))?,
            patch_b: vb.get_with_hints(d, "patch_embedding.bias", candle_nn::Init::Const(0.0))?,
            text_embedding: Mlp2::new(cfg.text_dim, d, d, false, vb.pp("text_embedding"))?,
            time_embedding: Mlp2::new(cfg.freq_dim, d, d, true, vb.pp("time_embedding"))?,
            time_projection: linear(d, 6 * d, vb.pp("time_projection.1"))?,
            blocks,
            head_norm: LayerNorm::new(d, cfg.eps, false, vb.pp("head.norm"))?,
            head: linear(d, pt * ph * pw * cfg.out_dim, vb.pp("head.head"))?,
            head_modulation: vb.get_with_hints((1, 2, d), "head.modulation", candle_nn::Init::Randn { mean: 0.0, stdev: 1.0 / (d as f64).sqrt() })?,
            rope_cache: Default::default(),
        })
    }

    pub fn config(&self) -> &WanConfig {
        &self.cfg
    }

    pub fn dtype(&self) -> DType {
        self.patch_w.dtype()
    }

    pub fn device(&self) -> &Device {
        self.patch_w.device()
    }

    /// Tokens per latent frame for a latent of `h x w`.
    pub fn tokens_per_frame(&self, h: usize, w: usize) -> usize {
        (h / self.cfg.patch_size[1]) * (w / self.cfg.patch_size[2])
    }

    /// Embeds text `[B, L, text_dim]` and computes every layer's cross-attention K/V.
    pub fn encode_text(&self, context: &Tensor, path: Path) -> Result<TextKv> {
        let text = self.text_embedding.forward(&context.to_dtype(self.dtype())?)?;
        let layers = self.blocks.iter().map(|b| b.cross_kv(&text, path)).collect::<Result<_>>()?;
        Ok(TextKv { layers })
    }

    /// RoPE cos/sin for frame positions and grid, reusing the last table when it matches.
    fn rope(&self, frames: &[usize], grid: (usize, usize, usize)) -> Result<(Tensor, Tensor)> {
        let key = (frames.to_vec(), grid);
        let mut cache = self.rope_cache.lock().map_err(|_| candle_core::Error::msg("RoPE cache lock poisoned"))?;
        if let Some((k, v)) = cache.as_ref() {
            if *k == key {
                return Ok(v.clone());
            }
        }
        let v = rope_tables(self.cfg.rope_split(), self.cfg.rope_theta, frames, grid, self.dtype(), self.device())?;
        *cache = Some((key, v.clone()));
        Ok(v)
    }

    /// Differentiable full-sequence forward (generic ops only): `x: [B, C, F, H, W]`,
    /// `t: [B, F]` per latent frame, `context: [B, L, text_dim]`, additive `mask: [S, S]`
    /// over the `S = F*h*w` tokens (see [`block_causal_mask`]). Returns the flow prediction.
    pub fn forward_train(&self, x: &Tensor, t: &Tensor, context: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let text = self.encode_text(context, Path::Generic)?;
        self.forward_with(x, t, &text, None, SelfCtx::Masked(mask), Path::Generic)
    }

    /// [`Self::forward_train`] with explicit RoPE frame positions, one per latent frame, e.g.
    /// [`shot_frame_positions`] to train with the generator's RoPE gap at shot cuts. A context
    /// of `[B * n, L, text_dim]` gives each of `n` equal consecutive token segments (chunks) of
    /// a sample its own prompt.
    pub fn forward_train_at(&self, x: &Tensor, t: &Tensor, context: &Tensor, mask: Option<&Tensor>, frames: &[usize]) -> Result<Tensor> {
        let text = self.encode_text(context, Path::Generic)?;
        self.forward_with(x, t, &text, Some(frames), SelfCtx::Masked(mask), Path::Generic)
    }

    /// Differentiable forward whose self-attention masks come from `router` per layer (memory
    /// routing in training, see [`super::TrainRouter`]). `context` is `[B, L, text_dim]` (one
    /// prompt per sample) or `[B * n, L, text_dim]` with one prompt per sequence chunk
    /// (`n = router.layout.seq.len()`, sample-major); `frames` are the RoPE frame positions
    /// ([`super::TrainLayout::rope_frames`]).
    pub fn forward_train_routed(&self, x: &Tensor, t: &Tensor, context: &Tensor, frames: &[usize], router: &super::TrainRouter) -> Result<Tensor> {
        let text = self.encode_text(context, Path::Generic)?;
        self.forward_with(x, t, &text, Some(frames), SelfCtx::Routed(router), Path::Generic)
    }

    /// Like [`Self::forward_train`] with fused inference kernels (no backward).
    pub fn forward(&self, x: &Tensor, t: &Tensor, context: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let text = self.encode_text(context, Path::Fused)?;
        self.forward_with(x, t, &text, None, SelfCtx::Masked(mask), Path::Fused)
    }

    /// Forward of one chunk whose first frame is at RoPE frame position `rope_f0`; self-attention
    /// also sees the past keys/values `kv` hands out, and hands it this chunk's.
    pub fn forward_chunk(&self, x: &Tensor, t: &Tensor, text: &TextKv, rope_f0: usize, kv: &mut dyn KvContext) -> Result<Tensor> {
        let f = x.dim(2)? / self.cfg.patch_size[0];
        let frames: Vec<usize> = (rope_f0..rope_f0 + f).collect();
        self.forward_with(x, t, text, Some(&frames), SelfCtx::Cached(kv), Path::Fused)
    }

    /// The common forward; `frames` are RoPE frame positions (default `0..F`), `path` picks
    /// fused or generic kernels.
    pub fn forward_with(&self, x: &Tensor, t: &Tensor, text: &TextKv, frames: Option<&[usize]>, mut ctx: SelfCtx, path: Path) -> Result<Tensor> {
        let (b, c, f, h, w) = x.dims5()?;
        let [pt, ph, pw] = self.cfg.patch_size;
        if c != self.cfg.in_dim || f % pt != 0 || h % ph != 0 || w % pw != 0 {
            candle_core::bail!("latent {:?} does not fit the DiT: want {} channels and F/H/W divisible by patch {:?}", x.dims(), self.cfg.in_dim, self.cfg.patch_size);
        }
        let (fp, hp, wp) = (f / pt, h / ph, w / pw);
        if t.dims() != [b, fp] {
            candle_core::bail!("timesteps {:?} should be [batch {b}, frames {fp}]", t.dims());
        }
        let dt = self.dtype();
        let s = fp * hp * wp;
        // Patch embedding as a matmul over (c, pt, ph, pw) patches (Conv3d with stride = kernel).
        let xp = x
            .to_dtype(dt)?
            .reshape(vec![b, c, fp, pt, hp, ph, wp, pw])?
            .permute(vec![0, 2, 4, 6, 1, 3, 5, 7])?
            .reshape((b, s, c * pt * ph * pw))?;
        let mut xs = xp.broadcast_matmul(&self.patch_w.t()?)?.broadcast_add(&self.patch_b)?;

        let e = self.time_embedding.forward(&timestep_embedding(t, self.cfg.freq_dim)?.to_dtype(dt)?)?; // [B*F, dim]
        let e0 = self.time_projection.forward(&e.silu()?)?.reshape((b, fp, 6, self.cfg.dim))?;
        let default: Vec<usize> = (0..fp).collect();
        let (cos, sin) = self.rope(frames.unwrap_or(&default), (fp, hp, wp))?;

        for (i, block) in self.blocks.iter().enumerate() {
            xs = block.forward(&xs, &e0, (&cos, &sin), &text.layers[i], &mut ctx, i, path)?;
        }

        // Head: modulated LayerNorm + linear, per frame.
        let e = e.reshape((b, fp, 1, self.cfg.dim))?;
        let m = self.head_modulation.unsqueeze(0)?.broadcast_add(&e)?; // [B, F, 2, dim]
        let (shift, scale) = (m.narrow(2, 0, 1)?, m.narrow(2, 1, 1)?);
        let hn = self.head_norm.forward(&xs, path)?.reshape((b, fp, hp * wp, self.cfg.dim))?;
        let hn = hn.broadcast_mul(&(scale + 1.0)?)?.broadcast_add(&shift)?.reshape((b, s, self.cfg.dim))?;
        let out = self.head.forward(&hn)?;

        // Unpatchify: [B, f, h, w, pt, ph, pw, C] -> [B, C, f*pt, h*ph, w*pw].
        let co = self.cfg.out_dim;
        out.reshape(vec![b, fp, hp, wp, pt, ph, pw, co])?
            .permute(vec![0, 7, 1, 4, 2, 5, 3, 6])?
            .reshape((b, co, f, h, w))
    }
}

/// RoPE frame positions of consecutive shots of `frames[i]` latent frames each, with `gap`
/// positions skipped at every cut (what [`super::CausalGenerator::begin_shot`] does).
pub fn shot_frame_positions(frames: &[usize], gap: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(frames.iter().sum());
    let mut pos = 0;
    for (i, n) in frames.iter().enumerate() {
        if i > 0 {
            pos += gap;
        }
        out.extend(pos..pos + n);
        pos += n;
    }
    out
}

/// Additive block-causal mask `[S, S]` (0 where allowed, -inf elsewhere) for `frames` latent
/// frames of `tokens` tokens in chunks of `chunk` frames: a token sees every token up to the
/// end of its own chunk.
pub fn block_causal_mask(frames: usize, chunk: usize, tokens: usize, dtype: DType, dev: &Device) -> Result<Tensor> {
    let s = frames * tokens;
    let chunk_of = |i: usize| i / tokens / chunk.max(1);
    let mut m = vec![0f32; s * s];
    for i in 0..s {
        for j in 0..s {
            if chunk_of(j) > chunk_of(i) {
                m[i * s + j] = f32::NEG_INFINITY;
            }
        }
    }
    Tensor::from_vec(m, (s, s), dev)?.to_dtype(dtype)
}

//! Streaming decode: latent chunks in, video frames out, with the causal feature caches carried
//! between chunks so that the result equals decoding the whole latent sequence at once.

use candle_core::{Result, Tensor};

use super::{FeatCache, WanVae};

// Save / restore between chunks (the renderer's cache).
mod state;

/// Decodes a latent stream chunk by chunk. The first chunk of `L` latent frames gives
/// `1 + tf(L-1)` video frames, every later one `tf * L`.
#[derive(Debug, Clone)]
pub struct StreamingDecoder {
    vae: WanVae,
    cache: FeatCache,
    latent_frames: usize,
}

impl StreamingDecoder {
    /// A decoder at the start of a stream (clones the VAE handle; weights are shared).
    pub fn new(vae: &WanVae) -> Self {
        Self { vae: vae.clone(), cache: FeatCache::new(), latent_frames: 0 }
    }

    /// Decode the next normalised latent chunk `[B, z, L, h, w]` to frames `[B, 3, T, H, W]` in
    /// [-1, 1]. An unbatched chunk `[z, L, h, w]` (what the generator returns) gives `[3, T, H, W]`.
    pub fn decode_chunk(&mut self, latents: &Tensor) -> Result<Tensor> {
        if latents.rank() == 4 {
            return self.decode_chunk(&latents.unsqueeze(0)?)?.squeeze(0);
        }
        let z = self.vae.denormalize(latents)?;
        let out = self.vae.decode_raw_cached(&z, &mut self.cache)?;
        self.latent_frames += latents.dim(2)?;
        out.clamp(-1f32, 1f32)
    }

    /// Decode the first chunk of a new shot: the caches restart, as at the start of a stream,
    /// so nothing of the last shot bleeds into the new one (causal caches would smear a cut
    /// over several frames). The chunk's first latent frame is decoded twice (a fresh stream
    /// gives one frame for it) and that extra frame is dropped: same frame count as
    /// [`Self::decode_chunk`].
    pub fn decode_chunk_after_cut(&mut self, latents: &Tensor) -> Result<Tensor> {
        if latents.rank() == 4 {
            return self.decode_chunk_after_cut(&latents.unsqueeze(0)?)?.squeeze(0);
        }
        if self.latent_frames == 0 {
            return self.decode_chunk(latents);
        }
        let done = self.latent_frames;
        self.reset();
        let out = self.decode_chunk(&Tensor::cat(&[&latents.narrow(2, 0, 1)?, latents], 2)?)?;
        self.latent_frames = done + latents.dim(2)?;
        let t = out.dim(2)?;
        out.narrow(2, 1, t - 1)
    }

    /// Latent frames decoded so far.
    pub fn latent_frames(&self) -> usize {
        self.latent_frames
    }

    /// Forget the stream (e.g. for a new video).
    pub fn reset(&mut self) {
        self.cache = FeatCache::new();
        self.latent_frames = 0;
    }
}

/// Frames `[3, T, H, W]` in [-1, 1] -> one RGB8 buffer per frame (row-major `H*W*3`).
pub fn to_rgb8(frames: &Tensor) -> Result<Vec<Vec<u8>>> {
    let (_c, t, h, w) = frames.dims4()?;
    let x = ((frames.to_dtype(candle_core::DType::F32)?.clamp(-1f32, 1f32)? + 1.0)? * 127.5)?
        .round()?
        .permute((1, 2, 3, 0))? // [T, H, W, 3]
        .contiguous()?
        .to_dtype(candle_core::DType::U8)?;
    let flat = x.flatten_all()?.to_vec1::<u8>()?;
    Ok(flat.chunks(h * w * 3).take(t).map(<[u8]>::to_vec).collect())
}

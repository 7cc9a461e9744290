//! `cine eval --dit vae`: the ground truth encoded and decoded by the model's VAE. No DiT
//! can score above what its VAE lets through, so this row is the ceiling of a model.

use anyhow::{Context, Result};
use candle_core::{Device, Tensor};
use cine_model::vae::WanVae;
use cine_synth::source::RgbImage;
use cine_synth::{Story, VideoSource};

pub struct VaeRoundTrip {
    pub vae: WanVae,
    pub label: String,
}

/// Frames as `[1, 3, T, H, W]` in [-1, 1], the last frame repeated up to `1 + tf * k` frames.
fn to_video(frames: &[RgbImage], tf: usize) -> Result<Tensor> {
    let (w, h) = (frames[0].width() as usize, frames[0].height() as usize);
    let t = frames.len();
    let padded = 1 + (t.saturating_sub(1)).div_ceil(tf) * tf;
    let mut data = vec![0f32; 3 * padded * h * w];
    for ti in 0..padded {
        let f = &frames[ti.min(t - 1)];
        for (p, px) in f.pixels().enumerate() {
            for c in 0..3 {
                data[(c * padded + ti) * h * w + p] = px.0[c] as f32 / 127.5 - 1.0;
            }
        }
    }
    Ok(Tensor::from_vec(data, (1, 3, padded, h, w), &Device::Cpu)?)
}

impl VideoSource for VaeRoundTrip {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        let frames = cine_synth::render(story, film)?;
        if frames.is_empty() {
            return Ok(frames);
        }
        let (w, h) = (frames[0].width(), frames[0].height());
        let video = to_video(&frames, self.vae.config().temporal_factor())?;
        let out = self.vae.decode(&self.vae.encode(&video)?)?;
        let out = ((out.squeeze(0)?.permute((1, 2, 3, 0))? + 1.0)? * 127.5)?.clamp(0f32, 255f32)?.round()?;
        let data: Vec<f32> = out.flatten_all()?.to_vec1()?;
        let per = (w * h * 3) as usize;
        (0..frames.len())
            .map(|i| {
                let px = data[i * per..(i + 1) * per].iter().map(|&v| v as u8).collect();
                RgbImage::from_raw(w, h, px).context("decoded frame of the wrong size")
            })
            .collect()
    }
}

//! `cine eval --dit vae`: the ground truth encoded and decoded by the model's VAE. No DiT
//! can score above what its VAE lets through, so this row is the ceiling of a model.

use anyhow::{Context, Result};
use candle_core::Device;
use cine_model::vae::{to_rgb8, WanVae};
use cine_synth::source::RgbImage;
use cine_synth::{Story, VideoSource};

pub struct VaeRoundTrip {
    pub vae: WanVae,
    pub label: String,
}

impl VideoSource for VaeRoundTrip {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        let frames = cine_synth::render(story, film)?;
        let Some(last) = frames.last() else { return Ok(frames) };
        let (w, h) = last.dimensions();
        // The encoder takes 1 + tf * k frames: repeat the last one up to that.
        let tf = self.vae.config().temporal_factor();
        let padded = 1 + (frames.len() - 1).div_ceil(tf) * tf;
        let mut video = frames.clone();
        video.resize(padded, last.clone());
        let x = cine_train::data::video_tensor(&video, &Device::Cpu)?;
        let out = self.vae.decode(&self.vae.encode(&x)?)?.squeeze(0)?;
        to_rgb8(&out)?
            .into_iter()
            .take(frames.len())
            .map(|px| RgbImage::from_raw(w, h, px).context("decoded frame of the wrong size"))
            .collect()
    }
}

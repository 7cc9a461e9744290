//! A PNG contact strip to eyeball a model: per window, a row of the training data's frames
//! (decoded by the VAE) and a row of the model's own chunk-by-chunk generation for the same
//! prompts, shots and pins.

use std::path::Path;

use anyhow::Result;
use candle_core::{Device, Tensor};
use cine_model::t5::{T5Encoder, TextTokenizer};
use cine_model::vae::{to_rgb8, WanVae};
use cine_model::wan::WanModel;
use image::RgbImage;

use crate::base::{policy, CHUNK_FRAMES};
use crate::data::WindowMeta;
use crate::rollout::{rollout, Sampler};

/// Decodes normalised latents `[1, C, F, H, W]` to RGB frames.
pub fn frames(vae: &WanVae, latents: &Tensor) -> Result<Vec<RgbImage>> {
    let video = vae.decode(latents)?.squeeze(0)?; // [3, T, H, W]
    let (_, _, h, w) = video.dims4()?;
    Ok(to_rgb8(&video)?.into_iter().filter_map(|d| RgbImage::from_raw(w as u32, h as u32, d)).collect())
}

/// Rows of frames (every `every`-th) tiled into one image, rows in order.
pub fn save_rows(rows: &[Vec<RgbImage>], every: usize, path: &Path) -> Result<()> {
    let pick: Vec<Vec<&RgbImage>> = rows.iter().map(|r| r.iter().step_by(every.max(1)).collect()).collect();
    let (w, h) = rows.iter().flatten().next().map(|f| f.dimensions()).unwrap_or((64, 64));
    let cols = pick.iter().map(Vec::len).max().unwrap_or(1);
    let mut img = RgbImage::from_pixel(cols as u32 * (w + 2), rows.len() as u32 * (h + 2), image::Rgb([255, 255, 255]));
    for (r, row) in pick.iter().enumerate() {
        for (c, f) in row.iter().enumerate() {
            image::imageops::replace(&mut img, *f, (c as u32 * (w + 2)) as i64, (r as u32 * (h + 2)) as i64);
        }
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    img.save(path)?;
    Ok(())
}

/// Data row and generated row for each `(latents, meta)` window.
#[allow(clippy::too_many_arguments)]
pub fn compare(vae: &WanVae, t5: &T5Encoder, tok: &TextTokenizer, dit: &WanModel, windows: &[(Tensor, &WindowMeta)], steps: &[f64], sampler: Sampler, path: &Path) -> Result<()> {
    let mut rows = Vec::new();
    for (i, (lat, m)) in windows.iter().enumerate() {
        let n = lat.dim(2)? / CHUNK_FRAMES;
        let text = crate::tiny::encode_prompts(t5, tok, &m.prompts[..n], &Device::Cpu)?;
        let r = rollout(dit, &text, &m.shots[..n], &m.pins[..n], steps, sampler, &[], &policy(), (16, CHUNK_FRAMES, 16, 16), 1000 + i as u64)?;
        rows.push(frames(vae, lat)?);
        rows.push(frames(vae, &r.latents()?)?);
    }
    save_rows(&rows, 6, path)
}

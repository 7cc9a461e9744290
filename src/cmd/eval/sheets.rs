//! `cine eval --sheets DIR`: one PNG per story, the source's frames under the ground truth's,
//! to see what the numbers mean.

use std::path::PathBuf;

use anyhow::{Context, Result};
use cine_synth::source::RgbImage;
use cine_synth::{Story, VideoSource};

/// Frames per row of a sheet; at most this many rows pairs per sheet.
const COLS: u32 = 16;
const ROWS: u32 = 8;

/// Wraps a source; every film it renders is also written as a sheet into `dir`.
pub struct Sheets {
    pub inner: Box<dyn VideoSource>,
    pub dir: PathBuf,
}

impl VideoSource for Sheets {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        let frames = self.inner.render(film, story)?;
        let truth = cine_synth::render(story, film)?;
        let path = self.dir.join(format!("{}.png", file_name(&story.title)));
        sheet(&truth, &frames).save(&path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(frames)
    }
}

fn file_name(title: &str) -> String {
    title.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// Every second frame: ground truth on top, the source below, `COLS` to a row.
pub fn sheet(truth: &[RgbImage], frames: &[RgbImage]) -> RgbImage {
    let Some(first) = truth.first().or(frames.first()) else { return RgbImage::new(1, 1) };
    let (w, h) = first.dimensions();
    let picks: Vec<usize> = (0..truth.len().max(frames.len())).step_by(2).take((COLS * ROWS) as usize).collect();
    let rows = (picks.len() as u32).div_ceil(COLS).max(1);
    let mut out = RgbImage::new(w * COLS, h * 2 * rows);
    for (n, &i) in picks.iter().enumerate() {
        let (x, y) = ((n as u32 % COLS) * w, (n as u32 / COLS) * 2 * h);
        if let Some(f) = truth.get(i) {
            image::imageops::replace(&mut out, f, x as i64, y as i64);
        }
        if let Some(f) = frames.get(i) {
            image::imageops::replace(&mut out, f, x as i64, (y + h) as i64);
        }
    }
    out
}

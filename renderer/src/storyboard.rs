//! `--storyboard`: a contact sheet with a row per shot: its number, label and caption, and
//! three frames (at 1/6, 1/2 and 5/6 of the shot); a shot's dialogue (`speaker: text`) under
//! its caption.

use std::path::Path;

use anyhow::{Context, Result};

use crate::font;
use crate::frame::{FrameSink, RgbFrame};
use crate::schedule::Schedule;

const THUMB_W: u32 = 192;
const PAD: u32 = 8;
const TEXT_SCALE: u32 = 2;
const CAPTION_LINES: usize = 3;
/// At most this many text lines of dialogue a shot.
const DIALOGUE_LINES: usize = 4;
const SAY: [u8; 3] = [250, 214, 120];
const BG: [u8; 3] = [24, 24, 28];
const FG: [u8; 3] = [235, 235, 235];

/// Collects the frames a storyboard shows while a film renders.
pub struct Storyboard {
    rows: Vec<Row>,
}

struct Row {
    title: String,
    caption: String,
    /// `speaker: text` of the shot's lines.
    lines: Vec<String>,
    /// Index of the film shot.
    shot: usize,
    picks: Vec<u32>,
    frames: Vec<Option<RgbFrame>>,
}

impl Storyboard {
    pub fn new(schedule: &Schedule) -> Self {
        let rows = schedule
            .shots
            .iter()
            .map(|s| {
                let n = s.frames.max(1);
                let mut picks: Vec<u32> = [n / 6, n / 2, (5 * n) / 6].iter().map(|p| s.start_frame + p.min(&(n - 1))).collect();
                picks.dedup();
                Row {
                    title: format!("#{} {}", s.shot + 1, s.label),
                    caption: s.caption.clone(),
                    lines: Vec::new(),
                    shot: s.shot,
                    frames: vec![None; picks.len()],
                    picks,
                }
            })
            .collect();
        Self { rows }
    }

    /// Shows each shot's dialogue from the film the schedule was planned from.
    pub fn with_lines(mut self, film: &cine_ir::Film) -> Self {
        for row in &mut self.rows {
            let Some(shot) = film.shots.get(row.shot) else { continue };
            row.lines = shot.lines.iter().map(|l| format!("{}: {}", l.speaker, l.text.split_whitespace().collect::<Vec<_>>().join(" "))).collect();
        }
        self
    }

    /// Draws the sheet.
    pub fn image(&self) -> image::RgbImage {
        let (fw, fh) = self
            .rows
            .iter()
            .flat_map(|r| r.frames.iter().flatten())
            .map(|f| (f.width, f.height))
            .next()
            .unwrap_or((64, 64));
        let th = (THUMB_W * fh / fw.max(1)).max(1);
        let width = PAD + 3 * (THUMB_W + PAD);
        let chars = ((width - 2 * PAD) / (font::CELL_W * TEXT_SCALE)) as usize;
        let line_h = font::CELL_H * TEXT_SCALE;
        // Caption then dialogue, in the caption's lines and more when they run out.
        let rows: Vec<(Vec<String>, usize)> = self
            .rows
            .iter()
            .map(|r| {
                let mut out = font::wrap(&r.caption, chars, CAPTION_LINES);
                let caption = out.len();
                for l in &r.lines {
                    out.extend(font::wrap(l, chars, (caption + DIALOGUE_LINES).saturating_sub(out.len())));
                }
                (out, caption)
            })
            .collect();
        let text_lines = |i: usize| rows[i].0.len().max(CAPTION_LINES) as u32;
        let row_h = |i: usize| PAD + line_h * (1 + text_lines(i)) + th + PAD;
        let height = (0..self.rows.len()).map(row_h).sum::<u32>().max(1);
        let mut img = image::RgbImage::from_pixel(width, height, image::Rgb(BG));
        let mut y0 = PAD;
        for (i, row) in self.rows.iter().enumerate() {
            text(&mut img, PAD, y0, &row.title.chars().take(chars).collect::<String>(), FG);
            let (lines, caption) = &rows[i];
            for (l, line) in lines.iter().enumerate() {
                text(&mut img, PAD, y0 + line_h * (1 + l as u32), line, if l < *caption { FG } else { SAY });
            }
            let ty = y0 + line_h * (1 + text_lines(i));
            for (j, f) in row.frames.iter().enumerate() {
                let Some(f) = f else { continue };
                let tx = PAD + j as u32 * (THUMB_W + PAD);
                for y in 0..th {
                    for x in 0..THUMB_W {
                        let px = f.get(x * f.width / THUMB_W, y * f.height / th);
                        img.put_pixel(tx + x, ty + y, image::Rgb(px));
                    }
                }
            }
            y0 += row_h(i);
        }
        img
    }

    /// Writes the sheet as PNG (to a temporary name, then renamed).
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = crate::files::temp_beside(path).with_context(|| format!("cannot write the storyboard {}", path.display()))?;
        self.image()
            .save_with_format(tmp.path(), image::ImageFormat::Png)
            .with_context(|| format!("cannot write the storyboard {}", path.display()))?;
        crate::files::readable(tmp.path());
        tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

fn text(img: &mut image::RgbImage, x0: u32, y0: u32, s: &str, color: [u8; 3]) {
    for (i, c) in s.chars().enumerate() {
        let cx = x0 + i as u32 * font::CELL_W * TEXT_SCALE;
        for y in 0..7 * TEXT_SCALE {
            for x in 0..5 * TEXT_SCALE {
                let (px, py) = (cx + x, y0 + y);
                if px < img.width() && py < img.height() && font::pixel(c, x / TEXT_SCALE, y / TEXT_SCALE) {
                    img.put_pixel(px, py, image::Rgb(color));
                }
            }
        }
    }
}

impl FrameSink for Storyboard {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> Result<()> {
        for row in &mut self.rows {
            if let Some(j) = row.picks.iter().position(|&p| p == index) {
                row.frames[j] = Some(frame.clone());
            }
        }
        Ok(())
    }
}

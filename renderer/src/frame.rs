//! Decoded video frames and the sinks they flow into.

use anyhow::Result;

/// One RGB frame, 8 bits per channel, rows packed top to bottom (`width * 3` bytes a row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbFrame {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl RgbFrame {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height, data: vec![0; (width * height * 3) as usize] }
    }

    /// The pixel at `(x, y)`.
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    pub fn put(&mut self, x: u32, y: u32, rgb: [u8; 3]) {
        let i = ((y * self.width + x) * 3) as usize;
        self.data[i..i + 3].copy_from_slice(&rgb);
    }

    /// Blends `other` over `self`: `t = 0` keeps self, `t = 1` gives other.
    pub fn blend(&self, other: &RgbFrame, t: f32) -> RgbFrame {
        let t = t.clamp(0.0, 1.0);
        let data = self
            .data
            .iter()
            .zip(&other.data)
            .map(|(&a, &b)| (a as f32 * (1.0 - t) + b as f32 * t).round() as u8)
            .collect();
        RgbFrame { width: self.width, height: self.height, data }
    }

    /// This frame with its left part, `t` of the width (0..1), replaced by `other`'s: a wipe
    /// from left to right.
    pub fn wipe(&self, other: &RgbFrame, t: f32) -> RgbFrame {
        let edge = ((self.width as f32 * t.clamp(0.0, 1.0)).round() as usize).min(self.width as usize) * 3;
        let row = self.width as usize * 3;
        let mut data = self.data.clone();
        for (dst, src) in data.chunks_mut(row).zip(other.data.chunks(row)) {
            dst[..edge].copy_from_slice(&src[..edge]);
        }
        RgbFrame { width: self.width, height: self.height, data }
    }

    /// Scales brightness by `k` (0 = black).
    pub fn dim(&self, k: f32) -> RgbFrame {
        let k = k.clamp(0.0, 1.0);
        let data = self.data.iter().map(|&a| (a as f32 * k).round() as u8).collect();
        RgbFrame { width: self.width, height: self.height, data }
    }
}

/// Something that takes the film's frames in order: an MP4 writer, a storyboard, a preview.
pub trait FrameSink {
    /// Takes film frame `index`.
    fn push(&mut self, index: u32, frame: &RgbFrame) -> Result<()>;

    /// The dialogue on screen in the frames that come next (film frame clock), told before
    /// them by a live session, whose lines are not known in advance. Ignored by default.
    fn dialogue(&mut self, _cues: &[crate::subtitles::Cue]) -> Result<()> {
        Ok(())
    }
}

/// A sink that keeps every frame in memory, in order (`cine eval` scores them).
#[derive(Debug, Default)]
pub struct FrameBuffer {
    pub frames: Vec<RgbFrame>,
}

impl FrameSink for FrameBuffer {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> Result<()> {
        anyhow::ensure!(
            index as usize == self.frames.len(),
            "frame {index} arrived out of order (expected frame {})",
            self.frames.len()
        );
        self.frames.push(frame.clone());
        Ok(())
    }
}

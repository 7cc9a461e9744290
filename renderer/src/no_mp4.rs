//! MP4 export in a build without the `mp4` feature (no ffmpeg): every attempt to write a video
//! is an error that says how to get a build that can.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::frame::{FrameSink, RgbFrame};
pub use crate::files::readable;

const WHY: &str = "this cine was built without MP4 output (cargo feature `mp4`, on by default): rebuild without `--no-default-features`";

/// What goes into the MP4 besides the frames (as in the `mp4` build).
#[derive(Debug, Clone, Default)]
pub struct Mp4Options {
    pub scale: u32,
    pub cues: Vec<crate::subtitles::Cue>,
    pub burn: bool,
}

/// Never constructed in this build.
pub struct Mp4Writer(());

pub fn init() -> Result<()> {
    bail!("{WHY}")
}

impl Mp4Writer {
    pub fn create(output: &Path, _width: u32, _height: u32, _fps: u32) -> Result<Self> {
        bail!("cannot write {}: {WHY}", output.display())
    }

    pub fn create_with(output: &Path, _width: u32, _height: u32, _fps: u32, _opts: &Mp4Options) -> Result<Self> {
        bail!("cannot write {}: {WHY}", output.display())
    }

    pub fn write(&mut self, _frame: &RgbFrame) -> Result<()> {
        bail!("{WHY}")
    }

    pub fn frames(&self) -> i64 {
        0
    }

    pub fn finish(self) -> Result<PathBuf> {
        bail!("{WHY}")
    }

    pub fn finish_with_track(self, _cues: &[crate::subtitles::Cue]) -> Result<PathBuf> {
        bail!("{WHY}")
    }
}

impl FrameSink for Mp4Writer {
    fn push(&mut self, _index: u32, frame: &RgbFrame) -> Result<()> {
        self.write(frame)
    }
}

//! The live preview in a build without the `mp4` feature (its JPEG stream needs ffmpeg).

use anyhow::{bail, Result};

use crate::frame::{FrameSink, RgbFrame};

const WHY: &str = "this cine was built without ffmpeg (cargo feature `mp4`, on by default), which the live preview needs: rebuild without `--no-default-features`";

/// Takes one direction line from the page.
pub type DirectionSink = Box<dyn Fn(String) + Send>;

/// Never constructed in this build.
pub struct Preview(());

impl Preview {
    pub fn start(_port: u16, _width: u32, _height: u32, _scale: u32, _fps: u32) -> Result<Self> {
        bail!("{WHY}")
    }

    pub fn port(&self) -> u16 {
        0
    }

    pub fn close(&self) {}

    pub fn on_direction(&self, _sink: DirectionSink) {}
}

impl FrameSink for Preview {
    fn push(&mut self, _index: u32, _frame: &RgbFrame) -> Result<()> {
        bail!("{WHY}")
    }
}

/// Never constructed in this build.
pub struct JpegEncoder(());

impl JpegEncoder {
    pub fn new(_width: u32, _height: u32, _scale: u32) -> Result<Self> {
        bail!("{WHY}")
    }

    pub fn encode(&mut self, _frame: &RgbFrame) -> Result<Vec<u8>> {
        bail!("{WHY}")
    }
}

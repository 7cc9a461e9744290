//! Scheduler, generation loop, streaming decode and MP4 export of a film IR.
//!
//! [`schedule::plan`] (re-exported from `cine-ir`) maps a [`cine_ir::Film`] onto a model's chunk grid;
//! [`render::run`] drives a [`generator::ChunkGenerator`] through the plan, reusing
//! [`cache`] entries at shot boundaries, and pushes finished frames into sinks such as
//! [`mp4::Mp4Writer`] and [`storyboard::Storyboard`]. [`procedural::ProceduralGenerator`] is
//! a test pattern for fast tests, not a model.

pub mod batch;
pub mod budget;
pub mod burn;
pub mod cache;
pub mod font;
pub mod frame;
pub mod generator;
pub mod interrupt;
pub mod live;
pub mod model_gen;
pub mod files;
#[cfg(feature = "mp4")]
pub mod mp4;
#[cfg(not(feature = "mp4"))]
#[path = "no_mp4.rs"]
pub mod mp4;
#[cfg(feature = "mp4")]
pub mod preview;
#[cfg(feature = "mp4")]
pub mod probe;
#[cfg(not(feature = "mp4"))]
#[path = "no_preview.rs"]
pub mod preview;
pub mod procedural;
pub mod render;
pub mod sample;
pub use cine_ir::schedule;
pub mod storyboard;
pub mod subtitles;

pub use frame::{FrameBuffer, FrameSink, RgbFrame};
pub use generator::{ChunkGenerator, StreamInfo};
pub use schedule::{plan, ChunkPlan, Schedule};

//! A procedurally rendered multi-shot world with known ground truth, and the metrics that
//! judge renders.
//!
//! ```
//! use cine_synth::{Story, StoryConfig};
//! let story = Story::generate(7, &StoryConfig::default());
//! let film = cine_synth::screenplay::reference_film(&story);
//! let frames = cine_synth::render(&story, &film).unwrap();
//! assert_eq!(frames.len() as u32, story.total_frames());
//! ```

pub mod backdrop;
pub mod camera;
pub mod render;
pub mod screenplay;
pub mod story;
pub mod world;

pub use render::{render, render_story};
pub use story::{training_stories, Story, StoryConfig};
pub mod metrics;
pub mod source;
pub mod suite;

pub use source::{Corruption, GroundTruth, VideoSource};

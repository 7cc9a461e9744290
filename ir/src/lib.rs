//! The film IR: what a compiled screenplay means, with every name resolved.
//!
//! The compiler produces a [`Film`]; the renderer, the synthetic world and `cine plan`
//! read it. Nothing here knows about grammar, spans or tensors. Serialisation is
//! deterministic (ordered maps, no floats that depend on hashing) so two compiles of the
//! same screenplay give byte-identical JSON. [`schedule`] lays a film on the chunk grid of a
//! model described by its [`ModelProfile`].

pub mod schedule;
mod validate;

pub use validate::{MAX_FRAMES, MAX_SIDE};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version of the IR's JSON shape; bump on any breaking change.
pub const IR_VERSION: u32 = 1;

/// A whole compiled film.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Film {
    pub ir_version: u32,
    pub title: String,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    /// Model name, e.g. `cine-tiny` or `wan2.1-1.3b`.
    pub model: String,
    /// Global caption / style text that is part of every shot's prompt.
    pub global_caption: String,
    /// Total length in frames (the sum of the shots' frames).
    pub total_frames: u32,
    pub cast: Vec<Entity>,
    pub sets: Vec<Entity>,
    pub scenes: Vec<Scene>,
    pub shots: Vec<Shot>,
    /// Shots from this index on were directed live (`cine live`): their recalls were not
    /// known in advance, so the scheduler keeps nothing in memory for them before they come,
    /// as the session could not. Absent for screenplays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_from: Option<usize>,
}

/// A cast member or a set: a name and the visual description it expands into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub name: String,
    pub description: String,
    /// Optional attributes (`key: value`) in source order of keys, sorted.
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub index: usize,
    pub set: String,
    pub time_of_day: Option<String>,
    pub mood: Option<String>,
    /// Indices into [`Film::shots`].
    pub shots: Vec<usize>,
}

/// One shot, with its frame range in the film.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    pub index: usize,
    /// A stable label: the user's shot name, or `scene.shot` numbering (`1.2`).
    pub label: String,
    pub scene: usize,
    pub set: String,
    pub subjects: Vec<String>,
    /// First frame (inclusive), in film frames.
    pub start_frame: u32,
    /// Length in frames.
    pub frames: u32,
    /// Stdlib shot size name, e.g. `close_up`.
    pub size: Option<String>,
    pub angle: Option<String>,
    pub action: String,
    pub camera: Camera,
    /// The fully expanded prompt at the start of the shot.
    pub prompt: String,
    /// Prompt changes inside the shot at absolute film frames, ascending.
    pub events: Vec<PromptEvent>,
    /// How this shot goes into the next one.
    pub transition: Transition,
    /// Continuity references the renderer turns into memory hints.
    pub recalls: Vec<Recall>,
    /// Dialogue spoken in the shot, by start frame. Shown as subtitles, never given to the
    /// model (so it is not in any prompt and editing it regenerates nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
}

/// A line of dialogue: who says what, and when it is on screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The speaking cast member's name.
    pub speaker: String,
    pub text: String,
    /// First frame on screen (inclusive), in film frames.
    pub start_frame: u32,
    /// Frames on screen (at least 1; never past the shot's end).
    pub frames: u32,
}

/// A camera move from the stdlib with its resolved numeric parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// Stdlib name, e.g. `pan_left`; `static` when none is given.
    pub name: String,
    pub params: BTreeMap<String, f64>,
    /// The prompt phrase the move contributes.
    pub phrase: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptEvent {
    /// Absolute film frame where the new prompt takes effect.
    pub frame: u32,
    /// The fully expanded prompt from that frame on.
    pub prompt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Stdlib name: `cut`, `fade`, `dissolve`, ...
    pub kind: String,
    /// Length of the transition in frames (0 for a cut).
    pub frames: u32,
}

/// A `recall`: earlier shots whose memory a shot pins, for the whole shot or from a frame on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recall {
    #[serde(flatten)]
    pub target: RecallTarget,
    /// Film frame the pin starts at (`recall shot door at 1.5s`, or a live `recall` in the
    /// middle of a shot); `None`: the whole shot. Like a prompt change it takes effect from
    /// the chunk boundary nearest to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_frame: Option<u32>,
}

/// What a `recall` refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecallTarget {
    /// An earlier shot, by index into [`Film::shots`].
    Shot { shot: usize },
    /// A cast member: the renderer pins the blocks of the shots where it appeared.
    Cast { name: String, shots: Vec<usize> },
    /// A set: likewise, the shots filmed there.
    Set { name: String, shots: Vec<usize> },
}

impl Recall {
    /// An earlier shot, for the whole shot.
    pub fn shot(shot: usize) -> Self {
        Self { target: RecallTarget::Shot { shot }, from_frame: None }
    }

    /// The shots where a cast member appeared.
    pub fn cast(name: impl Into<String>, shots: Vec<usize>) -> Self {
        Self { target: RecallTarget::Cast { name: name.into(), shots }, from_frame: None }
    }

    /// The shots filmed on a set.
    pub fn set(name: impl Into<String>, shots: Vec<usize>) -> Self {
        Self { target: RecallTarget::Set { name: name.into(), shots }, from_frame: None }
    }

    /// The same recall from film frame `frame` on.
    pub fn from_frame(self, frame: u32) -> Self {
        Self { from_frame: Some(frame), ..self }
    }

    /// The shots it pins.
    pub fn shots(&self) -> &[usize] {
        match &self.target {
            RecallTarget::Shot { shot } => std::slice::from_ref(shot),
            RecallTarget::Cast { shots, .. } | RecallTarget::Set { shots, .. } => shots,
        }
    }
}

/// What the compiler needs to know of a model to check a screenplay against it.
/// Filled by the model's registry; the compiler never sees weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelProfile {
    pub name: String,
    /// Film frames produced by one causal chunk generation.
    pub chunk_frames: u32,
    /// Frame counts the model produces come in multiples of this.
    pub frame_granularity: u32,
    /// Longest prompt in text-encoder tokens.
    pub max_prompt_tokens: u32,
    /// Words the model saw in training; `None` for open-vocabulary models.
    pub vocabulary: Option<Vec<String>>,
    /// Width and height of the frames the model renders, whatever the screenplay's
    /// `resolution` says; `None` when the model follows the screenplay.
    #[serde(default)]
    pub frame_size: Option<(u32, u32)>,
}

impl Film {
    /// Shots by a selection: a label (`door`, or `2.1` for an unnamed one) or a 1-based
    /// number, or a range `A..B` of them (either end may be left open). Returns the first and
    /// last shot index.
    pub fn select_shots(&self, spec: &str) -> Result<(usize, usize), String> {
        let one = |s: &str| -> Result<usize, String> {
            let s = s.trim();
            if let Some(i) = self.shots.iter().position(|shot| shot.label == s) {
                return Ok(i);
            }
            match s.parse::<usize>() {
                Ok(n) if (1..=self.shots.len()).contains(&n) => Ok(n - 1),
                Ok(n) => Err(format!("there is no shot {n}: the film has {} shots (numbered from 1)", self.shots.len())),
                Err(_) => {
                    let labels: Vec<&str> = self.shots.iter().map(|s| s.label.as_str()).collect();
                    Err(format!("no shot is named `{s}`; the shots are: {}", labels.join(", ")))
                }
            }
        };
        let Some(last) = self.shots.len().checked_sub(1) else { return Err("the film has no shots".into()) };
        let (a, b) = match spec.split_once("..") {
            // An open end runs from the first shot or to the last (`door..`, `..3`, `..`).
            Some((a, b)) => (
                if a.trim().is_empty() { 0 } else { one(a)? },
                if b.trim().is_empty() { last } else { one(b)? },
            ),
            None if spec.trim().is_empty() => return Err("give a shot: a name, a number from 1, or a range like `2..4`".into()),
            None => (one(spec)?, one(spec)?),
        };
        if a > b {
            return Err(format!("`{spec}` runs backwards: the first shot comes after the last"));
        }
        Ok((a, b))
    }

    /// The film's length in seconds.
    pub fn seconds(&self) -> f64 {
        self.total_frames as f64 / self.fps.max(1) as f64
    }

    /// The prompt in force at an absolute frame.
    pub fn prompt_at(&self, frame: u32) -> Option<&str> {
        let shot = self.shot_at(frame)?;
        let mut prompt = shot.prompt.as_str();
        for e in &shot.events {
            if e.frame <= frame {
                prompt = &e.prompt;
            }
        }
        Some(prompt)
    }

    /// Every line of dialogue in the film, in order of start frame.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.shots.iter().flat_map(|s| s.lines.iter())
    }

    /// The shot that contains an absolute frame.
    pub fn shot_at(&self, frame: u32) -> Option<&Shot> {
        self.shots
            .iter()
            .find(|s| frame >= s.start_frame && frame < s.start_frame + s.frames)
    }
}

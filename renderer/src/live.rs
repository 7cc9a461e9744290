//! `cine live`: continuous generation directed line by line.
//!
//! Directions (one per line, `#` starts a comment):
//! `prompt "TEXT"` switch the prompt within the shot; `cut "TEXT" [as NAME]` start a new
//! shot; `recall NAME` pin in memory, for the current shot, an earlier shot by name or number,
//! or else every earlier shot whose prompt mentions NAME (a character or a set); `pause` / `resume`; `wait N` let N chunks pass before the next direction is read;
//! `say [NAME] [for D]: "TEXT"` show a line of dialogue (a subtitle; never part of a prompt);
//! `stop` finish. Directions take effect at the next chunk boundary; nothing generated is
//! ever regenerated.
//!
//! A `say` line appears at the next chunk boundary, or when the line before it ends if that
//! is later (lines typed in a row play one after another, never on top of each other). It
//! stays for `D` (`2s`, `30f`) or its reading time, and a cut ends it. The session records itself as a film IR ([`LiveSession::film`]):
//! rendering that IR with the same seed gives the same frames.


mod parse;

use std::collections::VecDeque;

use anyhow::{bail, Result};
use cine_ir::{Camera, Film, Line, ModelProfile, PromptEvent, Recall, Shot, Transition};

pub use parse::{parse, Direction, Hold};

use crate::frame::FrameSink;
use crate::generator::{step, ChunkGenerator, StreamInfo};
use crate::schedule::{ChunkPlan, Grid};
use crate::subtitles::Cue;

/// A running live session: applies directions, generates chunks, records the film.
pub struct LiveSession {
    gen: Box<dyn ChunkGenerator>,
    grid: Grid,
    film: Film,
    chunk: usize,
    prompt: Option<String>,
    last_prompt_in_shot: Option<String>,
    names: Vec<Option<String>>,
    pins: Vec<usize>,
    /// `say` lines not on screen yet: speaker, text, frames on screen.
    queue: VecDeque<(String, String, u32)>,
    /// Film frame where the open shot's latest line ends.
    lines_free_at: u32,
    /// Seconds a line without `for` stays (the compiler's reading time, given by the caller).
    reading: Option<fn(&str) -> f64>,
    pub paused: bool,
    pub stopped: bool,
    /// Chunks still to run before the next direction is read (`wait`).
    pub hold: u32,
}

impl LiveSession {
    /// Starts a session for `model` at the given size, fps and seed.
    pub fn new(mut gen: Box<dyn ChunkGenerator>, profile: &ModelProfile, info: StreamInfo) -> Result<Self> {
        gen.start(&info)?;
        let film = Film {
            ir_version: cine_ir::IR_VERSION,
            title: "live session".into(),
            fps: info.fps,
            width: info.width,
            height: info.height,
            seed: info.seed,
            model: profile.name.clone(),
            global_caption: info.global_caption.clone(),
            total_frames: 0,
            cast: Vec::new(),
            sets: Vec::new(),
            scenes: Vec::new(),
            shots: Vec::new(),
        };
        Ok(Self {
            gen,
            grid: Grid::from_profile(profile),
            film,
            chunk: 0,
            prompt: None,
            last_prompt_in_shot: None,
            names: Vec::new(),
            pins: Vec::new(),
            queue: VecDeque::new(),
            lines_free_at: 0,
            reading: None,
            paused: false,
            stopped: false,
            hold: 0,
        })
    }

    /// How long a `say` line without `for` stays on screen, in seconds.
    pub fn with_reading(mut self, seconds: fn(&str) -> f64) -> Self {
        self.reading = Some(seconds);
        self
    }

    /// The session so far as a film IR.
    pub fn film(&self) -> &Film {
        &self.film
    }

    /// True when a chunk can be generated now.
    pub fn ready(&self) -> bool {
        !self.stopped && !self.paused && self.prompt.is_some()
    }

    /// Applies a direction (at the next chunk boundary, which is now).
    pub fn apply(&mut self, d: Direction) -> Result<()> {
        match d {
            Direction::Prompt(p) => {
                // Before the first shot, a prompt opens it.
                if self.film.shots.is_empty() {
                    return self.apply(Direction::Cut { prompt: p, name: None });
                }
                self.prompt = Some(p);
            }
            Direction::Cut { prompt, name } => {
                if let Some(n) = &name {
                    if self.find(n).is_some() {
                        bail!("a shot is already named `{n}`");
                    }
                }
                self.open_shot(prompt, name);
            }
            Direction::Recall(name) => {
                let cur = self.film.shots.len().saturating_sub(1);
                let shots = self.recall_targets(&name, cur);
                if shots.is_empty() {
                    bail!("no earlier shot named `{name}` or showing `{name}` in its prompt");
                }
                let s = self.film.shots.last_mut().expect("a shot is open");
                if s.frames > 0 {
                    eprintln!("note: recall in the middle of a shot; the recorded film pins it for the whole shot");
                }
                for shot in shots {
                    if !self.pins.contains(&shot) {
                        self.pins.push(shot);
                        s.recalls.push(Recall::Shot { shot });
                    }
                }
                self.pins.sort_unstable();
            }
            Direction::Say { speaker, text, hold } => {
                let frames = match (hold, self.reading) {
                    (Some(h), _) => h.frames(self.film.fps),
                    (None, Some(read)) => Hold::Seconds(read(&text)).frames(self.film.fps),
                    (None, None) => bail!("give the line a time on screen: `say {speaker} for 2s: ...`"),
                };
                self.queue.push_back((speaker, text, frames));
            }
            Direction::Pause => self.paused = true,
            Direction::Resume => self.paused = false,
            Direction::Wait(n) => self.hold = self.hold.saturating_add(n),
            Direction::Stop => self.stopped = true,
        }
        Ok(())
    }

    /// Earlier shots a recall names: a shot by name or number, else every earlier shot whose
    /// prompt has `name` as a word (a character or a set).
    fn recall_targets(&self, name: &str, cur: usize) -> Vec<usize> {
        if let Some(i) = self.find(name).filter(|&i| i < cur) {
            return vec![i];
        }
        let word = name.to_lowercase();
        self.film.shots[..cur]
            .iter()
            .filter(|s| {
                std::iter::once(&s.prompt)
                    .chain(s.events.iter().map(|e| &e.prompt))
                    .any(|p| p.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w == word))
            })
            .map(|s| s.index)
            .collect()
    }

    fn find(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.names.iter().position(|n| n.as_deref() == Some(name)) {
            return Some(i);
        }
        let n: usize = name.strip_prefix("shot").unwrap_or(name).parse().ok()?;
        (n >= 1 && n <= self.names.len()).then(|| n - 1)
    }

    fn open_shot(&mut self, prompt: String, name: Option<String>) {
        self.end_lines();
        // An empty shot (cut twice with no chunk between) is replaced.
        if self.film.shots.last().is_some_and(|s| s.frames == 0) {
            self.film.shots.pop();
            self.names.pop();
        }
        let index = self.film.shots.len();
        self.film.shots.push(Shot {
            index,
            label: name.clone().unwrap_or_else(|| format!("shot{}", index + 1)),
            scene: 0,
            set: String::new(),
            subjects: Vec::new(),
            start_frame: self.film.total_frames,
            frames: 0,
            size: None,
            angle: None,
            action: prompt.clone(),
            camera: Camera { name: "static".into(), params: Default::default(), phrase: String::new() },
            prompt: prompt.clone(),
            events: Vec::new(),
            transition: Transition { kind: "cut".into(), frames: 0 },
            recalls: Vec::new(),
            lines: Vec::new(),
        });
        self.names.push(name);
        self.prompt = Some(prompt);
        self.last_prompt_in_shot = None;
        self.pins.clear();
    }

    /// Generates the next chunk and pushes its frames to the sinks. Returns the frames made.
    pub fn step(&mut self, sinks: &mut [&mut dyn FrameSink]) -> Result<u32> {
        let prompt = self.prompt.clone().ok_or_else(|| anyhow::anyhow!("no prompt yet"))?;
        let shot = self.film.shots.len() - 1;
        let cut = self.last_prompt_in_shot.is_none();
        let prompt_changed = !cut && self.last_prompt_in_shot.as_deref() != Some(prompt.as_str());
        let len = self.grid.chunk_len(self.chunk);
        let plan = ChunkPlan {
            index: self.chunk,
            shot,
            cut,
            prompt: prompt.clone(),
            prompt_changed,
            pins: self.pins.clone(),
            // A live session cannot know which shots will be recalled later.
            protect: Vec::new(),
            stream_start: self.grid.chunk_start(self.chunk),
            stream_frames: len,
            keep: len,
            film_start: self.film.total_frames,
        };
        self.place_lines(plan.film_start, plan.film_start + len);
        let cues = self.cues(plan.film_start..plan.film_start + len);
        for s in sinks.iter_mut() {
            s.dialogue(&cues)?;
        }
        let frames = step(self.gen.as_mut(), &plan)?;
        for (i, f) in frames.iter().enumerate() {
            for s in sinks.iter_mut() {
                s.push(plan.film_start + i as u32, f)?;
            }
        }
        let s = &mut self.film.shots[shot];
        if prompt_changed {
            s.events.push(PromptEvent { frame: plan.film_start, prompt: prompt.clone() });
        }
        s.frames += len;
        self.film.total_frames += len;
        self.last_prompt_in_shot = Some(prompt);
        self.chunk += 1;
        self.hold = self.hold.saturating_sub(1);
        Ok(len)
    }

    /// Puts queued lines on screen in the open shot's frames `a..b`, one after another.
    fn place_lines(&mut self, a: u32, b: u32) {
        let Some(shot) = self.film.shots.last_mut() else { return };
        while let Some((_, _, frames)) = self.queue.front() {
            let start = a.max(self.lines_free_at);
            if start >= b {
                break;
            }
            let frames = *frames;
            let (speaker, text, _) = self.queue.pop_front().expect("front exists");
            shot.lines.push(Line { speaker, text, start_frame: start, frames });
            self.lines_free_at = start.saturating_add(frames);
        }
    }

    /// Cues (on the film's frame clock) of the open shot's lines shown in `range`.
    fn cues(&self, range: std::ops::Range<u32>) -> Vec<Cue> {
        let lines = self.film.shots.last().map(|s| s.lines.as_slice()).unwrap_or_default();
        lines
            .iter()
            .map(|l| Cue { start: l.start_frame, end: l.start_frame.saturating_add(l.frames), speaker: l.speaker.clone(), text: l.text.clone() })
            .filter(|c| c.start < range.end && c.end > range.start)
            .collect()
    }

    /// A cut (or the end) ends the open shot's lines at its last frame.
    fn end_lines(&mut self) {
        end_lines(&mut self.film);
        self.lines_free_at = self.film.total_frames;
    }

    /// The film so far as it would be recorded if the session ended now (a valid film once a
    /// chunk was generated): for saving a recording while the session goes on.
    pub fn recording(&self) -> Film {
        let mut film = self.film.clone();
        end_lines(&mut film);
        drop_empty_shot(&mut film);
        film
    }

    /// Ends the session: lines end with the last shot, a trailing shot that never got a frame
    /// is dropped (so the recorded film stays valid). Returns the lines never shown.
    pub fn finish(&mut self) -> Vec<(String, String)> {
        self.end_lines();
        drop_empty_shot(&mut self.film);
        self.queue.drain(..).map(|(speaker, text, _)| (speaker, text)).collect()
    }
}

/// Ends the last shot's lines at its last frame.
fn end_lines(film: &mut Film) {
    if let Some(s) = film.shots.last_mut() {
        let end = s.start_frame + s.frames;
        for l in &mut s.lines {
            l.frames = l.frames.min(end.saturating_sub(l.start_frame));
        }
    }
}

/// Drops a last shot that has no frame yet.
fn drop_empty_shot(film: &mut Film) {
    if film.shots.last().is_some_and(|s| s.frames == 0) {
        film.shots.pop();
    }
}

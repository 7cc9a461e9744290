//! `cine live`: continuous generation directed line by line.
//!
//! Directions (one per line, `#` starts a comment):
//! `prompt "TEXT"` switch the prompt within the shot; `cut "TEXT" [as NAME]` start a new
//! shot; `recall NAME` pin in memory, for the current shot, an earlier shot by name or number,
//! or else every earlier shot whose prompt mentions NAME (a character or a set); `pause` / `resume`; `wait N` let N chunks pass before the next direction is read;
//! `stop` finish. Directions take effect at the next chunk boundary; nothing generated is
//! ever regenerated. The session records itself as a film IR ([`LiveSession::film`]):
//! rendering that IR with the same seed gives the same frames.

use anyhow::{bail, Result};
use cine_ir::{Camera, Film, ModelProfile, PromptEvent, Recall, Shot, Transition};

use crate::frame::FrameSink;
use crate::generator::{step, ChunkGenerator, StreamInfo};
use crate::schedule::{ChunkPlan, Grid};

/// One parsed direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    Prompt(String),
    Cut { prompt: String, name: Option<String> },
    Recall(String),
    Pause,
    Resume,
    Wait(u32),
    Stop,
}

/// Parses one line; `Ok(None)` for blank lines and comments.
pub fn parse(line: &str) -> Result<Option<Direction>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let d = match word {
        "prompt" => Direction::Prompt(quoted(rest)?.0),
        "cut" => {
            let (prompt, after) = quoted(rest)?;
            let name = match after.split_whitespace().collect::<Vec<_>>()[..] {
                [] => None,
                ["as", name] => Some(name.to_string()),
                _ => bail!("expected `cut \"PROMPT\"` or `cut \"PROMPT\" as NAME`, got `{line}`"),
            };
            Direction::Cut { prompt, name }
        }
        "recall" if !rest.is_empty() && !rest.contains(char::is_whitespace) => Direction::Recall(rest.to_string()),
        "recall" => bail!("expected `recall NAME` (a shot's name or number)"),
        "pause" => Direction::Pause,
        "resume" => Direction::Resume,
        "stop" | "quit" => Direction::Stop,
        "wait" => Direction::Wait(rest.parse().map_err(|_| anyhow::anyhow!("expected `wait N` (chunks), got `{line}`"))?),
        other => bail!("unknown direction `{other}`; use prompt, cut, recall, pause, resume, wait or stop"),
    };
    Ok(Some(d))
}

/// A quoted string at the start of `s` (quotes optional when it is the whole rest), and what follows.
fn quoted(s: &str) -> Result<(String, &str)> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return non_empty(out, &body[i + 1..]),
                '\\' => out.extend(chars.next().map(|(_, c)| c)),
                c => out.push(c),
            }
        }
        bail!("unterminated quote in `{s}`");
    }
    non_empty(s.to_string(), "")
}

fn non_empty(p: String, rest: &str) -> Result<(String, &str)> {
    if p.trim().is_empty() {
        bail!("the prompt is empty");
    }
    Ok((p, rest))
}

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
            paused: false,
            stopped: false,
            hold: 0,
        })
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
            Direction::Pause => self.paused = true,
            Direction::Resume => self.paused = false,
            Direction::Wait(n) => self.hold += n,
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
        (n >= 1 && n <= self.names.len()).then_some(n - 1)
    }

    fn open_shot(&mut self, prompt: String, name: Option<String>) {
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

    /// Drops a trailing shot that never got a frame (so the recorded film stays valid).
    pub fn finish(&mut self) {
        if self.film.shots.last().is_some_and(|s| s.frames == 0) {
            self.film.shots.pop();
        }
    }
}

//! Stories: shots with cuts, returns (A-B-A, shot / reverse shot) and prompt changes, with
//! every hidden detail drawn from one seed.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::camera::{self, PANO_H, PANO_W};
use crate::world::{Action, CameraMove, CharKind, SetKind, ShotSize, MARKING_COLOURS};

/// A set as it appears in one video: its kind and the seed of its hidden layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetInstance {
    pub kind: SetKind,
    pub layout_seed: u64,
}

/// A hidden marking on a character's body: a spot of one of [`MARKING_COLOURS`] at (u, v)
/// in the body's unit box (u toward the facing side, v down), radius in body heights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Marking {
    pub colour: usize,
    pub u: f32,
    pub v: f32,
    pub radius: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CastInstance {
    pub kind: CharKind,
    pub marking: Marking,
}

/// An action from a frame (relative to the shot start) on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start: u32,
    pub action: Action,
}

/// One shot's ground truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotSpec {
    /// Index into [`Story::sets`].
    pub set: usize,
    /// Index into [`Story::cast`].
    pub subject: usize,
    pub frames: u32,
    pub size: ShotSize,
    pub camera: CameraMove,
    /// Backdrop point at the frame centre at mid-shot (world units).
    pub view_x: f32,
    pub view_y: f32,
    /// Subject x at the start before motion (frame heights from the centre).
    pub subject_x: f32,
    /// Walking speed in frame heights per second.
    pub walk_speed: f32,
    /// Facing at the start: 1 right, -1 left.
    pub facing: i8,
    /// First segment starts at 0; later ones are prompt changes inside the shot.
    pub segments: Vec<Segment>,
}

/// A story: the ground truth of a multi-shot video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub seed: u64,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub sets: Vec<SetInstance>,
    pub cast: Vec<CastInstance>,
    pub shots: Vec<ShotSpec>,
}

/// What kind of stories to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryConfig {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Number of shots, inclusive range.
    pub shots: (usize, usize),
    /// Shot length in seconds, inclusive range.
    pub shot_seconds: (f32, f32),
    /// Chance a shot returns to an earlier set and subject (A-B-A).
    pub p_return: f32,
    /// Chance a shot is a reverse shot (same set, other subject, other side).
    pub p_reverse: f32,
    /// Chance of a prompt change inside a shot.
    pub p_event: f32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig { width: 64, height: 64, fps: 16, shots: (4, 8), shot_seconds: (1.5, 4.0), p_return: 0.35, p_reverse: 0.2, p_event: 0.35 }
    }
}

/// Frames in a shot come in multiples of this (the model's frame granularity).
pub const GRANULARITY: u32 = 4;
/// Shortest shot in frames (one model chunk).
pub const MIN_SHOT_FRAMES: u32 = 12;
/// Backdrop x of the two sides of a set (shot and reverse shot).
const SIDES: [f32; 2] = [1.2, 2.8];

impl Story {
    /// Draws a story from a seed.
    pub fn generate(seed: u64, cfg: &StoryConfig) -> Story {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_c1e5);
        let aspect = cfg.width as f32 / cfg.height.max(1) as f32;
        let mut kinds = SetKind::ALL.to_vec();
        kinds.shuffle(&mut rng);
        let n_sets = rng.gen_range(2..=3).min(kinds.len());
        let sets: Vec<SetInstance> = kinds[..n_sets].iter().map(|&kind| SetInstance { kind, layout_seed: rng.gen() }).collect();
        let mut chars = CharKind::ALL.to_vec();
        chars.shuffle(&mut rng);
        let n_cast = rng.gen_range(2..=3);
        let cast: Vec<CastInstance> = chars[..n_cast].iter().map(|&kind| CastInstance { kind, marking: random_marking(kind, &mut rng) }).collect();

        let n_shots = rng.gen_range(cfg.shots.0..=cfg.shots.1.max(cfg.shots.0)).max(1);
        let mut shots: Vec<ShotSpec> = Vec::with_capacity(n_shots);
        for i in 0..n_shots {
            let secs = rng.gen_range(cfg.shot_seconds.0..=cfg.shot_seconds.1.max(cfg.shot_seconds.0));
            let frames = round_frames(secs * cfg.fps as f32);
            let size = *ShotSize::ALL.choose(&mut rng).unwrap();
            let prev = shots.last();
            // A-B-A: a shot two or more back whose set differs from the previous shot's.
            let back: Vec<usize> = (0..i.saturating_sub(1)).filter(|&j| prev.is_some_and(|p| p.set != shots[j].set || p.subject != shots[j].subject)).collect();
            let force_return = i == 2 && !back.is_empty() && !shots.iter().skip(1).any(|s| Some(s.set) != shots.first().map(|f| f.set));
            let (set, subject, side) = if !back.is_empty() && (force_return || rng.gen::<f32>() < cfg.p_return) {
                let j = *back.choose(&mut rng).unwrap();
                (shots[j].set, shots[j].subject, side_of(shots[j].view_x))
            } else if let Some(p) = prev.filter(|_| rng.gen::<f32>() < cfg.p_reverse && cast.len() > 1) {
                let others: Vec<usize> = (0..cast.len()).filter(|&c| c != p.subject).collect();
                (p.set, *others.choose(&mut rng).unwrap(), 1 - side_of(p.view_x))
            } else {
                let choices: Vec<usize> = (0..sets.len()).filter(|&s| prev.is_none_or(|p| p.set != s)).collect();
                (*choices.choose(&mut rng).unwrap(), rng.gen_range(0..cast.len()), rng.gen_range(0..2))
            };
            let mut size = size;
            // Consecutive shots must differ in set, side or size, so a cut is visible.
            if let Some(p) = prev {
                if p.set == set && side_of(p.view_x) == side && p.size == size {
                    size = ShotSize::ALL[(ShotSize::ALL.iter().position(|&s| s == size).unwrap() + 1) % 3];
                }
            }
            let camera = if rng.gen::<f32>() < 0.3 { CameraMove::Static } else { *CameraMove::ALL.choose(&mut rng).unwrap() };
            let mut segments = vec![Segment { start: 0, action: *Action::ALL.choose(&mut rng).unwrap() }];
            if frames >= 32 && rng.gen::<f32>() < cfg.p_event {
                let at = round_frames(rng.gen_range(8..=frames - 8) as f32).clamp(8, frames - 8);
                let first = segments[0].action;
                let next = *Action::ALL.iter().filter(|&&a| a != first).collect::<Vec<_>>().choose(&mut rng).unwrap();
                segments.push(Segment { start: at, action: *next });
            }
            let mut shot = ShotSpec {
                set,
                subject,
                frames,
                size,
                camera,
                view_x: SIDES[side],
                view_y: sets[set].kind.style().horizon - 0.05,
                subject_x: 0.0,
                walk_speed: 0.45 * size.subject_height(),
                facing: if rng.gen() { 1 } else { -1 },
                segments,
            };
            fit_view(&mut shot, aspect, cfg.fps);
            fit_subject(&mut shot, aspect, cfg.fps);
            shots.push(shot);
        }
        Story { seed, title: format!("story {seed}"), width: cfg.width, height: cfg.height, fps: cfg.fps, sets, cast, shots }
    }

    /// Total frames.
    pub fn total_frames(&self) -> u32 {
        self.shots.iter().map(|s| s.frames).sum()
    }

    /// First frame of each shot.
    pub fn shot_starts(&self) -> Vec<u32> {
        self.shots.iter().scan(0, |acc, s| {
            let start = *acc;
            *acc += s.frames;
            Some(start)
        }).collect()
    }

    /// For a shot that returns to a set side seen before (not in the shot just before): the
    /// first shot that showed it.
    pub fn set_first_appearance(&self, shot: usize) -> Option<usize> {
        let s = &self.shots[shot];
        let same = |j: usize| self.shots[j].set == s.set && side_of(self.shots[j].view_x) == side_of(s.view_x);
        if shot < 2 || same(shot - 1) {
            return None;
        }
        (0..shot - 1).find(|&j| same(j))
    }

    /// The earliest earlier shot of the same subject that is not the shot just before.
    pub fn subject_first_appearance(&self, shot: usize) -> Option<usize> {
        let s = &self.shots[shot];
        if shot < 2 || self.shots[shot - 1].subject == s.subject {
            return None;
        }
        (0..shot - 1).find(|&j| self.shots[j].subject == s.subject)
    }

    /// A copy whose hidden details (set layouts and markings) are drawn again for every
    /// shot that returns to an earlier set or subject: a corruption the consistency metric
    /// must catch.
    pub fn rerandomised_returns(&self, seed: u64) -> Story {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xbad5_eed);
        let mut out = self.clone();
        for i in 0..self.shots.len() {
            if self.set_first_appearance(i).is_some() {
                let kind = self.sets[self.shots[i].set].kind;
                out.sets.push(SetInstance { kind, layout_seed: rng.gen() });
                out.shots[i].set = out.sets.len() - 1;
            }
            if self.subject_first_appearance(i).is_some() {
                let old = self.cast[self.shots[i].subject].clone();
                let mut marking = random_marking(old.kind, &mut rng);
                if marking.colour == old.marking.colour {
                    marking.colour = (marking.colour + 1) % MARKING_COLOURS.len();
                }
                out.cast.push(CastInstance { kind: old.kind, marking });
                out.shots[i].subject = out.cast.len() - 1;
            }
        }
        out
    }
}

/// Many stories of varied length for training: 1 to 12 shots of 0.75 to 4 seconds.
pub fn training_stories(n: usize, seed: u64) -> Vec<Story> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let max = rng.gen_range(1..=12);
            let cfg = StoryConfig { shots: (1.max(max / 2), max), shot_seconds: (0.75, 4.0), ..StoryConfig::default() };
            Story::generate(rng.gen(), &cfg)
        })
        .collect()
}

fn side_of(view_x: f32) -> usize {
    usize::from(view_x > PANO_W / 2.0)
}

fn round_frames(f: f32) -> u32 {
    ((f / GRANULARITY as f32).round() as u32 * GRANULARITY).max(MIN_SHOT_FRAMES)
}

fn random_marking(kind: CharKind, rng: &mut ChaCha8Rng) -> Marking {
    let shape = kind.style().shape;
    let radius = 0.13;
    for _ in 0..64 {
        let (u, v) = (rng.gen_range(-0.3..0.3f32), rng.gen_range(-0.3..0.3f32));
        let ok = [(0.0, 0.0), (radius, 0.0), (-radius, 0.0), (0.0, radius), (0.0, -radius)]
            .iter()
            .all(|(du, dv)| shape.inside(u + du, v + dv));
        // Keep clear of the eye (at u 0.2, v -0.18).
        let eye = ((u - 0.2).powi(2) + (v + 0.18).powi(2)).sqrt() > 0.25;
        if ok && eye && u.abs() > 0.06 {
            return Marking { colour: rng.gen_range(0..MARKING_COLOURS.len()), u, v, radius };
        }
    }
    Marking { colour: rng.gen_range(0..MARKING_COLOURS.len()), u: -0.12, v: 0.15, radius }
}

/// Moves the mid-shot view so the whole camera path stays inside the panorama.
fn fit_view(shot: &mut ShotSpec, aspect: f32, fps: u32) {
    let secs = shot.frames as f32 / fps.max(1) as f32;
    let base = shot.size.backdrop_scale();
    let (px, py) = camera::travel(shot.camera, secs, base, aspect);
    let min_scale = (0..=8).map(|k| camera::scales(shot.camera, secs, k as f32 / 8.0).0).fold(f32::INFINITY, f32::min) * base;
    let (hw, hh) = (0.5 * aspect / min_scale + px.abs() / 2.0, 0.5 / min_scale + py.abs() / 2.0);
    shot.view_x = shot.view_x.clamp(hw + 0.02, PANO_W - hw - 0.02);
    shot.view_y = shot.view_y.clamp(hh + 0.02, PANO_H - hh - 0.02);
}

/// Places the subject and slows its walk so it stays in frame for the whole shot.
fn fit_subject(shot: &mut ShotSpec, aspect: f32, fps: u32) {
    let h = shot.size.subject_height();
    let room = (0.8 * aspect - h * 1.1).max(0.05);
    for _ in 0..8 {
        let xs: Vec<f32> = (0..shot.frames)
            .map(|t| {
                let v = camera::view_at(shot, aspect, fps, shot.frames, t);
                camera::motion_at(shot, fps, t, shot.walk_speed).0 + v.shift.0
            })
            .collect();
        let (lo, hi) = xs.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        shot.subject_x = -(lo + hi) / 2.0;
        if hi - lo <= room {
            return;
        }
        shot.walk_speed *= 0.6;
    }
}

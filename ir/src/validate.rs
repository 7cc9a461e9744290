//! Checks that a film read from JSON is one the compiler could have made: shots laid end
//! to end, every frame number inside its shot, every index pointing at something. The
//! renderer trusts these; a hand-edited IR that breaks one gets a plain error instead.

use crate::Film;

/// Longest film accepted: a day at 240 fps (the compiler's own limits are far below).
pub const MAX_FRAMES: u64 = 24 * 3600 * 240;
/// Largest frame side in pixels.
pub const MAX_SIDE: u32 = 8192;

impl Film {
    /// The first inconsistency found, in words that name the shot.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=240).contains(&self.fps) {
            return Err(format!("fps is {}; it must be 1 to 240", self.fps));
        }
        if self.width == 0 || self.height == 0 || self.width > MAX_SIDE || self.height > MAX_SIDE {
            return Err(format!("the size is {}x{}; each side must be 1 to {MAX_SIDE} pixels", self.width, self.height));
        }
        if self.shots.is_empty() {
            return Err("the film has no shots".into());
        }
        if let Some(i) = self.live_from.filter(|&i| i > self.shots.len()) {
            return Err(format!("live_from is shot index {i}, but the film has {} shots", self.shots.len()));
        }
        let mut end: u64 = 0;
        for (i, s) in self.shots.iter().enumerate() {
            let name = format!("shot {} (`{}`)", i + 1, s.label);
            if s.index != i {
                return Err(format!("{name} has index {}; shots are numbered 0, 1, 2, ... in order", s.index));
            }
            if s.start_frame as u64 != end {
                return Err(format!("{name} starts at frame {} but the shots before it end at frame {end}", s.start_frame));
            }
            if s.frames == 0 {
                return Err(format!("{name} has no frames"));
            }
            let (start, stop) = (s.start_frame as u64, s.start_frame as u64 + s.frames as u64);
            end = stop;
            if end > MAX_FRAMES {
                return Err(format!("the film is longer than {MAX_FRAMES} frames at {name}"));
            }
            if s.scene >= self.scenes.len().max(1) {
                return Err(format!("{name} is in scene {}, but the film has {} scene(s)", s.scene, self.scenes.len()));
            }
            let mut last = start;
            for e in &s.events {
                if (e.frame as u64) < last || e.frame as u64 >= stop {
                    return Err(format!("{name} changes its prompt at frame {}, outside frames {start}-{} or out of order", e.frame, stop - 1));
                }
                last = e.frame as u64;
            }
            for r in &s.recalls {
                if let Some(bad) = r.shots().iter().find(|&&j| j >= i) {
                    return Err(format!("{name} recalls shot {}, which is not an earlier shot", bad + 1));
                }
                if let Some(f) = r.from_frame.filter(|&f| (f as u64) < start || f as u64 >= stop) {
                    return Err(format!("{name} recalls from frame {f}, outside its frames {start}-{}", stop - 1));
                }
            }
            for l in &s.lines {
                let (a, b) = (l.start_frame as u64, l.start_frame as u64 + l.frames as u64);
                if l.frames == 0 || a < start || b > stop {
                    return Err(format!("{name} has the line \"{}\" at frames {a}-{}, outside the shot's frames {start}-{}", l.text, b.saturating_sub(1), stop - 1));
                }
            }
        }
        if self.total_frames as u64 != end {
            return Err(format!("total_frames is {} but the shots add up to {end}", self.total_frames));
        }
        for (k, scene) in self.scenes.iter().enumerate() {
            if let Some(bad) = scene.shots.iter().find(|&&j| j >= self.shots.len() || self.shots[j].scene != k) {
                return Err(format!("scene {} lists shot {}, which is not one of its shots", k + 1, bad + 1));
            }
        }
        Ok(())
    }
}

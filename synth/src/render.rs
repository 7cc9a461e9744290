//! Renders a story's frames, aligned with the shot frame ranges of its compiled film.

use anyhow::{bail, Result};
use image::RgbImage;

use crate::backdrop::Backdrop;
use crate::camera::{self, Pose, View};
use crate::story::{CastInstance, Segment, ShotSpec, Story};
use crate::world::{Rgb, EYE, MARKING_COLOURS};

/// Renders every frame of `story`, with the shot lengths and prompt-change frames of
/// `film` (the story's compiled screenplay). Errors if the film has other shots.
pub fn render(story: &Story, film: &cine_ir::Film) -> Result<Vec<RgbImage>> {
    Ok(render_shots(story, &aligned_shots(story, film)?))
}

/// The story's shots with the frame counts and prompt-change frames of its compiled film.
pub fn aligned_shots(story: &Story, film: &cine_ir::Film) -> Result<Vec<ShotSpec>> {
    if film.shots.len() != story.shots.len() {
        bail!("film `{}` has {} shots but its story has {}; use a film compiled from this story's screenplay", film.title, film.shots.len(), story.shots.len());
    }
    Ok(story
        .shots
        .iter()
        .zip(&film.shots)
        .map(|(s, f)| {
            let mut s = s.clone();
            s.frames = f.frames.max(1);
            if f.events.len() + 1 == s.segments.len() {
                for (seg, e) in s.segments.iter_mut().skip(1).zip(&f.events) {
                    seg.start = e.frame.saturating_sub(f.start_frame);
                }
            }
            s
        })
        .collect())
}

/// Renders a story with its own shot lengths (no compile).
pub fn render_story(story: &Story) -> Vec<RgbImage> {
    render_shots(story, &story.shots)
}

/// Texels per world unit of the finest backdrop level, for a frame `height` pixels tall.
pub fn backdrop_density(height: u32) -> f32 {
    2.0 * height as f32
}

/// Renders the given shots (a story's, possibly re-timed) of a story.
pub fn render_shots(story: &Story, shots: &[ShotSpec]) -> Vec<RgbImage> {
    let mut backdrops: Vec<Option<Backdrop>> = story.sets.iter().map(|_| None).collect();
    let mut out = Vec::with_capacity(shots.iter().map(|s| s.frames as usize).sum());
    for shot in shots {
        let bd = backdrops[shot.set].get_or_insert_with(|| Backdrop::new(&story.sets[shot.set], backdrop_density(story.height)));
        let who = &story.cast[shot.subject];
        for t in 0..shot.frames {
            out.push(render_frame(story, bd, who, shot, t));
        }
    }
    out
}

/// Renders frame `t` of one shot.
pub fn render_frame(story: &Story, bd: &Backdrop, who: &CastInstance, shot: &ShotSpec, t: u32) -> RgbImage {
    let (w, h) = (story.width, story.height);
    let aspect = w as f32 / h as f32;
    let view = camera::view_at(shot, aspect, story.fps, shot.frames, t);
    let mut img = RgbImage::new(w, h);
    draw_backdrop(&mut img, bd, &view);
    let pose = camera::pose_at(shot, aspect, story.fps, shot.frames, t);
    draw_subject(&mut img, who, &pose);
    img
}

/// Draws the backdrop as seen from `view` over the whole image.
pub fn draw_backdrop(img: &mut RgbImage, bd: &Backdrop, view: &View) {
    let (w, h) = (img.width(), img.height());
    let step = 1.0 / (h as f32 * view.scale);
    let level = bd.level_for(step);
    let buf: &mut [u8] = img.as_mut();
    for y in 0..h {
        let wy = view.cy + (y as f32 + 0.5 - h as f32 / 2.0) * step;
        for x in 0..w {
            let wx = view.cx + (x as f32 + 0.5 - w as f32 / 2.0) * step;
            let c = level.sample(wx, wy);
            let i = ((y * w + x) * 3) as usize;
            buf[i] = c[0].round() as u8;
            buf[i + 1] = c[1].round() as u8;
            buf[i + 2] = c[2].round() as u8;
        }
    }
}

/// The colour of the subject at a point of its unit box (u toward its facing side), if any.
#[inline]
fn subject_colour(who: &CastInstance, u: f32, v: f32) -> Option<Rgb> {
    let st = who.kind.style();
    if !st.shape.inside(u, v) {
        return None;
    }
    if (u - 0.2).powi(2) + (v + 0.18).powi(2) <= 0.08 * 0.08 {
        return Some(EYE);
    }
    let m = &who.marking;
    if (u - m.u).powi(2) + (v - m.v).powi(2) <= m.radius * m.radius {
        return Some(MARKING_COLOURS[m.colour]);
    }
    Some(st.body)
}

/// Pixel box of a pose: (centre x, top y, width, height) in pixels.
pub fn pose_box(who: &CastInstance, pose: &Pose, w: u32, h: u32) -> (f32, f32, f32, f32) {
    let hp = pose.height * h as f32;
    let wp = hp * who.kind.style().shape.aspect() * pose.facing.abs().max(0.15);
    let cx = w as f32 / 2.0 + pose.x * h as f32;
    let top = h as f32 / 2.0 + pose.y * h as f32 - hp;
    (cx, top, wp, hp)
}

fn draw_subject(img: &mut RgbImage, who: &CastInstance, pose: &Pose) {
    let (w, h) = (img.width(), img.height());
    let (cx, top, wp, hp) = pose_box(who, pose, w, h);
    let dir = if pose.facing < 0.0 { -1.0 } else { 1.0 };
    let x0 = (cx - wp / 2.0).floor().max(0.0) as u32;
    let x1 = ((cx + wp / 2.0).ceil().max(0.0) as u32).min(w);
    let y0 = top.floor().max(0.0) as u32;
    let y1 = ((top + hp).ceil().max(0.0) as u32).min(h);
    const SUB: [(f32, f32); 4] = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];
    for y in y0..y1 {
        for x in x0..x1 {
            let mut sum = [0.0f32; 3];
            let mut n = 0;
            for (sx, sy) in SUB {
                let u = (x as f32 + sx - cx) / wp * dir;
                let v = (y as f32 + sy - top) / hp - 0.5;
                if let Some(c) = subject_colour(who, u, v) {
                    for i in 0..3 {
                        sum[i] += c[i] as f32;
                    }
                    n += 1;
                }
            }
            if n == 0 {
                continue;
            }
            let p = img.get_pixel_mut(x, y);
            for i in 0..3 {
                p.0[i] = ((sum[i] + p.0[i] as f32 * (4 - n) as f32) / 4.0).round() as u8;
            }
        }
    }
}

/// The segment in force at frame `t` of a shot.
pub fn segment_at(segments: &[Segment], t: u32) -> Segment {
    *segments.iter().rev().find(|s| s.start <= t).unwrap_or(&segments[0])
}

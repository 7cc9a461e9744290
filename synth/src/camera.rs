//! Where the camera looks and where the subject stands, frame by frame.
//!
//! The backdrop is a panorama in world units (`PANO_W` x `PANO_H`); a view maps it to the
//! frame by a centre and a scale (frame heights per world unit). The subject lives in screen
//! space (frame heights from the frame centre) and gets the same pan/tilt shift and its own
//! scale factor: equal to the backdrop's for a zoom, larger for a dolly (parallax).

use crate::story::ShotSpec;
use crate::world::{Action, CameraMove};

/// Panorama size in world units (one world unit is one frame height in a wide shot).
pub const PANO_W: f32 = 4.0;
pub const PANO_H: f32 = 1.6;

/// Pan speed in frame widths per second, tilt speed in frame heights per second.
const PAN_SPEED: f32 = 0.15;
const TILT_SPEED: f32 = 0.09;
/// Part of a dolly's scale change that the far backdrop shows.
pub const DOLLY_PARALLAX: f32 = 0.3;

/// The camera at one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Backdrop point at the frame centre, in world units.
    pub cx: f32,
    pub cy: f32,
    /// Backdrop scale: frame heights per world unit.
    pub scale: f32,
    /// Subject scale factor (1 at mid-shot).
    pub fg: f32,
    /// Pan / tilt shift of the subject in frame heights (0 at mid-shot).
    pub shift: (f32, f32),
}

/// Whole-shot zoom ratio of a zoom or dolly lasting `secs`.
pub fn zoom_ratio(secs: f32) -> f32 {
    1.12f32.powf(secs).clamp(1.2, 1.6)
}

/// Total pan (world units, + right) and tilt (world units, + down) of a shot.
pub fn travel(camera: CameraMove, secs: f32, scale: f32, aspect: f32) -> (f32, f32) {
    let pan = PAN_SPEED * secs * aspect / scale;
    let tilt = TILT_SPEED * secs / scale;
    match camera {
        CameraMove::PanLeft => (-pan, 0.0),
        CameraMove::PanRight => (pan, 0.0),
        CameraMove::TiltUp => (0.0, -tilt),
        CameraMove::TiltDown => (0.0, tilt),
        _ => (0.0, 0.0),
    }
}

/// Backdrop and subject scale factors at progress `p` (0..1) through the shot.
pub fn scales(camera: CameraMove, secs: f32, p: f32) -> (f32, f32) {
    let z = zoom_ratio(secs);
    let e = p - 0.5;
    match camera {
        CameraMove::ZoomIn => (z.powf(e), z.powf(e)),
        CameraMove::ZoomOut => (z.powf(-e), z.powf(-e)),
        CameraMove::DollyIn => (z.powf(DOLLY_PARALLAX * e), z.powf(e)),
        CameraMove::DollyOut => (z.powf(-DOLLY_PARALLAX * e), z.powf(-e)),
        _ => (1.0, 1.0),
    }
}

fn progress(t: u32, frames: u32) -> f32 {
    if frames <= 1 {
        0.5
    } else {
        t as f32 / (frames - 1) as f32
    }
}

/// The view at frame `t` (0-based, inside the shot) of a shot lasting `frames` frames.
pub fn view_at(shot: &ShotSpec, aspect: f32, fps: u32, frames: u32, t: u32) -> View {
    let secs = frames as f32 / fps.max(1) as f32;
    let p = progress(t, frames);
    let base = shot.size.backdrop_scale();
    let (bg, fg) = scales(shot.camera, secs, p);
    let (px, py) = travel(shot.camera, secs, base, aspect);
    let (dx, dy) = (px * (p - 0.5), py * (p - 0.5));
    View { cx: shot.view_x + dx, cy: shot.view_y + dy, scale: base * bg, fg, shift: (-dx * base, -dy * base) }
}

/// The subject at one frame, in screen space (frame heights from the frame centre).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Centre x of the body.
    pub x: f32,
    /// Bottom (feet) y.
    pub y: f32,
    /// Body height.
    pub height: f32,
    /// Facing: 1 right, -1 left; in between while turning (the body narrows).
    pub facing: f32,
}

/// Frames a turn takes.
const TURN_SECS: f32 = 0.4;

/// Subject position before the camera: x offset from walking and swaying, y offset from jumps
/// and steps, and the facing, at frame `t`, for a walk speed in frame heights per second.
pub fn motion_at(shot: &ShotSpec, fps: u32, t: u32, walk_speed: f32) -> (f32, f32, f32) {
    let fps = fps.max(1) as f32;
    let h = shot.size.subject_height();
    let now = t as f32 / fps;
    let mut x = 0.0;
    let mut y = 0.0;
    let mut facing = shot.facing as f32;
    for (i, seg) in shot.segments.iter().enumerate() {
        let start = seg.start as f32 / fps;
        if start > now {
            break;
        }
        let end = shot.segments.get(i + 1).map(|s| s.start as f32 / fps).unwrap_or(f32::INFINITY).min(now);
        let dt = end - start;
        let from = facing;
        let to = match seg.action {
            Action::WalkLeft => -1.0,
            Action::WalkRight => 1.0,
            Action::Turn => -from.signum(),
            _ => from,
        };
        let k = (dt / TURN_SECS).min(1.0);
        facing = from + (to - from) * (0.5 - 0.5 * (k * std::f32::consts::PI).cos());
        match seg.action {
            Action::WalkLeft | Action::WalkRight => {
                x += to * walk_speed * dt;
                if end >= now {
                    y -= 0.05 * h * (dt * std::f32::consts::TAU * 2.0).sin().abs();
                }
            }
            Action::Jump if end >= now => {
                y -= 0.38 * h * (dt * std::f32::consts::PI / 0.75).sin().abs();
            }
            _ => {}
        }
    }
    x += 0.1 * h * (now * std::f32::consts::TAU / 1.6).sin();
    (x, y, facing)
}

/// Feet height (frame heights below the centre) of a subject of each size.
pub fn feet_y(shot: &ShotSpec) -> f32 {
    match shot.size {
        crate::world::ShotSize::Wide => 0.3,
        crate::world::ShotSize::Medium => 0.33,
        crate::world::ShotSize::CloseUp => 0.42,
    }
}

/// The subject's pose at frame `t`.
pub fn pose_at(shot: &ShotSpec, aspect: f32, fps: u32, frames: u32, t: u32) -> Pose {
    let view = view_at(shot, aspect, fps, frames, t);
    let (mx, my, facing) = motion_at(shot, fps, t, shot.walk_speed);
    let x = (shot.subject_x + mx + view.shift.0) * view.fg;
    let y = (feet_y(shot) + my + view.shift.1) * view.fg;
    Pose { x, y, height: shot.size.subject_height() * view.fg, facing }
}

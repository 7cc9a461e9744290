//! Per-shot adherence: the set, the subject, its size, the camera move.

use image::RgbImage;

use super::detect::{self, Blob};
use super::motion::{self, Plane};
use crate::story::{ShotSpec, Story};
use crate::world::{CameraMove, CharKind};

/// What one shot got right (each 0 or 1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShotCheck {
    pub set: f32,
    pub subject: f32,
    pub size: f32,
    pub camera: f32,
}

/// Frames of a shot worth looking at: every `step`th, away from the cuts.
fn sample(frames: u32, step: u32) -> Vec<u32> {
    let m = (frames / 8).min(2);
    (m..frames.saturating_sub(m)).step_by(step.max(1) as usize).collect()
}

/// Checks one shot's frames against its ground truth.
pub fn check(story: &Story, shot: &ShotSpec, frames: &[RgbImage]) -> ShotCheck {
    let n = frames.len() as u32;
    if n == 0 {
        return ShotCheck::default();
    }
    let h = frames[0].height() as f32;
    let want_set = story.sets[shot.set].kind;
    let who = story.cast[shot.subject].kind;
    let picks = sample(n, 3);
    let sets_ok = picks.iter().filter(|&&t| detect::classify_set(&frames[t as usize]) == want_set).count();
    let set = f32::from(sets_ok * 2 > picks.len());

    let expected_area = (shot.size.subject_height() * h).powi(2) * who.style().shape.aspect() * 0.4;
    let fill = detect::shape_fill(who.style().shape);
    let ids = picks
        .iter()
        .filter(|&&t| match detect::identify(&frames[t as usize]) {
            Some((k, b)) => k == who && b.count as f32 >= 0.2 * expected_area && shape_ok(&b, fill),
            None => false,
        })
        .count();
    let subject = f32::from(ids * 5 >= picks.len() * 3);

    let mid: Vec<f32> = (n / 3..(2 * n / 3).max(n / 3 + 1)).filter_map(|t| detect::find_body(&frames[t as usize], who.style().body)).map(|b| b.height() as f32 / h).collect();
    let size = if mid.is_empty() { 0.0 } else { f32::from(detect::size_of(median(mid)) == shot.size) };

    let camera = f32::from(camera_move(frames, who) == shot.camera);
    ShotCheck { set, subject, size, camera }
}

fn shape_ok(b: &Blob, fill: f32) -> bool {
    b.touches_edge || b.width() < 5 || b.height() < 8 || (b.fill - fill).abs() < 0.17
}

pub fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

fn plane(img: &RgbImage, blob: Option<Blob>) -> Plane {
    let (w, h) = (img.width(), img.height());
    let mut masked = vec![false; (w * h) as usize];
    if let Some(b) = blob {
        for y in b.y0.saturating_sub(4)..(b.y1 + 5).min(h) {
            for x in b.x0.saturating_sub(4)..(b.x1 + 5).min(w) {
                masked[(y * w + x) as usize] = true;
            }
        }
    }
    Plane::new(img, masked)
}

/// The camera move a shot's frames show: backdrop motion between its ends, and the
/// subject's growth to tell a dolly (subject grows faster than the backdrop) from a zoom.
pub fn camera_move(frames: &[RgbImage], who: CharKind) -> CameraMove {
    let n = frames.len();
    if n < 4 {
        return CameraMove::Static;
    }
    let m = (n / 8).min(2);
    let (a, b) = (m, n - 1 - m);
    let body = who.style().body;
    let (ba, bb) = (detect::find_body(&frames[a], body), detect::find_body(&frames[b], body));
    let (mut pa, mut pb) = (plane(&frames[a], ba), plane(&frames[b], bb));
    if motion::cost(&pa, &pb, 0.0, 0.0, 1.0).is_none() {
        (pa, pb) = (plane(&frames[a], None), plane(&frames[b], None));
    }
    let still = motion::cost(&pa, &pb, 0.0, 0.0, 1.0).unwrap_or(f32::INFINITY);
    let shift = motion::estimate(&pa, &pb, false);
    let full = motion::estimate(&pa, &pb, true);
    // The simplest model that explains the change: still, then shift, then shift and scale.
    let est = if full.cost < 0.8 * shift.cost.min(still) - 0.2 {
        full
    } else if shift.cost < 0.8 * still - 0.2 {
        shift
    } else {
        motion::Motion { dx: 0.0, dy: 0.0, scale: 1.0, cost: still }
    };
    let win = (n / 6).clamp(1, 6);
    let tallest = |r: std::ops::Range<usize>| r.filter_map(|t| detect::find_body(&frames[t], body)).map(|b| b.height() as f32).fold(0.0f32, f32::max);
    let (ha, hb) = (tallest(a..(a + win).min(n)), tallest((b + 1).saturating_sub(win)..b + 1));
    let lf = if ha >= 4.0 && hb >= 4.0 { (hb / ha).ln() } else { 0.0 };
    let w = frames[0].width() as f32;
    let ls = est.scale.ln();
    if lf.abs() > 1.12f32.ln() && lf.signum() == ls.signum() || lf.abs() > 1.12f32.ln() && ls.abs() < 1.04f32.ln() {
        let zoom = ls.abs() > 0.6 * lf.abs();
        return match (lf > 0.0, zoom) {
            (true, true) => CameraMove::ZoomIn,
            (false, true) => CameraMove::ZoomOut,
            (true, false) => CameraMove::DollyIn,
            (false, false) => CameraMove::DollyOut,
        };
    }
    if ls.abs() > 1.1f32.ln() {
        return if ls > 0.0 { CameraMove::ZoomIn } else { CameraMove::ZoomOut };
    }
    let thr = 0.06 * w;
    if est.dx.abs() >= est.dy.abs() && est.dx.abs() > thr {
        if est.dx > 0.0 { CameraMove::PanLeft } else { CameraMove::PanRight }
    } else if est.dy.abs() > thr {
        if est.dy > 0.0 { CameraMove::TiltUp } else { CameraMove::TiltDown }
    } else {
        CameraMove::Static
    }
}


//! Cross-shot consistency: when a set or a subject returns, do its hidden details agree with
//! its first appearance? Set layouts are compared as backdrop panoramas rebuilt with the
//! scripted camera; markings by colour and position on the body.

use image::RgbImage;

use super::detect;
use crate::camera::{self, PANO_H, PANO_W};
use crate::render::pose_box;
use crate::story::{ShotSpec, Story};

/// Texels per world unit of the rebuilt panoramas.
const DENSITY: f32 = 24.0;

/// Mean backdrop luminance per panorama texel seen in a shot (`None` where unseen).
pub fn panorama(story: &Story, shot: &ShotSpec, frames: &[RgbImage]) -> Vec<Option<f32>> {
    let (pw, ph) = ((PANO_W * DENSITY) as usize, (PANO_H * DENSITY) as usize);
    let mut sum = vec![0.0f32; pw * ph];
    let mut cnt = vec![0u32; pw * ph];
    let who = &story.cast[shot.subject];
    let n = frames.len() as u32;
    for t in (0..n).step_by(2) {
        let img = &frames[t as usize];
        let (w, h) = (img.width(), img.height());
        let aspect = w as f32 / h as f32;
        let view = camera::view_at(shot, aspect, story.fps, n, t);
        let pose = camera::pose_at(shot, aspect, story.fps, n, t);
        let (cx, top, bw, bh) = pose_box(who, &pose, w, h);
        let blob = detect::find_body(img, who.kind.style().body);
        let step = 1.0 / (h as f32 * view.scale);
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
                let in_pose = (fx - cx).abs() < bw / 2.0 + 3.0 && fy > top - 3.0 && fy < top + bh + 3.0;
                let in_blob = blob.is_some_and(|b| x + 2 >= b.x0 && x <= b.x1 + 2 && y + 2 >= b.y0 && y <= b.y1 + 2);
                if in_pose || in_blob {
                    continue;
                }
                let wx = view.cx + (fx - w as f32 / 2.0) * step;
                let wy = view.cy + (fy - h as f32 / 2.0) * step;
                let (tx, ty) = ((wx * DENSITY) as isize, (wy * DENSITY) as isize);
                if tx < 0 || ty < 0 || tx as usize >= pw || ty as usize >= ph {
                    continue;
                }
                let p = img.get_pixel(x, y).0;
                let i = ty as usize * pw + tx as usize;
                sum[i] += 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
                cnt[i] += 1;
            }
        }
    }
    sum.iter().zip(&cnt).map(|(s, &c)| (c > 0).then(|| s / c as f32)).collect()
}

/// Correlation of two panoramas' layouts (each row's mean removed, so the base colours do
/// not count), best over small shifts; `None` when they overlap too little.
pub fn layout_agreement(a: &[Option<f32>], b: &[Option<f32>]) -> Option<f32> {
    let (pw, ph) = ((PANO_W * DENSITY) as isize, (PANO_H * DENSITY) as isize);
    let mut best: Option<f32> = None;
    for dy in -1..=1isize {
        for dx in -2..=2isize {
            let mut pairs: Vec<(usize, f32, f32)> = Vec::new();
            for y in 0..ph {
                for x in 0..pw {
                    let (x2, y2) = (x + dx, y + dy);
                    if x2 < 0 || y2 < 0 || x2 >= pw || y2 >= ph {
                        continue;
                    }
                    if let (Some(p), Some(q)) = (a[(y * pw + x) as usize], b[(y2 * pw + x2) as usize]) {
                        pairs.push((y as usize, p, q));
                    }
                }
            }
            if pairs.len() < 80 {
                continue;
            }
            let mut row = vec![(0.0f32, 0.0f32, 0u32); ph as usize];
            for &(y, p, q) in &pairs {
                row[y].0 += p;
                row[y].1 += q;
                row[y].2 += 1;
            }
            let (mut sab, mut saa, mut sbb) = (0.0f32, 0.0f32, 0.0f32);
            for &(y, p, q) in &pairs {
                let r = row[y];
                let (u, v) = (p - r.0 / r.2 as f32, q - r.1 / r.2 as f32);
                sab += u * v;
                saa += u * u;
                sbb += v * v;
            }
            let c = if saa < 1.0 || sbb < 1.0 { 0.0 } else { sab / (saa * sbb).sqrt() };
            best = Some(best.map_or(c, |b: f32| b.max(c)));
        }
    }
    best.map(|c| c.max(0.0))
}

/// The marking seen over a shot: colour votes and mean position, from frames where the
/// subject is at least 16 pixels tall (smaller markings blur into the body).
/// `None` when no frame was eligible; `Some(None)` when none showed a marking.
pub fn marking(story: &Story, shot: &ShotSpec, frames: &[RgbImage]) -> Option<Option<(usize, (f32, f32))>> {
    let body = story.cast[shot.subject].kind.style().body;
    let mut votes = [0.0f32; crate::world::MARKING_COLOURS.len()];
    let mut pos = Vec::new();
    let mut eligible = 0;
    for img in frames.iter().step_by(3) {
        let Some(b) = detect::find_body(img, body) else { continue };
        if b.height() < 16 || b.touches_edge {
            continue;
        }
        eligible += 1;
        if let Some(m) = detect::find_marking(img, body, &b) {
            for (v, m) in votes.iter_mut().zip(m.votes) {
                *v += m;
            }
            pos.push(m.pos);
        }
    }
    if eligible == 0 {
        return None;
    }
    if pos.is_empty() {
        return Some(None);
    }
    let best = (0..votes.len()).max_by(|&a, &b| votes[a].total_cmp(&votes[b]))?;
    let n = pos.len() as f32;
    Some(Some((best, (pos.iter().map(|p| p.0).sum::<f32>() / n, pos.iter().map(|p| p.1).sum::<f32>() / n))))
}

/// Agreement of two markings: half for the colour, half for the position.
pub fn marking_agreement(a: Option<(usize, (f32, f32))>, b: Option<(usize, (f32, f32))>) -> Option<f32> {
    match (a, b) {
        (None, None) => None,
        (Some((ca, pa)), Some((cb, pb))) => {
            let d = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt();
            Some(0.5 * f32::from(ca == cb) + 0.5 * (1.0 - d / 0.2).max(0.0))
        }
        _ => Some(0.0),
    }
}

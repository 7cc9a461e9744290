//! Global motion between two frames: a shift and a scale about the centre, found by a
//! coarse-to-fine search that ignores masked (subject) pixels.

use image::RgbImage;

/// A float RGB image with a mask of pixels to ignore.
#[derive(Clone)]
pub struct Plane {
    pub w: usize,
    pub h: usize,
    pub px: Vec<[f32; 3]>,
    pub masked: Vec<bool>,
    /// Least part of the pixels that must overlap for a cost to count.
    pub min_frac: f32,
}

impl Plane {
    pub fn new(img: &RgbImage, masked: Vec<bool>) -> Plane {
        let px = img.pixels().map(|p| p.0.map(|v| v as f32)).collect();
        Plane { w: img.width() as usize, h: img.height() as usize, px, masked, min_frac: 0.25 }
    }

    /// Half size (box filter); a pixel is masked if any of its four is.
    pub fn half(&self) -> Plane {
        let (w, h) = (self.w / 2, self.h / 2);
        let mut px = vec![[0.0; 3]; w * h];
        let mut masked = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut s = [0.0; 3];
                let mut m = false;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let i = (2 * y + dy) * self.w + 2 * x + dx;
                    for c in 0..3 {
                        s[c] += self.px[i][c] * 0.25;
                    }
                    m |= self.masked[i];
                }
                px[y * w + x] = s;
                masked[y * w + x] = m;
            }
        }
        Plane { w, h, px, masked, min_frac: self.min_frac }
    }
}

/// Mean absolute difference of `b` against `a` warped by shift (dx, dy) and scale `s`
/// about the centre; `None` when too few pixels overlap.
pub fn cost(a: &Plane, b: &Plane, dx: f32, dy: f32, s: f32) -> Option<f32> {
    let (cx, cy) = (a.w as f32 / 2.0, a.h as f32 / 2.0);
    let mut sum = 0.0;
    let mut n = 0usize;
    for y in 0..b.h {
        let sy = cy + (y as f32 + 0.5 - cy - dy) / s;
        if sy < 0.0 || sy >= a.h as f32 {
            continue;
        }
        let ay = sy as usize;
        for x in 0..b.w {
            let i = y * b.w + x;
            if b.masked[i] {
                continue;
            }
            let sx = cx + (x as f32 + 0.5 - cx - dx) / s;
            if sx < 0.0 || sx >= a.w as f32 {
                continue;
            }
            let j = ay * a.w + sx as usize;
            if a.masked[j] {
                continue;
            }
            let (p, q) = (b.px[i], a.px[j]);
            sum += (p[0] - q[0]).abs() + (p[1] - q[1]).abs() + (p[2] - q[2]).abs();
            n += 1;
        }
    }
    (n as f32 >= b.min_frac * (b.w * b.h) as f32 && n > 0).then(|| sum / (3 * n) as f32)
}

/// Estimated motion from `a` to `b`: shift in full-resolution pixels (content moving
/// right / down is positive) and scale (> 1: content grows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    pub dx: f32,
    pub dy: f32,
    pub scale: f32,
    pub cost: f32,
}

/// Coarse-to-fine search over shifts of up to about 60% of the frame and scales 0.55..1.8.
pub fn estimate(a: &Plane, b: &Plane, allow_scale: bool) -> Motion {
    let mut pyr = vec![(a.clone(), b.clone())];
    while pyr.last().unwrap().0.h > 16 && pyr.len() < 4 {
        let (x, y) = pyr.last().unwrap();
        let next = (x.half(), y.half());
        pyr.push(next);
    }
    let top = pyr.len() - 1;
    let (ta, tb) = &pyr[top];
    let (rx, ry) = ((ta.w as f32 * 0.6) as i32, (ta.h as f32 * 0.45) as i32);
    let mut best = Motion { dx: 0.0, dy: 0.0, scale: 1.0, cost: f32::INFINITY };
    let steps = if allow_scale { 17 } else { 1 };
    let ls = |k: i32| if steps == 1 { 1.0 } else { ((k as f32 / (steps / 2) as f32) * 0.6).exp() };
    for k in 0..steps as i32 {
        let s = ls(k - steps as i32 / 2);
        for dy in -ry..=ry {
            for dx in -rx..=rx {
                if let Some(c) = cost(ta, tb, dx as f32, dy as f32, s) {
                    if c < best.cost {
                        best = Motion { dx: dx as f32, dy: dy as f32, scale: s, cost: c };
                    }
                }
            }
        }
    }
    let mut sstep = if allow_scale { 0.6 / (steps / 2) as f32 } else { 0.0 };
    for level in (0..=top).rev() {
        let (la, lb) = &pyr[level];
        if level != top {
            best.dx *= 2.0;
            best.dy *= 2.0;
            best.cost = cost(la, lb, best.dx, best.dy, best.scale).unwrap_or(f32::INFINITY);
        }
        for _ in 0..2 {
            let c0 = best;
            for ds in [-0.5f32, 0.0, 0.5] {
                for dy in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
                    for dx in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
                        let s = c0.scale * (ds * sstep).exp();
                        if let Some(c) = cost(la, lb, c0.dx + dx, c0.dy + dy, s) {
                            if c < best.cost {
                                best = Motion { dx: c0.dx + dx, dy: c0.dy + dy, scale: s, cost: c };
                            }
                        }
                    }
                }
            }
            sstep *= 0.5;
        }
    }
    best
}

//! A set's panorama: base colours by height plus a hidden layout of objects, rasterised once
//! per video into a small mip chain that frames sample from.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::camera::{PANO_H, PANO_W};
use crate::story::SetInstance;
use crate::world::{ObjectKind, Rgb, SetKind};

/// A filled primitive in world units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prim {
    Rect { x0: f32, y0: f32, x1: f32, y1: f32, c: Rgb },
    /// An upward triangle: apex (x, y0), base at y1 with half width `hw`.
    Tri { x: f32, y0: f32, y1: f32, hw: f32, c: Rgb },
    Disc { x: f32, y: f32, r: f32, c: Rgb },
}

/// The hidden layout of a set: where its objects stand.
pub fn layout(set: &SetInstance) -> Vec<Prim> {
    let st = set.kind.style();
    let mut rng = ChaCha8Rng::seed_from_u64(set.layout_seed);
    let h = st.horizon;
    let [c0, c1, c2] = st.colours;
    let mut out = Vec::new();
    let xs = |n: usize, rng: &mut ChaCha8Rng| -> Vec<f32> { (0..n).map(|_| rng.gen_range(0.05..PANO_W - 0.05)).collect() };
    match st.objects {
        ObjectKind::Trees => {
            for x in xs(rng.gen_range(18..26), &mut rng) {
                let base = h + rng.gen_range(0.0..0.35);
                let tall = rng.gen_range(0.15..0.35);
                let r = rng.gen_range(0.07..0.14);
                out.push(Prim::Rect { x0: x - 0.02, y0: base - tall, x1: x + 0.02, y1: base, c: c2 });
                out.push(Prim::Disc { x, y: base - tall, r, c: if rng.gen() { c0 } else { c1 } });
            }
        }
        ObjectKind::Buildings => {
            for x in xs(rng.gen_range(16..22), &mut rng) {
                let w = rng.gen_range(0.08..0.18);
                let top = h - rng.gen_range(0.25..0.75);
                out.push(Prim::Rect { x0: x - w, y0: top, x1: x + w, y1: h + 0.02, c: if rng.gen() { c0 } else { c1 } });
                let mut y = top + 0.05;
                while y < h - 0.06 {
                    if rng.gen::<f32>() < 0.6 {
                        let wx = x + rng.gen_range(-w + 0.04..w - 0.04);
                        out.push(Prim::Rect { x0: wx - 0.02, y0: y, x1: wx + 0.02, y1: y + 0.04, c: c2 });
                    }
                    y += 0.09;
                }
            }
        }
        ObjectKind::Cacti => {
            for x in xs(rng.gen_range(14..20), &mut rng) {
                let base = h + rng.gen_range(0.02..0.4);
                if rng.gen::<f32>() < 0.35 {
                    out.push(Prim::Disc { x, y: base, r: rng.gen_range(0.04..0.09), c: c2 });
                    continue;
                }
                let tall = rng.gen_range(0.12..0.3);
                let c = if rng.gen() { c0 } else { c1 };
                out.push(Prim::Rect { x0: x - 0.025, y0: base - tall, x1: x + 0.025, y1: base, c });
                let arm = base - tall * rng.gen_range(0.4..0.7);
                let side = if rng.gen() { 1.0 } else { -1.0 };
                out.push(Prim::Rect { x0: x.min(x + side * 0.08), y0: arm, x1: x.max(x + side * 0.08), y1: arm + 0.03, c });
                out.push(Prim::Rect { x0: x + side * 0.08 - 0.015, y0: arm - 0.07, x1: x + side * 0.08 + 0.015, y1: arm + 0.03, c });
            }
        }
        ObjectKind::Boats => {
            for x in xs(rng.gen_range(10..14), &mut rng) {
                let y = h + rng.gen_range(0.03..0.2);
                let s = rng.gen_range(0.6..1.2);
                out.push(Prim::Rect { x0: x - 0.08 * s, y0: y - 0.03 * s, x1: x + 0.08 * s, y1: y, c: c1 });
                out.push(Prim::Tri { x, y0: y - 0.2 * s, y1: y - 0.035 * s, hw: 0.07 * s, c: c0 });
            }
            for x in xs(rng.gen_range(4..7), &mut rng) {
                let y = rng.gen_range(0.15..h - 0.2);
                for k in 0..3 {
                    out.push(Prim::Disc { x: x + 0.06 * k as f32, y: y - 0.02 * (k % 2) as f32, r: 0.05, c: c2 });
                }
            }
        }
        ObjectKind::Pines => {
            for x in xs(rng.gen_range(18..26), &mut rng) {
                let base = h + rng.gen_range(0.0..0.35);
                if rng.gen::<f32>() < 0.25 {
                    out.push(Prim::Disc { x, y: base, r: rng.gen_range(0.04..0.08), c: c2 });
                    continue;
                }
                let tall = rng.gen_range(0.18..0.4);
                out.push(Prim::Tri { x, y0: base - tall, y1: base, hw: tall * 0.35, c: if rng.gen() { c0 } else { c1 } });
            }
        }
        ObjectKind::Stars => {
            for x in xs(rng.gen_range(5..9), &mut rng) {
                out.push(Prim::Disc { x, y: h + rng.gen_range(0.1..0.3), r: rng.gen_range(0.2..0.45), c: c2 });
            }
            for x in xs(rng.gen_range(50..80), &mut rng) {
                let y = rng.gen_range(0.02..h - 0.05);
                out.push(Prim::Disc { x, y, r: rng.gen_range(0.01..0.022), c: if rng.gen() { c0 } else { c1 } });
            }
            out.push(Prim::Disc { x: rng.gen_range(0.3..PANO_W - 0.3), y: rng.gen_range(0.15..0.5), r: 0.08, c: [235, 235, 205] });
        }
        ObjectKind::Frames => {
            for x in xs(rng.gen_range(12..16), &mut rng) {
                let y = rng.gen_range(0.3..h - 0.25);
                let (w, hh) = (rng.gen_range(0.06..0.14), rng.gen_range(0.06..0.14));
                out.push(Prim::Rect { x0: x - w, y0: y - hh, x1: x + w, y1: y + hh, c: c0 });
                out.push(Prim::Rect { x0: x - w + 0.025, y0: y - hh + 0.025, x1: x + w - 0.025, y1: y + hh - 0.025, c: if rng.gen() { c1 } else { c2 } });
            }
            for x in xs(rng.gen_range(2..4), &mut rng) {
                out.push(Prim::Rect { x0: x - 0.12, y0: h - 0.12, x1: x + 0.12, y1: h + 0.1, c: c0 });
            }
        }
    }
    out
}

/// The base colour at height y (no objects).
pub fn base_colour(kind: SetKind, y: f32) -> Rgb {
    let st = kind.style();
    let lerp = |a: Rgb, b: Rgb, t: f32| -> Rgb {
        let t = t.clamp(0.0, 1.0);
        [0, 1, 2].map(|i| (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t).round() as u8)
    };
    if y < st.horizon {
        lerp(st.sky.0, st.sky.1, y / st.horizon)
    } else {
        lerp(st.ground.0, st.ground.1, (y - st.horizon) / (PANO_H - st.horizon))
    }
}

/// One mip level: RGB f32 texels, `density` texels per world unit.
pub struct Level {
    pub w: usize,
    pub h: usize,
    pub density: f32,
    pub texels: Vec<[f32; 3]>,
}

impl Level {
    /// Bilinear sample at world (x, y), clamped at the edges.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let fx = (x * self.density - 0.5).clamp(0.0, (self.w - 1) as f32);
        let fy = (y * self.density - 0.5).clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let t = |x: usize, y: usize| self.texels[y * self.w + x];
        let (a, b, c, d) = (t(x0, y0), t(x1, y0), t(x0, y1), t(x1, y1));
        let mut o = [0.0; 3];
        for i in 0..3 {
            let top = a[i] + (b[i] - a[i]) * ax;
            let bot = c[i] + (d[i] - c[i]) * ax;
            o[i] = top + (bot - top) * ay;
        }
        o
    }

    fn half(&self) -> Level {
        let (w, h) = ((self.w / 2).max(1), (self.h / 2).max(1));
        let mut texels = vec![[0.0; 3]; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut s = [0.0; 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let t = self.texels[(2 * y + dy).min(self.h - 1) * self.w + (2 * x + dx).min(self.w - 1)];
                    for i in 0..3 {
                        s[i] += t[i] * 0.25;
                    }
                }
                texels[y * w + x] = s;
            }
        }
        Level { w, h, density: self.density / 2.0, texels }
    }
}

/// A set's panorama as a mip chain, finest first.
pub struct Backdrop {
    pub levels: Vec<Level>,
}

impl Backdrop {
    /// Rasterises a set at `density` texels per world unit (2x supersampled).
    pub fn new(set: &SetInstance, density: f32) -> Backdrop {
        let ss = density * 2.0;
        let (w, h) = ((PANO_W * ss).ceil() as usize, (PANO_H * ss).ceil() as usize);
        let mut texels = Vec::with_capacity(w * h);
        for y in 0..h {
            let c = base_colour(set.kind, (y as f32 + 0.5) / ss).map(|v| v as f32);
            texels.extend(std::iter::repeat_n(c, w));
        }
        let mut fine = Level { w, h, density: ss, texels };
        for p in layout(set) {
            draw(&mut fine, &p);
        }
        let mut levels = vec![fine.half()];
        while levels.len() < 5 && levels.last().unwrap().w > 16 {
            let next = levels.last().unwrap().half();
            levels.push(next);
        }
        Backdrop { levels }
    }

    /// The level to sample when one frame pixel spans `step` world units.
    pub fn level_for(&self, step: f32) -> &Level {
        let mut best = &self.levels[0];
        for l in &self.levels {
            if step * l.density >= 0.7 {
                best = l;
            }
        }
        best
    }
}

fn draw(l: &mut Level, p: &Prim) {
    let d = l.density;
    let (x0, y0, x1, y1) = match *p {
        Prim::Rect { x0, y0, x1, y1, .. } => (x0, y0, x1, y1),
        Prim::Tri { x, y0, y1, hw, .. } => (x - hw, y0, x + hw, y1),
        Prim::Disc { x, y, r, .. } => (x - r, y - r, x + r, y + r),
    };
    let px0 = ((x0 * d).floor().max(0.0)) as usize;
    let py0 = ((y0 * d).floor().max(0.0)) as usize;
    let px1 = ((x1 * d).ceil().max(0.0) as usize).min(l.w);
    let py1 = ((y1 * d).ceil().max(0.0) as usize).min(l.h);
    for py in py0..py1 {
        let wy = (py as f32 + 0.5) / d;
        for px in px0..px1 {
            let wx = (px as f32 + 0.5) / d;
            let (inside, c) = match *p {
                Prim::Rect { c, .. } => (wx >= x0 && wx < x1 && wy >= y0 && wy < y1, c),
                Prim::Tri { x, y0, y1, hw, c } => (wy >= y0 && wy <= y1 && (wx - x).abs() <= hw * (wy - y0) / (y1 - y0).max(1e-6), c),
                Prim::Disc { x, y, r, c } => ((wx - x).powi(2) + (wy - y).powi(2) <= r * r, c),
            };
            if inside {
                l.texels[py * l.w + px] = c.map(|v| v as f32);
            }
        }
    }
}

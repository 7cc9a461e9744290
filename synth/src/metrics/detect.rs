//! Finding things in a frame by colour: the set (a colour-histogram classifier whose
//! prototypes come from the world's own renders), the subject (body colour, box, outline
//! fill) and its marking.

use std::sync::OnceLock;

use image::RgbImage;

use crate::backdrop::Backdrop;
use crate::camera::View;
use crate::story::SetInstance;
use crate::world::{CharKind, Rgb, SetKind, Shape, ShotSize, MARKING_COLOURS};

/// Squared colour distance within which a pixel counts as a body or marking colour.
pub const TOL2: i32 = 50 * 50;

#[inline]
pub fn dist2(a: &[u8], b: Rgb) -> i32 {
    (0..3).map(|i| (a[i] as i32 - b[i] as i32).pow(2)).sum()
}

fn bin(p: &[u8]) -> usize {
    ((p[0] as usize >> 5) << 6) | ((p[1] as usize >> 5) << 3) | (p[2] as usize >> 5)
}

/// Log-probabilities of 512 colour bins, per set kind.
fn prototypes() -> &'static Vec<Vec<f32>> {
    static P: OnceLock<Vec<Vec<f32>>> = OnceLock::new();
    P.get_or_init(|| {
        SetKind::ALL
            .iter()
            .map(|&kind| {
                let mut counts = vec![0.0f32; 512];
                for seed in 0..3u64 {
                    let bd = Backdrop::new(&SetInstance { kind, layout_seed: 1000 + seed }, 64.0);
                    for size in ShotSize::ALL {
                        for cx in [0.8, 2.0, 3.2] {
                            let scale = size.backdrop_scale();
                            let cy = kind.style().horizon - 0.05;
                            for dy in [-0.15, 0.0, 0.15] {
                                let mut img = RgbImage::new(32, 32);
                                let view = View { cx, cy: cy + dy / scale, scale, fg: 1.0, shift: (0.0, 0.0) };
                                crate::render::draw_backdrop(&mut img, &bd, &view);
                                for p in img.pixels() {
                                    counts[bin(&p.0)] += 1.0;
                                }
                            }
                        }
                    }
                }
                let total: f32 = counts.iter().sum();
                counts.iter().map(|c| ((c / total) + 2e-4).ln()).collect()
            })
            .collect()
    })
}

/// Whether a pixel has a cast body colour (so the set classifier ignores it).
pub fn is_body(p: &[u8]) -> bool {
    CharKind::ALL.iter().any(|k| dist2(p, k.style().body) < TOL2)
}

/// Per-set log-likelihood of a frame's background pixels.
pub fn set_scores(img: &RgbImage) -> Vec<f32> {
    let protos = prototypes();
    let mut s = vec![0.0f32; protos.len()];
    for p in img.pixels() {
        if is_body(&p.0) {
            continue;
        }
        let b = bin(&p.0);
        for (k, proto) in protos.iter().enumerate() {
            s[k] += proto[b];
        }
    }
    s
}

/// The set a frame most likely shows.
pub fn classify_set(img: &RgbImage) -> SetKind {
    let s = set_scores(img);
    let k = s.iter().enumerate().fold(0, |best, (i, &v)| if v > s[best] { i } else { best });
    SetKind::ALL[k]
}

/// A subject found in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blob {
    pub count: usize,
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Mean over rows of the span between the leftmost and rightmost body pixel, over the box width.
    pub fill: f32,
    pub touches_edge: bool,
}

impl Blob {
    pub fn height(&self) -> u32 {
        self.y1 - self.y0 + 1
    }
    pub fn width(&self) -> u32 {
        self.x1 - self.x0 + 1
    }
}

/// The pixels of a body colour, ignoring isolated ones.
pub fn find_body(img: &RgbImage, body: Rgb) -> Option<Blob> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw: Vec<bool> = img.pixels().map(|p| dist2(&p.0, body) < TOL2).collect();
    let mut rows: Vec<Option<(u32, u32)>> = vec![None; h];
    let mut count = 0;
    for y in 0..h {
        for x in 0..w {
            if !raw[y * w + x] {
                continue;
            }
            let n = (x > 0 && raw[y * w + x - 1]) || (x + 1 < w && raw[y * w + x + 1]) || (y > 0 && raw[(y - 1) * w + x]) || (y + 1 < h && raw[(y + 1) * w + x]);
            if !n {
                continue;
            }
            count += 1;
            let r = rows[y].get_or_insert((x as u32, x as u32));
            r.0 = r.0.min(x as u32);
            r.1 = r.1.max(x as u32);
        }
    }
    if count < 3 {
        return None;
    }
    let ys: Vec<usize> = (0..h).filter(|&y| rows[y].is_some()).collect();
    let (y0, y1) = (ys[0] as u32, *ys.last().unwrap() as u32);
    let x0 = rows.iter().flatten().map(|r| r.0).min().unwrap();
    let x1 = rows.iter().flatten().map(|r| r.1).max().unwrap();
    let bw = (x1 - x0 + 1) as f32;
    let span: f32 = rows.iter().flatten().map(|r| (r.1 - r.0 + 1) as f32 / bw).sum();
    let fill = span / (y1 - y0 + 1) as f32;
    let touches_edge = x0 == 0 || y0 == 0 || x1 as usize == w - 1 || y1 as usize == h - 1;
    Some(Blob { count, x0, y0, x1, y1, fill, touches_edge })
}

/// The span fill of a shape, as [`find_body`] measures it.
pub fn shape_fill(shape: Shape) -> f32 {
    let n = 64;
    let mut rows = 0.0;
    let mut used = 0;
    for j in 0..n {
        let v = (j as f32 + 0.5) / n as f32 - 0.5;
        let xs: Vec<usize> = (0..n).filter(|&i| shape.inside((i as f32 + 0.5) / n as f32 - 0.5, v)).collect();
        if let (Some(a), Some(b)) = (xs.first(), xs.last()) {
            rows += (b - a + 1) as f32;
            used += 1;
        }
    }
    let width = (0..n).filter(|&i| (0..n).any(|j| shape.inside((i as f32 + 0.5) / n as f32 - 0.5, (j as f32 + 0.5) / n as f32 - 0.5))).count();
    rows / (used.max(1) * width.max(1)) as f32
}

/// The character whose body colour covers most of the frame, with its blob.
pub fn identify(img: &RgbImage) -> Option<(CharKind, Blob)> {
    CharKind::ALL
        .iter()
        .filter_map(|&k| find_body(img, k.style().body).map(|b| (k, b)))
        .max_by_key(|(_, b)| b.count)
}

/// The subject's shot size from its height in the frame.
pub fn size_of(height_frac: f32) -> ShotSize {
    if height_frac < 0.31 {
        ShotSize::Wide
    } else if height_frac < 0.57 {
        ShotSize::Medium
    } else {
        ShotSize::CloseUp
    }
}

/// A marking seen inside a blob: colour votes, and its centroid relative to the box
/// (|x| from the centre line, y from the top, both over the box size).
#[derive(Debug, Clone, PartialEq)]
pub struct MarkingSeen {
    pub votes: [f32; MARKING_COLOURS.len()],
    pub pos: (f32, f32),
}

/// Looks for a marking colour inside the body's row spans.
pub fn find_marking(img: &RgbImage, body: Rgb, blob: &Blob) -> Option<MarkingSeen> {
    let mut votes = [0.0f32; MARKING_COLOURS.len()];
    let mut pts: Vec<(usize, f32, f32)> = Vec::new();
    for y in blob.y0..=blob.y1 {
        let xs: Vec<u32> = (blob.x0..=blob.x1).filter(|&x| dist2(&img.get_pixel(x, y).0, body) < TOL2).collect();
        let (Some(&a), Some(&b)) = (xs.first(), xs.last()) else { continue };
        for x in a..=b {
            let p = img.get_pixel(x, y).0;
            let best = (0..MARKING_COLOURS.len()).min_by_key(|&i| dist2(&p, MARKING_COLOURS[i])).unwrap();
            if dist2(&p, MARKING_COLOURS[best]) < TOL2 {
                votes[best] += 1.0;
                let rx = (x as f32 + 0.5 - blob.x0 as f32) / blob.width() as f32 - 0.5;
                let ry = (y as f32 + 0.5 - blob.y0 as f32) / blob.height() as f32;
                pts.push((best, rx.abs(), ry));
            }
        }
    }
    let best = (0..votes.len()).max_by(|&a, &b| votes[a].total_cmp(&votes[b]))?;
    if votes[best] < 2.0 {
        return None;
    }
    let mine: Vec<&(usize, f32, f32)> = pts.iter().filter(|p| p.0 == best).collect();
    let n = mine.len() as f32;
    let pos = (mine.iter().map(|p| p.1).sum::<f32>() / n, mine.iter().map(|p| p.2).sum::<f32>() / n);
    Some(MarkingSeen { votes, pos })
}

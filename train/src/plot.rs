//! The loss-curve PNG: each column of a loss log as a line (log-scale y, smoothed), on a grid.

use std::path::Path;

use anyhow::{Context, Result};
use image::{Rgb, RgbImage};

const W: u32 = 640;
const H: u32 = 360;
const PAD: u32 = 24;
const COLOURS: [[u8; 3]; 6] =
    [[220, 60, 50], [40, 120, 220], [40, 170, 80], [200, 140, 20], [150, 60, 200], [20, 160, 170]];

/// Draws the loss log at `csv` into `png`. Lines are moving averages over ~1% of the steps;
/// the y axis is log10 with a grid line per decade.
pub fn loss_curve(csv: &Path, png: &Path) -> Result<()> {
    let (columns, rows) = crate::log::read(csv)?;
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    if rows.len() >= 2 {
        let x0 = rows.first().map(|r| r.0).unwrap_or(0) as f64;
        let x1 = rows.last().map(|r| r.0).unwrap_or(1) as f64;
        let series: Vec<Vec<(f64, f64)>> = (0..columns.len())
            .map(|c| smooth(&rows.iter().map(|(s, v)| (*s as f64, v[c])).collect::<Vec<_>>()))
            .collect();
        let ys = series.iter().flatten().map(|p| p.1).filter(|y| y.is_finite() && *y > 0.0);
        let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        if lo < hi {
            let (l0, l1) = (lo.log10().floor(), hi.log10().ceil());
            let to_px = |x: f64, y: f64| {
                let fx = (x - x0) / (x1 - x0).max(1.0);
                let fy = (y.log10() - l0) / (l1 - l0).max(1e-9);
                let px = PAD as f64 + fx * (W - 2 * PAD) as f64;
                let py = (H - PAD) as f64 - fy * (H - 2 * PAD) as f64;
                (px, py)
            };
            for d in 0..=((l1 - l0) as i32) {
                let (_, py) = to_px(x0, 10f64.powf(l0 + d as f64));
                hline(&mut img, py as i32, Rgb([225, 225, 225]));
            }
            for (c, pts) in series.iter().enumerate() {
                let colour = Rgb(COLOURS[c % COLOURS.len()]);
                for w in pts.windows(2) {
                    if w[0].1 > 0.0 && w[1].1 > 0.0 {
                        let (a, b) = (to_px(w[0].0, w[0].1), to_px(w[1].0, w[1].1));
                        line(&mut img, a, b, colour);
                    }
                }
            }
        }
    }
    img.save(png).with_context(|| format!("cannot write {}", png.display()))
}

fn smooth(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let k = (points.len() / 100).max(1);
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let w = &points[i.saturating_sub(k)..=i];
            let finite: Vec<f64> = w.iter().map(|q| q.1).filter(|y| y.is_finite()).collect();
            (p.0, finite.iter().sum::<f64>() / finite.len().max(1) as f64)
        })
        .collect()
}

fn hline(img: &mut RgbImage, y: i32, c: Rgb<u8>) {
    if (0..H as i32).contains(&y) {
        for x in PAD..W - PAD {
            img.put_pixel(x, y as u32, c);
        }
    }
}

fn line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), c: Rgb<u8>) {
    let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        if x >= 0.0 && y >= 0.0 && (x as u32) < W && (y as u32) < H {
            img.put_pixel(x as u32, y as u32, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LossLog;

    #[test]
    fn falling_loss_draws_a_line_from_top_left_to_bottom_right() {
        let dir = tempfile::tempdir().unwrap();
        let (csv, png) = (dir.path().join("l.csv"), dir.path().join("l.png"));
        let mut log = LossLog::open(&csv, &["loss"]).unwrap();
        for s in 0..200 {
            log.row(s, &[1.0 / (1.0 + s as f64)]).unwrap();
        }
        loss_curve(&csv, &png).unwrap();
        let img = image::open(&png).unwrap().to_rgb8();
        let red = |x0: u32, x1: u32| {
            (x0..x1).flat_map(|x| (0..H).map(move |y| (x, y)))
                .filter(|&(x, y)| img.get_pixel(x, y)[0] > 200 && img.get_pixel(x, y)[1] < 100)
                .map(|(_, y)| y as f64)
                .collect::<Vec<_>>()
        };
        let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let (left, right) = (red(PAD, PAD + 40), red(W - PAD - 40, W - PAD));
        assert!(!left.is_empty() && !right.is_empty());
        assert!(mean(left) < mean(right), "the curve must go down (pixel y grows)");
    }
}

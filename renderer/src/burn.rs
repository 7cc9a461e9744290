//! `--burn-subtitles`: dialogue drawn into video frames with the bitmap font of [`crate::font`],
//! bottom-centred, wrapped to the width, white on a dark box so it reads on any background.
//! Glyphs grow with the frame (one font pixel is [`glyph_scale`] video pixels).

use crate::font::{self, CELL_H, CELL_W};
use crate::frame::RgbFrame;

const FG: [u8; 3] = [240, 240, 240];

/// Video pixels per font pixel for a frame size: about 1 per 160 rows, at least 1, and small
/// enough that a line holds 16 characters.
pub fn glyph_scale(width: u32, height: u32) -> u32 {
    ((height + 80) / 160).clamp(1, (width / (16 * CELL_W)).max(1))
}

/// The text lines drawn for `texts` (one per cue on screen) in a frame of that size.
pub fn layout(texts: &[String], width: u32, height: u32) -> Vec<String> {
    let k = glyph_scale(width, height);
    let chars = (width.saturating_sub(4 * k) / (CELL_W * k)) as usize;
    let max_lines = ((height / 2) / (CELL_H * k)).max(1) as usize;
    let mut lines: Vec<String> = Vec::new();
    for para in texts.iter().flat_map(|t| t.lines()).filter(|p| !p.trim().is_empty()) {
        let room = max_lines.saturating_sub(lines.len());
        if room == 0 {
            // What does not fit ends the last line in `...` (as `font::wrap` does within a line).
            if let Some(last) = lines.last_mut().filter(|l| !l.ends_with("...")) {
                let keep = chars.saturating_sub(3).min(last.chars().count());
                *last = last.chars().take(keep).collect::<String>() + "...";
            }
            break;
        }
        lines.extend(font::wrap(para, chars, room));
    }
    lines
}

/// Draws the cues' texts (in order, the first on top) at the bottom of `frame`.
pub fn burn(frame: &mut RgbFrame, texts: &[String]) {
    let (w, h) = (frame.width, frame.height);
    let k = glyph_scale(w, h);
    let lines = layout(texts, w, h);
    if lines.is_empty() {
        return;
    }
    let line_h = CELL_H * k;
    let margin = (h / 24).max(2 * k);
    let top = h.saturating_sub(margin + lines.len() as u32 * line_h);
    for (i, line) in lines.iter().enumerate() {
        let n = line.chars().count() as u32;
        let lw = (n * CELL_W * k).saturating_sub(k);
        let x0 = w.saturating_sub(lw) / 2;
        let y0 = top + i as u32 * line_h + k;
        // The box: the line's cell with a font pixel of padding, darkened to a quarter.
        for y in y0.saturating_sub(k)..(y0 + 8 * k).min(h) {
            for x in x0.saturating_sub(k)..(x0 + lw + k).min(w) {
                let [r, g, b] = frame.get(x, y);
                frame.put(x, y, [r / 4, g / 4, b / 4]);
            }
        }
        for (j, c) in line.chars().enumerate() {
            let cx = x0 + j as u32 * CELL_W * k;
            for y in 0..7 * k {
                for x in 0..5 * k {
                    let (px, py) = (cx + x, y0 + y);
                    if px < w && py < h && font::pixel(c, x / k, y / k) {
                        frame.put(px, py, FG);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_grow_with_the_frame() {
        assert_eq!(glyph_scale(64, 64), 1);
        assert_eq!(glyph_scale(256, 256), 2);
        assert_eq!(glyph_scale(1024, 1024), 6);
        assert_eq!(glyph_scale(128, 1024), 1, "a narrow frame keeps 16 characters a line");
    }

    #[test]
    fn text_wraps_to_the_width_and_keeps_its_line_breaks() {
        let t = vec!["keeper: Hold on to the rail!\nNow.".to_string()];
        let lines = layout(&t, 256, 256);
        assert_eq!(lines, vec!["keeper: Hold on to", "the rail!", "Now."], "20 characters a line at 256 px");
        // 10 characters and 3 lines at 64x64: the rest is cut with `...`.
        assert_eq!(layout(&t, 64, 64), vec!["keeper:", "Hold on to", "the rai..."]);
    }

    #[test]
    fn burning_touches_the_bottom_only() {
        let mut f = RgbFrame { width: 64, height: 64, data: vec![200; 64 * 64 * 3] };
        burn(&mut f, &["Hi".to_string()]);
        let changed: Vec<u32> = (0..64).filter(|&y| (0..64).any(|x| f.get(x, y) != [200; 3])).collect();
        assert!(!changed.is_empty());
        assert!(changed.iter().all(|&y| y >= 48), "{changed:?}");
        assert!((0..64).any(|x| (0..64).any(|y| f.get(x, y) == FG)), "glyph pixels are drawn");
    }
}

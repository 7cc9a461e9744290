//! Subtitles from a film's dialogue: cues on the video's frame clock, SubRip and WebVTT
//! sidecars, and the ASS event text the MP4's mov_text track is encoded from.
//!
//! Dialogue is never given to the model, so none of this touches the render cache.

use std::path::Path;

use anyhow::{bail, Context, Result};
use cine_ir::Film;

/// One line of dialogue on the video's frame clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// First video frame on screen (inclusive).
    pub start: u32,
    /// Frame after the last one on screen.
    pub end: u32,
    pub speaker: String,
    pub text: String,
}

impl Cue {
    /// The cue's text with its speaker, as shown in the MP4 and burned into frames.
    pub fn display(&self) -> String {
        if self.speaker.is_empty() {
            self.text.clone()
        } else {
            format!("{}: {}", self.speaker, self.text)
        }
    }

    /// True while frame `f` shows this cue.
    pub fn shows(&self, f: u32) -> bool {
        f >= self.start && f < self.end
    }
}

/// The film's lines as cues of a video that holds film frames `range` (all of them for
/// `0..u32::MAX`): shifted to start at the range's start, cut to it, ordered by start.
pub fn cues(film: &Film, range: std::ops::Range<u32>) -> Vec<Cue> {
    let end = range.end.min(film.total_frames);
    let mut out: Vec<Cue> = film
        .lines()
        .filter_map(|l| {
            let (a, b) = (l.start_frame.max(range.start), l.start_frame.saturating_add(l.frames).min(end));
            (a < b).then(|| Cue { start: a - range.start, end: b - range.start, speaker: l.speaker.clone(), text: l.text.clone() })
        })
        .collect();
    out.sort_by_key(|c| (c.start, c.end));
    out
}

/// Cues that do not overlap (an MP4 text track shows one sample at a time): each stretch of
/// frames with the same cues on screen, their texts (with speakers) one per line.
pub fn segments(cues: &[Cue]) -> Vec<Cue> {
    let mut marks: Vec<u32> = cues.iter().flat_map(|c| [c.start, c.end]).collect();
    marks.sort_unstable();
    marks.dedup();
    marks
        .windows(2)
        .filter_map(|w| {
            let on: Vec<String> = cues.iter().filter(|c| c.shows(w[0])).map(Cue::display).collect();
            (!on.is_empty()).then(|| Cue { start: w[0], end: w[1], speaker: String::new(), text: on.join("\n") })
        })
        .collect()
}

/// Milliseconds from the video's start to frame `f` at `fps`, rounded to the nearest.
pub fn millis(f: u32, fps: u32) -> u64 {
    let fps = fps.max(1) as u64;
    (f as u64 * 1000 + fps / 2) / fps
}

fn clock(ms: u64, sep: char) -> String {
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

/// The text's lines without empty ones (an empty line ends a cue in both formats).
fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty())
}

/// A SubRip (`.srt`) file: numbered cues, `HH:MM:SS,mmm` times, `speaker: text`.
/// SubRip has no escapes; text goes in as written, less empty lines.
pub fn srt(cues: &[Cue], fps: u32) -> String {
    let mut s = String::new();
    for (i, c) in cues.iter().enumerate() {
        let mut body: Vec<String> = text_lines(&c.text).map(String::from).collect();
        if body.is_empty() {
            body.push(String::new());
        }
        if !c.speaker.is_empty() {
            body[0] = format!("{}: {}", c.speaker.replace(['\n', '\r'], " "), body[0]);
        }
        let (a, b) = (clock(millis(c.start, fps), ','), clock(millis(c.end, fps), ','));
        s += &format!("{}\n{a} --> {b}\n{}\n\n", i + 1, body.join("\n"));
    }
    s
}

/// `&`, `<` and `>` as WebVTT character references.
pub fn vtt_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A WebVTT (`.vtt`) file: `HH:MM:SS.mmm` times, the speaker as a `<v speaker>` voice tag.
pub fn vtt(cues: &[Cue], fps: u32) -> String {
    let mut s = String::from("WEBVTT\n\n");
    for (i, c) in cues.iter().enumerate() {
        let body: Vec<String> = text_lines(&c.text).map(vtt_escape).collect();
        let voice = if c.speaker.is_empty() { String::new() } else { format!("<v {}>", vtt_escape(&c.speaker.replace(['\n', '\r'], " "))) };
        s += &format!("{}\n{} --> {}\n{voice}{}\n\n", i + 1, clock(millis(c.start, fps), '.'), clock(millis(c.end, fps), '.'), body.join("\n"));
    }
    s
}

/// A sidecar format, from a file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sidecar {
    Srt,
    Vtt,
}

impl Sidecar {
    pub fn of(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("srt") => Ok(Sidecar::Srt),
            Some("vtt") => Ok(Sidecar::Vtt),
            _ => bail!(
                "cannot write subtitles to {}: the format comes from the extension, .srt (SubRip) or .vtt (WebVTT)",
                path.display()
            ),
        }
    }

    pub fn text(self, cues: &[Cue], fps: u32) -> String {
        match self {
            Sidecar::Srt => srt(cues, fps),
            Sidecar::Vtt => vtt(cues, fps),
        }
    }
}

/// Writes a `.srt` or `.vtt` file (to a temporary name in its folder, then renamed).
pub fn write_sidecar(path: &Path, cues: &[Cue], fps: u32) -> Result<()> {
    let text = Sidecar::of(path)?.text(cues, fps);
    let mut tmp = crate::files::temp_beside(path).with_context(|| format!("cannot write the subtitles {}", path.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).with_context(|| format!("cannot write the subtitles {}", path.display()))?;
    crate::files::readable(tmp.path());
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The ASS header the mov_text encoder is opened with (FFmpeg's default style).
pub const ASS_HEADER: &str = "[Script Info]\n\
; Script generated by cine\n\
ScriptType: v4.00+\n\
PlayResX: 384\n\
PlayResY: 288\n\
ScaledBorderAndShadow: yes\n\
\n\
[V4+ Styles]\n\
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1\n\
\n\
[Events]\n\
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";

/// Cue text as an ASS event text: lines joined by `\N`; a backslash is kept apart from what
/// follows it by zero-width spaces so that `\n` or `{\b1}` in dialogue stay literal.
pub fn ass_text(text: &str) -> String {
    let lines: Vec<String> = text_lines(text).map(|l| l.replace('\\', "\u{200B}\\\u{200B}").replace('\0', "")).collect();
    lines.join("\\N")
}

/// One ASS rect of an `AVSubtitle` (FFmpeg >= 3: `ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`).
pub fn ass_event(order: usize, cue: &Cue) -> String {
    let name = cue.speaker.replace([',', '\n', '\r', '\0'], " ");
    let speaker = if cue.speaker.is_empty() { String::new() } else { format!("{}: ", ass_text(&cue.speaker.replace('\n', " "))) };
    format!("{order},0,Default,{name},0,0,0,,{speaker}{}", ass_text(&cue.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_to_the_nearest() {
        assert_eq!(millis(24, 16), 1500);
        assert_eq!(millis(1, 24), 42);
        assert_eq!(millis(2, 24), 83);
        assert_eq!(millis(3600 * 24 + 1, 24), 3_600_042);
    }

    #[test]
    fn ass_text_keeps_backslashes_and_braces_literal() {
        assert_eq!(ass_text("a\nb"), "a\\Nb");
        assert_eq!(ass_text("C:\\new {\\b1}"), "C:\u{200B}\\\u{200B}new {\u{200B}\\\u{200B}b1}");
    }

    #[test]
    fn unknown_sidecar_extensions_name_the_two() {
        let e = Sidecar::of(Path::new("a.txt")).unwrap_err().to_string();
        assert!(e.contains(".srt (SubRip)") && e.contains(".vtt (WebVTT)"), "{e}");
        assert_eq!(Sidecar::of(Path::new("a.SRT")).unwrap(), Sidecar::Srt);
    }
}

/// The characters of the cues that burned-in subtitles cannot draw (they show as `?`), each
/// once, in order of appearance.
pub fn undrawable(cues: &[Cue]) -> String {
    let mut out = String::new();
    for c in cues.iter().flat_map(|q| q.speaker.chars().chain(q.text.chars())) {
        if !crate::font::drawable(c) && !out.contains(c) {
            out.push(c);
        }
    }
    out
}

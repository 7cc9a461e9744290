//! Lowering a shot's `say` lines: who speaks, when each line is on screen, and the checks
//! that keep subtitles readable. Dialogue never reaches the model's prompt.

use cine_grammar::{Duration, Prop, Span, Stmt};
use cine_ir::Line;

use crate::diag::Diagnostic;
use crate::rules::Rule;
use crate::shot::secs;
use crate::Cx;

/// Characters a second a viewer reads comfortably; a line without `for` stays this long.
pub const READ_CPS: f64 = 15.0;
/// Above this many characters a second a line is too fast to read (`fast-line`).
pub const MAX_CPS: f64 = 20.0;
/// Pause added to a line's reading time, and the bounds of the time a line without `for`
/// stays on screen, in seconds.
pub const PAUSE_SECS: f64 = 0.5;
pub const MIN_SECS: f64 = 1.0;
pub const MAX_SECS: f64 = 7.0;

/// Seconds a line needs to be read: its characters at [`READ_CPS`] plus a pause, at least
/// [`MIN_SECS`] (no upper bound).
pub fn needed_seconds(text: &str) -> f64 {
    (text.chars().count() as f64 / READ_CPS + PAUSE_SECS).max(MIN_SECS)
}

/// Seconds a line without `for` stays on screen: [`needed_seconds`], at most [`MAX_SECS`].
pub fn reading_seconds(text: &str) -> f64 {
    needed_seconds(text).min(MAX_SECS)
}

/// A `say` line before timing: its statement parts and resolved start.
struct Said<'a> {
    speaker: &'a str,
    text: &'a str,
    text_span: Span,
    span: Span,
    length: Option<(u32, &'a Duration)>,
    start: u32,
}

impl Cx<'_> {
    /// The lines of a shot starting at film frame `start` and `frames` long, by start frame.
    pub(crate) fn lines(&mut self, fps: u32, start: u32, frames: u32, subjects: &[String], says: &[&Prop]) -> Vec<Line> {
        let mut said = Vec::new();
        for p in says {
            let Stmt::Say { speaker, at, length, text } = &p.stmt else { continue };
            match self.names.cast_ix.get(&speaker.text) {
                Some(&i) => self.names.cast[i].used = true,
                None => {
                    self.diags.push(self.undefined(Rule::UndefinedCast, speaker.span, &speaker.text));
                    self.mark_suggested(Rule::UndefinedCast, &speaker.text);
                    continue;
                }
            }
            if text.value.trim().is_empty() {
                self.diags.push(
                    Diagnostic::new(Rule::BadValue, 0, text.span, "this line says nothing")
                        .label("empty")
                        .help("write the words between the quotes, or remove the line"),
                );
                continue;
            }
            if !subjects.contains(&speaker.text) {
                self.diags.push(
                    Diagnostic::new(Rule::SpeakerOffScreen, 0, speaker.span, format!("`{}` speaks but is not among this shot's subjects", speaker.text))
                        .label("not on screen")
                        .help(format!("add `{}` to `subjects`, or mark a voice-over with `// cine:allow(speaker-off-screen)`", speaker.text)),
                );
            }
            let rel = at.as_ref().map_or(0.0, |t| t.frames(fps));
            if rel >= frames as f64 {
                let t = at.as_ref().expect("only an `at` can start past the end");
                self.diags.push(
                    Diagnostic::new(Rule::LineOutsideShot, 0, t.span, crate::shot::past_end(t, rel, frames, fps))
                        .label("after the shot ends")
                        .also(p.span, "this line is never shown")
                        .help(format!("times in `at` count from the start of the shot; use a time below {}s, or move the line to the next shot", secs(frames, fps))),
                );
                continue;
            }
            let start_rel = rel as u32;
            let length = match length {
                Some(d) => {
                    let n = d.frames(fps);
                    if n < 1.0 {
                        self.diags.push(
                            Diagnostic::new(Rule::BadValue, 0, d.span, format!("`for {d}` is less than one frame"))
                                .label("never on screen")
                                .help(format!("give the line time to be read, e.g. `for {}s`", secs((reading_seconds(&text.value) * fps as f64).round() as u32, fps))),
                        );
                        continue;
                    }
                    let room = frames - start_rel;
                    if n > room as f64 {
                        self.diags.push(
                            Diagnostic::new(Rule::LineOutsideShot, 0, d.span, format!("this line runs {}s past the end of its shot", secs((n - room as f64) as u32, fps)))
                                .label("past the cut")
                                .help(format!("a subtitle ends at the cut: use `for {}s` or less, or move the rest of the line to the next shot", secs(room, fps))),
                        );
                    }
                    Some(((n as u32).min(room), d))
                }
                None => None,
            };
            said.push(Said { speaker: &speaker.text, text: &text.value, text_span: text.span, span: p.span, length, start: start + start_rel });
        }
        said.sort_by_key(|s| s.start);
        let end_of_shot = start + frames;
        let mut lines = Vec::new();
        let mut shown_until: Option<(u32, &str)> = None;
        for (i, s) in said.iter().enumerate() {
            let next = said[i + 1..].iter().map(|n| n.start).find(|&n| n > s.start);
            let reading = (reading_seconds(s.text) * fps as f64).round().max(1.0) as u32;
            let end = match s.length {
                Some((n, _)) => s.start + n,
                None => (s.start + reading).min(end_of_shot).min(next.unwrap_or(u32::MAX)),
            };
            if let Some((until, who)) = shown_until.filter(|(until, _)| *until > s.start) {
                self.diags.push(
                    Diagnostic::new(Rule::OverlappingLines, 0, s.span, format!("this line starts while `{who}`'s line is on screen for {}s more", secs(until - s.start, fps)))
                        .label("overlaps the line before")
                        .help("start it later, or give the earlier line a shorter `for`"),
                );
            }
            self.fast_line(fps, s, end - s.start, next.is_some_and(|n| n == end), end == end_of_shot);
            if shown_until.is_none_or(|(until, _)| end > until) {
                shown_until = Some((end, s.speaker));
            }
            lines.push(Line { speaker: s.speaker.to_string(), text: s.text.to_string(), start_frame: s.start, frames: end - s.start });
        }
        lines
    }

    /// Warns when a line is on screen too briefly to be read, saying what cut it short.
    fn fast_line(&mut self, fps: u32, s: &Said, shown: u32, by_next: bool, by_cut: bool) {
        let chars = s.text.chars().count() as f64;
        let seconds = shown as f64 / fps as f64;
        if chars / seconds <= MAX_CPS {
            return;
        }
        let need = ((chars / READ_CPS * 2.0).ceil() / 2.0 * fps as f64).round().max(1.0) as u32;
        let help = match s.length {
            Some((_, d)) if !by_cut => format!("give it `for {}s` or more instead of `for {d}`, or shorten the text", secs(need, fps)),
            _ if by_next => format!("start the next line later (this one needs about {}s), or shorten the text", secs(need, fps)),
            _ => format!("start the line earlier or lengthen the shot (it needs about {}s), or shorten the text", secs(need, fps)),
        };
        self.diags.push(
            Diagnostic::new(Rule::FastLine, 0, s.text_span, format!("this line is on screen for {}s: {:.0} characters a second, faster than viewers read", secs(shown, fps), chars / seconds))
                .label("too fast to read")
                .help(help),
        );
    }
}

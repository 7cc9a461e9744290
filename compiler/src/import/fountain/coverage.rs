//! Coverage: which shot a speech goes in, and who an action names.
//!
//! The first on-screen speech after an action paragraph stays in its shot, and so do the
//! speaker's further lines while the shot holds at most [`MAX_DIALOGUE_SECS`] of dialogue.
//! Each change of on-screen speaker cuts to a medium close-up of the new speaker
//! (`mara speaks to teo`); a speaker who talks past the limit goes on in a close-up (then
//! a medium close-up again, and so on, never the same size twice in a row).
//! Dual dialogue (`^`) stays in the shot of the speech it answers: they talk at once.
//! Off-screen speakers (`V.O.`, `O.S.`, `O.C.`) never get a shot of their own: their lines stay in the
//! current one.

use std::collections::{HashMap, HashSet};

use super::film::{Cast, Film, Said, Shot};
use super::text::{clean, short, subtitles};
use super::names::named_in;
use super::parse::Dialogue;
use crate::dialogue::needed_seconds as line_secs;

/// Most seconds of dialogue a shot holds before a speaker's next line cuts to them.
pub const MAX_DIALOGUE_SECS: f64 = 8.0;

/// Parentheticals that say nothing about how a line is spoken.
const NOT_MANNER: &[&str] = &["beat", "pause", "continuing", "cont'd", "cont", "then", "more", "re"];

/// Cast members by the first word of their name, so each action is tested against the
/// members it may name only.
pub struct Names {
    by_word: HashMap<String, Vec<usize>>,
    /// Names without a letter or digit, tested against every action.
    others: Vec<usize>,
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

impl Names {
    pub fn new(cast: &[Cast]) -> Names {
        let mut n = Names { by_word: HashMap::new(), others: Vec::new() };
        for (i, c) in cast.iter().enumerate() {
            match words(&c.name).next() {
                Some(w) => n.by_word.entry(w.to_uppercase()).or_default().push(i),
                None => n.others.push(i),
            }
        }
        n
    }

    /// The cast members an action names (in capitals or title case), in cast order.
    pub fn named(&self, action: &str, cast: &[Cast]) -> Vec<usize> {
        let mut found = self.others.clone();
        let distinct: HashSet<&str> = words(action).collect();
        for w in distinct {
            found.extend(self.by_word.get(&w.to_uppercase()).into_iter().flatten());
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&i| named_in(action, &cast[i].name));
        found
    }
}

/// How a speech is said, from its first parenthetical (`(quietly)` -> `quietly`), when
/// that reads as a manner and is short.
fn manner(d: &Dialogue) -> Option<String> {
    let p = short(&d.parentheticals.first()?.to_lowercase());
    let n = p.split_whitespace().count();
    let skip = p.split(|c: char| !c.is_alphanumeric() && c != '\'').any(|w| NOT_MANNER.contains(&w));
    ((1..=5).contains(&n) && !skip).then_some(p)
}

/// The action of a speaker's shot: `mara speaks to teo, quietly`.
fn speaker_action(who: &str, to: Option<&str>, manner: Option<&str>) -> String {
    let mut s = format!("{who} speaks");
    match manner {
        Some(m) if m.starts_with("to ") => s += &format!(" {m}"),
        _ => {
            if let Some(t) = to {
                s += &format!(" to {t}");
            }
            if let Some(m) = manner {
                s += &format!(", {m}");
            }
        }
    }
    s
}

impl Film {
    /// Places a speech: in the scene's latest shot, or in a new shot of its speaker.
    /// `pending` sections, synopses and notes go before the speech.
    pub fn speech(&mut self, d: &Dialogue, cast: usize, pending: &mut Vec<String>) {
        let text = clean(&d.text);
        if text.is_empty() {
            return;
        }
        let off_screen = d.off_screen();
        let who = short(&d.name.to_lowercase());
        let note = (!d.parentheticals.is_empty()).then(|| clean(&format!("({})", d.parentheticals.join("; "))));
        let manner = manner(d);
        for (k, part) in subtitles(&text).into_iter().enumerate() {
            let secs = line_secs(&part);
            let scene = self.scene();
            let size = match scene.shots.last() {
                None => Some("medium_close_up"),
                Some(_) if off_screen => None,
                Some(shot) => match shot.speaker {
                    None => None,
                    Some(_) if k == 0 && d.dual => None,
                    Some(c) if c == cast && shot.said_secs + secs <= MAX_DIALOGUE_SECS => None,
                    Some(c) if c == cast && shot.size == Some("close_up") => Some("medium_close_up"),
                    Some(c) if c == cast => Some("close_up"),
                    Some(_) => Some("medium_close_up"),
                },
            };
            if size.is_some() {
                let to = scene.speakers.iter().flatten().copied().find(|&c| c != cast);
                let to = to.map(|l| short(&self.cast[l].name.to_lowercase()));
                // An off-screen voice opening a scene plays over a shot of the place: nobody speaks.
                let action = if off_screen { String::new() } else { speaker_action(&who, to.as_deref(), manner.as_deref().filter(|_| k == 0)) };
                let (size, subjects) = if off_screen { (None, vec![]) } else { (size, vec![cast]) };
                let before = std::mem::take(pending);
                self.scene().shots.push(Shot { action, size, subjects, before, ..Default::default() });
            }
            let scene = self.scene();
            if !off_screen && scene.speakers[0] != Some(cast) {
                scene.speakers = [Some(cast), scene.speakers[0]];
            }
            let shot = scene.shots.last_mut().expect("the scene has a shot");
            for p in pending.drain(..) {
                shot.notes.push((shot.lines.len(), p));
            }
            if !off_screen {
                if !shot.subjects.contains(&cast) {
                    shot.subjects.push(cast);
                }
                shot.speaker = Some(cast);
            }
            shot.said_secs += secs;
            let note = if k == 0 { note.clone() } else { None };
            shot.lines.push(Said { cast, text: part, off_screen, note });
        }
    }
}

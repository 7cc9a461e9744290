//! Fountain elements to a film: a set per location, a cast member per speaker and per
//! character introduced in the action, a shot per action paragraph (several for one too
//! long for a prompt), and the dialogue in it or in shots of the speakers
//! ([`coverage`](super::coverage)).

use std::collections::{HashMap, HashSet};

use super::coverage::Names;
use super::intro::introduced;
use super::names::{cast_description, ident, Location, When};
use super::parse::{Dialogue, Element, Script};
use super::text::{clean, short, shot_actions};

/// A film before timing.
#[derive(Debug, Default)]
pub struct Film {
    /// The title page's `Title`.
    pub title: Option<String>,
    /// The rest of the title page, `Key: value`.
    pub notes: Vec<String>,
    pub cast: Vec<Cast>,
    pub sets: Vec<Set>,
    pub scenes: Vec<Scene>,
    /// Transitions with no shot before them.
    pub dropped: Vec<String>,
    /// Sections, synopses and notes after the last shot.
    pub after: Vec<String>,
    /// Cast index by key, and the idents taken.
    keys: HashMap<String, usize>,
    idents: HashSet<String>,
}

#[derive(Debug)]
pub struct Cast {
    pub ident: String,
    /// The name in capitals with single spaces: what makes two cues the same speaker.
    pub key: String,
    /// As written in the cues (`DR. WHO`).
    pub name: String,
    pub description: String,
}

#[derive(Debug)]
pub struct Set {
    pub ident: String,
    /// What makes two headings the same place (place and interior/exterior).
    pub key: String,
    pub description: String,
}

#[derive(Debug)]
pub struct Scene {
    pub set: usize,
    /// The heading as written, with its scene number (`None` for the default scene).
    pub heading: Option<String>,
    pub time: Option<&'static str>,
    /// Why the heading's time is not (or not directly) a stdlib time.
    pub time_note: Option<String>,
    pub shots: Vec<Shot>,
    /// Sections, synopses and notes before the scene heading.
    pub before: Vec<String>,
    /// The latest on-screen speaker and the one before them.
    pub speakers: [Option<usize>; 2],
}

#[derive(Debug, Default)]
pub struct Shot {
    pub action: String,
    /// A stdlib shot size (the shots of speakers).
    pub size: Option<&'static str>,
    pub subjects: Vec<usize>,
    pub lines: Vec<Said>,
    /// Stdlib transition and the original text when it was not an exact match.
    pub transition: Option<(&'static str, Option<String>)>,
    /// Sections, synopses and notes before the shot.
    pub before: Vec<String>,
    /// Notes in the shot, each with the number of lines before it.
    pub notes: Vec<(usize, String)>,
    /// The latest on-screen speaker, and the reading time of all lines.
    pub speaker: Option<usize>,
    pub said_secs: f64,
}

#[derive(Debug)]
pub struct Said {
    pub cast: usize,
    pub text: String,
    pub off_screen: bool,
    /// Parentheticals, kept as a comment.
    pub note: Option<String>,
}

/// `Dr.  Who` and `DR. WHO` are one speaker.
pub fn speaker_key(name: &str) -> String {
    name.to_uppercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A stdlib transition for a Fountain one, and whether it was an exact match.
pub fn transition_kind(t: &str) -> (&'static str, bool) {
    let u = t.trim().trim_end_matches(['.', ':']).trim().to_uppercase();
    let u = u.split_whitespace().collect::<Vec<_>>().join(" ");
    match u.as_str() {
        "CUT TO" => ("cut", true),
        "DISSOLVE TO" => ("dissolve", true),
        "FADE OUT" | "FADE TO BLACK" => ("fade_to_black", true),
        "FADE TO" => ("fade", true),
        "SMASH CUT TO" => ("smash_cut", true),
        "MATCH CUT TO" => ("match_cut", true),
        "WIPE TO" => ("wipe", true),
        _ => ("cut", false),
    }
}

impl Film {
    /// Builds the film of a parsed script.
    pub fn new(script: &Script) -> Film {
        let mut f = Film::default();
        for (k, v) in &script.title_page {
            if k.eq_ignore_ascii_case("title") && f.title.is_none() && !clean(v).is_empty() {
                f.title = Some(short(v));
            } else {
                f.notes.push(clean(&format!("{k}: {v}")));
            }
        }
        let actions: Vec<&str> = script.elements.iter().filter_map(|e| if let Element::Action(a) = e { Some(a.as_str()) } else { None }).collect();
        // Speakers with something to say: a cue with only a parenthetical is a comment.
        for e in &script.elements {
            match e {
                Element::Dialogue(d) if !clean(&d.text).is_empty() => f.add_cast(&d.name, &actions),
                _ => {}
            }
        }
        let mut places = HashSet::new();
        for e in &script.elements {
            if let Element::Heading { text, .. } = e {
                let loc = Location::parse(text);
                places.extend(loc.place.iter().flat_map(|p| p.split(|c: char| !c.is_alphanumeric()).map(str::to_uppercase)));
            }
        }
        for (name, at) in introduced(&actions, &places) {
            if !f.is_alias(&name) {
                f.add_cast(&name, &actions[at..]);
            }
        }
        let names = Names::new(&f.cast);
        let mut last_time = None;
        // Sections, synopses and notes waiting for the next scene or shot.
        let mut pending = Vec::new();
        // Off-screen lines before the first scene (an opening voice-over): they play over the
        // first scene's opening shot of its place, or over the first action without a heading.
        let mut opening: Vec<(&Dialogue, usize)> = Vec::new();
        // The text of the latest transition.
        let mut last_transition = None;
        for e in &script.elements {
            match e {
                Element::Heading { text, number } => {
                    f.fill_empty_scene();
                    let loc = Location::parse(text);
                    let set = f.set_for(&loc);
                    let (time, time_note) = match &loc.time {
                        Some(raw) => match When::of(raw) {
                            When::Time(t) => (Some(t), None),
                            When::Same => (last_time, Some(format!("{}: the time of the scene before", clean(raw)))),
                            When::Unknown => (None, Some(format!("{}: no stdlib time", clean(raw)))),
                        },
                        None => (None, None),
                    };
                    last_time = time.or(last_time);
                    let heading = match number {
                        Some(n) => format!("{} #{n}#", clean(text)),
                        None => clean(text),
                    };
                    let before = std::mem::take(&mut pending);
                    f.scenes.push(Scene { set, heading: Some(heading), time, time_note, shots: vec![], before, speakers: [None; 2] });
                    for (d, cast) in opening.drain(..) {
                        f.speech(d, cast, &mut pending);
                    }
                }
                // A paragraph too long for one prompt goes on in the next shots.
                Element::Action(a) => {
                    for (k, action) in shot_actions(&clean(a)).into_iter().enumerate() {
                        let subjects = names.named(&action, &f.cast);
                        let before = std::mem::take(&mut pending);
                        f.scene().shots.push(Shot { action, subjects, before, ..Default::default() });
                        if k == 0 {
                            for (d, cast) in opening.drain(..) {
                                f.speech(d, cast, &mut pending);
                            }
                        }
                    }
                }
                // A cue with only a parenthetical (`TEO` `(nods)`): nothing to say, a comment.
                Element::Dialogue(d) if clean(&d.text).is_empty() => {
                    let mut note = clean(&d.name);
                    if !d.parentheticals.is_empty() {
                        note = clean(&format!("{note} ({})", d.parentheticals.join("; ")));
                    }
                    f.comment(note, &mut pending);
                }
                Element::Dialogue(d) => {
                    if let Some(&cast) = f.keys.get(&speaker_key(&d.name)) {
                        if f.scenes.is_empty() && d.off_screen() {
                            opening.push((d, cast));
                        } else {
                            for (d, cast) in opening.drain(..) {
                                f.speech(d, cast, &mut pending);
                            }
                            f.speech(d, cast, &mut pending);
                        }
                    }
                }
                Element::Transition(t) => {
                    f.fill_empty_scene();
                    let (kind, exact) = transition_kind(t);
                    let original = (!exact).then(|| short(t));
                    match f.scenes.iter_mut().rev().find_map(|s| s.shots.last_mut()) {
                        Some(shot) => {
                            // Of transitions in a row the last one is the shot's; the others stay as comments.
                            if let Some(before) = last_transition.take().filter(|_| shot.transition.is_some()) {
                                shot.notes.push((shot.lines.len(), before));
                            }
                            shot.transition = Some((kind, original));
                        }
                        None => f.dropped.push(clean(t)),
                    }
                    last_transition = Some(clean(t));
                }
                Element::Note(n) => {
                    let n = clean(n);
                    if !n.is_empty() {
                        f.comment(format!("[[{n}]]"), &mut pending);
                    }
                }
                Element::Unfilmed(u) => f.comment(clean(u), &mut pending),
                Element::Outline(o) => pending.push(clean(o)),
            }
        }
        for (d, cast) in opening.drain(..) {
            f.speech(d, cast, &mut pending);
        }
        f.fill_empty_scene();
        f.after = pending;
        f
    }

    /// A comment in the latest shot, after what it follows; before the next shot when
    /// there is none yet.
    fn comment(&mut self, text: String, pending: &mut Vec<String>) {
        match self.scenes.last_mut().and_then(|s| s.shots.last_mut()) {
            Some(shot) => shot.notes.push((shot.lines.len(), text)),
            None => pending.push(text),
        }
    }

    /// Adds a cast member unless the name is one already; the description comes from the
    /// first of `actions` that names them in capitals.
    fn add_cast(&mut self, name: &str, actions: &[&str]) {
        let key = speaker_key(name);
        if self.keys.contains_key(&key) {
            return;
        }
        let base = ident(name, "character");
        let mut id = base.clone();
        let mut n = 2;
        while self.idents.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        let description = short(&cast_description(name, actions));
        self.keys.insert(key.clone(), self.cast.len());
        self.idents.insert(id.clone());
        self.cast.push(Cast { ident: id, key, name: name.to_string(), description });
    }

    /// Whether an introduced name is a speaker's full or short name (`DICK STEEL` for the
    /// cue `STEEL`, or the other way round): its first or last word is the other's whole
    /// name, for exactly one cast member.
    fn is_alias(&self, name: &str) -> bool {
        let key = speaker_key(name);
        let words: Vec<&str> = key.split(' ').collect();
        let ends = |w: &[&str], one: &str| w.len() > 1 && (w[0] == one || w[w.len() - 1] == one);
        let matching = self.cast.iter().filter(|c| {
            let theirs: Vec<&str> = c.key.split(' ').collect();
            (words.len() == 1 && ends(&theirs, words[0])) || (theirs.len() == 1 && ends(&words, theirs[0]))
        });
        matching.count() == 1
    }

    /// The current scene, opening a default one when the script starts without a heading.
    pub(super) fn scene(&mut self) -> &mut Scene {
        if self.scenes.is_empty() {
            let set = self.set_for(&Location::default());
            self.scenes.push(Scene { set, heading: None, time: None, time_note: None, shots: vec![], before: vec![], speakers: [None; 2] });
        }
        self.scenes.last_mut().expect("a scene was just added")
    }

    /// A scene with only its heading gets one short shot of the place.
    fn fill_empty_scene(&mut self) {
        if let Some(s) = self.scenes.last_mut().filter(|s| s.shots.is_empty()) {
            s.shots.push(Shot::default());
        }
    }

    /// The set of a location: the same place (and interior/exterior) is the same set.
    fn set_for(&mut self, loc: &Location) -> usize {
        let key = loc.key();
        if let Some(i) = self.sets.iter().position(|s| s.key == key) {
            return i;
        }
        let base = ident(&loc.place.join(" "), "stage");
        let mut id = base.clone();
        if self.sets.iter().any(|s| s.ident == id) {
            if let Some(kind) = loc.kind {
                id = format!("{base}_{}", kind.word().replace(' ', "_"));
            }
        }
        let mut n = 2;
        while self.sets.iter().any(|s| s.ident == id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.sets.push(Set { ident: id, key, description: short(&loc.description()) });
        self.sets.len() - 1
    }
}

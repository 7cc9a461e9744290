//! Characters who never speak, found where the action introduces them in capitals.
//!
//! A name is a run of one to three words in capitals (each at least two letters, no
//! digits, `MR.`/`DR.`-style titles allowed). It is a character when it is introduced as
//! one:
//! - directly followed by an age in parentheses: `TEO (20s)`, `(60)`, `(late teens)`;
//! - or directly followed by a comma and a short description (at most 12 words) that
//!   starts with an article or a possessive: `TEO, a nervous student, ...`;
//! - or it starts a sentence, a lowercase word follows (`TEO runs in.`) and its words come
//!   back in title case in that paragraph or a later one (`Teo waves.`).
//!
//! Never a character: a run in a paragraph written all in capitals, right after an article
//! or possessive (`the GUN, a revolver`), with a possessive `'S`, holding a sound effect,
//! emphasis, scene-heading, transition or camera word (`BANG`, `SLAM`, `THE END`, `NIGHT`,
//! `CUT`, `CLOSE`), or made only of words of the scene headings' places.

use std::collections::{HashMap, HashSet};

use super::names::title_word;

/// Words that are never part of a name.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    // Sound effects.
    "BANG", "BOOM", "CRASH", "SLAM", "SLAMS", "THUD", "THUMP", "WHAM", "BAM", "POW", "POP", "CRACK", "SNAP", "CLICK", "KNOCK", "RING", "RINGS", "BUZZ",
    "BEEP", "HONK", "SCREECH", "SPLASH", "WHOOSH", "ZAP", "SMACK", "CLANG", "CLANK", "RUMBLE", "ROAR", "SHATTER", "SCREAM", "SCREAMS", "GUNSHOT",
    "GUNSHOTS", "EXPLOSION", "THUNDER", "KABOOM", "WHACK", "THWACK", "CREAK", "HISS", "DING", "DONG", "TICK", "TOCK", "SIREN", "SIRENS", "BLAM",
    // Emphasis and shouts.
    "THE", "END", "NOT", "NO", "YES", "STOP", "HELP", "NOW", "NEVER", "ALWAYS", "ALL", "EVERYTHING", "NOTHING", "SILENCE", "DARKNESS", "BLACK",
    "WHITE", "SUDDENLY", "WAIT", "RUN", "GO", "FIRE", "DEAD", "WHAT", "WHY", "OK", "OKAY", "HEY", "OH", "AND", "BUT", "OR", "OF", "IN", "ON", "AT",
    "IS", "IT", "BY", "FOR", "WITH", "FROM", "THIS", "THAT", "REALLY", "VERY", "HUGE", "TINY", "DANGER", "WARNING", "EXIT", "OPEN", "CLOSED",
    // Scene headings and times of day.
    "INT", "EXT", "EST", "DAY", "NIGHT", "MORNING", "AFTERNOON", "EVENING", "DAWN", "DUSK", "NOON", "MIDNIGHT", "SUNSET", "SUNRISE", "CONTINUOUS",
    "LATER", "SAME", "MOMENTS", "TIME",
    // Transitions and camera directions.
    "CUT", "FADE", "DISSOLVE", "SMASH", "MATCH", "WIPE", "TO", "OUT", "IRIS", "INTERCUT", "CLOSE", "UP", "CLOSEUP", "ANGLE", "POV", "INSERT", "BACK",
    "SUPER", "TITLE", "TITLES", "CARD", "MONTAGE", "FLASHBACK", "FLASH", "SERIES", "SHOTS", "SHOT", "WIDE", "REVERSE", "OVER", "TRACKING", "PAN",
    "ZOOM", "FREEZE", "FRAME", "SLOW", "MOTION", "SPLIT", "SCREEN", "ESTABLISHING", "VO", "OS", "OC", "CONT", "MORE", "FX", "SFX", "VFX",
];

/// Words before a run that make it a thing, not a name (`the GUN`).
const DETERMINERS: &[&str] = &["a", "an", "the", "his", "her", "its", "their", "our", "my", "your", "this", "that", "these", "those", "some", "every"];

/// Titles that may end with a `.` inside a name.
const TITLES: &[&str] = &["MR", "MRS", "MS", "DR", "PROF", "ST", "SGT", "CPT", "LT", "GEN", "COL", "CAPT"];

/// Words of age in a parenthesis (`late teens`, `forties`).
fn age(p: &str) -> bool {
    let p = p.trim();
    if p.is_empty() || p.chars().count() > 20 {
        return false;
    }
    p.chars().any(|c| c.is_ascii_digit())
        || p.split(|c: char| !c.is_alphabetic()).any(|w| {
            let w = w.to_lowercase();
            w.ends_with("ties") || w.ends_with("teens") || ["teen", "old", "young", "elderly", "ageless"].contains(&w.as_str())
        })
}

/// A word of a name: capitals (and `'` or `-` inside), at least two letters, no digits.
fn name_word(w: &str) -> bool {
    let w = w.strip_suffix('.').filter(|t| TITLES.contains(t)).unwrap_or(w);
    w.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && w.chars().all(|c| (c.is_alphabetic() && !c.is_lowercase()) || c == '\'' || c == '-' || c == '\u{2019}')
        && w.starts_with(char::is_alphabetic)
        && w.ends_with(char::is_alphabetic)
}

/// A capitals run in a paragraph: its words and where it starts and ends.
struct Run<'a> {
    words: Vec<&'a str>,
    start: usize,
    end: usize,
}

/// The runs of name words of a paragraph (split at whitespace, punctuation at their ends
/// stripped; a run is broken by anything but one space).
fn runs(text: &str) -> Vec<Run<'_>> {
    let mut out: Vec<Run> = Vec::new();
    let mut open = false;
    for (start, token) in tokens(text) {
        let lead = token.len() - token.trim_start_matches(['"', '(', '\u{201c}']).len();
        let core = token[lead..].trim_end_matches([',', '.', ';', ':', '!', '?', '"', ')', '\u{201d}']);
        let core = match token[lead + core.len()..].starts_with('.') && TITLES.contains(&core) {
            true => &token[lead..lead + core.len() + 1],
            false => core,
        };
        if !name_word(core) {
            open = false;
            continue;
        }
        let (s, e) = (start + lead, start + lead + core.len());
        match out.last_mut() {
            Some(r) if open && lead == 0 && text[r.end..s] == *" " => {
                r.words.push(core);
                r.end = e;
            }
            _ => out.push(Run { words: vec![core], start: s, end: e }),
        }
        // Punctuation after the word ends the run (except a title's own `.`).
        open = e == start + token.len();
    }
    out
}

/// Whitespace-separated tokens and their byte offsets.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace().map(move |t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
}

/// Whether the text after a run introduces a character: `(age)` or `, a description`.
fn introduces(after: &str) -> bool {
    let t = after.strip_prefix(' ').unwrap_or(after);
    if let Some(inner) = t.strip_prefix('(') {
        return inner.find(')').is_some_and(|e| age(&inner[..e]));
    }
    let Some(r) = after.strip_prefix(',') else { return false };
    let end = r.find([',', '.', ';', '!', '?']).unwrap_or(r.len());
    let words: Vec<&str> = r[..end].split_whitespace().collect();
    (1..=12).contains(&words.len())
        && words.first().is_some_and(|w| DETERMINERS.contains(&w.to_lowercase().as_str()) || w.starts_with(|c: char| c.is_ascii_digit()))
}

/// Whether a run starts a sentence and a lowercase word follows it (`TEO runs`).
fn subject_of_sentence(text: &str, r: &Run) -> bool {
    let before = text[..r.start].trim_end();
    let starts = before.is_empty() || before.ends_with(['.', '!', '?', ':']);
    let next = text[r.end..].strip_prefix(' ').and_then(|t| t.chars().next());
    starts && next.is_some_and(char::is_lowercase)
}

/// The characters introduced in capitals in `actions`, in order of introduction: each name
/// in capitals with single spaces and the index of the paragraph that introduces it.
/// `place_words` are the words of the scene headings' places (in capitals).
pub fn introduced(actions: &[&str], place_words: &HashSet<String>) -> Vec<(String, usize)> {
    // The last paragraph each title-case word occurs in.
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, a) in actions.iter().enumerate() {
        for w in a.split(|c: char| !c.is_alphabetic()) {
            if w.starts_with(char::is_uppercase) && w.chars().skip(1).all(char::is_lowercase) && w.chars().count() >= 2 {
                last.insert(w, i);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, text) in actions.iter().enumerate() {
        if !text.chars().any(char::is_lowercase) {
            continue;
        }
        for r in runs(text) {
            let bare = |w: &&str| w.trim_end_matches('.').to_string();
            let words: Vec<String> = r.words.iter().map(bare).collect();
            let prev = text[..r.start].split_whitespace().next_back().unwrap_or("");
            let rejected = r.words.len() > 3
                || DETERMINERS.contains(&prev.to_lowercase().as_str())
                || r.words.iter().any(|w| w.ends_with("'S") || w.ends_with("\u{2019}S"))
                || words.iter().any(|w| NOT_NAMES.contains(&w.as_str()))
                || words.iter().all(|w| place_words.contains(w));
            if rejected {
                continue;
            }
            let later = || words.iter().all(|w| last.get(title_word(w).as_str()).is_some_and(|&at| at >= i));
            if introduces(&text[r.end..]) || (subject_of_sentence(text, &r) && later()) {
                let name = r.words.join(" ");
                if seen.insert(name.clone()) {
                    out.push((name, i));
                }
            }
        }
    }
    out
}

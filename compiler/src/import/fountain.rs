//! Fountain screenplays (<https://fountain.io/syntax>), the plain-text format of Highland,
//! Slugline, Fade In and WriterSolo.
//!
//! - Title page: `Title:` becomes the title, the other keys a comment.
//! - Scene headings (`INT.`, `EXT.`, `EST.`, `INT./EXT.`, `I/E.`, or forced with `.`;
//!   `#12#` numbers kept in a comment) become scenes, one `set` per distinct place
//!   (interior and exterior of a place are two sets). The part after the last ` - ` is the
//!   time of day when it reads as one (see [`names::When::of`]); `CONTINUOUS`, `LATER`,
//!   `SAME` keep the previous scene's time; others are kept in a comment.
//! - Each action paragraph is a shot; `subjects` are the speakers named in it (in capitals
//!   or title case) and the on-screen speakers of its dialogue.
//! - Dialogue becomes `say` lines in the scene's latest shot (one `NAME speaks` shot is
//!   opened when a scene starts with dialogue). Speeches over 90 characters are split
//!   into subtitles at sentence ends. Parentheticals become comments; `V.O.`, `O.S.`,
//!   `O.C.` speakers stay out of `subjects` and their lines carry
//!   `// cine:allow(speaker-off-screen)`. Dual dialogue is read as plain dialogue.
//! - Transitions set the `transition` of the shot before them.
//! - Notes, boneyard, sections, synopses, page breaks, centered text, lyrics and
//!   emphasis markers are dropped.
//!
//! Cast members are the speakers (ident from the cue name, description from the action
//! line that introduces them in capitals, `MARA (30s), a ferry pilot, ...` ->
//! `mara, 30s, a ferry pilot`). Durations are estimated ([`write`]).

pub mod coverage;
pub mod film;
pub mod intro;
pub mod names;
pub mod parse;
pub mod write;

#[cfg(test)]
mod tests;

use super::Target;

/// Converts a Fountain script into screenplay text. The title page's title is used unless
/// `keep_title` (then `target.title` is).
pub fn import(input: &str, target: &Target, keep_title: bool) -> Result<String, String> {
    if input.contains('\0') {
        return Err("the file holds NUL bytes: this is not a Fountain text file".into());
    }
    let script = parse::parse(input);
    if script.elements.is_empty() {
        return Err("no scene headings, action or dialogue found: is this a Fountain screenplay?".into());
    }
    let film = film::Film::new(&script);
    if film.scenes.iter().all(|s| s.shots.is_empty()) {
        return Err("the script has nothing to film: no scene headings, action or dialogue".into());
    }
    Ok(write::write(&film, target, keep_title))
}

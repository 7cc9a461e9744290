//! Fountain screenplays (<https://fountain.io/syntax>), the plain-text format of Highland,
//! Slugline, Fade In and WriterSolo.
//!
//! - Title page: `Title:` becomes the title, the other keys a comment.
//! - Scene headings (`INT.`, `EXT.`, `EST.`, `INT./EXT.`, `I/E.`, or forced with `.`, on
//!   a line between blank lines; `#12#` numbers kept in a comment) become scenes, one
//!   `set` per distinct place (interior and exterior of a place are two sets). The part
//!   after the last ` - ` is the time of day when it reads as one (see
//!   [`names::When::of`]); `CONTINUOUS`, `LATER`, `SAME` keep the previous scene's time;
//!   others are kept in a comment.
//! - Each action paragraph is a shot; `subjects` are the cast members named in it (in
//!   capitals or title case) and the on-screen speakers of its dialogue. A paragraph too
//!   long for one prompt goes on in the next shots ([`text`]).
//! - Dialogue becomes `say` lines ([`coverage`]). The first on-screen speech after an
//!   action paragraph stays in its shot, with the speaker's further lines while the shot
//!   holds at most 8 s of dialogue. Each change of on-screen speaker cuts to a
//!   `medium_close_up` of the new speaker (`subjects` the speaker, action `mara speaks to
//!   teo`, with the manner of a first parenthetical: `, quietly`); a speaker who goes on
//!   past 8 s gets a `close_up`, then a `medium_close_up` again, alternately. A dual
//!   dialogue line (`^`) stays in the shot of the speech before it. A scene that starts
//!   with dialogue opens with a shot of the speaker. Speeches over 90 characters are
//!   split into subtitles at sentence ends; sung lines (`~`) lose the `~`. Parentheticals
//!   become comments, and so does a cue with nothing but a parenthetical (`// TEO
//!   (laughs)`, no cast member of its own); `V.O.`, `O.S.`, `O.C.` speakers never get a
//!   shot of their own: their lines stay in the current shot, out of `subjects`, with
//!   `// cine:allow(speaker-off-screen)`.
//! - Transitions set the `transition` of the last shot before them; of several in a row
//!   the last one, the others kept in comments before it.
//! - Sections (`# Act One`) and synopses (`= ...`) become `//` comments before the scene
//!   or shot that follows (at the end of the file after the last one); notes `[[...]]`
//!   become `// [[...]]` in the shot they sit in, after the action or line they follow,
//!   and so do lyrics (`// ~Willy Wonka!`) and centered text (`// >THE END<`).
//! - Boneyard (cut text), page breaks and paired emphasis markers (`*x*`, `**x**`, `_x_`)
//!   are dropped.
//!
//! Cast members are the speakers (ident from the cue name, description from the action
//! line that introduces them in capitals, `MARA (30s), a ferry pilot, ...` ->
//! `mara, 30s, a ferry pilot`) and the characters the action introduces who never speak
//! ([`intro`]): a run of one to three capitalised words directly followed by an age in
//! parentheses (`TEO (20s)`) or by a comma and a description starting with an article or
//! possessive (`TEO, a nervous student`), or starting a sentence and named again later in
//! title case (`TEO runs.` ... `Teo waves.`). Sound effects, emphasis, scene-heading,
//! transition and camera words (`BANG`, `SLAM`, `THE END`, `NIGHT`, `CUT`), words under
//! two letters, runs after an article (`the GUN, a revolver`), possessives and paragraphs
//! written all in capitals are never cast. Durations are estimated ([`write`]).

pub mod coverage;
pub mod film;
pub mod intro;
pub mod names;
pub mod parse;
pub mod text;
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

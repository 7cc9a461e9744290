//! `say` lines: parsing, timing on the frame grid, what they change (and do not change) in
//! the IR, formatting and the symbol index.

mod common;

use cine_compiler::{Config, Rule};
use cine_ir::Line;

const HEAD: &str = "cast mara \"a fisherwoman\"\ncast tom \"a fisherman\"\nset pier \"a wooden pier\"\nscene pier {\n";

/// A one-shot film of `secs` seconds with both speakers on screen and these shot lines.
fn film(secs: u32, lines: &str) -> String {
    format!("{HEAD}  shot a {{\n    duration {secs}s\n    subjects mara, tom\n{lines}  }}\n}}\n")
}

fn lines(src: &str) -> Vec<Line> {
    let c = common::check(src, &Config::default());
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.rule.default_level() == cine_compiler::Level::Deny).map(|d| d.message.clone()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    c.film.expect("a film").shots[0].lines.clone()
}

fn line(speaker: &str, text: &str, start_frame: u32, frames: u32) -> Line {
    Line { speaker: speaker.into(), text: text.into(), start_frame, frames }
}

#[test]
fn lines_are_timed_by_reading_time_the_next_line_and_the_cut() {
    // 16 fps. "It's late." is 10 characters: 10/15 + 0.5 s = 1.17 s -> 19 frames.
    // Tom's line is cut short by Mara's at 3 s; Mara's last line by the end of the shot.
    let src = film(4, "    say mara: \"It's late.\"\n    say tom at 1.5s: \"Not yet, the tide is high.\"\n    say mara at 3s: \"Then we wait for it here.\"\n");
    assert_eq!(
        lines(&src),
        vec![line("mara", "It's late.", 0, 19), line("tom", "Not yet, the tide is high.", 24, 24), line("mara", "Then we wait for it here.", 48, 16)]
    );
}

#[test]
fn reading_time_has_a_floor_and_a_ceiling() {
    // "No." would need 0.7 s: it gets the 1 s floor. 200 characters get the 7 s ceiling.
    let long = "a".repeat(200);
    let got = lines(&film(10, &format!("    say tom: \"No.\"\n    say mara at 2s: \"{long}\"\n")));
    assert_eq!((got[0].frames, got[1].frames), (16, 112));
}

#[test]
fn for_sets_the_length_and_order_follows_time_not_source() {
    let got = lines(&film(4, "    say tom at 2s for 24f: \"Later.\"\n    say mara at 0.5s for 1s: \"First.\"\n"));
    assert_eq!(got, vec![line("mara", "First.", 8, 16), line("tom", "Later.", 32, 24)]);
}

#[test]
fn lines_start_at_the_shots_frame_in_the_film() {
    let src = format!("{HEAD}  shot a {{\n    duration 2s\n    subjects mara\n  }}\n  shot b {{\n    duration 2s\n    subjects tom\n    say tom at 0.5s: \"Hey.\"\n  }}\n}}\n");
    let film = common::check(&src, &Config::default()).film.unwrap();
    assert!(film.shots[0].lines.is_empty());
    assert_eq!(film.shots[1].lines, vec![line("tom", "Hey.", 40, 16)]);
    assert_eq!(film.lines().count(), 1);
}

#[test]
fn dialogue_is_not_in_any_prompt_and_counts_as_using_the_cast() {
    let with = film(2, "    say mara: \"Quiet now.\"\n");
    let without = film(2, "");
    let a = common::check(&with, &Config::default()).film.unwrap();
    let b = common::check(&without, &Config::default()).film.unwrap();
    assert_eq!(a.shots[0].prompt, b.shots[0].prompt);
    assert!(!a.shots[0].prompt.contains("Quiet"));
    // A cast member who only speaks (off screen, allowed) is used.
    let vo = format!("{HEAD}  shot a {{\n    duration 2s\n    subjects mara\n    say tom: \"Come home.\" // cine:allow(speaker-off-screen)\n  }}\n}}\n");
    let c = common::check(&vo, &Config::default());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
}

#[test]
fn films_without_dialogue_keep_their_ir_json() {
    let json = serde_json::to_string(&common::check(&film(2, ""), &Config::default()).film.unwrap()).unwrap();
    assert!(!json.contains("\"lines\""), "{json}");
    let with = serde_json::to_string(&common::check(&film(2, "    say tom: \"Hi.\"\n"), &Config::default()).film.unwrap()).unwrap();
    let back: cine_ir::Film = serde_json::from_str(&with).unwrap();
    assert_eq!(back.shots[0].lines, vec![line("tom", "Hi.", 0, 16)]);
}

#[test]
fn bad_lines_are_reported_not_kept() {
    let src = film(2, "    say mara: \"\"\n    say tom for 0f: \"Hm.\"\n    say bob: \"Hi.\"\n");
    let c = common::check(&src, &Config::default());
    let rules: Vec<Rule> = c.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, vec![Rule::BadValue, Rule::BadValue, Rule::UndefinedCast], "{:?}", c.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
}

#[test]
fn syntax_errors_say_how_a_line_is_written() {
    let c = common::check(&film(2, "    say mara \"No colon.\"\n"), &Config::default());
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::Syntax).expect("a syntax error");
    let help = d.help.clone().unwrap_or_default();
    assert!(help.contains("say keeper"), "{help}");
}

#[test]
fn fmt_keeps_say_lines() {
    let messy = film(3, "    say   mara at 1s  for 2s :   \"Wait, \\\"please\\\".\"\n    say tom:\"Ok.\"\n");
    let formatted = cine_compiler::fmt::format(&messy).expect("formats");
    assert!(formatted.contains("    say mara at 1s for 2s: \"Wait, \\\"please\\\".\"\n"), "{formatted}");
    assert!(formatted.contains("    say tom: \"Ok.\"\n"), "{formatted}");
    assert_eq!(cine_compiler::fmt::format(&formatted).unwrap(), formatted);
    assert_eq!(lines(&formatted), lines(&messy));
}

#[test]
fn speakers_are_uses_of_the_cast_in_the_symbol_index() {
    let src = film(2, "    say tom: \"Hi.\"\n");
    let c = common::check(&src, &Config::default());
    let at = src.find("say tom").unwrap() + 4;
    let sym = c.symbols.at(0, at).expect("a symbol under the speaker");
    assert_eq!(sym.name(), "tom");
    assert!(matches!(sym, cine_compiler::symbols::Symbol::Ref(_)));
    assert_eq!(c.symbols.references(sym.kind(), "tom").count(), 2, "subjects and say");
}

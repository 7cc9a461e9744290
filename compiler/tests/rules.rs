//! Every rule: triggered (with a snapshot of its diagnostics, human and JSON) and not
//! triggered by the corrected screenplay.

mod common;
mod snapshot;

use std::path::PathBuf;

use cine_compiler::report::{render, Format};
use cine_compiler::{compile, Compiled, Config, Options, Rule};

const BASE: &str = "cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {\n  shot a {\n    duration 2s\n    subjects mara\n  }\n}\n";

fn with(shot_lines: &str) -> String {
    format!("cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {{\n  shot a {{\n    duration 2s\n    subjects mara\n  }}\n  shot b {{\n{shot_lines}  }}\n}}\n")
}

fn rendered(c: &Compiled) -> String {
    let human = render(Format::Human, &c.diagnostics, &c.sources);
    let json = render(Format::Json, &c.diagnostics, &c.sources);
    format!("{human}--- json ---\n{json}")
}

fn has(c: &Compiled, rule: Rule) -> bool {
    c.diagnostics.iter().any(|d| d.rule == rule)
}

/// Checks one rule: `bad` triggers it (snapshot), `good` does not.
fn case(rule: Rule, bad: &str, good: &str, config: &Config) {
    let b = common::check(bad, config);
    assert!(has(&b, rule), "{} not triggered:\n{}", rule.code(), rendered(&b));
    snapshot::assert_snapshot(rule.name(), &rendered(&b));
    let g = common::check(good, config);
    assert!(!has(&g, rule), "{} triggered by the good case:\n{}", rule.code(), rendered(&g));
}

fn plain(rule: Rule, bad: &str, good: &str) {
    case(rule, bad, good, &Config::default())
}

#[test]
fn base_is_clean() {
    let c = common::check(BASE, &Config::default());
    assert!(c.diagnostics.is_empty(), "{}", rendered(&c));
    assert!(c.film.is_some());
}

/// Every rule with a `cine lint --explain` example: the example triggers it (snapshot of
/// the diagnostics) and its fixed version does not. unknown-word's example uses cine-tiny's
/// real vocabulary, which these tests do not load (tests/cli_lint.rs checks it).
#[test]
fn explained_examples() {
    for r in Rule::ALL.iter().filter(|r| **r != Rule::UnknownWord) {
        if let Some(e) = cine_compiler::explain::example(*r) {
            plain(*r, &e.bad, &e.good);
        }
    }
}

#[test]
fn line_outside_shot_past_the_cut() {
    // A `for` that runs past the cut is the same rule, on the `for`.
    let past = common::check(&with("    duration 2s\n    subjects mara\n    say mara at 1s for 1.5s: \"Late.\"\n"), &Config::default());
    let d = past.diagnostics.iter().find(|d| d.rule == Rule::LineOutsideShot).expect("for past the cut");
    assert!(d.message.contains("0.5s past the end"), "{}", d.message);
}

#[test]
fn shot_duration_out_of_range_says_which_way_to_go() {
    let help = |dur: &str| {
        let c = common::check(&with(&format!("    duration {dur}\n")), &Config::default());
        let d = c.diagnostics.iter().find(|d| d.rule == Rule::BadValue).expect("bad-value");
        d.help.clone().unwrap_or_default()
    };
    // 1,000,000 frames at the default 16 fps.
    assert_eq!(help("100000s"), "split it into shots of at most 62500s");
    assert_eq!(help("0f"), "give the shot a positive duration like 2s");
}

#[test]
fn numbers_too_large_for_their_type_are_quoted_as_written() {
    let messages = |src: &str| -> Vec<String> { common::check(src, &Config::default()).diagnostics.iter().map(|d| d.message.clone()).collect() };
    let long = "123456789012345678901234567890";
    let m = messages(&with(&format!("    duration {long}s\n    camera pan_left(degrees: -{long})\n    at {long}s: \"x\"\n")));
    assert!(m.contains(&format!("a shot of {long}s is more than 1000000 frames, the longest a shot can be")), "{m:?}");
    assert!(m.contains(&format!("`degrees` cannot be -{long}")), "{m:?}");
    let m = messages(&with(&format!("    duration 2s\n    at {long}s: \"x\"\n")));
    assert!(m.iter().any(|m| m.starts_with(&format!("`at {long}s` is far past the end of the shot, but the shot has only 32 frames"))), "{m:?}");
    // Header numbers past u64 get the range check's message, not a wrong number.
    let m = messages(&format!("fps {long}\nresolution {long}x64\n{BASE}"));
    assert!(m.contains(&"this frame rate is out of range".to_string()) && m.contains(&"this resolution is not supported".to_string()), "{m:?}");
}

#[test]
fn a_shot_without_a_valid_duration_gets_one_error_not_a_cascade() {
    // Times inside it cannot be judged against the stand-in length the compiler gives it.
    // Past the stand-in's end, near it (late-change) and cut short by it (past the cut, fast).
    let timed = "    subjects mara\n    at 1.5s: \"a gull lands\"\n    at 0.5s: \"a boat\"\n    say mara at 2s: \"Hello.\"\n    say mara at 0.25s for 2s: \"A longer line than the stand-in shows.\"\n    recall shot a at 3s\n";
    for (dur, rule) in [("", Rule::MissingDuration), ("    duration 0.0001s\n", Rule::BadValue), ("    duration 100000s\n", Rule::BadValue)] {
        let src = with(&format!("{dur}{timed}")).replace("model ", "");
        let c = common::check(&format!("model cine-tiny\n{src}"), &Config::default());
        assert_eq!(common::codes(&c), [rule.code()], "{dur:?}:\n{}", rendered(&c));
    }
    // A valid duration as long as the stand-in (one 12-frame chunk) has the same times judged.
    let c = common::check(&format!("model cine-tiny\n{}", with(&format!("    duration 0.75s\n{timed}"))), &Config::default());
    for r in [Rule::EventOutsideShot, Rule::LineOutsideShot, Rule::LateChange, Rule::FastLine] {
        assert!(has(&c, r), "{} expected:\n{}", r.code(), rendered(&c));
    }
}

#[test]
fn film_too_long() {
    let config = Config::parse("[limits]\nmax_seconds = 3\n").unwrap();
    case(Rule::FilmTooLong, &with("    duration 2s\n"), &with("    duration 1s\n"), &config);
}

#[test]
fn unknown_word() {
    let src = "model vocab-model\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 1s\n    size wide\n    action \"a man walks\"\n  }\n}\n";
    plain(Rule::UnknownWord, &src.replace("a man walks", "a man strolls"), src);
}

/// A scratch folder for file-based cases.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cine-rules-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn compile_in(dir: &PathBuf, src: &str) -> Compiled {
    let opts = Options { profile: Some(common::tiny), root: Some(dir.clone()), ..Default::default() };
    compile("main.cine", src, Some(dir.clone()), &opts, &Config::default())
}

/// File-based rules: (rule, files to write, bad main, good main).
fn file_case(rule: Rule, files: &[(&str, &str)], bad: &str, good: &str) {
    file_case_named(rule.name(), rule, files, bad, good)
}

fn file_case_named(snap: &str, rule: Rule, files: &[(&str, &str)], bad: &str, good: &str) {
    let dir = scratch(snap);
    for (p, t) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    let b = compile_in(&dir, bad);
    assert!(has(&b, rule), "{} not triggered:\n{}", rule.code(), rendered(&b));
    snapshot::assert_snapshot(snap, &rendered(&b));
    let g = compile_in(&dir, good);
    assert!(!has(&g, rule), "{} triggered by the good case:\n{}", rule.code(), rendered(&g));
    assert!(g.diagnostics.is_empty(), "{}", rendered(&g));
    let _ = std::fs::remove_dir_all(&dir);
}

const LIB: &str = "cast ben \"a boy\"\n";

#[test]
fn use_outside_project() {
    file_case(Rule::UseOutsideProject, &[("lib.cine", LIB)], &format!("use \"../lib.cine\"\n{BASE}"), &format!("use \"lib.cine\"\n{BASE}"));
    file_case_named("use-outside-project-absolute", Rule::UseOutsideProject, &[("lib.cine", LIB)], &format!("use \"/etc/passwd\"\n{BASE}"), &format!("use \"./lib.cine\"\n{BASE}"));
}

#[test]
fn use_not_found() {
    file_case(Rule::UseNotFound, &[("lib.cine", LIB)], &format!("use \"lbi.cine\"\n{BASE}"), &format!("use \"lib.cine\"\n{BASE}"));
    // A folder (or the empty path, the using file's folder) is named as one, not as an OS error.
    file_case_named("use-not-found-folder", Rule::UseNotFound, &[("lib/a.cine", LIB)], &format!("use \"lib\"\nuse \"\"\n{BASE}"), &format!("use \"lib/a.cine\"\n{BASE}"));
}

#[test]
fn use_cycle() {
    file_case(Rule::UseCycle, &[("a.cine", "use \"b.cine\"\n"), ("b.cine", "use \"a.cine\"\n"), ("c.cine", LIB)], &format!("use \"a.cine\"\n{BASE}"), &format!("use \"c.cine\"\n{BASE}"));
}

#[test]
fn use_too_deep() {
    let mut files: Vec<(String, String)> = (0..12).map(|i| (format!("d{i}.cine"), format!("use \"d{}.cine\"\n", i + 1))).collect();
    files.push(("d12.cine".into(), LIB.into()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    file_case(Rule::UseTooDeep, &refs, &format!("use \"d0.cine\"\n{BASE}"), &format!("use \"d8.cine\"\n{BASE}"));
}

#[test]
fn use_invalid() {
    file_case(Rule::UseInvalid, &[("lib.cine", "title \"x\"\ncast ben \"a boy\"\n"), ("ok.cine", LIB)], &format!("use \"lib.cine\"\n{BASE}"), &format!("use \"ok.cine\"\n{BASE}"));
}

#[test]
fn not_utf8_and_io() {
    let dir = scratch("bytes");
    let bad = dir.join("bad.cine");
    std::fs::write(&bad, b"title \"caf\xe9\"\n").unwrap();
    let out = cine_compiler::compile_file(&bad, &common::opts(), None);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].rule, Rule::NotUtf8);
    let msg = &out.diagnostics[0].message;
    assert!(msg.contains("not UTF-8") && msg.contains("0xe9") && msg.contains("offset 10"), "{msg}");
    let missing = cine_compiler::compile_file(&dir.join("missing.cine"), &common::opts(), None);
    assert_eq!(missing.diagnostics[0].rule, Rule::Io);
    // An unread file has no text to quote: message and help only, no empty snippet.
    let human = render(Format::Human, &missing.diagnostics, &missing.sources);
    assert!(human.contains("cannot read") && human.contains("help:") && !human.contains("╭─["), "{human}");
    let good = dir.join("good.cine");
    std::fs::write(&good, BASE).unwrap();
    assert!(cine_compiler::compile_file(&good, &common::opts(), None).diagnostics.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_config() {
    let dir = scratch("config");
    let film = dir.join("film.cine");
    std::fs::write(&film, BASE).unwrap();
    std::fs::write(dir.join("cine.toml"), "[lints]\nshort-shot = \"loud\"\n").unwrap();
    let out = cine_compiler::compile_file(&film, &common::opts(), None);
    assert!(out.film.is_none());
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.rule, Rule::BadConfig);
    // The error points into cine.toml, at the bad value, and its report shows that line.
    let toml = &out.sources[d.file];
    assert!(toml.name.ends_with("cine.toml"), "{}", toml.name);
    assert_eq!(&toml.text[d.span.start..d.span.end], "\"loud\"");
    let human = render(Format::Human, &out.diagnostics, &out.sources);
    assert!(human.contains("cine.toml:2:14") && human.contains("short-shot = \"loud\""), "{human}");
    assert!(human.contains("[lints]") && human.contains("max_seconds"), "the help says what the file takes:\n{human}");
    // A good cine.toml compiles.
    std::fs::write(dir.join("cine.toml"), "[lints]\nshort-shot = \"allow\"\n").unwrap();
    assert!(cine_compiler::compile_file(&film, &common::opts(), None).diagnostics.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_rule_has_a_case_here() {
    let me = include_str!("rules.rs");
    for r in Rule::ALL {
        let variant = format!("{r:?}");
        if matches!(*r, Rule::NotUtf8 | Rule::Io | Rule::BadConfig) || cine_compiler::explain::example(*r).is_some() {
            continue; // file-level, checked in not_utf8_and_io and bad_config; or in explained_examples
        }
        assert!(me.contains(&format!("Rule::{variant}, ")), "no case for {}", r.code());
    }
}

#[test]
fn undefined_shot_suggests_only_earlier_shots() {
    // Shot `b` recalls `gamme`: `gamma` comes later, so it is named without a fix (a fix
    // would turn the typo into recall-forward); an earlier `gamma` is offered when it is earlier.
    let src = |earlier: &str, later: &str| {
        format!("set pier \"a pier\"\nscene pier {{\n  shot {earlier} {{\n    duration 2s\n  }}\n  shot b {{\n    duration 2s\n    recall shot gamme\n  }}\n  shot {later} {{\n    duration 2s\n  }}\n}}\n")
    };
    let later = common::check(&src("a", "gamma"), &Config::default());
    let d = later.diagnostics.iter().find(|d| d.rule == Rule::UndefinedShot).expect("undefined-shot");
    assert!(d.fix.is_none(), "a later shot must not be offered as a fix");
    assert_eq!(d.help.as_deref(), Some("shot `gamma` comes later; only earlier shots can be recalled"));
    let earlier = common::check(&src("gamma", "c"), &Config::default());
    let d = earlier.diagnostics.iter().find(|d| d.rule == Rule::UndefinedShot).expect("undefined-shot");
    assert_eq!(d.fix.as_ref().map(|f| f.replacement.as_str()), Some("gamma"));
}

/// `src` compiled, and the one `duplicate-property` diagnostic it gets (it must get exactly one).
fn the_duplicate_property(src: &str) -> (Compiled, cine_compiler::Diagnostic) {
    let c = common::check(src, &Config::default());
    let dups: Vec<_> = c.diagnostics.iter().filter(|d| d.rule == Rule::DuplicateProperty).cloned().collect();
    assert_eq!(dups.len(), 1, "{}", rendered(&c));
    let dup = dups.into_iter().next().unwrap();
    (c, dup)
}

#[test]
fn subject_listed_twice() {
    // `subjects mara, keeper, mara`: one error, and its fix removes the second `, mara`.
    let src = "cast mara \"a fisherwoman\"\ncast keeper \"an old keeper\"\nset pier \"a wooden pier\"\nscene pier {\n  shot a {\n    duration 2s\n    subjects mara, keeper, mara\n  }\n}\n";
    let (_, dup) = the_duplicate_property(src);
    assert_eq!(dup.message, "`mara` is listed twice in `subjects`");
    let (fixed, applied) = cine_compiler::apply_fixes(src, dup.fix.iter());
    assert_eq!(applied.len(), 1);
    assert!(fixed.contains("    subjects mara, keeper\n"), "{fixed}");
    assert!(common::check(&fixed, &Config::default()).diagnostics.is_empty());
}

#[test]
fn parameter_given_twice_in_a_definition() {
    // The last one won without a word; an attribute given twice in a cast was reported.
    let src = "define camera drift \"the camera drifts\" {\n  speed: 1\n  speed: 2\n}\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    camera drift\n  }\n}\n";
    let (c, dup) = the_duplicate_property(src);
    assert_eq!(dup.message, "parameter `speed` is given twice");
    assert_eq!(&src[dup.span.start..dup.span.end], "speed");
    assert_eq!(c.sources[0].line_col(dup.span.start).0, 3, "the second one");
    assert!(common::check(&src.replace("  speed: 2\n", ""), &Config::default()).diagnostics.is_empty());
}

#[test]
fn a_duration_that_does_not_parse_is_one_syntax_error() {
    // Not also missing-duration: the line is there, and the syntax error says what is wrong.
    for d in ["-2s", "1e9s", "3x", "2", ""] {
        let c = common::check(&format!("set pier \"a pier\"\nscene pier {{\n  shot {{\n    duration {d}\n  }}\n}}\n"), &Config::default());
        assert_eq!(common::codes(&c), ["cine::syntax"], "duration {d}:\n{}", rendered(&c));
    }
    // A shot whose only broken line is something else still misses its duration.
    let c = common::check("set pier \"a pier\"\nscene pier {\n  shot {\n    durations 2s\n  }\n}\n", &Config::default());
    assert_eq!(common::codes(&c), ["cine::missing-duration", "cine::syntax"], "{}", rendered(&c));
}

#[test]
fn negative_magnitudes_are_refused() {
    let cam = |call: &str| common::check(&format!("use camera\nset pier \"a pier\"\nscene pier {{\n  shot {{\n    duration 2s\n    camera {call}\n  }}\n}}\n"), &Config::default());
    let c = cam("pan_left(speed: -5)");
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::BadValue).unwrap_or_else(|| panic!("speed -5 accepted:\n{}", rendered(&c)));
    assert_eq!((d.message.as_str(), d.help.as_deref()), ("`speed` cannot be -5", Some("use a number of zero or more (the default is 1)")));
    assert!(cam("pan_left(speed: 0.5, degrees: 0)").diagnostics.is_empty());
    // A transition's frames are whole (`frames: 1.5` was rounded to 2 without a word).
    let c = cam("static\n    transition fade(frames: 1.5)");
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::BadValue).unwrap_or_else(|| panic!("frames 1.5 accepted:\n{}", rendered(&c)));
    assert_eq!(d.message, "`frames` is a whole number of frames, not 1.5");
    // Also when written as frames (`2.5f` was rounded to 3).
    let c = cam("static\n    transition dissolve(frames: 2.5f)");
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::BadValue).unwrap_or_else(|| panic!("frames 2.5f accepted:\n{}", rendered(&c)));
    assert_eq!(d.message, "`frames` is a whole number of frames, not 2.5f");
    assert!(!has(&cam("static\n    transition fade(frames: 2f)"), Rule::BadValue), "whole frames");
    assert!(!has(&cam("static\n    transition fade(frames: 0.5s)"), Rule::BadValue), "seconds are converted");
    // A time for a stdlib amount (`speed: 1s` became 1, `degrees: 2f` 0.125) is refused.
    let c = cam("pan_left(speed: 1s, degrees: 2f)");
    let msgs: Vec<&str> = c.diagnostics.iter().filter(|d| d.rule == Rule::BadValue).map(|d| d.message.as_str()).collect();
    assert_eq!(msgs, ["`speed` is not a time; write a number", "`degrees` is not a time; write a number"]);
    // A parameter defined with a negative default may be negative.
    let own = "define camera drift \"the camera drifts\" {\n  offset: -1\n}\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    camera drift(offset: -3)\n  }\n}\n";
    let c = common::check(own, &Config::default());
    assert!(c.diagnostics.is_empty(), "{}", rendered(&c));
}

#[test]
fn the_file_limit_counts_project_files_not_stdlib_modules() {
    // The screenplay, 63 files and every stdlib module load; a 64th file is one too many.
    let run = |n: usize| {
        let files: Vec<(String, String)> = (0..n).map(|i| (format!("f{i}.cine"), format!("cast c{i} \"a person\"\n"))).collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let dir = scratch(&format!("file-limit-{n}"));
        for (p, t) in &refs {
            std::fs::write(dir.join(p), t).unwrap();
        }
        let uses: String = (0..n).map(|i| format!("use \"f{i}.cine\" // cine:allow(unused-cast)\n")).collect();
        let modules = "use angles\nuse camera\nuse shots\nuse styles\nuse times\nuse transitions\n";
        let c = compile_in(&dir, &format!("{modules}{uses}{BASE}"));
        let _ = std::fs::remove_dir_all(&dir);
        c
    };
    let fits = run(cine_compiler::MAX_FILES - 1);
    assert!(!has(&fits, Rule::UseTooDeep), "{}", rendered(&fits));
    let over = run(cine_compiler::MAX_FILES);
    assert_eq!(over.diagnostics.iter().filter(|d| d.rule == Rule::UseTooDeep).count(), 1, "{}", rendered(&over));
}

#[test]
fn transitions_are_measured_against_the_shots_they_play_over() {
    // Shot a (2s = 32 frames) leads into shot b (1s = 16 frames).
    let film = |t: &str, b: &str| {
        let c = common::check(&format!("set pier \"a pier\"\nscene pier {{\n  shot a {{\n    duration 2s\n    transition {t}\n  }}\n  shot b {{\n    duration 1s\n{b}  }}\n}}\n"), &Config::default());
        c.diagnostics.iter().filter(|d| d.rule == Rule::TransitionClipped).map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    assert_eq!(film("fade(frames: 20f)", ""), ["this fade is 20 frames, longer than the shorter of this shot and the next (16 frames)"]);
    assert!(film("fade(frames: 16f)", "").is_empty());
    assert_eq!(film("dissolve(frames: 20f)", ""), ["this dissolve is 20 frames, longer than the next shot (16 frames)"]);
    assert!(film("fade_to_black(frames: 32f)", "").is_empty(), "a fade to black plays over its own shot");
    assert_eq!(film("fade_to_black(frames: 40f)", ""), ["this fade_to_black is 40 frames, longer than this shot (32 frames)"]);
    assert!(film("cut(frames: 99f)", "").is_empty(), "a cut has no length to clip");
    assert_eq!(film("cut", "    transition wipe\n"), ["a wipe out of the last shot has nothing to go into"]);
    assert!(film("cut", "    transition fade_to_black\n").is_empty(), "a film may end on a fade to black");
    let own = common::check("define transition slide \"slide to\" {\n  frames: 4\n}\nset pier \"a pier\"\nscene pier {\n  shot a {\n    duration 2s\n    transition slide\n  }\n  shot b {\n    duration 1s\n  }\n}\n", &Config::default());
    let msgs: Vec<&str> = own.diagnostics.iter().filter(|d| d.rule == Rule::TransitionClipped).map(|d| d.message.as_str()).collect();
    assert_eq!(msgs, ["the renderer does not draw `slide`; it plays as a cut"]);
    // A shot without a valid duration has only a stand-in length: nothing is measured against it.
    let c = common::check("set pier \"a pier\"\nscene pier {\n  shot a {\n    duration 2s\n    transition dissolve(frames: 3s)\n  }\n  shot b {\n    duration 0s\n  }\n}\n", &Config::default());
    assert!(!has(&c, Rule::TransitionClipped), "{}", rendered(&c));
}

#[test]
fn language_md_lists_every_rule_with_its_default_level() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../grammar/LANGUAGE.md")).unwrap();
    let section = &doc[doc.find("## Diagnostics").expect("a Diagnostics section")..];
    for r in Rule::ALL {
        if r.is_lint() {
            let row = section.lines().find(|l| l.starts_with('|') && l.contains(&format!("`{}`", r.name())));
            let row = row.unwrap_or_else(|| panic!("LANGUAGE.md's lint table has no row for {}", r.name()));
            assert!(row.contains(&format!("| {} |", r.default_level().name())), "{}: the row says another level: {row}", r.name());
        } else {
            let errors = &section[..section.find("Lints, with default levels").unwrap()];
            assert!(errors.contains(&format!("`{}`", r.name())), "LANGUAGE.md does not list the error {}", r.name());
        }
    }
}

#[test]
fn did_you_means_that_would_make_another_error_are_not_fixes() {
    // `sped` next to `speed`: offering `speed` again would be a duplicate parameter.
    let cam = |call: &str| common::check(&format!("set pier \"a pier\"\nscene pier {{\n  shot {{\n    duration 2s\n    camera {call}\n  }}\n}}\n"), &Config::default());
    let c = cam("pan_left(speed: 1, sped: 2)");
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::UnknownParam).expect("unknown-param");
    assert!(d.fix.as_ref().is_none_or(|f| f.replacement != "speed"), "{:?}", d.fix);
    let c = cam("pan_left(sped: 2)");
    assert_eq!(c.diagnostics.iter().find(|d| d.rule == Rule::UnknownParam).and_then(|d| d.fix.as_ref()).map(|f| f.replacement.as_str()), Some("speed"));
    // A bare module name gets its fix; a quoted stdlib path only the hint.
    let m = |line: &str| {
        let c = common::check(&format!("{line}\n{BASE}"), &Config::default());
        c.diagnostics.iter().find(|d| d.rule == Rule::UnknownModule).map(|d| (d.fix.clone().map(|f| f.replacement), d.help.clone()))
    };
    assert_eq!(m("use style"), Some((Some("styles".into()), Some("did you mean `styles`?".into()))));
    assert_eq!(m("use \"stdlib/style.cine\""), Some((None, Some("did you mean `styles`?".into()))));
}

#[test]
fn prompt_changes_that_no_chunk_takes_are_warned() {
    // 3 s = 48 frames on cine-tiny's grid: chunks of 9, 12, 12, 12, 3; middles 4, 15, 27, 39, 46.
    let shot = |ats: &str| {
        let c = common::check(&format!("set sea \"a sea\"\nscene sea {{\n  shot a {{\n    duration 3s\n    action \"the boat rocks\"\n{ats}  }}\n}}\n"), &Config::default());
        c.diagnostics.iter().filter(|d| d.rule == Rule::LateChange).map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    assert_eq!(shot("    at 0.25s: \"a storm\"\n"), ["`at 0.25s` takes effect from the shot's first chunk, so the shot's `action` never reaches the model"]);
    assert_eq!(shot("    at 1s: \"a storm\"\n    at 1.1s: \"calm\"\n"), ["`at 1s` is replaced by `at 1.1s` before any chunk takes it, so it never reaches the model"]);
    assert_eq!(shot("    at 1s: \"a storm\"\n    at 1s: \"calm\"\n").len(), 1, "two changes at one time: the first is hidden");
    assert!(shot("    at 0.5s: \"a storm\"\n    at 1.5s: \"calm\"\n").is_empty(), "each change has a chunk of its own");
}

#[test]
fn unknown_words_are_reported_where_written_once_and_can_be_allowed_there() {
    let src = "model vocab-model\ncaption \"a zorbly pier\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 1s\n    size wide\n    action \"a man flurbs\"\n  }\n  shot {\n    duration 1s\n    size wide\n  }\n}\n";
    let c = common::check(src, &Config::default());
    let found: Vec<(usize, String)> = c
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::UnknownWord)
        .map(|d| (c.sources[0].line_col(d.span.start).0, src[d.span.start..d.span.end].to_string()))
        .collect();
    assert_eq!(found, [(2, "zorbly".to_string()), (8, "flurbs".to_string())], "the caption's word once, not once per shot");
    let allowed = src.replace("pier\"\nset", "pier\" // cine:allow(unknown-word)\nset").replace("flurbs\"\n", "flurbs\" // cine:allow(unknown-word)\n");
    let c = common::check(&allowed, &Config::default());
    assert!(!has(&c, Rule::UnknownWord), "{}", rendered(&c));
}

#[test]
fn unknown_words_are_pointed_at_in_the_texts_they_come_from() {
    // The same words in a comment and a keyword before them: they are not what the model reads.
    let src = "model vocab-model\nscene pier {\n  shot {\n    // she waits for the ferry here\n    duration 1s\n    action \"she waits\"\n  }\n}\nset pier \"a pier scene\"\n";
    let c = common::check(src, &Config::default());
    let found: Vec<(usize, &str)> = c.diagnostics.iter().filter(|d| d.rule == Rule::UnknownWord).map(|d| (c.sources[0].line_col(d.span.start).0, &src[d.span.start..d.span.end])).collect();
    assert_eq!(found, [(6, "she"), (9, "scene")], "{}", rendered(&c));
    let allowed = src.replace("waits\"\n", "waits\" // cine:allow(unknown-word)\n").replace("scene\"\n", "scene\" // cine:allow(unknown-word)\n");
    let c = common::check(&allowed, &Config::default());
    assert!(!has(&c, Rule::UnknownWord), "{}", rendered(&c));
}

#[test]
fn a_transition_in_seconds_that_is_not_whole_frames_is_rounded_with_a_warning() {
    // `frames: 0.33s` became 5 frames without a word (`frames: 2.5` is an error).
    let c = common::check(&with("    duration 2s\n    transition fade(frames: 0.33s)\n"), &Config::default());
    let d = c.diagnostics.iter().find(|d| d.rule == Rule::FrameRounding).expect("frame-rounding");
    assert_eq!(d.message, "0.33s is 5.28 frames at 16 fps: the transition will be 5 frames");
    let c = common::check(&with("    duration 2s\n    transition fade(frames: 0.5s)\n"), &Config::default());
    assert!(!c.diagnostics.iter().any(|d| d.rule == Rule::FrameRounding), "{}", rendered(&c));
}

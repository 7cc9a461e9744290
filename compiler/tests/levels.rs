//! Lint levels from cine.toml, inline suppression, and reporting every error in one run.

mod common;

use cine_compiler::{Config, Rule, Severity};

const SHORT: &str = "set pier \"a pier\"\nscene pier {\n  shot {\n    duration 8f\n  }\n  shot {\n    duration 8f\n  }\n}\n";

fn rules(c: &cine_compiler::Compiled) -> Vec<(Rule, Severity)> {
    c.diagnostics.iter().map(|d| (d.rule, d.severity)).collect()
}

#[test]
fn default_levels() {
    let c = common::check(SHORT, &Config::default());
    assert_eq!(rules(&c), vec![(Rule::ShortShot, Severity::Warning); 2]);
    assert_eq!((c.errors, c.warnings), (0, 2));
    assert!(c.film.is_some(), "warnings keep the film");
}

#[test]
fn config_denies_and_allows() {
    let deny = Config::parse("[lints]\nshort-shot = \"deny\"\n").unwrap();
    let c = common::check(SHORT, &deny);
    assert_eq!(rules(&c), vec![(Rule::ShortShot, Severity::Error); 2]);
    assert!(c.film.is_none(), "errors drop the film");
    let allow = Config::parse("[lints]\nshort-shot = \"allow\"\n").unwrap();
    assert!(common::check(SHORT, &allow).diagnostics.is_empty());
}

#[test]
fn config_rejects_unknown_keys_and_levels() {
    assert!(Config::parse("[lints]\nshort-shot = \"loud\"\n").is_err());
    assert!(Config::parse("[limit]\nmax_seconds = 3\n").is_err());
}

#[test]
fn a_lint_may_be_named_with_its_full_code() {
    // `cine::short-shot` was accepted as a lint name but never applied.
    let allow = Config::parse("[lints]\n\"cine::short-shot\" = \"allow\"\n").unwrap();
    assert!(common::check(SHORT, &allow).diagnostics.is_empty());
    let deny = Config::parse("[lints]\n\"cine::short-shot\" = \"deny\"\n").unwrap();
    assert_eq!(rules(&common::check(SHORT, &deny)), vec![(Rule::ShortShot, Severity::Error); 2]);
    // Both spellings at once would leave the level to the order of the file.
    let e = Config::parse("[lints]\nshort-shot = \"allow\"\n\"cine::short-shot\" = \"deny\"\n").unwrap_err();
    assert!(e.contains("the same lint"), "{e}");
}

#[test]
fn an_unknown_lint_in_cine_toml_is_pointed_at_its_key() {
    // Not at the first place its name appears (here, in the comment).
    let dir = std::env::temp_dir().join(format!("cine-levels-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cine.toml");
    let at = |toml: &str| {
        std::fs::write(&path, toml).unwrap();
        let config = Config::load(&path).unwrap();
        let c = common::check(SHORT, &config);
        let d = c.diagnostics.iter().find(|d| d.rule == Rule::UnknownLint).expect("unknown-lint");
        let src = &c.sources[d.file];
        (src.line_col(d.span.start), src.text[d.span.start..d.span.end].to_string())
    };
    assert_eq!(at("# lints for our shots\n[lints]\nshot = \"allow\"\n"), ((3, 1), "shot".to_string()));
    assert_eq!(at("# cine::shot\n[lints]\n\"cine::shot\" = \"allow\"\n"), ((3, 2), "cine::shot".to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn max_seconds_must_be_above_zero() {
    let dir = std::env::temp_dir().join(format!("cine-levels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cine.toml");
    for bad in ["-5", "0", "nan", "inf"] {
        std::fs::write(&path, format!("[limits]\nmax_seconds = {bad}\n")).unwrap();
        let e = Config::load(&path).expect_err(bad);
        assert!(e.message.contains("above zero"), "{bad}: {}", e.message);
        assert_eq!(e.span, Some(23..23 + bad.len()), "{bad}: points at the value");
    }
    let _ = std::fs::remove_dir_all(&dir);
    for good in ["120", "0.5"] {
        let c = Config::parse(&format!("[limits]\nmax_seconds = {good}\n")).unwrap();
        assert_eq!(c.limits.max_seconds, Some(good.parse().unwrap()));
    }
}

#[test]
fn suppress_one_line() {
    let src = SHORT.replacen("duration 8f\n", "duration 8f // cine:allow(short-shot)\n", 1);
    let c = common::check(&src, &Config::default());
    assert_eq!(c.diagnostics.len(), 1, "only the other shot warns");
    assert_eq!(c.sources[0].line_col(c.diagnostics[0].span.start).0, 7);
}

#[test]
fn suppress_one_shot() {
    let src = SHORT.replacen("  shot {\n", "  // cine:allow(short-shot)\n  shot {\n", 1);
    let c = common::check(&src, &Config::default());
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(c.sources[0].line_col(c.diagnostics[0].span.start).0, 8);
}

#[test]
fn errors_cannot_be_suppressed() {
    let src = "set pier \"a pier\"\nscene pier {\n  // cine:allow(undefined-cast)\n  shot {\n    duration 1s\n    subjects nobody\n  }\n}\n";
    let c = common::check(src, &Config::default());
    let r: Vec<Rule> = c.diagnostics.iter().map(|d| d.rule).collect();
    assert!(r.contains(&Rule::UndefinedCast));
    assert!(r.contains(&Rule::UnknownLint), "suppressing an error is itself reported");
}

#[test]
fn every_error_in_one_run() {
    let src = "title Oops\nfps 0\ncast mara \"x\"\ncast mara \"y\"\nset pier \"p\"\nscene peir {\n  shot {\n    size wdie\n    subjects bob\n    camera pan_left(sped: 1)\n  }\n}\nscene pier {\n  shto {\n  }\n}\n";
    let c = common::check(src, &Config::default());
    let got = common::codes(&c);
    for want in ["syntax", "bad-value", "duplicate-name", "undefined-set", "missing-duration", "unknown-entry", "undefined-cast", "unknown-param", "empty-scene"] {
        assert!(got.contains(&format!("cine::{want}")), "missing {want} in {got:?}");
    }
    assert!(c.errors >= 8);
    // Sorted by position.
    let starts: Vec<usize> = c.diagnostics.iter().map(|d| d.span.start).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn compile_str_renders_messages() {
    let c = cine_compiler::compile_str("t.cine", "scene x {\n}\n", &common::opts());
    assert_eq!(c.messages.len(), c.diagnostics.len());
    assert!(c.messages.iter().any(|m| m.contains("cine::undefined-set") && m.contains("t.cine:1:7")), "{:?}", c.messages);
}

#[test]
fn frame_rounding_uses_the_profile() {
    let src = "set p \"p\"\nscene p {\n  shot {\n    duration 1.1s\n  }\n}\n";
    let film = common::check(src, &Config::default()).film.unwrap();
    assert_eq!(film.shots[0].frames, 20, "17.6 frames round to 18, then to the 4-frame step 20");
    let no_profile = cine_compiler::compile_str("t.cine", src, &Default::default());
    assert_eq!(no_profile.film.unwrap().shots[0].frames, 18);
}

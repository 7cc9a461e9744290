//! The bundled screenplays compile clean and use every feature.

mod common;

use cine_compiler::{compile_file, Options};

fn screenplays() -> Vec<std::path::PathBuf> {
    let dir = common::repo().join("screenplays");
    let mut v: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "cine")).collect();
    v.sort();
    v
}

#[test]
fn every_bundled_screenplay_is_clean() {
    let files = screenplays();
    assert!(files.len() >= 6, "at least six screenplays, found {}", files.len());
    for f in files {
        let opts = Options { profile: Some(common::tiny), root: Some(cine_compiler::project_root(&f)), ..Default::default() };
        let out = compile_file(&f, &opts, None);
        let text = cine_compiler::report::render(cine_compiler::report::Format::Human, &out.diagnostics, &out.sources);
        assert!(out.diagnostics.is_empty(), "{}:\n{text}", f.display());
        let film = out.film.unwrap();
        assert!(film.shots.len() >= 3, "{}", f.display());
        assert_eq!(film.validate(), Ok(()), "{}", f.display());
    }
}

#[test]
fn lighthouse_is_the_main_film() {
    let f = common::repo().join("screenplays/lighthouse.cine");
    let opts = Options { profile: Some(common::tiny), root: Some(cine_compiler::project_root(&f)), ..Default::default() };
    let film = compile_file(&f, &opts, None).film.unwrap();
    let secs = film.seconds();
    assert!((10.0..=20.0).contains(&secs), "{secs}");
    assert!(film.scenes.len() >= 3);
    // Returns to an earlier set with an earlier character.
    let last = film.shots.last().unwrap();
    assert_eq!(last.set, film.shots[0].set);
    assert!(!last.recalls.is_empty());
    assert!(film.shots[..film.shots.len() - 1].iter().any(|s| s.subjects == last.subjects));
}

#[test]
fn screenplays_use_every_feature() {
    let mut all = String::new();
    for f in screenplays() {
        all += &std::fs::read_to_string(f).unwrap();
    }
    for needle in [
        "title ", "fps ", "resolution ", "seed ", "model ", "caption ", "style ", "use styles", "use \"", "cast ", "set ",
        "time ", "mood ", "shot ", "duration ", "s\n", "f\n", "size ", "angle ", "subjects ", "action ", "camera ", "(speed: ", "at ",
        "transition ", "recall shot", "recall cast", "recall set", "//", "cine:allow", ": ",
    ] {
        assert!(all.contains(needle), "no screenplay uses `{needle}`");
    }
}

#[test]
fn plan_json_is_deterministic() {
    let f = common::repo().join("screenplays/harbor.cine");
    let opts = Options { profile: Some(common::tiny), root: Some(cine_compiler::project_root(&f)), ..Default::default() };
    let a = serde_json::to_string(&compile_file(&f, &opts, None).film.unwrap()).unwrap();
    let b = serde_json::to_string(&compile_file(&f, &opts, None).film.unwrap()).unwrap();
    assert_eq!(a, b);
}

//! `cine eval` end to end: the ground-truth row, a corruption row, and clear usage errors.

use std::process::Command;

fn cine(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cine")).args(args).output().expect("run cine");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = cine(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn ground_truth_prints_one_table_row() {
    let (code, out, err) = cine(&["eval", "--model", "ground-truth", "--limit", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ground-truth"), "{out}");
    for col in ["ADH", "cut_f1", "stability", "motion", "gen_fps", "peak_MiB"] {
        assert!(out.contains(col), "missing {col}: {out}");
    }
}

#[test]
fn frozen_ground_truth_scores_lower_motion() {
    let gt = json(&["eval", "--limit", "1", "--format", "json"]);
    let bad = json(&["eval", "--limit", "1", "--format", "json", "--corrupt", "freeze"]);
    assert!(bad["motion"].as_f64().unwrap() < gt["motion"].as_f64().unwrap() - 0.3, "{gt} {bad}");
}

#[test]
fn unknown_model_and_options_exit_2() {
    let (code, _, err) = cine(&["eval", "--model", "sora", "--limit", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown model `sora`"), "{err}");
    let (code, _, err) = cine(&["eval", "--corrupt", "melt", "--limit", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("shuffle"), "{err}");
    let (code, _, _) = cine(&["eval", "--suite", "nope"]);
    assert_eq!(code, 2);
    // No stories would print a row of zeros that looks like a score.
    let (code, out, _) = cine(&["eval", "--limit", "0"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    let (code, _, err) = cine(&["eval", "--model", "cine-tiny", "--random-weights", "--budget", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("budget `0`"), "{err}");
    let (code, _, err) = cine(&["eval", "--model", "cine-tiny", "--random-weights", "--memory", "lru"]);
    assert_eq!(code, 2);
    assert!(err.contains("sink-window"), "{err}");
    let (code, _, err) = cine(&["eval", "--model", "cine-tiny", "--dit", "huge"]);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: distilled, base, vae]"), "{err}");
    // A model's options with the ground truth were ignored and its row printed as if they held.
    for flag in [&["--memory", "window"][..], &["--steps", "9"], &["--random-weights"], &["--dit", "base"]] {
        let (code, out, err) = cine(&[&["eval", "--suite", "smoke"][..], flag].concat());
        assert_eq!(code, 2, "{flag:?}");
        assert!(err.contains(&format!("{} applies to a model", flag[0])) && out.is_empty(), "{flag:?}: {err}");
    }
    // Likewise the DiT's sampling options with no DiT.
    for flag in [&["--steps", "7"][..], &["--sampler", "euler"], &["--memory", "window"], &["--budget", "3"]] {
        let (code, out, err) = cine(&[&["eval", "--model", "cine-tiny", "--dit", "vae", "--suite", "smoke"][..], flag].concat());
        assert_eq!(code, 2, "{flag:?}");
        assert!(err.contains("--dit vae runs no DiT") && out.is_empty(), "{flag:?}: {err}");
    }
    let (code, _, err) = cine(&["eval", "--suite", "smoke", "--max-minutes", "nan"]);
    assert_eq!(code, 2);
    assert!(err.contains("minutes, 0 or more"), "{err}");
}

/// The real pipeline (compiler -> schedule -> text encoder -> causal DiT with a bounded
/// memory -> streaming VAE) on one short story, with random weights: checks the wiring and
/// the row, not the scores of a trained model.
#[test]
fn a_model_row_comes_from_the_real_pipeline() {
    let args = ["eval", "--model", "cine-tiny", "--random-weights", "--suite", "smoke", "--limit", "1"];
    let (code, out, err) = cine(&[&args[..], &["--memory", "window", "--budget", "2", "--format", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["source"], "cine-tiny/random-4 window@2", "{r}");
    assert_eq!(r["stories"], 1);
    assert_eq!(r["frames"], 24, "two 12-frame shots: {r}");
    assert!(r["fps"].as_f64().unwrap() > 0.0 && r["peak_mib"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["compiled"].as_bool().unwrap(), "the story compiled with the project's compiler");
    // Per-story progress on stderr: 2 shots on 3 chunks (9 + 12 frames, then a cut).
    assert!(err.contains("[1/1] smoke 0: 2 shots, 3 chunks, 24 frames"), "{err}");
    assert!(err.contains("active memory 2 chunks"), "{err}");
}

#[test]
fn max_minutes_scores_the_stories_rendered_in_time() {
    // A limit of 0 minutes: the first story is rendered, then time is up.
    let r = json(&["eval", "--limit", "3", "--max-minutes", "0", "--format", "json"]);
    assert_eq!(r["stories"], 1, "{r}");
    let one = json(&["eval", "--limit", "1", "--format", "json"]);
    for k in ["frames", "adherence", "cut_f1", "stability", "motion"] {
        assert_eq!(r[k], one[k], "{k}: the same story scores the same either way");
    }
}

/// `--dit vae`: the ground truth through the shipped VAE (the ceiling of any DiT on it), with
/// `--sheets` writing one PNG per story.
#[test]
fn vae_round_trip_keeps_the_films_frames_and_writes_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let sheets = dir.path().join("sheets");
    let args = ["eval", "--model", "cine-tiny", "--dit", "vae", "--suite", "smoke", "--format", "json"];
    let (code, out, err) = cine(&[&args[..], &["--sheets", sheets.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["source"], "cine-tiny/vae round trip of the ground truth", "{r}");
    let gt = json(&["eval", "--suite", "smoke", "--format", "json"]);
    assert_eq!(r["frames"], gt["frames"], "the round trip returns every frame of the film");
    // The trained VAE keeps the sets' colours; a seeded random one does not.
    let random = json(&[&args[..], &["--random-weights"]].concat());
    assert!(r["set"].as_f64().unwrap() > random["set"].as_f64().unwrap(), "trained {r} random {random}");
    let pngs = std::fs::read_dir(&sheets).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png")).count();
    assert_eq!(pngs, 2, "one sheet per story");
}

#[test]
fn sheets_in_a_file_is_a_usage_error() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (code, _, err) = cine(&["eval", "--suite", "smoke", "--limit", "1", "--sheets", file.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a file, not a folder"), "{err}");
}

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
    let (code, _, err) = cine(&["eval", "--model", "cine-tiny", "--memory", "camr", "--budget", "8", "--limit", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("cine-tiny"), "{err}");
    let (code, _, err) = cine(&["eval", "--corrupt", "melt", "--limit", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("shuffle"), "{err}");
    let (code, _, _) = cine(&["eval", "--suite", "nope"]);
    assert_eq!(code, 2);
}

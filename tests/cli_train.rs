//! `cine train`: argument checks that need no training run.

use std::process::Command;

#[test]
fn zero_windows_chunks_or_trajectories_are_usage_errors() {
    // 0 chunks failed inside a tensor op ("cat expects at least one tensor").
    for args in [&["base", "--chunks", "0"][..], &["base", "--windows", "0"], &["distill", "--chunks", "0"], &["distill", "--trajectories", "0"], &["dmd", "--chunks", "0"], &["probe", "--windows", "0"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_cine")).arg("train").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("at least 1, not `0`"), "{args:?}: {err}");
    }
}

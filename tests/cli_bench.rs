//! `cine bench --config`: the streaming loop at a model's scale (here cine-tiny on the CPU):
//! figures that fit together, the memory policy applied, half precision, clear errors.

use std::process::{Command, Output};

fn cine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn bench_json(extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let mut args = vec!["bench", "--config", "cine-tiny", "--size", "64x64", "--json", json.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = cine(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FPS") && text.contains("first chunk"), "{text}");
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

#[test]
fn scale_bench_reports_consistent_figures() {
    let r = bench_json(&["--seconds", "1.5", "--shot-seconds", "0.75", "--profile-chunks", "1"]);
    let chunk_s: Vec<f64> = r["chunk_s"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // 1.5 s at 16 fps = 24 frames: a first chunk of 9, then 12 a chunk -> 3 chunks, 33 frames.
    assert_eq!(r["chunks"], 3);
    assert_eq!(chunk_s.len(), 3);
    assert_eq!(r["frames"], 33);
    let wall = r["wall_s"].as_f64().unwrap();
    assert!((wall - chunk_s.iter().sum::<f64>()).abs() < 1e-9);
    assert!((r["fps"].as_f64().unwrap() - 33.0 / wall).abs() < 1e-6);
    assert_eq!(r["first_chunk_s"].as_f64().unwrap(), chunk_s[0]);
    assert!(r["warmup_s"].as_f64().unwrap() > 0.0, "the default warm-up chunk ran");
    let split: Vec<String> = r["split"].as_array().unwrap().iter().map(|s| s[0].as_str().unwrap().to_string()).collect();
    for stage in ["DiT", "VAE decode", "self-attention", "cross-attention", "memory routing", "to host"] {
        assert!(split.iter().any(|s| s == stage), "no {stage} in {split:?}");
    }
    assert!(r["kv_bytes_end"].as_u64().unwrap() > 0);
    assert_eq!(r["device"], "cpu");
    assert_eq!(r["dtype"], "f32");
}

#[test]
fn memory_policy_bounds_the_cache() {
    let full = bench_json(&["--seconds", "3", "--memory", "full", "--profile-chunks", "0"]);
    let window = bench_json(&["--seconds", "3", "--memory", "window", "--blocks", "1", "--profile-chunks", "0"]);
    assert_eq!(full["chunks"], window["chunks"]);
    let (f, w) = (full["kv_bytes_end"].as_u64().unwrap(), window["kv_bytes_end"].as_u64().unwrap());
    // 4 chunks: the full cache holds all 4 blocks, the one-block window at most 2 (staged + kept).
    assert!(w * 2 <= f, "window kv {w} vs full {f}");
    // CAMR's bank bounds what it stores (6 chunks: a 1-block bank keeps fewer than all of them).
    let kv = |bank: &str| bench_json(&["--seconds", "4", "--memory", "camr", "--bank", bank, "--profile-chunks", "0"])["kv_bytes_end"].as_u64().unwrap();
    let (small, large) = (kv("1"), kv("16"));
    assert!(small < large, "bank 1 kv {small} vs bank 16 {large}");
}

#[test]
fn half_precision_path_runs_end_to_end() {
    // What a GPU runs in bf16; on the CPU only f16 has matmul kernels. Catches dtype mix-ups.
    let r = bench_json(&["--seconds", "1", "--dtype", "f16", "--profile-chunks", "0"]);
    assert_eq!(r["dtype"], "f16");
    assert_eq!(r["frames"], 21);
}

#[test]
fn bad_options_are_clear_errors() {
    let cases: [(&[&str], &str); 7] = [
        (&["--size", "65x64"], "multiples of 8"),
        // `inf` overflowed the chunk count (a panic).
        (&["--seconds", "inf"], "at most 86400"),
        (&["--seconds", "1e30"], "at most 86400"),
        (&["--size", "64"], "WIDTHxHEIGHT"),
        (&["--memory", "lru"], "[possible values: camr, window, full]"),
        (&["--dtype", "bf16"], "use f32"),
        (&["--config", "sora"], "wan2.1-1.3b"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["bench"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--seconds") {
            args.extend_from_slice(&["--seconds", "1"]);
        }
        for (flag, default) in [("--config", "cine-tiny"), ("--size", "64x64")] {
            if !extra.contains(&flag) {
                args.extend_from_slice(&[flag, default]);
            }
        }
        let out = cine(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}: {err}");
    }
}

#[test]
fn options_of_one_benchmark_are_refused_by_the_other() {
    // Scale options without --config, and the chunk benchmark's options with it, used to be
    // ignored silently: the figures printed were not the ones asked for.
    for (args, want) in [
        (&["bench", "--size", "64x64"][..], "required arguments were not provided"),
        (&["bench", "--json", "b.json"][..], "required arguments were not provided"),
        // With a chunk-benchmark option given too (clap waived the requirement then).
        (&["bench", "--chunks", "1", "--size", "64x64"][..], "required arguments were not provided"),
        (&["bench", "--model", "cine-tiny", "--memory", "full"][..], "required arguments were not provided"),
        (&["bench", "--config", "cine-tiny", "--model", "cine-tiny"][..], "cannot be used with"),
        (&["bench", "--config", "cine-tiny", "--chunks", "3"][..], "cannot be used with"),
        (&["bench", "--config", "cine-tiny", "--model-dir", "."][..], "cannot be used with"),
        (&["bench", "--config", "cine-tiny", "--generator", "procedural"][..], "cannot be used with"),
        (&["bench", "--device", "cpu"][..], "applies to --config"),
    ] {
        let out = cine(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want) && err.contains("--config"), "{args:?}: {err}");
    }
}

#[test]
fn render_cache_options_are_refused_since_no_benchmark_reads_them() {
    for flag in [&["--no-cache"][..], &["--cache-dir", "c"], &["--cache-max-mb", "5"]] {
        let out = cine(&[&["bench"][..], flag].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag:?}: {err}");
        assert!(err.contains("does nothing in cine bench"), "{flag:?}: {err}");
    }
}

#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_device_without_the_feature_says_how_to_build() {
    let out = cine(&["bench", "--config", "cine-tiny", "--size", "64x64", "--device", "cuda"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--features cuda"));
}

#[test]
fn weights_from_files_are_used_and_bad_files_are_errors() {
    let r = bench_json(&[
        "--seconds", "1", "--profile-chunks", "0",
        "--weights", "model/weights/cine-tiny/dit.safetensors",
        "--vae-weights", "model/weights/cine-tiny/vae.safetensors",
    ]);
    assert!(r["weights"].as_str().unwrap().ends_with("dit.safetensors"), "{}", r["weights"]);
    assert_eq!(r["frames"], 21);
    let out = cine(&["bench", "--config", "cine-tiny", "--size", "64x64", "--weights", "README.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.md"));
    // A folder (or a FIFO, which blocked the read forever) is not a weights file.
    for flag in ["--weights", "--vae-weights"] {
        let out = cine(&["bench", "--config", "cine-tiny", "--size", "64x64", flag, "model"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("weights file model is not a regular file"), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn kernel_check_needs_a_gpu_and_says_so() {
    let out = cine(&["bench", "--check-kernels", "--device", "cpu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--device cuda"));
    #[cfg(not(feature = "cuda"))]
    {
        let out = cine(&["bench", "--check-kernels"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--features cuda"));
    }
}

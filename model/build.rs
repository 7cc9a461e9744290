//! Build script of cine-model:
//! - sets `cfg(cine_tiny_tokenizer)` and `CINE_TINY_TOKENIZER` when the default model's
//!   tokenizer is committed, so the registry can tell the compiler cine-tiny's vocabulary;
//! - with the `cuda` feature, compiles src/wan/flash/flash.cu to PTX (`$OUT_DIR/flash.ptx`) with
//!   `nvcc --ptx -arch=sm_$CUDA_COMPUTE_CAP -O3 -std=c++17` (default sm_90), embedded by
//!   src/wan/flash/cuda.rs.

use std::path::PathBuf;
use std::process::{exit, Command};

fn main() {
    tokenizer();
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        flash_ptx();
    }
}

fn tokenizer() {
    println!("cargo::rustc-check-cfg=cfg(cine_tiny_tokenizer)");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let weights = manifest.join("weights");
    let file = weights.join("cine-tiny/tokenizer.json");
    // Watched even while missing (cargo then re-runs this script), so adding it is noticed.
    println!("cargo::rerun-if-changed={}", file.display());
    if file.is_file() {
        println!("cargo::rustc-cfg=cine_tiny_tokenizer");
        println!("cargo::rustc-env=CINE_TINY_TOKENIZER={}", file.canonicalize().expect("tokenizer path resolves").display());
    }
}

const FLASH_SRC: &str = "src/wan/flash/flash.cu";

fn flash_ptx() {
    println!("cargo::rerun-if-changed={FLASH_SRC}");
    println!("cargo::rerun-if-env-changed=CUDA_COMPUTE_CAP");
    println!("cargo::rerun-if-env-changed=NVCC");
    let cap = std::env::var("CUDA_COMPUTE_CAP").unwrap_or_else(|_| "90".into()).trim().to_string();
    if cap.is_empty() || !cap.chars().all(|c| c.is_ascii_digit()) {
        fail(&format!("CUDA_COMPUTE_CAP={cap:?} is not a number like 80 or 90"));
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("flash.ptx");
    let nvcc = std::env::var("NVCC").unwrap_or_else(|_| "nvcc".into());
    let status = Command::new(&nvcc)
        .args(["--ptx", &format!("-arch=sm_{cap}"), "-O3", "-std=c++17", "-o"])
        .arg(&out)
        .arg(FLASH_SRC)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!("`{nvcc} --ptx {FLASH_SRC}` failed ({s})")),
        Err(e) => fail(&format!(
            "the `cuda` feature needs nvcc to build {FLASH_SRC}, but running `{nvcc}` failed: {e}. \
             Put nvcc on PATH (e.g. `source ../shared/cuda/toolchain.sh`) or set NVCC=/path/to/nvcc"
        )),
    }
    println!("cargo::rustc-env=CINE_FLASH_COMPUTE_CAP={cap}");
}

fn fail(msg: &str) -> ! {
    eprintln!("error: cine-model build: {msg}");
    exit(1)
}

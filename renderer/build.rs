//! Embeds the default model when its files exist: sets `cfg(cine_tiny_weights)` and
//! `CINE_TINY_DIR` for `include_bytes!` when `model/weights/cine-tiny/` holds
//! dit.safetensors, vae.safetensors, t5.safetensors and tokenizer.json.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(cine_tiny_weights)");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let model = manifest.join("../model");
    let dir = model.join("weights/cine-tiny");
    let files = ["dit.safetensors", "vae.safetensors", "t5.safetensors", "tokenizer.json"];
    if dir.is_dir() {
        println!("cargo::rerun-if-changed={}", dir.display());
    } else {
        // Watch the crate so that adding the weights later is noticed.
        println!("cargo::rerun-if-changed={}", model.display());
    }
    if files.iter().all(|f| dir.join(f).is_file()) {
        let dir = dir.canonicalize().expect("weights dir resolves");
        println!("cargo::rustc-cfg=cine_tiny_weights");
        println!("cargo::rustc-env=CINE_TINY_DIR={}", dir.display());
    }
}

//! Sets `cfg(cine_tiny_tokenizer)` and `CINE_TINY_TOKENIZER` when the default model's
//! tokenizer is committed, so the registry can tell the compiler cine-tiny's vocabulary.

use std::path::PathBuf;

fn main() {
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

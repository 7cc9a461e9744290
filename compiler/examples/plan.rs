//! Prints the IR of a screenplay (cine-tiny chunk grid) without the full CLI:
//! `cargo run -p cine-compiler --example plan -- screenplays/lighthouse.cine`.

use cine_compiler::report::{render, Format};
use cine_ir::ModelProfile;

fn tiny(name: &str) -> Option<ModelProfile> {
    (name == "cine-tiny").then(|| ModelProfile { name: name.into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None })
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: plan <file.cine>");
        std::process::exit(2);
    };
    let path = std::path::PathBuf::from(path);
    let opts = cine_compiler::Options { profile: Some(tiny), root: Some(cine_compiler::project_root(&path)), ..Default::default() };
    let out = cine_compiler::compile_file(&path, &opts, None);
    eprint!("{}", render(Format::Human, &out.diagnostics, &out.sources));
    match out.film {
        Some(f) => println!("{}", serde_json::to_string_pretty(&f).unwrap()),
        None => std::process::exit(1),
    }
}

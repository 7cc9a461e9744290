//! Lints a generated 10,000-shot screenplay and prints the time per run.
//! `cargo bench -p cine-compiler` (add `-- 20000` for another shot count).

use std::time::Instant;

use cine_compiler::report::{render, Format};
use cine_compiler::{compile, Config, Options};
use cine_ir::ModelProfile;

fn tiny(name: &str) -> Option<ModelProfile> {
    (name == "cine-tiny").then(|| ModelProfile {
        name: name.into(),
        chunk_frames: 12,
        frame_granularity: 4,
        max_prompt_tokens: 64,
        vocabulary: None,
        frame_size: Some((64, 64)),
    })
}

/// A screenplay with `shots` shots over scenes of 50, using most of the language.
fn screenplay(shots: usize) -> String {
    let moves = ["pan_left(speed: slow)", "dolly_in", "orbit_right(degrees: 45)", "static", "truck_left(speed: fast)"];
    let sizes = ["wide", "medium", "close_up", "full", "extreme_wide"];
    let mut s = String::from("title \"Bench\"\nfps 16\nresolution 64x64\nseed 1\nmodel cine-tiny\ncaption \"a long test film\"\nuse styles\nstyle cinematic\n\n");
    for i in 0..40 {
        s += &format!("cast c{i} \"person number {i} in a coat\" {{\n  age: {}\n}}\n", 20 + i);
    }
    for i in 0..20 {
        s += &format!("set s{i} \"place number {i}\"\n");
    }
    let scenes = shots.div_ceil(50);
    let mut n = 0;
    for sc in 0..scenes {
        s += &format!("\n// scene {sc}\nscene s{} {{\n  time dusk\n  mood \"quiet\"\n", sc % 20);
        for _ in 0..50 {
            if n == shots {
                break;
            }
            s += &format!(
                "  shot k{n} {{\n    duration {}s\n    size {}\n    angle low\n    subjects c{}, c{}\n    action \"the person walks to the window number {n}\"\n    camera {}\n    at 1s: \"the light changes\"\n",
                2 + n % 3,
                sizes[n % 5],
                n % 40,
                (n + 7) % 40,
                moves[n % 5]
            );
            if n > 0 {
                s += &format!("    recall shot k{}\n    recall cast c{}\n", n - 1, n % 40);
            }
            s += "    transition dissolve(frames: 4)\n  }\n";
            n += 1;
        }
        s += "}\n";
    }
    s
}

fn main() {
    let shots: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let src = screenplay(shots);
    let opts = Options { profile: Some(tiny), root: None, ..Default::default() };
    let config = Config::default();
    // Warm up, and make sure the input is what we think it is.
    let out = compile("bench.cine", &src, None, &opts, &config);
    let Some(film) = out.film.as_ref() else {
        let text = render(Format::Human, &out.diagnostics[..3.min(out.diagnostics.len())], &out.sources);
        panic!("the generated screenplay does not compile:\n{text}");
    };
    assert_eq!(film.shots.len(), shots);
    let mut codes: Vec<String> = out.diagnostics.iter().map(|d| d.rule.code()).collect();
    codes.dedup();
    println!("input: {shots} shots, {} lines, {} bytes, {} diagnostics {codes:?}", src.lines().count(), src.len(), out.diagnostics.len());
    let runs = 7;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = compile("bench.cine", &src, None, &opts, &config);
        let text = render(Format::Human, &out.diagnostics, &out.sources);
        std::hint::black_box((out.film, text));
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "lint {shots} shots: median {:.3} s, min {:.3} s, max {:.3} s over {runs} runs",
        times[runs / 2], times[0], times[runs - 1]
    );
    let t = Instant::now();
    let p = cine_grammar::parse(&src);
    println!("  of which parse: {:.3} s ({} lines)", t.elapsed().as_secs_f64(), p.lines.len());
    // Broken input must cost what good input does: unclosed blocks nest as deep as the file.
    let deep = "shot {\n".repeat(shots * 10);
    let t = Instant::now();
    let p = cine_grammar::parse(&deep);
    println!("parse {} unclosed `shot {{` lines: {:.3} s ({} errors)", shots * 10, t.elapsed().as_secs_f64(), p.errors.len());
}

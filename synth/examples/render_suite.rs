//! Times rendering the whole ground-truth benchmark (100 stories + the long-form set):
//! `cargo run --release -p cine-synth --example render_suite`.

use std::time::Instant;

use cine_synth::suite;

fn main() {
    let t = Instant::now();
    let bench = suite::benchmark_suite();
    let long = suite::long_form_suite();
    let gen = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let frames = suite::render_all(&bench) + suite::render_all(&long);
    let secs = t.elapsed().as_secs_f64();
    let long_min = long.iter().map(|s| s.total_frames() as f64 / s.fps as f64).fold(f64::INFINITY, f64::min);
    println!("stories: {} bench + {} long (shortest long {:.0} s); generated in {:.2} s", bench.len(), long.len(), long_min, gen);
    println!("rendered {frames} frames in {secs:.2} s ({:.0} frames/s, {} threads)", frames as f64 / secs, rayon::current_num_threads());
}

//! Scores the ground truth and every corruption on the first N benchmark stories:
//! `cargo run --release -p cine-synth --example calibrate -- 12`.

use cine_synth::source::{Corrupted, Corruption, GroundTruth, VideoSource};
use cine_synth::suite;

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(12);
    let stories: Vec<_> = suite::benchmark_suite().into_iter().take(n).collect();
    let mut sources: Vec<Box<dyn VideoSource>> = vec![Box::new(GroundTruth)];
    for c in Corruption::ALL {
        sources.push(Box::new(Corrupted { kind: c, seed: 1 }));
    }
    for mut s in sources {
        let r = suite::run(s.as_mut(), &stories)?;
        println!(
            "{:28} set {:.2} subj {:.2} size {:.2} cam {:.2} adh {:.2} cut {:.2} setc {:?} subjc {:?} stab {:.2} mot {:.2}",
            r.source, r.set, r.subject, r.size, r.camera, r.adherence, r.cut_f1, r.set_consistency, r.subject_consistency, r.stability, r.motion
        );
    }
    Ok(())
}

//! Prints scripted vs recognised camera moves of ground-truth shots (a debugging aid).

use cine_synth::metrics::shots::camera_move;
use cine_synth::{render_story, suite};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut bad = std::collections::BTreeMap::<String, (u32, u32)>::new();
    for story in suite::benchmark_suite().into_iter().take(n) {
        let frames = render_story(&story);
        for (shot, start) in story.shots.iter().zip(story.shot_starts()) {
            let f = &frames[start as usize..(start + shot.frames) as usize];
            let got = camera_move(f, story.cast[shot.subject].kind);
            let e = bad.entry(shot.camera.name().to_string()).or_default();
            e.1 += 1;
            if got != shot.camera {
                e.0 += 1;
                println!("{} {:?} {:?} frames {} -> {}", story.title, shot.size, shot.camera, shot.frames, got.name());
            }
        }
    }
    println!("{bad:?}");
}

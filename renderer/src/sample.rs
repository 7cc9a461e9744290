//! Small films built in code, for tests and `cine bench`.

use cine_ir::{Camera, Film, Shot, Transition};

/// A film of shots given as `(prompt, frames)`, all cuts, 64x64 at 16 fps.
pub fn film(model: &str, seed: u64, shots: &[(&str, u32)]) -> Film {
    let mut start = 0;
    let shots: Vec<Shot> = shots
        .iter()
        .enumerate()
        .map(|(i, (prompt, frames))| {
            let s = Shot {
                index: i,
                label: format!("shot{}", i + 1),
                scene: 0,
                set: String::new(),
                subjects: Vec::new(),
                start_frame: start,
                frames: *frames,
                size: None,
                angle: None,
                action: prompt.to_string(),
                camera: Camera { name: "static".into(), params: Default::default(), phrase: String::new() },
                prompt: prompt.to_string(),
                events: Vec::new(),
                transition: Transition { kind: "cut".into(), frames: 0 },
                recalls: Vec::new(),
                lines: Vec::new(),
            };
            start += frames;
            s
        })
        .collect();
    Film {
        ir_version: cine_ir::IR_VERSION,
        title: "sample".into(),
        fps: 16,
        width: 64,
        height: 64,
        seed,
        model: model.into(),
        global_caption: String::new(),
        total_frames: start,
        cast: Vec::new(),
        sets: Vec::new(),
        scenes: Vec::new(),
        shots,
        live_from: None,
    }
}

/// The ten-shot film `cine bench` and the cache benchmark use: 2 s per shot.
pub fn ten_shots(model: &str, seed: u64) -> Film {
    const PROMPTS: [&str; 10] = [
        "a red ball rolls across a wooden floor",
        "a woman in a blue coat walks down a street",
        "close up of the woman smiling",
        "a dog runs through tall grass",
        "wide shot of a city at night",
        "rain falls on a window",
        "a man reads a book by a lamp",
        "waves break on a rocky shore",
        "a train passes through a forest",
        "the woman waves goodbye",
    ];
    let shots: Vec<(&str, u32)> = PROMPTS.iter().map(|p| (*p, 32)).collect();
    film(model, seed, &shots)
}

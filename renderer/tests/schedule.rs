//! The scheduler on the cine-tiny grid (12-frame chunks, first chunk 9 frames).

use cine_ir::{ModelProfile, PromptEvent, Recall, Transition};
use cine_renderer::sample::film;
use cine_renderer::schedule::{plan, Grid};

fn tiny() -> ModelProfile {
    ModelProfile { name: "cine-tiny".into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None }
}

#[test]
fn grid_follows_the_causal_vae() {
    let g = Grid::from_profile(&tiny());
    assert_eq!((g.first_chunk_frames, g.chunk_frames), (9, 12));
    assert_eq!((g.chunk_start(0), g.chunk_start(1), g.chunk_start(3)), (0, 9, 33));
}

#[test]
fn shots_start_on_chunk_boundaries_and_trim_to_scripted_length() {
    let f = film("cine-tiny", 1, &[("a", 32), ("b", 20), ("c", 12)]);
    let s = plan(&f, &tiny());
    // Shot a: 9 + 12 + 12 = 33 generated, 32 kept.
    let lens: Vec<(usize, bool, u32, u32)> = s.chunks.iter().map(|c| (c.shot, c.cut, c.stream_frames, c.keep)).collect();
    assert_eq!(
        lens,
        vec![(0, true, 9, 9), (0, false, 12, 12), (0, false, 12, 11), (1, true, 12, 12), (1, false, 12, 8), (2, true, 12, 12)]
    );
    assert_eq!(s.shots[0].trimmed_frames, 1);
    assert_eq!(s.shots[1].trimmed_frames, 4);
    assert_eq!(s.total_frames, 64);
    // Kept frames tile the film exactly.
    let mut next = 0;
    for c in &s.chunks {
        assert_eq!(c.film_start, next);
        next += c.keep;
    }
    assert_eq!(next, 64);
    // Stream frames are contiguous.
    for w in s.chunks.windows(2) {
        assert_eq!(w[0].stream_start + w[0].stream_frames, w[1].stream_start);
    }
}

#[test]
fn prompt_events_snap_to_the_nearest_chunk_boundary() {
    let mut f = film("cine-tiny", 1, &[("a", 48)]);
    // Chunk boundaries at 9, 21, 33. An event at 22 snaps to 21; one at 32 to 33.
    f.shots[0].events = vec![
        PromptEvent { frame: 22, prompt: "b".into() },
        PromptEvent { frame: 32, prompt: "c".into() },
    ];
    let s = plan(&f, &tiny());
    let prompts: Vec<&str> = s.chunks.iter().map(|c| c.prompt.as_str()).collect();
    assert_eq!(prompts, vec!["a", "a", "b", "c", "c"]);
    let changed: Vec<bool> = s.chunks.iter().map(|c| c.prompt_changed).collect();
    assert_eq!(changed, vec![false, false, true, true, false]);
}

#[test]
fn recalls_pin_earlier_shots_only() {
    let mut f = film("cine-tiny", 1, &[("a", 12), ("b", 12), ("c", 12)]);
    f.shots[2].recalls = vec![
        Recall::cast("anna", vec![0, 2]),
        Recall::shot(1),
        Recall::set("cafe", vec![0]),
    ];
    f.shots[2].transition = Transition { kind: "fade".into(), frames: 8 };
    let s = plan(&f, &tiny());
    assert_eq!(s.shots[2].pins, vec![0, 1]);
    assert!(s.chunks.iter().filter(|c| c.shot == 2).all(|c| c.pins == vec![0, 1]));
    assert!(s.chunks.iter().filter(|c| c.shot < 2).all(|c| c.pins.is_empty()));
}

#[test]
fn a_timed_recall_pins_from_the_chunk_boundary_nearest_to_it() {
    let mut f = film("cine-tiny", 1, &[("a", 12), ("b", 48)]);
    // Shot b: film frames 12..60, chunks from 12, 24, 36, 48. Shot 0 from frame 29 snaps to 24
    // (like a prompt change: the chunk whose middle it reaches), the cast recall to 48.
    f.shots[1].recalls = vec![Recall::shot(0).from_frame(29), Recall::cast("anna", vec![0]).from_frame(50)];
    let s = plan(&f, &tiny());
    let starts: Vec<u32> = s.chunks.iter().filter(|c| c.shot == 1).map(|c| c.film_start).collect();
    assert_eq!(starts, vec![12, 24, 36, 48]);
    let pins: Vec<Vec<usize>> = s.chunks.iter().filter(|c| c.shot == 1).map(|c| c.pins.clone()).collect();
    assert_eq!(pins, vec![vec![], vec![0], vec![0], vec![0]]);
    assert_eq!(s.shots[1].pins, vec![0], "the shot's pins hold every recall");
    f.shots[1].recalls = vec![Recall::shot(0).from_frame(47)];
    let pins: Vec<Vec<usize>> = plan(&f, &tiny()).chunks.iter().filter(|c| c.shot == 1).map(|c| c.pins.clone()).collect();
    assert_eq!(pins, vec![vec![], vec![], vec![], vec![0]]);
    // Timed or not, a recall protects the shot it names from the start.
    assert_eq!(plan(&f, &tiny()).chunks[0].protect, vec![0]);
}

#[test]
fn last_change_frame_is_where_the_plan_stops_taking_changes() {
    // The compiler's `late-change` lint uses Grid::last_change_frame: a change at a shot's
    // frame r shows in the plan exactly when r <= it, for first and later shots of any length.
    let grid = Grid::from_profile(&tiny());
    for first in [5u32, 9, 12, 20, 36] {
        for len in [9u32, 12, 13, 20, 24, 30, 36, 37, 48] {
            for r in 0..len {
                let mut f = film("cine-tiny", 1, &[("a", first), ("b", len)]);
                f.shots[0].events = vec![PromptEvent { frame: r.min(first - 1), prompt: "x".into() }];
                f.shots[1].events = vec![PromptEvent { frame: first + r, prompt: "y".into() }];
                let s = plan(&f, &tiny());
                let shown = |shot: usize, p: &str| s.chunks.iter().any(|c| c.shot == shot && c.prompt == p);
                let last = |start, frames| grid.last_change_frame(start, frames).unwrap();
                assert_eq!(shown(1, "y"), r <= last(first, len), "second shot of {len} after {first}: change at {r}");
                let r0 = r.min(first - 1);
                assert_eq!(shown(0, "x"), r0 <= last(0, first), "first shot of {first}: change at {r0}");
            }
        }
    }
    assert_eq!(grid.last_change_frame(0, 0), None);
}

#[test]
fn shots_recalled_later_are_protected_until_then() {
    let mut f = film("cine-tiny", 1, &[("a", 12), ("b", 12), ("c", 12), ("d", 12)]);
    f.shots[2].recalls = vec![Recall::shot(0)];
    f.shots[3].recalls = vec![Recall::cast("anna", vec![0, 1])];
    let s = plan(&f, &tiny());
    let protect: Vec<Vec<usize>> = s.shots.iter().map(|sh| s.chunks[sh.first_chunk].protect.clone()).collect();
    // Shot 0 is recalled by shots 2 and 3, shot 1 by shot 3; the last shot protects nothing.
    assert_eq!(protect, vec![vec![0], vec![0, 1], vec![0, 1], vec![]]);
    assert!(s.chunks.iter().all(|c| c.protect == protect[c.shot]));
}

#[test]
fn recalls_directed_live_protect_nothing_beforehand() {
    // A live session cannot know a later recall, so neither does the render of its recording.
    let mut f = film("cine-tiny", 1, &[("a", 12), ("b", 12), ("c", 12), ("d", 12)]);
    f.shots[2].recalls = vec![Recall::shot(0)];
    f.shots[3].recalls = vec![Recall::shot(1)];
    let protect = |f: &cine_ir::Film| {
        let s = plan(f, &tiny());
        s.shots.iter().map(|sh| s.chunks[sh.first_chunk].protect.clone()).collect::<Vec<_>>()
    };
    f.live_from = Some(0);
    assert_eq!(protect(&f), vec![Vec::<usize>::new(); 4]);
    // Going on live from shot 3 (`cine live --from`): the film's own recall still protects.
    f.live_from = Some(3);
    assert_eq!(protect(&f), vec![vec![0], vec![0], vec![], vec![]]);
    f.live_from = None;
    assert_eq!(protect(&f), vec![vec![0], vec![0, 1], vec![1], vec![]]);
}

#[test]
fn schedule_round_trips_through_json() {
    let f = film("cine-tiny", 7, &[("a", 16), ("b", 16)]);
    let s = plan(&f, &tiny());
    let back: cine_renderer::Schedule = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(s, back);
}

//! Training windows are laid on the chunk grid exactly as the renderer schedules a film: the
//! same chunks, shots, cuts, prompts, pins and frame counts, for many synthetic stories.

use cine_train::data::{plan_chunks, window_story};

#[test]
fn training_chunks_match_the_renderers_schedule() {
    let profile = cine_model::registry::profile("cine-tiny").unwrap();
    let mut checked = 0;
    for seed in 0..40 {
        let story = window_story(seed);
        let Ok(film) = cine_synth::screenplay::compile(&story) else { continue };
        let ours = plan_chunks(&film);
        let theirs = cine_renderer::schedule::plan(&film, &profile).chunks;
        assert_eq!(ours.len(), theirs.len(), "story {seed}: chunk count");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(
                (a.shot, a.cut, &a.prompt, &a.pins, a.film_start, a.stream_frames, a.keep),
                (b.shot, b.cut, &b.prompt, &b.pins, b.film_start, b.stream_frames, b.keep),
                "story {seed}, chunk {}",
                b.index
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} stories compiled");
}

//! The world renders deterministically, stories have returns and events, screenplays compile.

use cine_synth::{render_story, screenplay, training_stories, Story, StoryConfig};

#[test]
fn same_seed_same_frames() {
    let a = Story::generate(3, &StoryConfig::default());
    let b = Story::generate(3, &StoryConfig::default());
    assert_eq!(a, b);
    let fa = render_story(&a);
    let fb = render_story(&b);
    assert_eq!(fa.len() as u32, a.total_frames());
    assert!(fa.iter().zip(&fb).all(|(x, y)| x == y));
    let c = Story::generate(4, &StoryConfig::default());
    assert_ne!(a, c);
}

#[test]
fn frames_have_the_configured_size() {
    let cfg = StoryConfig { width: 96, height: 48, fps: 24, shots: (2, 2), ..StoryConfig::default() };
    let s = Story::generate(1, &cfg);
    let f = render_story(&s);
    assert!(f.iter().all(|i| i.width() == 96 && i.height() == 48));
    assert_eq!(s.fps, 24);
}

#[test]
fn stories_have_returns_and_prompt_changes() {
    let stories: Vec<Story> = (0..40).map(|i| Story::generate(i, &StoryConfig::default())).collect();
    let returns = stories.iter().filter(|s| (0..s.shots.len()).any(|i| s.set_first_appearance(i).is_some())).count();
    let events = stories.iter().filter(|s| s.shots.iter().any(|sh| sh.segments.len() > 1)).count();
    assert!(returns >= 30, "only {returns} of 40 stories return to a set");
    assert!(events >= 20, "only {events} of 40 stories change a prompt inside a shot");
    for s in &stories {
        for w in s.shots.windows(2) {
            assert!(w[0].set != w[1].set || (w[0].view_x - w[1].view_x).abs() > 0.5 || w[0].size != w[1].size, "an invisible cut in {}", s.title);
        }
    }
}

#[test]
fn screenplay_names_the_vocabulary() {
    let s = Story::generate(11, &StoryConfig::default());
    let text = s.screenplay();
    for shot in &s.shots {
        assert!(text.contains(&format!("camera {}", shot.camera.name())));
        assert!(text.contains(&format!("size {}", shot.size.name())));
    }
    let film = screenplay::reference_film(&s);
    assert_eq!(film.total_frames, s.total_frames());
    assert_eq!(film.validate(), Ok(()));
    for seed in 0..20 {
        let story = Story::generate(seed, &StoryConfig::default());
        assert_eq!(screenplay::reference_film(&story).validate(), Ok(()), "story {seed}");
        assert_eq!(screenplay::film_or_reference(&story).0.validate(), Ok(()), "story {seed}");
    }
    let frames = cine_synth::render(&s, &film).unwrap();
    assert_eq!(frames.len() as u32, film.total_frames);
}

#[test]
fn training_stories_vary_in_length() {
    let v = training_stories(30, 5);
    let lens: std::collections::BTreeSet<usize> = v.iter().map(|s| s.shots.len()).collect();
    assert!(lens.len() >= 5, "{lens:?}");
}

#[test]
fn screenplays_compile_with_the_project_compiler() {
    for seed in 0..6 {
        let s = Story::generate(seed, &StoryConfig::default());
        let film = screenplay::compile(&s).unwrap_or_else(|e| panic!("{e:#}\n{}", s.screenplay()));
        assert_eq!(film.total_frames, s.total_frames());
        for (shot, ir) in s.shots.iter().zip(&film.shots) {
            assert_eq!(ir.frames, shot.frames);
            assert_eq!(ir.events.len() + 1, shot.segments.len());
            assert_eq!(ir.camera.name, shot.camera.name());
        }
    }
}

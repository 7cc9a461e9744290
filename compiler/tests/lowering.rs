//! What the IR holds: frames, expanded prompts, events, camera, transitions, recalls.

mod common;

use cine_compiler::Config;
use cine_ir::Recall;

const SRC: &str = r#"title "T"
fps 16
resolution 832x480
seed 5
model any-size
caption "a harbor town"
use styles
style noir
cast mara "a fisherwoman" {
  age: 40
}
set pier "a wooden pier"
set shed "a shed"
scene pier {
  time dusk
  mood "calm"
  shot one {
    duration 2s
    size wide
    angle low
    subjects mara
    action "mara waves"
    camera pan_left(speed: slow)
    at 1s: "mara laughs"
    transition dissolve(frames: 0.5s)
  }
}
scene shed {
  shot {
    duration 24f
    recall shot one
    recall cast mara
    recall set pier
  }
}
"#;

#[test]
fn lowers_everything() {
    let c = common::check(SRC, &Config::default());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let f = c.film.unwrap();
    assert_eq!((f.title.as_str(), f.fps, f.width, f.height, f.seed), ("T", 16, 832, 480, 5));
    assert_eq!(f.global_caption, "A harbor town. Black and white film noir, hard shadows.");
    assert_eq!(f.total_frames, 56);
    let s = &f.shots[0];
    assert_eq!((s.start_frame, s.frames, s.label.as_str()), (0, 32, "one"));
    assert_eq!(
        s.prompt,
        "A harbor town. Black and white film noir, hard shadows. A wooden pier, at dusk, calm. A fisherwoman. Wide shot, low angle. Mara waves. The camera pans left."
    );
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].frame, 16);
    assert!(s.events[0].prompt.contains("Mara laughs."));
    assert_eq!(s.camera.name, "pan_left");
    assert_eq!(s.camera.params["speed"], 0.5);
    assert_eq!(s.camera.params["degrees"], 30.0);
    assert_eq!((s.transition.kind.as_str(), s.transition.frames), ("dissolve", 8));
    let t = &f.shots[1];
    assert_eq!((t.start_frame, t.frames, t.label.as_str(), t.scene), (32, 24, "2.1", 1));
    assert_eq!(t.camera.name, "static");
    assert_eq!(t.transition.kind, "cut");
    assert_eq!(
        t.recalls,
        vec![
            Recall::shot(0),
            Recall::cast("mara", vec![0]),
            Recall::set("pier", vec![0]),
        ]
    );
    assert_eq!(f.cast[0].attributes["age"], "40");
    assert_eq!(f.scenes[0].time_of_day.as_deref(), Some("dusk"));
    assert_eq!(f.prompt_at(20), Some(s.events[0].prompt.as_str()));
}

#[test]
fn styles_need_use() {
    let c = common::check(&SRC.replace("use styles\n", ""), &Config::default());
    let d = c.diagnostics.iter().find(|d| d.rule == cine_compiler::Rule::UnknownEntry).unwrap();
    assert!(d.help.as_deref().unwrap().contains("use styles"), "{:?}", d.help);
}

#[test]
fn a_film_cut_after_a_shot_keeps_what_comes_before() {
    let src = "set pier \"a pier\"\nset quay \"a quay\"\nscene pier {\n  shot a {\n    duration 1s\n  }\n  shot b {\n    duration 2s\n  }\n}\nscene quay {\n  shot c {\n    duration 1s\n  }\n}\n";
    let film = cine_compiler::compile_str("t.cine", src, &Default::default()).film.unwrap();
    assert_eq!(film.select_shots("b"), Ok((1, 1)));
    assert_eq!(film.select_shots("a..c"), Ok((0, 2)));
    assert_eq!(film.select_shots("2..3"), Ok((1, 2)));
    assert!(film.select_shots("c..a").is_err());
    assert_eq!(film.select_shots("b.."), Ok((1, 2)));
    assert_eq!(film.select_shots("..2"), Ok((0, 1)));
    assert_eq!(film.select_shots(".."), Ok((0, 2)));
    assert!(film.select_shots(" ").unwrap_err().contains("give a shot"));
}

#[test]
fn a_timed_recall_starts_at_its_frame_of_the_film() {
    let src = SRC.replace("    recall shot one\n", "    recall shot one at 0.5s\n").replace("    recall set pier\n", "    recall set pier at 0s\n");
    let film = cine_compiler::compile_str("t.cine", &src, &Default::default()).film.unwrap();
    // The shot starts at film frame 32; 0.5 s at 16 fps is 8 frames in. `at 0s` is the whole shot.
    assert_eq!(film.shots[1].recalls, vec![Recall::shot(0).from_frame(40), Recall::cast("mara", vec![0]), Recall::set("pier", vec![0])]);
    let json = serde_json::to_string(&film.shots[1].recalls).unwrap();
    assert_eq!(json, r#"[{"kind":"shot","shot":0,"from_frame":40},{"kind":"cast","name":"mara","shots":[0]},{"kind":"set","name":"pier","shots":[0]}]"#);
    let back: Vec<Recall> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, film.shots[1].recalls);
}

#[test]
fn a_recall_timed_after_its_shot_is_an_error() {
    let src = SRC.replace("    recall shot one\n", "    recall shot one at 2s\n");
    let c = common::check(&src, &Config::default());
    let d = c.diagnostics.iter().find(|d| d.rule == cine_compiler::Rule::EventOutsideShot).expect("event-outside-shot");
    assert!(d.message.contains("frame 32 of the shot") && d.message.contains("only 24 frames"), "{}", d.message);
    assert!(c.film.is_none(), "an error stops the film");
    // Inside the shot but past the middle of its last chunk (12-frame chunks from frame 32:
    // the last one starts 12 frames in, its middle is frame 18): a warning, it never starts.
    let c = common::check(&SRC.replace("    recall shot one\n", "    recall shot one at 1.4s\n"), &Config::default());
    let d = c.diagnostics.iter().find(|d| d.rule == cine_compiler::Rule::LateChange).expect("late-change");
    assert!(d.message.contains("`at 1.4s` comes after the middle of the shot's last") && d.message.contains("frame 18 of the shot"), "{}", d.message);
    assert!(c.diagnostics.iter().all(|d| d.rule != cine_compiler::Rule::EventOutsideShot));
}

//! `say` in a live session: lines queue one after another from the next chunk boundary, a cut
//! ends them, sinks are told what is on screen before the frames, and the recording is a
//! valid film whose frames do not depend on the dialogue.

use cine_ir::{Line, ModelProfile};
use cine_renderer::frame::{FrameSink, RgbFrame};
use cine_renderer::generator::StreamInfo;
use cine_renderer::live::{parse, Direction, Hold, LiveSession};
use cine_renderer::procedural::ProceduralGenerator;
use cine_renderer::subtitles::Cue;

fn tiny() -> ModelProfile {
    ModelProfile { name: "cine-tiny".into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None }
}

/// Keeps each frame with the dialogue on screen in it, as the preview captions it.
#[derive(Default)]
struct Captioned {
    cues: Vec<Cue>,
    frames: Vec<(u32, Vec<String>, RgbFrame)>,
}

impl FrameSink for Captioned {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> anyhow::Result<()> {
        let on = self.cues.iter().filter(|c| c.shows(index)).map(Cue::display).collect();
        self.frames.push((index, on, frame.clone()));
        Ok(())
    }

    fn dialogue(&mut self, cues: &[Cue]) -> anyhow::Result<()> {
        self.cues = cues.to_vec();
        Ok(())
    }
}

fn session(script: &str, reading: Option<fn(&str) -> f64>) -> (LiveSession, Captioned, Vec<(String, String)>) {
    let info = StreamInfo { seed: 3, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    if let Some(r) = reading {
        live = live.with_reading(r);
    }
    let mut cap = Captioned::default();
    for line in script.lines() {
        if let Some(d) = parse(line).unwrap() {
            live.apply(d).unwrap();
        }
        while live.hold > 0 {
            live.step(&mut [&mut cap]).unwrap();
        }
    }
    let unshown = live.finish();
    (live, cap, unshown)
}

fn line(speaker: &str, text: &str, start_frame: u32, frames: u32) -> Line {
    Line { speaker: speaker.into(), text: text.into(), start_frame, frames }
}

const SCRIPT: &str = "cut \"a red ball\"\n\
say mara for 10f: \"One\"\n\
say teo for 20f: \"Two\"\n\
wait 2\n\
say for 5s: \"Three\"\n\
wait 1\n\
cut \"a blue room\"\n\
say mara for 1s: \"Four\"\n\
wait 1\n\
say teo for 1s: \"never seen\"\n\
stop\n";

#[test]
fn lines_queue_from_the_next_boundary_and_end_at_the_cut() {
    let (live, cap, unshown) = session(SCRIPT, None);
    let film = live.film();
    // Chunks of 9, 12, 12 frames in the first shot, 12 in the second.
    assert_eq!(film.shots.iter().map(|s| s.frames).collect::<Vec<_>>(), vec![33, 12]);
    // "Two" waits for "One"; "Three", given at frame 21 while "Two" runs to 30, waits for it
    // and is cut at the shot's end (33) instead of running its 80 frames.
    assert_eq!(film.shots[0].lines, vec![line("mara", "One", 0, 10), line("teo", "Two", 10, 20), line("", "Three", 30, 3)]);
    assert_eq!(film.shots[1].lines, vec![line("mara", "Four", 33, 12)], "1 s is 16 frames, cut at the session's end (45)");
    assert_eq!(unshown, vec![("teo".to_string(), "never seen".to_string())]);
    film.validate().unwrap();
    // The sinks knew each frame's line before it came.
    let at = |f: u32| cap.frames.iter().find(|(i, _, _)| *i == f).map(|(_, on, _)| on.clone()).unwrap();
    assert_eq!(at(0), vec!["mara: One"]);
    assert_eq!(at(9), vec!["mara: One"]);
    assert_eq!(at(10), vec!["teo: Two"]);
    assert_eq!(at(29), vec!["teo: Two"]);
    assert_eq!(at(30), vec!["Three"]);
    assert_eq!(at(33), vec!["mara: Four"]);
    assert_eq!(cap.frames.len(), 45);
}

#[test]
fn dialogue_never_changes_the_frames() {
    let (_, with, _) = session(SCRIPT, None);
    let quiet: String = SCRIPT.lines().filter(|l| !l.starts_with("say")).map(|l| format!("{l}\n")).collect();
    let (_, without, _) = session(&quiet, None);
    let frames = |c: &Captioned| c.frames.iter().map(|(_, _, f)| f.clone()).collect::<Vec<_>>();
    assert_eq!(frames(&with), frames(&without));
}

#[test]
fn a_line_without_for_takes_the_reading_time_it_is_given() {
    // Without a reading speed the session cannot time it and says what to write.
    let info = StreamInfo { seed: 3, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    live.apply(parse("cut \"a room\"").unwrap().unwrap()).unwrap();
    let e = live.apply(parse("say mara: \"hi\"").unwrap().unwrap()).unwrap_err().to_string();
    assert!(e.contains("say mara for 2s"), "{e}");
    let (live, _, _) = session("cut \"a room\"\nsay mara: \"hello\"\nwait 4\n", Some(|t: &str| t.len() as f64 / 2.0));
    assert_eq!(live.film().shots[0].lines, vec![line("mara", "hello", 0, 40)], "2.5 s at 16 fps");
}

#[test]
fn lines_said_before_the_first_frame_of_a_shot_go_to_that_shot() {
    // Said, then cut before any chunk: the line is shown in the new shot, not lost.
    let (live, _, unshown) = session("cut \"a\"\nwait 1\nsay mara for 1s: \"wait for it\"\ncut \"b\"\nwait 1\n", None);
    assert!(unshown.is_empty());
    assert!(live.film().shots[0].lines.is_empty());
    assert_eq!(live.film().shots[1].lines, vec![line("mara", "wait for it", 9, 12)], "cut at the session's end (frame 21)");
}

#[test]
fn say_parses_or_explains() {
    let say = |s: &str| parse(s).unwrap().unwrap();
    assert_eq!(say("say mara: \"Hi: there\""), Direction::Say { speaker: "mara".into(), text: "Hi: there".into(), hold: None });
    assert_eq!(say("say \"Hi\""), Direction::Say { speaker: String::new(), text: "Hi".into(), hold: None });
    assert_eq!(say("say teo for 1.5s: unquoted words"), Direction::Say { speaker: "teo".into(), text: "unquoted words".into(), hold: Some(Hold::Seconds(1.5)) });
    assert_eq!(say("say for 30f: \"x\""), Direction::Say { speaker: String::new(), text: "x".into(), hold: Some(Hold::Frames(30)) });
    // `say [NAME]: "TEXT"` with the name left out.
    assert_eq!(say("say: \"hi\""), Direction::Say { speaker: String::new(), text: "hi".into(), hold: None });
    for (bad, why) in [
        ("say", "expected `say NAME"),
        ("say mara \"hi\"", "expected `say NAME"),
        ("say mara:", "the text is empty"),
        ("say mara for 0s: \"x\"", "is not a time on screen"),
        ("say mara for soon: \"x\"", "is not a time on screen"),
        ("say mara: \"x\" loudly", "unexpected `loudly`"),
        ("say mara: \"open", "unterminated quote"),
    ] {
        let e = parse(bad).unwrap_err().to_string();
        assert!(e.contains(why), "{bad}: {e}");
    }
    assert_eq!(Hold::Seconds(1e30).frames(16), u32::MAX, "huge times saturate instead of overflowing");
}

#[test]
fn random_directions_never_panic_and_record_a_valid_film() {
    let texts = ["\"a red ball\"", "\"a blue room\"", "a green field", "\"\"", "\"open", "\"say \\\"hi\\\"\"", "\"x\" extra"];
    let names = ["room", "shot1", "shot0", "shot99", "2", "ball", "mara", ""];
    let times = ["2s", "0s", "30f", "1f", "0.1s", "1e30s", "4294967295f", "soon", "-1s"];
    let soup = ["prompt", "cut", "say", ":", "\"", "as", "for", "wait", "#", "\\"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut with_lines, mut with_frames) = (0, 0);
    for case in 0..100 {
        let info = StreamInfo { seed: case, width: 64, height: 64, fps: 16, global_caption: String::new() };
        let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap().with_reading(|t| t.len() as f64 / 15.0 + 0.5);
        let mut sink = Captioned::default();
        for _ in 0..16 {
            let r = &mut rng;
            let line = match r.below(10) {
                0 | 1 => format!("prompt {}", r.pick(&texts)),
                2 => format!("cut {} as {}", r.pick(&texts), r.pick(&names)),
                3 => format!("cut {}", r.pick(&texts)),
                4 => format!("recall {}", r.pick(&names)),
                5 | 6 => format!("say {} for {}: {}", r.pick(&names), r.pick(&times), r.pick(&texts)),
                7 => format!("say {}: {}", r.pick(&names), r.pick(&texts)),
                8 => format!("wait {}", r.pick(&["0", "1", "2", "4294967295", "x"])),
                _ => format!("{} {}", r.pick(&["pause", "resume", "stop", "wait 1"]), r.pick(&soup)),
            };
            if let Ok(Some(d)) = parse(&line) {
                let _ = live.apply(d);
            }
            if rng.below(4) == 0 {
                live.apply(parse("resume").unwrap().unwrap()).unwrap();
            }
            // At most a few chunks per direction, however long the `wait`.
            let mut n = 0;
            while live.ready() && (live.hold > 0 || rng.below(2) == 0) && n < 3 {
                live.step(&mut [&mut sink]).unwrap();
                n += 1;
            }
            if live.stopped {
                break;
            }
        }
        live.finish();
        let film = live.film();
        assert_eq!(film.total_frames as usize, sink.frames.len(), "case {case}");
        // A session without a frame writes nothing (`cine live` says so); any other records a valid film.
        if film.total_frames > 0 {
            film.validate().unwrap_or_else(|e| panic!("case {case}: {e}"));
            with_frames += 1;
        }
        with_lines += film.shots.iter().any(|s| !s.lines.is_empty()) as u32;
    }
    assert!(with_frames > 50 && with_lines > 25, "the cases reach the code: {with_frames} with frames, {with_lines} with lines");
}

/// xorshift64: a fixed sequence, so every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

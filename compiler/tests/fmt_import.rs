//! `fmt` keeps meaning and comments and is idempotent; importers give compiling screenplays.

mod common;

use cine_compiler::fmt::format;
use cine_compiler::import::{holocine, longlive, Target};
use cine_compiler::Config;

fn cine_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![common::repo().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "cine") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn bundled_files_are_formatted() {
    for f in cine_files("screenplays").into_iter().chain(cine_files("stdlib")) {
        let src = std::fs::read_to_string(&f).unwrap();
        assert_eq!(format(&src).unwrap(), src, "{} is not canonical", f.display());
    }
}

#[test]
fn fmt_keeps_meaning_and_comments() {
    let messy = "// top\ntitle    \"A\"\nset p \"p\"   // trailing\n\n\n\nscene p {\n\n// inside\nshot x {\nduration 2.50s\ncamera pan_left( speed:slow )\nat 1.0s : \"b\"\n}\n}\n";
    let tidy = format(messy).unwrap();
    assert_eq!(format(&tidy).unwrap(), tidy, "idempotent");
    for c in ["// top", "// trailing", "// inside"] {
        assert!(tidy.contains(c), "lost {c}");
    }
    let a = common::check(messy, &Config::default()).film.unwrap();
    let b = common::check(&tidy, &Config::default()).film.unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

#[test]
fn fmt_keeps_backslashes_as_written() {
    // `\n` became a space and `\p` a `p` (C:\path -> C:path): now only `\"` and `\\` escape.
    let src = "caption \"a\\nb C:\\\\x C:\\path\"\nset p \"p\"\nscene p {\n  shot {\n    duration 1s\n  }\n}\n";
    let tidy = format(src).unwrap();
    assert!(tidy.starts_with("caption \"a\\nb C:\\x C:\\path\"\n"), "{tidy}");
    let caption = |s: &str| common::check(s, &Config::default()).film.unwrap().global_caption;
    assert_eq!(caption(src), "A\\nb C:\\x C:\\path.");
    assert_eq!(caption(&tidy), caption(src));
}

const HOLO: &str = "[global caption] A rainy city. [character1] is a detective. This scene contains 3 shots. [per shot caption] [character1] enters a bar [shot cut] close-up of his face [shot cut] the door shuts";

#[test]
fn holocine_text_and_json() {
    let text = holocine::import(HOLO, &Target::default()).unwrap();
    let c = common::check(&text, &Config::default());
    assert_eq!(c.errors, 0, "{text}");
    let f = c.film.unwrap();
    assert_eq!(f.shots.len(), 3);
    assert_eq!(f.global_caption, "A rainy city. character1 is a detective.");
    assert_eq!(f.shots[0].action, "character1 enters a bar");
    assert!(f.shots.iter().all(|s| s.frames % 4 == 0));
    let json = serde_json::json!({"global_caption": "A park.", "shot_captions": ["a dog runs", "a ball flies"], "num_frames": 81, "shot_cut_frames": [33]});
    let f = common::check(&holocine::import(&json.to_string(), &Target::default()).unwrap(), &Config::default()).film.unwrap();
    assert_eq!(f.shots.iter().map(|s| s.frames).collect::<Vec<_>>(), vec![32, 48]);
    assert_eq!(format(&holocine::import(HOLO, &Target::default()).unwrap()).unwrap(), holocine::import(HOLO, &Target::default()).unwrap());
}

#[test]
fn holocine_errors() {
    assert!(holocine::import("just a prompt", &Target::default()).unwrap_err().contains("[per shot caption]"));
    let bad_cuts = serde_json::json!({"prompt": HOLO, "shot_cut_frames": [100, 50]});
    assert!(holocine::import(&bad_cuts.to_string(), &Target::default()).is_err());
    let wrong_count = serde_json::json!({"prompt": HOLO, "shot_cut_frames": [100]});
    assert!(holocine::import(&wrong_count.to_string(), &Target::default()).unwrap_err().contains("need 2 cut frames"));
    let frames = |n: serde_json::Value| holocine::import(&serde_json::json!({"prompt": HOLO, "num_frames": n}).to_string(), &Target::default()).unwrap_err();
    assert_eq!(frames(serde_json::json!(1_000_001)), "`num_frames` is 1000001; cine imports films of at most 1000000 frames");
    assert_eq!(frames(serde_json::json!(81.5)), "`num_frames` must be a whole number of frames from 1 to 1000000, not 81.5");
    assert!(frames(serde_json::json!(0)).contains("from 1 to 1000000, not 0"));
}

#[test]
fn longlive_switches_and_shots() {
    let jsonl = "{\"prompts\": [\"a cat sleeps\", \"the cat wakes\", \"The scene transitions. a dog runs\"]}\n{\"prompts\": [\"x\"]}\n";
    let opts = longlive::Options { line: 0, switches: Some(vec![6, 12]), total_latent: Some(18) };
    let text = longlive::import(jsonl, &opts, &Target::default()).unwrap();
    let f = common::check(&text, &Config::default()).film.unwrap();
    assert_eq!(f.shots.len(), 2);
    assert_eq!((f.shots[0].frames, f.shots[1].frames), (48, 24));
    assert_eq!(f.shots[0].events[0].frame, 24);
    assert!(f.shots[0].events[0].prompt.contains("The cat wakes."));
    assert_eq!(f.shots[1].action, "a dog runs");
    let second = longlive::import(jsonl, &longlive::Options { line: 1, ..Default::default() }, &Target::default()).unwrap();
    assert_eq!(common::check(&second, &Config::default()).film.unwrap().total_frames, 84);
    let past = longlive::import(jsonl, &longlive::Options { line: 5, ..Default::default() }, &Target::default()).unwrap_err();
    assert!(past.contains("2 prompt line(s); --line 5 is past the end"), "{past}");
    let empty = longlive::import("\n\n", &Default::default(), &Target::default()).unwrap_err();
    assert!(empty.contains("no prompt lines") && empty.contains("{\"prompts\""), "{empty}");
    assert!(longlive::import("not json", &Default::default(), &Target::default()).unwrap_err().contains("invalid JSON"));
}

#[test]
fn longlive_huge_switches_are_errors_not_overflows() {
    // A switch at u64::MAX panicked on `+ 21` (debug) or wrapped (release); a film longer than
    // a shot can hold was written and failed to compile.
    let jsonl = r#"{"prompts":["a cat","the cat"],"switch_frame_indices":[18446744073709551615]}"#;
    assert!(longlive::import(jsonl, &Default::default(), &Target::default()).is_err());
    let two = r#"{"prompts":["a cat","the cat"]}"#;
    let opts = longlive::Options { line: 0, switches: Some(vec![18446744073709551600]), total_latent: None };
    assert!(longlive::import(two, &opts, &Target::default()).is_err());
    let opts = longlive::Options { line: 0, switches: None, total_latent: Some(999_999) };
    assert!(longlive::import(two, &opts, &Target::default()).unwrap_err().contains("the most is 250000"));
    let opts = longlive::Options { line: 0, switches: None, total_latent: Some(250_000) };
    assert!(longlive::import(two, &opts, &Target::default()).is_ok());
}

#[test]
fn a_byte_order_mark_is_ignored() {
    // It made the JSON invalid, hid the `[per shot caption]` marker or went into the caption.
    let bom = |s: &str| format!("\u{feff}{s}");
    let t = Target::default();
    let json = r#"{"global_caption":"G","shot_captions":["a","b"]}"#;
    assert_eq!(holocine::import(&bom(json), &t).unwrap(), holocine::import(json, &t).unwrap());
    let raw = "[global caption] G [per shot caption] a";
    assert_eq!(holocine::import(&bom(raw), &t).unwrap(), holocine::import(raw, &t).unwrap());
    assert_eq!(holocine::split(&bom(raw)).unwrap().0, "G");
    let jsonl = "{\"prompts\":[\"a cat\"]}\n";
    assert_eq!(longlive::import(&bom(jsonl), &Default::default(), &t).unwrap(), longlive::import(jsonl, &Default::default(), &t).unwrap());
}

#[test]
fn holocine_and_longlive_say_what_is_wrong() {
    let t = Target::default();
    let holo = |v: serde_json::Value| holocine::import(&v.to_string(), &t).unwrap_err();
    // No cut frames were given: the frames are too few for the shots.
    assert_eq!(holo(serde_json::json!({"global_caption": "G", "shot_captions": ["a", "b"], "num_frames": 1})), "2 shots need at least 2 frames; `num_frames` is 1");
    // JSON of the wrong shape is not taken for a raw prompt.
    let e = holo(serde_json::json!([{"prompt": "x"}]));
    assert!(e.starts_with("the JSON is a list, not an object: HoloCine JSON is one object, {\"prompt\""), "{e}");
    // An empty shot caption is an error in text and in JSON alike (text dropped it).
    let e = holocine::import("G [per shot caption] a [shot cut] [shot cut] c", &t).unwrap_err();
    assert_eq!(e, "shot 2 of 3 has an empty caption: write one, or remove the shot");
    assert_eq!(holo(serde_json::json!({"global_caption": "G", "shot_captions": ["a", "", "c"]})), e);
    assert!(holocine::import("G [per shot caption] [shot cut]", &t).unwrap_err().contains("no shot captions"));
    // Switch frames that are not a list were ignored for the default.
    let e = longlive::import(r#"{"prompts":["a","b"],"switch_frame_indices":"21"}"#, &Default::default(), &t).unwrap_err();
    assert_eq!(e, "line 0: `switch_frame_indices` must be a list of latent frames, like [21, 42], not \"21\"");
    assert!(longlive::import(r#"{"prompts":["a","b"],"switch_frame_indices":null}"#, &Default::default(), &t).is_ok());
}

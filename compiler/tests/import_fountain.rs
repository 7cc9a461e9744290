//! `cine import fountain`: a Fountain screenplay becomes a formatted screenplay that
//! compiles without errors or warnings, with scenes, sets, cast, shots, lines and transitions.

mod common;

use cine_compiler::fmt::format;
use cine_compiler::import::{fountain, Target};
use cine_compiler::{compile_text, Config};

fn fixture() -> String {
    std::fs::read_to_string(common::repo().join("tests/fixtures/last_ferry.fountain")).unwrap()
}

fn import(src: &str) -> String {
    fountain::import(src, &Target::default(), false).unwrap()
}

/// Compiles as `compile_text` does for a file, with the tiny model's profile.
fn compile(text: &str) -> cine_compiler::Compiled {
    compile_text(std::path::Path::new("imported.cine"), text, &common::opts(), Some(&Config::default()))
}

#[test]
fn fixture_compiles_clean_and_formatted() {
    let text = import(&fixture());
    let c = compile(&text);
    assert_eq!((c.errors, c.warnings), (0, 0), "{:?}\n{text}", common::codes(&c));
    assert_eq!(format(&text).unwrap(), text, "the import is not in `cine fmt` layout");
    let kept = ["// Author: cine test suite", "// INT. FERRY - WHEELHOUSE - CONTINUOUS #2#", "// (out of breath)"];
    // The writer's structure: sections and synopses before the scene, notes in their shot.
    let structure = ["// # Act One\n// = Mara meets her last passenger.\n// EXT. HARBOR", "// = The fog lifts.\n// EXT. ISLAND", "    // [[Maybe a gull here.]]\n    transition dissolve"];
    for kept in kept.iter().chain(&structure) {
        assert!(text.contains(kept), "lost {kept}:\n{text}");
    }
    for dropped in ["storm", "I hate boats", "FADE IN"] {
        assert!(!text.contains(dropped), "kept {dropped}:\n{text}");
    }
}

#[test]
fn fixture_ir() {
    let text = import(&fixture());
    let f = compile(&text).film.unwrap();
    assert_eq!(f.title, "The Last Ferry");
    // Four scenes; the dock returns as the same set.
    assert_eq!(f.scenes.len(), 4);
    let sets: Vec<&str> = f.scenes.iter().map(|s| s.set.as_str()).collect();
    assert_eq!(sets, ["harbor_dock", "ferry_wheelhouse", "island_beach", "harbor_dock"]);
    assert_eq!(f.sets.len(), 3);
    assert_eq!(f.sets[0].description, "the harbor dock, exterior");
    let times: Vec<Option<&str>> = f.scenes.iter().map(|s| s.time_of_day.as_deref()).collect();
    assert_eq!(times, [Some("dawn"), Some("dawn"), Some("noon"), Some("night")]);
    // Cast from the cues and the action, described by the action that introduces them:
    // Juno never speaks.
    let cast: Vec<(&str, &str)> = f.cast.iter().map(|c| (c.name.as_str(), c.description.as_str())).collect();
    assert_eq!(cast, [("mara", "mara, 30s, a ferry pilot in a red coat"), ("teo", "teo, 20s, a nervous student"), ("juno", "juno, 8, a barefoot girl with a kite")]);
    assert_eq!((&f.shots[10].subjects, &f.shots[11].subjects), (&vec!["juno".to_string(), "teo".into()], &vec!["teo".to_string(), "juno".into()]));
    assert_eq!(f.shots.len(), 13);
    assert!(f.shots.iter().all(|s| s.frames % 4 == 0 && s.frames >= 32), "{:?}", f.shots.iter().map(|s| s.frames).collect::<Vec<_>>());
    // The pier: Teo's question in the shot that introduces him, then a cut to Mara.
    fn line(s: &cine_ir::Shot, k: usize) -> (&str, &str, u32, u32) {
        let l = &s.lines[k];
        (l.speaker.as_str(), l.text.as_str(), l.start_frame - s.start_frame, l.frames)
    }
    assert_eq!((f.shots[2].subjects.as_slice(), f.shots[2].lines.len()), (["teo".to_string()].as_slice(), 1));
    // "Is this the last ferry?" is 23 characters: 23/15 + 0.5 s = 2.03 s, 32.5 frames; on
    // screen for its reading time (33).
    assert_eq!(line(&f.shots[2], 0), ("teo", "Is this the last ferry?", 0, 33));
    let answer = &f.shots[3];
    assert_eq!((answer.size.as_deref(), answer.subjects.as_slice(), answer.action.as_str()), (Some("medium_close_up"), ["mara".to_string()].as_slice(), "mara speaks to teo"));
    // Dual dialogue stays in one shot, back to back: "We are going to hit something." is
    // 30 characters, 2.5 s, so the answer starts at 40f.
    let wheelhouse = &f.shots[4];
    assert_eq!(wheelhouse.subjects, ["mara", "teo"]);
    assert_eq!(line(wheelhouse, 1), ("mara", "Not today.", 40, 19));
    // The rest of the conversation cuts from speaker to speaker.
    let speakers: Vec<&str> = f.shots[5..9].iter().map(|s| s.subjects[0].as_str()).collect();
    assert_eq!(speakers, ["teo", "mara", "teo", "mara"]);
    assert_eq!(f.shots[6].action, "mara speaks to teo, tapping the compass");
    // Mara's voice-over goes with the shot that introduces her, and does not add a subject.
    assert_eq!(f.shots[1].lines[0].speaker, "mara");
    assert_eq!(f.shots[0].subjects, Vec::<String>::new());
    // Transitions land on the shot before them.
    let kinds: Vec<&str> = f.shots.iter().map(|s| s.transition.kind.as_str()).collect();
    assert_eq!(kinds, ["cut", "cut", "cut", "dissolve", "cut", "cut", "cut", "cut", "cut", "cut", "cut", "smash_cut", "fade_to_black"]);
}

#[test]
fn timing_follows_the_text() {
    // 20 words of action: 8 s at 16 fps; one short line would fit in 2 s.
    let words = "word ".repeat(20);
    let f = compile(&import(&format!("EXT. FIELD - DAY\n\n{words}\n"))).film.unwrap();
    assert_eq!(f.shots[0].frames, 128);
    // Three words are under the 2 s minimum.
    let text = import("EXT. FIELD - DAY\n\nA dog barks.\n");
    assert!(text.starts_with("// Imported from a Fountain screenplay: 1 scene, 1 shot, 0 lines of dialogue.\n"), "{text}");
    let f = compile(&text).film.unwrap();
    assert_eq!(f.shots[0].frames, 32);
    // A speech longer than the action stretches the shot and is split into subtitles; past
    // 8 s of dialogue (each of these is 4.2 s) the speaker goes on in a close-up, then a
    // medium close-up.
    let speech = "I have waited for this ferry every night for ten years. ".repeat(3);
    let text = import(&format!("EXT. DOCK - NIGHT\n\nBOB waits.\n\nBOB\n{speech}\n"));
    let c = compile(&text);
    assert_eq!((c.errors, c.warnings), (0, 0), "{:?}\n{text}", common::codes(&c));
    let f = c.film.unwrap();
    let lines: Vec<usize> = f.shots.iter().map(|s| s.lines.len()).collect();
    assert_eq!(lines, [1, 1, 1], "{text}");
    let sizes: Vec<Option<&str>> = f.shots.iter().map(|s| s.size.as_deref()).collect();
    assert_eq!(sizes, [None, Some("close_up"), Some("medium_close_up")]);
    for shot in &f.shots {
        let end = shot.lines.last().map(|l| l.start_frame + l.frames).unwrap();
        assert!(end <= shot.start_frame + shot.frames);
    }
}

#[test]
fn bad_inputs() {
    let t = Target::default();
    assert!(fountain::import("", &t, false).unwrap_err().contains("no scene headings"));
    assert!(fountain::import("Title: Only a title page\nAuthor: me\n", &t, false).is_err());
    // No scene heading: everything goes into one default scene.
    let text = fountain::import("A dog barks.\n\nBOB\nQuiet!\n", &t, false).unwrap();
    let c = compile(&text);
    assert_eq!(c.errors, 0, "{text}");
    let f = c.film.unwrap();
    assert_eq!((f.scenes.len(), f.shots.len(), f.shots[0].lines.len()), (1, 1, 1));
    // Garbage: no panic, and either a clear error or a screenplay that compiles.
    let mut seed = 7u64;
    let bytes: Vec<u8> = (0..4000)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect();
    match fountain::import(&String::from_utf8_lossy(&bytes), &t, false) {
        Ok(text) => assert_eq!(compile(&text).errors, 0, "{text}"),
        Err(e) => assert!(!e.is_empty()),
    }
    assert!(fountain::import("a\0b", &t, false).unwrap_err().contains("NUL"));
    // Quotes, backslashes and odd names survive as valid strings and idents.
    let text = fountain::import("INT. \"QUOTED\" \\ ROOM - 1999\n\n@Ms. Ö'Brien\nSay \"hi\" \\o/\n", &t, false).unwrap();
    let c = compile(&text);
    assert_eq!(c.errors, 0, "{:?}\n{text}", common::codes(&c));
    assert_eq!(c.film.unwrap().shots[0].lines[0].text, "Say \"hi\" \\o/");
}

#[test]
fn title_override() {
    let t = Target { title: "Mine".into(), ..Target::default() };
    let f = compile(&fountain::import(&fixture(), &t, true).unwrap()).film.unwrap();
    assert_eq!(f.title, "Mine");
    let f = compile(&fountain::import("EXT. SEA - DAY\n\nWaves.\n", &t, false).unwrap()).film.unwrap();
    assert_eq!(f.title, "Mine", "no title page: the target's title");
}

#[test]
fn a_long_script_is_quick() {
    // About 1.3 MB: 2000 scenes over 50 places with action and dialogue.
    let mut src = String::from("Title: Long\n\n");
    for i in 0..2000 {
        src += &format!("INT. ROOM {} - NIGHT\n\nANNA{} opens the door and looks around the room.\n\nANNA{}\nHello there, is anyone home?\n\nBEN (O.S.)\nOnly me.\n\n", i % 50, i % 7, i % 7);
        src += &"Some action that goes on. ".repeat(20);
        src += "\n\n";
    }
    let t = std::time::Instant::now();
    let text = import(&src);
    assert!(t.elapsed().as_secs_f64() < 5.0, "took {:?}", t.elapsed());
    let f = compile(&text).film.unwrap();
    assert_eq!((f.scenes.len(), f.sets.len(), f.cast.len()), (2000, 50, 8));
}

/// Wan 2.1's prompt limit (511 tokens) on cine-tiny's grid: an import lints clean for it.
fn wan(name: &str) -> Option<cine_ir::ModelProfile> {
    Some(cine_ir::ModelProfile { max_prompt_tokens: 511, ..common::tiny(name)? })
}

/// Imports and compiles for [`wan`]; the import must have no errors or warnings.
fn clean_import(src: &str) -> (String, cine_ir::Film) {
    let text = import(src);
    let opts = cine_compiler::Options { profile: Some(wan), ..common::opts() };
    let c = compile_text(std::path::Path::new("imported.cine"), &text, &opts, Some(&Config::default()));
    assert_eq!((c.errors, c.warnings), (0, 0), "{:?}\n{text}", common::codes(&c));
    assert_eq!(format(&text).unwrap(), text, "the import is not in `cine fmt` layout");
    (text, c.film.unwrap())
}

#[test]
fn names_of_any_latin_script_become_idents() {
    // Ł, Æ and Œ were dropped (`ukasz`, `sop`, `dipe`); `STRAßE` was no cue (ß is lowercase).
    let (text, f) = clean_import("INT. ROOM - DAY\n\nThey sit.\n\nŁUKASZ\nHi.\n\nÆSOP\nHey.\n\nŒDIPE\nYo.\n\nSTRAßE\nHm.\n\nÞÓRA\nSæl.\n");
    assert_eq!(f.cast.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["lukasz", "aesop", "oedipe", "strasse", "thora"]);
    assert!(!text.contains("STRAßE Hm."), "{text}");
}

#[test]
fn lyrics_and_centered_text_are_comments() {
    // They vanished, and sung lines kept their `~`.
    let src = "INT. ROOM - DAY\n\nMARA sits.\n\n~Willy Wonka!\n~The  candy man.\n\nMARA\n~Row, row, row your boat\n~Gently down the stream\n\n>THE END<\n";
    let (text, f) = clean_import(src);
    assert!(text.contains("    action \"MARA sits.\"\n    // ~Willy Wonka!\n    // ~The candy man.\n    say mara:"), "{text}");
    assert!(text.contains("    // >THE END<\n  }"), "{text}");
    assert_eq!(f.lines().next().unwrap().text, "Row, row, row your boat Gently down the stream");
}

#[test]
fn a_cue_with_only_a_parenthetical_is_a_comment() {
    // `(nods)` vanished and `cast say` was never used.
    let (text, f) = clean_import("INT. SCENE - DAY\n\nSHOT walks in.\n\nSCENE\nHello.\n\nSAY\n(nods)\n");
    assert_eq!(f.cast.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["scene"]);
    assert!(text.contains("    say scene: \"Hello.\"\n    // SAY (nods)\n"), "{text}");
    // A speaker with lines elsewhere keeps them, and the parenthetical alone is a comment.
    let (text, f) = clean_import("INT. ROOM - DAY\n\nTEO waits.\n\nTEO\nHi.\n\nMARA\nHello.\n\nTEO\n(laughs)\n");
    assert_eq!(f.lines().count(), 2);
    assert!(text.contains("    say mara: \"Hello.\"\n    // TEO (laughs)\n"), "{text}");
    // Before any shot, it goes before the first one.
    let (text, _) = clean_import("INT. ROOM - DAY\n\nTEO\n(sighs)\n\nTeo sits.\n");
    assert!(text.contains("  // TEO (sighs)\n  shot {"), "{text}");
}

#[test]
fn transitions_in_a_row_lose_nothing() {
    // The first one was overwritten: the last stands, the others are comments before it.
    let (text, f) = clean_import("INT. ROOM - DAY\n\nMara waits.\n\nDISSOLVE TO:\n\nSLOWLY FADE TO:\n\nEXT. SEA - NIGHT\n\nWaves.\n");
    assert!(text.contains("    action \"Mara waits.\"\n    // DISSOLVE TO:\n    transition cut // SLOWLY FADE TO:\n"), "{text}");
    assert_eq!(f.shots[0].transition.kind, "cut");
    let (text, f) = clean_import("INT. ROOM - DAY\n\nMara waits.\n\nCUT TO:\n\nDISSOLVE TO:\n\nEXT. SEA - NIGHT\n\nWaves.\n");
    assert!(text.contains("    // CUT TO:\n    transition dissolve\n"), "{text}");
    assert_eq!(f.shots[0].transition.kind, "dissolve");
}

#[test]
fn long_actions_and_speeches_keep_every_word() {
    // They were cut at 2000 characters: the action ended `word26...`, the speech lost
    // sentences 234 to 599.
    let words: Vec<String> = (0..600).map(|i| format!("word{i}")).collect();
    let talk: Vec<String> = (0..600).map(|i| format!("talk{i}.")).collect();
    let (_, f) = clean_import(&format!("INT. ROOM - DAY\n\n{}\n\nMARA\n{}\n", words.join(" "), talk.join(" ")));
    // The action goes on over three shots, each within the prompt limit.
    let actions: Vec<&str> = f.shots.iter().map(|s| s.action.as_str()).filter(|a| a.starts_with("word")).collect();
    assert_eq!(actions.len(), 3);
    assert_eq!(actions.join(" "), words.join(" "));
    let said: Vec<&str> = f.lines().map(|l| l.text.as_str()).collect();
    assert_eq!(said.join(" "), talk.join(" "));
    // A sentence without an end is split between words rather than cut.
    let sentence = "and then ".repeat(400);
    let (_, f) = clean_import(&format!("INT. ROOM - DAY\n\nMara waits.\n\nMARA\n{sentence}\n"));
    let said: Vec<&str> = f.lines().map(|l| l.text.as_str()).collect();
    assert_eq!(said.join(" "), sentence.trim());
    // A long note or section stays whole, over several comment lines.
    let note = "a long note ".repeat(300);
    let (text, _) = clean_import(&format!("INT. ROOM - DAY\n\nMara waits. [[{note}]]\n"));
    let kept: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("// ")).filter(|l| l.contains("long note")).collect();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept.join(" "), format!("[[{}]]", note.trim()));
}

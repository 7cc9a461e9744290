//! `cine import`: HoloCine and LongLive prompt files become screenplays that lint and plan.

use std::process::{Command, Output};

fn cine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

#[test]
fn holocine_to_a_clean_screenplay() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("noir.txt");
    std::fs::write(&src, "[global caption] A rainy city at night. This scene contains 2 shots. [per shot caption] a detective walks [shot cut] close-up of his face").unwrap();
    let out_file = dir.path().join("noir.cine");
    let out = cine(&["import", "holocine", src.to_str().unwrap(), "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lint = cine(&["lint", "--deny", "warnings", out_file.to_str().unwrap()]);
    assert_eq!(lint.status.code(), Some(0), "{}", String::from_utf8_lossy(&lint.stderr));
    let plan = cine(&["plan", out_file.to_str().unwrap()]);
    let film: cine_ir::Film = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(film.shots.len(), 2);
    assert_eq!(film.global_caption, "A rainy city at night.");
}

#[test]
fn longlive_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("prompts.jsonl");
    std::fs::write(&src, "{\"prompts\": [\"a cat sleeps\", \"the cat wakes\"]}\n").unwrap();
    let out = cine(&["import", "longlive", src.to_str().unwrap(), "--switch", "3", "--latent-frames", "6"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("duration 24f") && s.contains("at 12f: \"the cat wakes\""), "{s}");
}

#[test]
fn bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("x.txt");
    std::fs::write(&src, "no markers here").unwrap();
    let out = cine(&["import", "holocine", src.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[per shot caption]"));
    assert_eq!(cine(&["import", "holocine", "missing.txt"]).status.code(), Some(2));
    assert_eq!(cine(&["import", "sora", "x"]).status.code(), Some(2));
}

#[test]
fn fountain_to_a_clean_screenplay() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("ferry.cine");
    let path = out_file.to_str().unwrap();
    let out = cine(&["import", "fountain", "tests/fixtures/last_ferry.fountain", "--model", "wan2.1-1.3b", "-o", path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "the import is not clean: {}", String::from_utf8_lossy(&out.stderr));
    let lint = cine(&["lint", "--deny", "warnings", path]);
    assert_eq!(lint.status.code(), Some(0), "{}", String::from_utf8_lossy(&lint.stderr));
    assert_eq!(cine(&["fmt", "--check", path]).status.code(), Some(0), "not in `cine fmt` layout");
    let plan = cine(&["plan", path]);
    let film: cine_ir::Film = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!((film.title.as_str(), film.model.as_str()), ("The Last Ferry", "wan2.1-1.3b"));
    // 13 shots: 8 action paragraphs, and 5 cuts to the speaker (each change of on-screen
    // speaker after the first speech that follows an action paragraph).
    assert_eq!((film.scenes.len(), film.sets.len(), film.shots.len()), (4, 3, 13));
    assert_eq!(film.scenes[0].set, film.scenes[3].set, "the dock returns");
    let lines: Vec<(&str, &str)> = film.lines().map(|l| (l.speaker.as_str(), l.text.as_str())).collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[1], ("teo", "Is this the last ferry?"));
    assert_eq!(film.shots[3].transition.kind, "dissolve", "on Mara's answer, the last shot before it");
    assert_eq!(film.cast.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["mara", "teo", "juno"], "juno never speaks");
    // --title wins over the title page.
    let out = cine(&["import", "fountain", "tests/fixtures/last_ferry.fountain", "--title", "Crossing"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("title \"Crossing\""));
}

#[test]
fn fountain_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.fountain");
    std::fs::write(&empty, "").unwrap();
    let out = cine(&["import", "fountain", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scene headings"), "{}", String::from_utf8_lossy(&out.stderr));
    let binary = dir.path().join("binary.fountain");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x81, 0x00]).unwrap();
    let out = cine(&["import", "fountain", binary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn an_existing_out_file_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("film.cine");
    std::fs::write(&out, "// my edits\n").unwrap();
    let path = out.to_str().unwrap();
    let o = cine(&["import", "fountain", "tests/fixtures/last_ferry.fountain", "-o", path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists; pass --force"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "// my edits\n", "the file is untouched");
    let o = cine(&["import", "fountain", "tests/fixtures/last_ferry.fountain", "-o", path, "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().contains("title \"The Last Ferry\""));
}

#[test]
fn warnings_name_the_generated_text_and_the_source_is_never_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("long.txt");
    let long = "a detective walks slowly through the rain ".repeat(10);
    let text = format!("[global caption] A rainy city. [per shot caption] {long}");
    std::fs::write(&src, &text).unwrap();
    let path = src.to_str().unwrap();
    // To stdout, the warning quotes the generated screenplay, so it is not named as the input.
    let o = cine(&["import", "holocine", path]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("cine::prompt-too-long") && err.contains("<imported>:") && !err.contains("long.txt"), "{err}");
    // `-o` naming the input is refused even with --force, and the input is kept.
    for extra in [&[][..], &["--force"][..]] {
        let o = cine(&[&["import", "holocine", path, "-o", path][..], extra].concat());
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("is the file being imported"), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read_to_string(&src).unwrap(), text);
    }
    for fps in ["0", "241"] {
        let o = cine(&["import", "holocine", path, "--fps", fps]);
        assert_eq!(o.status.code(), Some(2), "--fps {fps}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("1..=240"), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn longlive_options_belong_to_longlive() {
    // They were ignored for the other formats.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("h.json");
    std::fs::write(&src, r#"{"global_caption":"G","shot_captions":["a","b","c"]}"#).unwrap();
    let o = cine(&["import", "holocine", src.to_str().unwrap(), "--switch", "5", "--line", "3", "--latent-frames", "9"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--line, --switch, --latent-frames are options of `cine import longlive`; holocine input"), "{err}");
    assert!(o.stdout.is_empty());
    let o = cine(&["import", "fountain", "tests/fixtures/last_ferry.fountain", "--line", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--line is an option of `cine import longlive`; fountain input"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn out_must_name_a_file() {
    // A directory was "already there" (pass --force), then could not be written after the import.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let o = cine(&[&["import", "fountain", "tests/fixtures/last_ferry.fountain", "-o", path][..], extra].concat());
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with(&format!("error: --out {path} is a directory; give the screenplay's file name, like ")), "{err}");
        assert_eq!(err.lines().count(), 1, "refused before the import: {err}");
    }
}

#[test]
fn a_long_fountain_script_imports_whole_and_lints_clean() {
    // A 600-word action and a 600-sentence speech were cut at 2000 characters, silently.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("long.fountain");
    let words: Vec<String> = (0..600).map(|i| format!("word{i}")).collect();
    let talk: Vec<String> = (0..600).map(|i| format!("talk{i}.")).collect();
    std::fs::write(&src, format!("INT. ROOM - DAY\n\n{}\n\nMARA\n{}\n", words.join(" "), talk.join(" "))).unwrap();
    let out_file = dir.path().join("long.cine");
    let path = out_file.to_str().unwrap();
    let out = cine(&["import", "fountain", src.to_str().unwrap(), "--model", "wan2.1-1.3b", "-o", path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "the import is not clean: {}", String::from_utf8_lossy(&out.stderr));
    let lint = cine(&["lint", "--deny", "warnings", path]);
    assert_eq!(lint.status.code(), Some(0), "{}", String::from_utf8_lossy(&lint.stderr));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(!text.contains("..."), "{text}");
    for w in words.iter().chain(&talk) {
        assert!(text.contains(&format!("{w} ")) || text.contains(&format!("{w}\"")), "lost {w}");
    }
}

//! `cine render` end to end (procedural test generator: these test the pipeline, not a model).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const SCRIPT: &str = "cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\n\
scene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n  shot {\n    duration 1s\n    subjects mara\n  }\n}\n";

fn cine(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(dir).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout)
}

/// (frames, duration) as ffprobe counts them.
fn probe(path: &Path) -> (u64, f64) {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries"])
        .args(["stream=nb_read_frames:format=duration", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe is installed (scripts/setup.sh)");
    let s = String::from_utf8_lossy(&o.stdout);
    let v: Vec<&str> = s.split_whitespace().collect();
    (v[0].trim_end_matches(',').parse().unwrap(), v[1].parse().unwrap())
}

#[test]
fn renders_a_screenplay_with_storyboard_and_reuses_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), SCRIPT).unwrap();
    let args = ["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--cache-dir", "cache", "--storyboard", "a.png"];
    let o = cine(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")), (48, 3.0));
    assert!(std::fs::read(dir.path().join("a.png")).unwrap().starts_with(b"\x89PNG\r\n"));
    assert!(text(&o).contains("5 of 5 chunks generated"), "{}", text(&o));
    let first = std::fs::read(dir.path().join("a.mp4")).unwrap();
    let o = cine(&args, dir.path());
    assert!(text(&o).contains("0 of 5 chunks generated"), "{}", text(&o));
    assert_eq!(std::fs::read(dir.path().join("a.mp4")).unwrap(), first, "cached render gives the same bytes");
    let o = cine(&["render", "a.cine", "-o", "b.mp4", "--generator", "procedural", "--no-cache"], dir.path());
    assert!(o.status.success());
    assert_eq!(std::fs::read(dir.path().join("b.mp4")).unwrap(), first, "same screenplay and seed, same bytes");
}

#[test]
fn bad_input_and_output_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.cine"), "scene {{{\n").unwrap();
    std::fs::write(dir.path().join("a.cine"), SCRIPT).unwrap();
    let o = cine(&["render", "bad.cine", "-o", "x.mp4", "--generator", "procedural"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("fix them"), "{}", text(&o));
    assert!(!dir.path().join("x.mp4").exists());
    // A file that cannot be read is not a screenplay with errors: exit 2 as `cine lint`, and
    // no empty source snippet or "fix them" advice.
    for missing in ["missing.cine", "missing.json"] {
        let o = cine(&["render", missing, "--generator", "procedural"], dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(&format!("error: cannot read {missing}")), "{}", text(&o));
        assert!(!text(&o).contains("fix them") && !text(&o).contains("╭─["), "{}", text(&o));
    }
    let o = cine(&["render", "a.cine", "-o", "nowhere/x.mp4", "--generator", "procedural", "--no-cache"], dir.path());
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("does not exist"), "{}", text(&o));
    std::fs::write(dir.path().join("film.json"), "{\"not\": \"a film\"}").unwrap();
    let o = cine(&["render", "film.json", "--generator", "procedural"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not a film IR"), "{}", text(&o));
    // A hand-edited IR whose shape is broken (here a shot of 4 billion frames, which used to
    // run the machine out of memory) is refused before anything is rendered.
    let mut film = cine_renderer::sample::film("cine-tiny", 1, &[("a", 16), ("b", 16)]);
    film.shots[1].frames = u32::MAX;
    std::fs::write(dir.path().join("huge.json"), serde_json::to_string(&film).unwrap()).unwrap();
    let o = cine(&["render", "huge.json", "-o", "h.mp4", "--generator", "procedural", "--no-cache"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not a consistent film IR: the film is longer than"), "{}", text(&o));
    assert!(!dir.path().join("h.mp4").exists());
    // Outputs that cannot be written are refused before rendering (they used to fail only
    // when the finished files were moved into place): a directory, a sidecar in no directory.
    std::fs::create_dir(dir.path().join("films")).unwrap();
    let refused = [
        (vec!["-o", "films"], "cannot write films: it is a directory; give a file name, e.g. films/film.mp4"),
        (vec!["-o", "y.mp4", "--storyboard", "films"], "cannot write films: it is a directory; give a file name, e.g. films/storyboard.png"),
        (vec!["-o", "y.mp4", "--subtitles", "nowhere/y.srt"], "--subtitles: cannot write nowhere/y.srt: the directory nowhere does not exist"),
        (vec!["-o", "a.cine/y.mp4"], "cannot write a.cine/y.mp4: a.cine is a file, not a folder"),
        (vec!["-o", "a.cine/deeper/y.mp4"], "cannot write a.cine/deeper/y.mp4: a.cine is a file, not a folder"),
    ];
    for (extra, says) in refused {
        let o = cine(&[&["render", "a.cine", "--generator", "procedural", "--no-cache"], &extra[..]].concat(), dir.path());
        assert_ne!(o.status.code(), Some(0), "{extra:?}");
        assert!(text(&o).contains(says) && !text(&o).contains("wrote"), "{extra:?}: {}", text(&o));
        assert!(!dir.path().join("y.mp4").exists());
    }
}

#[test]
fn a_killed_render_leaves_no_file_under_the_output_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut film = cine_renderer::sample::film("cine-tiny", 1, &[("a long shot", 4000)]);
    (film.width, film.height) = (320, 320);
    std::fs::write(dir.path().join("long.json"), serde_json::to_string(&film).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "long.json", "-o", "film.mp4", "--generator", "procedural", "--no-cache"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the partial file has data, then kill mid-write.
    let t0 = Instant::now();
    let partial = || {
        std::fs::read_dir(dir.path()).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().ends_with(".part") && e.metadata().is_ok_and(|m| m.len() > 2000)
        })
    };
    while !partial() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(partial(), "the render should be writing its temporary file");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.path().join("film.mp4").exists());
}

#[test]
fn ctrl_c_stops_the_render_and_leaves_no_file_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut film = cine_renderer::sample::film("cine-tiny", 1, &[("a long shot", 4000)]);
    (film.width, film.height) = (320, 320);
    std::fs::write(dir.path().join("long.json"), serde_json::to_string(&film).unwrap()).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "long.json", "-o", "film.mp4", "--generator", "procedural", "--no-cache"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let partial = || {
        std::fs::read_dir(dir.path()).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().ends_with(".part") && e.metadata().is_ok_and(|m| m.len() > 2000)
        })
    };
    while !partial() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(partial(), "the render should be writing its temporary file");
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: nothing written to film.mp4"), "{err}");
    let left: Vec<String> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
    assert_eq!(left, vec!["long.json".to_string()], "only the input is left");
}

#[test]
fn a_full_disk_is_reported_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    // Needs root (as in CI containers) for a 64 KiB tmpfs; say so when it cannot run.
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"]).arg(&full).output();
    if !mounted.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: cannot mount a small tmpfs here (not root)");
        return;
    }
    let film = cine_renderer::sample::film("cine-tiny", 1, &[("a long shot", 480)]);
    std::fs::write(dir.path().join("f.json"), serde_json::to_string(&film).unwrap()).unwrap();
    let o = cine(&["render", "f.json", "-o", "full/f.mp4", "--generator", "procedural", "--no-cache"], dir.path());
    let left = std::fs::read_dir(&full).unwrap().count();
    Command::new("umount").arg(&full).status().unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("the disk is full"), "{}", text(&o));
    assert_eq!(left, 0, "no partial file is left");
}

#[test]
fn without_model_dir_the_built_in_model_renders_or_its_absence_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let film = cine_renderer::sample::film("cine-tiny", 1, &[("a red ball", 9)]);
    std::fs::write(dir.path().join("f.json"), serde_json::to_string(&film).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "f.json", "-o", "f.mp4", "--no-cache", "-q"])
        .current_dir(dir.path())
        .env_remove("CINE_MODEL_DIR")
        .output()
        .unwrap();
    if cine_renderer::model_gen::builtin_dir().is_some() {
        // Built with model/weights/cine-tiny present: the embedded model renders.
        assert!(o.status.success(), "{}", text(&o));
        let (frames, seconds) = probe(&dir.path().join("f.mp4"));
        assert_eq!(frames, 9);
        assert!((seconds - 0.5625).abs() < 0.001, "{seconds}");
    } else {
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("not built into this binary"), "{}", text(&o));
        assert!(!dir.path().join("f.mp4").exists());
    }
}

#[test]
fn render_sees_the_project_as_lint_does() {
    // cine.toml at the project root, the film in a subfolder using a file from a sibling one.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::create_dir_all(root.join("films")).unwrap();
    std::fs::write(root.join("cine.toml"), "[lints]\nunused-set = \"deny\"\n").unwrap();
    std::fs::write(root.join("lib/cast.cine"), "cast mara \"a fisherwoman\"\n").unwrap();
    let film = "use \"../lib/cast.cine\"\nset pier \"a wooden pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
    std::fs::write(root.join("films/a.cine"), film).unwrap();
    let o = cine(&["lint", "films/a.cine"], root);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cine(&["render", "films/a.cine", "-o", "a.mp4", "--generator", "procedural", "--no-cache"], root);
    assert!(o.status.success(), "the file lint accepts renders: {}", text(&o));
    // A lint that cine.toml denies stops the render as it fails the lint.
    std::fs::write(root.join("films/b.cine"), format!("{film}set quay \"a stone quay\"\n")).unwrap();
    let o = cine(&["render", "films/b.cine", "-o", "b.mp4", "--generator", "procedural", "--no-cache"], root);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("cine::unused-set"), "{}", text(&o));
    assert!(!root.join("b.mp4").exists());
}

#[test]
fn watch_renders_again_on_save_keeps_the_last_good_film_and_stops_on_ctrl_c() {
    use std::io::BufRead;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), SCRIPT).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--cache-dir", "cache", "--watch"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let wait_for = |what: &str, times: usize| {
        let t0 = Instant::now();
        while log.lock().unwrap().matches(what).count() < times && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let l = log.lock().unwrap().clone();
        assert!(l.matches(what).count() >= times, "waited for {times}x `{what}`:\n{l}");
        l
    };
    wait_for("watching 1 file(s)", 1);
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 48);
    // A save: the last shot gets longer; only the chunks from the change on are generated.
    std::fs::write(dir.path().join("a.cine"), SCRIPT.replace("duration 1s", "duration 2s")).unwrap();
    let l = wait_for("watching 1 file(s)", 2);
    let second = l.lines().filter(|l| l.starts_with("wrote a.mp4")).nth(1).unwrap().to_string();
    let counts: Vec<usize> = second.split(", ").find(|p| p.ends_with("chunks generated")).unwrap().split(' ').filter_map(|w| w.parse().ok()).collect();
    assert!(counts[0] > 0 && counts[0] < counts[1], "{second}");
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 64);
    let good = std::fs::read(dir.path().join("a.mp4")).unwrap();
    // A save with an error: reported, the last good film kept, still watching.
    std::fs::write(dir.path().join("a.cine"), SCRIPT.replace("subjects mara\n  }\n  shot", "subjects marra\n  }\n  shot")).unwrap();
    let l = wait_for("watching 1 file(s)", 3);
    assert!(l.contains("cine::undefined-cast") && l.contains("did you mean `mara`?"), "{l}");
    assert_eq!(std::fs::read(dir.path().join("a.mp4")).unwrap(), good);
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert!(log.lock().unwrap().contains("stopped watching"));
    assert_eq!(status.code(), Some(1), "the last render's code: it had errors");
}

#[test]
fn watch_follows_the_used_files_and_cine_toml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(root.join("cine.toml"), "[lints]\n").unwrap();
    std::fs::write(root.join("lib/cast.cine"), "cast mara \"a fisherwoman\"\n").unwrap();
    std::fs::write(root.join("a.cine"), SCRIPT.replace("cast mara \"a fisherwoman\"\n", "use \"lib/cast.cine\"\n")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--no-cache", "--watch"])
        .current_dir(root)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !root.join("a.mp4").exists() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let first = std::fs::metadata(root.join("a.mp4")).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    // Only the used file changes; a render follows.
    std::fs::write(root.join("lib/cast.cine"), "cast mara \"a fisherwoman in a red coat\"\n").unwrap();
    while std::fs::metadata(root.join("a.mp4")).unwrap().modified().unwrap() == first && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("watching 3 file(s)"), "the screenplay, lib/cast.cine and cine.toml:\n{err}");
    assert_eq!(err.matches("wrote a.mp4").count(), 2, "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn shots_writes_only_the_selected_shots_after_generating_what_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let three = SCRIPT.replace("  shot {\n    duration 1s", "  shot harbor {\n    duration 1s").replace("  }\n}\n", "  }\n  shot {\n    duration 2s\n    recall shot harbor\n  }\n}\n");
    std::fs::write(dir.path().join("a.cine"), &three).unwrap();
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--cache-dir", "cache"];
        args.extend_from_slice(extra);
        cine(&args, dir.path())
    };
    // The first shot alone, on an empty cache: only its chunks are generated.
    let o = render(&["--shots", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 32);
    assert!(text(&o).contains("wrote a.mp4 (32 frames, 2.00 s"), "{}", text(&o));
    assert!(text(&o).contains("3 of 3 chunks generated"), "{}", text(&o));
    // The second shot by name: the first comes from the cache.
    let o = render(&["--shots", "harbor"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 16);
    assert!(text(&o).contains("1 shot(s) from cache"), "{}", text(&o));
    // A range by number; then the whole film, all from the cache but the last shot.
    let o = render(&["--shots", "2..3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 48);
    let o = render(&[]);
    assert!(text(&o).contains("3 shot(s) from cache"), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 80);
    // After the whole film, any selection is all from its cache.
    let o = render(&["--shots", "harbor"]);
    assert!(text(&o).contains("0 of 5 chunks generated"), "{}", text(&o));
    // Bad selections are usage errors that name the shots.
    for (spec, want) in [("4", "there is no shot 4: the film has 3 shots"), ("habor", "the shots are: 1.1, harbor, 1.3"), ("3..1", "runs backwards")] {
        let o = render(&["--shots", spec]);
        assert_eq!(o.status.code(), Some(2), "{spec}: {}", text(&o));
        assert!(text(&o).contains(want), "{spec}: {}", text(&o));
    }
}

/// SCRIPT with a line of dialogue in each shot.
fn talking_script() -> String {
    SCRIPT
        .replacen("    subjects mara\n  }", "    subjects mara\n    say mara at 0.5s: \"Fish & <chips>!\"\n  }", 1)
        .replacen("duration 1s\n    subjects mara\n  }", "duration 1s\n    subjects mara\n    say mara: \"Home.\"\n  }", 1)
}

#[test]
fn dialogue_goes_into_the_mp4_a_sidecar_and_the_frames_at_the_chosen_scale() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.cine"), talking_script()).unwrap();
    let base = ["render", "t.cine", "--generator", "procedural", "--no-cache", "-q"];
    let run = |extra: &[&str]| {
        let o = cine(&[&base[..], extra].concat(), dir.path());
        assert!(o.status.success(), "{}", text(&o));
        o
    };
    let o = run(&["-o", "a.mp4", "--scale", "4", "--subtitles", "a.vtt", "--burn-subtitles"]);
    assert!(text(&o).contains("subtitles: 2 line(s) in the MP4's subtitle track, burned into the frames"), "{}", text(&o));
    assert!(text(&o).contains("wrote subtitles a.vtt (2 line(s))"), "{}", text(&o));
    let vtt = std::fs::read_to_string(dir.path().join("a.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:00.500 --> "), "{vtt}");
    assert!(vtt.contains("<v mara>Fish &amp; &lt;chips&gt;!\n") && vtt.contains("\n00:00:02.000 --> ") && vtt.contains("<v mara>Home.\n"), "{vtt}");
    let burned = cine_renderer::probe::read(&dir.path().join("a.mp4")).unwrap();
    assert_eq!((burned.width, burned.height, burned.frames.len()), (256, 256, 48));
    assert_eq!(burned.subtitle_codec.as_deref(), Some("mov_text"));
    let texts: Vec<&str> = burned.subtitles.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, vec!["mara: Fish & <chips>!", "mara: Home."]);
    assert_eq!(burned.subtitles[0].start_ms, 500);
    // The same without burning: the bottom of a frame with a line differs, the top does not.
    run(&["-o", "b.mp4", "--scale", "4", "--subtitles", "b.srt"]);
    let srt = std::fs::read_to_string(dir.path().join("b.srt")).unwrap();
    assert!(srt.starts_with("1\n00:00:00,500 --> ") && srt.contains("mara: Fish & <chips>!\n\n2\n00:00:02,000 --> "), "{srt}");
    let plain = cine_renderer::probe::read(&dir.path().join("b.mp4")).unwrap();
    let diff = |rows: std::ops::Range<usize>| {
        let (a, b) = (&plain.frames[16].data[rows.start * 768..rows.end * 768], &burned.frames[16].data[rows.start * 768..rows.end * 768]);
        a.iter().zip(b).map(|(&x, &y)| (x as i32 - y as i32).abs() as f64).sum::<f64>() / a.len() as f64
    };
    assert!(diff(200..256) > 15.0 && diff(0..128) < 2.0, "bottom {:.2}, top {:.2}", diff(200..256), diff(0..128));
    // At the film's own 64x64, burning works and suggests a scale.
    let o = run(&["-o", "c.mp4", "--burn-subtitles"]);
    assert!(text(&o).contains("note: burned-in subtitles at 64x64 are tiny; --scale 4 or more reads better"), "{}", text(&o));
    assert!(!text(&o).contains("Latin letters only"), "{}", text(&o));
    // Characters the burned-in font lacks are named (accents it folds are not).
    std::fs::write(dir.path().join("t.cine"), talking_script().replace("Home.", "Ça va? 日本語")).unwrap();
    let o = run(&["-o", "d.mp4", "--scale", "4", "--burn-subtitles"]);
    assert!(text(&o).contains("note: the burned-in font draws Latin letters only: 日本語 will show as ?"), "{}", text(&o));
}

#[test]
fn bad_scales_and_subtitle_files_are_rejected_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.cine"), talking_script()).unwrap();
    for bad in ["0", "17", "2.5", "x"] {
        let o = cine(&["render", "t.cine", "-o", "x.mp4", "--generator", "procedural", "--scale", bad], dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("the scale is a whole factor from 1 to 16"), "{}", text(&o));
    }
    let o = cine(&["render", "t.cine", "-o", "x.mp4", "--generator", "procedural", "--no-cache", "--subtitles", "x.txt"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(".srt (SubRip) or .vtt (WebVTT)"), "{}", text(&o));
    assert!(!dir.path().join("x.mp4").exists() && !dir.path().join("x.txt").exists());
    // A film without dialogue: no subtitle stream; a sidecar is written empty and says so.
    std::fs::write(dir.path().join("q.cine"), SCRIPT).unwrap();
    let o = cine(&["render", "q.cine", "-o", "q.mp4", "--generator", "procedural", "--no-cache", "--subtitles", "q.srt"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("wrote subtitles q.srt (empty: no `say` lines in what was rendered)"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("q.srt")).unwrap(), "");
    assert_eq!(cine_renderer::probe::read(&dir.path().join("q.mp4")).unwrap().subtitle_codec, None);
}

#[test]
fn selected_shots_come_from_the_whole_films_cache() {
    // The lighthouse's last shot recalls earlier ones; a selection without it must still be
    // the whole film's shots (same plan, same cache keys), not a re-generated variant.
    let dir = tempfile::tempdir().unwrap();
    let film = concat!(env!("CARGO_MANIFEST_DIR"), "/screenplays/lighthouse.cine");
    let render = |extra: &[&str]| {
        let o = cine(&[&["render", film, "-o", "l.mp4", "--generator", "procedural", "--cache-dir", "cache", "-q"][..], extra].concat(), dir.path());
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    assert!(render(&[]).contains("20 of 20 chunks generated"));
    for (shots, says) in [("door", "0 of 8 chunks generated"), ("2..4", "0 of 16 chunks generated")] {
        let out = render(&["--shots", shots]);
        assert!(out.contains(says), "--shots {shots}: {out}");
    }
    // The storyboard shows the selected shots only, a row each, as the MP4 holds them.
    render(&["--storyboard", "all.png"]);
    render(&["--shots", "door", "--storyboard", "door.png"]);
    render(&["--shots", "2..4", "--storyboard", "three.png"]);
    let height = |f: &str| image::image_dimensions(dir.path().join(f)).unwrap().1;
    assert_eq!(height("all.png"), 5 * height("door.png"));
    assert_eq!(height("three.png"), 3 * height("door.png"));
}

#[test]
fn a_cache_that_cannot_be_written_is_given_up_and_the_film_still_made() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), SCRIPT).unwrap();
    std::fs::write(dir.path().join("afile"), b"").unwrap();
    let o = cine(&["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--cache-dir", "afile"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("warning: the render cache cannot be written (afile is a file, not a folder)"), "{}", text(&o));
    assert_eq!(probe(&dir.path().join("a.mp4")).0, 48);
    let o = cine(&["cache", "--cache-dir", "afile", "info"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("afile is a file, not a folder"), "{}", text(&o));
}

#[test]
fn options_the_render_would_ignore_or_wrap_are_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), SCRIPT).unwrap();
    // A model directory with the test pattern: one of them is a mistake.
    let o = cine(&["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--model-dir", "nowhere"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("drop one of them"), "{}", text(&o));
    // 2^44 MiB wrapped to a 0-byte bound: nothing was ever cached.
    let o = cine(&["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--cache-dir", "c", "--cache-max-mb", "17592186044416"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read_dir(dir.path().join("c")).unwrap().count() > 0, "the shots are cached");
}

#[test]
fn warnings_are_shown_when_rendering() {
    let dir = tempfile::tempdir().unwrap();
    // cine-tiny renders 64x64: the film comes out smaller than the screenplay says.
    std::fs::write(dir.path().join("a.cine"), format!("resolution 128x96\n{SCRIPT}")).unwrap();
    let o = cine(&["render", "a.cine", "-o", "a.mp4", "--generator", "procedural", "--no-cache", "-q"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cine-tiny renders 64x64 frames, not 128x96"), "{}", text(&o));
}

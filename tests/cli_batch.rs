//! `cine batch`: isolation, reports, shards and cache reuse (procedural test generator).

use std::path::Path;
use std::process::{Command, Output};

fn script(seconds: u32) -> String {
    format!("cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {{\n  shot {{\n    duration {seconds}s\n    subjects mara\n  }}\n}}\n")
}

fn cine(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(dir).output().unwrap()
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn one_failing_script_is_reported_and_the_rest_render() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("scripts");
    std::fs::create_dir(&s).unwrap();
    for (name, src) in [("a.cine", script(1)), ("b.cine", "scene {{{\n".to_string()), ("c.cine", script(2))] {
        std::fs::write(s.join(name), src).unwrap();
    }
    let args = ["batch", "scripts", "--jobs", "2", "--report", "report.json", "--junit", "report.xml"];
    let args = [&args[..], &["--generator", "procedural", "--cache-dir", "cache", "--out-dir", "out"]].concat();
    let o = cine(&args, dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let r = report(dir.path());
    assert_eq!((r["total"].as_u64(), r["failed"].as_u64()), (Some(3), Some(1)));
    let failed: Vec<&str> = r["jobs"].as_array().unwrap().iter().filter(|j| !j["ok"].as_bool().unwrap()).map(|j| j["script"].as_str().unwrap()).collect();
    assert_eq!(failed, vec!["scripts/b.cine"]);
    assert!(dir.path().join("out/a.mp4").exists() && dir.path().join("out/c.mp4").exists());
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert_eq!(xml.matches("<testcase").count(), 3);
    assert_eq!(xml.matches("<failure").count(), 1);
    // A re-run takes everything from the cache.
    std::fs::remove_file(s.join("b.cine")).unwrap();
    let o = cine(&args, dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let r = report(dir.path());
    for j in r["jobs"].as_array().unwrap() {
        assert_eq!(j["chunks_generated"].as_u64(), Some(0), "{j}");
        assert!(j["chunks"].as_u64().unwrap() > 0);
    }
}

#[test]
fn shards_split_the_sorted_list_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        std::fs::write(dir.path().join(format!("s{i}.cine")), script(1)).unwrap();
    }
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let o = cine(
            &["batch", "s*.cine", "--shard", shard, "--report", "report.json", "--generator", "procedural", "--no-cache", "--out-dir", "out"],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let names: Vec<String> = report(dir.path())["jobs"].as_array().unwrap().iter().map(|j| j["script"].as_str().unwrap().to_string()).collect();
        seen.push(names);
    }
    assert_eq!(seen[0], vec!["s0.cine", "s2.cine", "s4.cine"]);
    assert_eq!(seen[1], vec!["s1.cine", "s3.cine"]);
    let o = cine(&["batch", "s*.cine", "--shard", "3/2"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}

/// Several arguments, as a shell passes an unquoted glob: each script once, sorted. An
/// argument that names nothing, and two scripts that would write the same MP4, are refused.
#[test]
fn several_arguments_are_one_sorted_batch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    for f in ["b.cine", "a.cine", "more/c.cine"] {
        std::fs::write(dir.path().join(f), script(1)).unwrap();
    }
    let run = |scripts: &[&str]| {
        let flags = ["--report", "report.json", "--generator", "procedural", "--no-cache", "--out-dir", "out"];
        cine(&[&["batch"][..], scripts, &flags[..]].concat(), dir.path())
    };
    let o = run(&["b.cine", "more", "a.cine", "./a.cine"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = report(dir.path())["jobs"].as_array().unwrap().iter().map(|j| j["script"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["./a.cine", "b.cine", "more/c.cine"]);
    for (args, says) in [
        (vec!["a.cine", "nothing*.cine"], "`nothing*.cine` names no `.cine` file"),
        (vec!["a.cine", "no/such/dir"], "`no/such/dir` is not a directory, a file or a glob"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(says), "{}", String::from_utf8_lossy(&o.stderr));
    }
    std::fs::write(dir.path().join("more/a.cine"), script(1)).unwrap();
    let o = run(&["a.cine", "more"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a.cine and more/a.cine would both be written as a.mp4"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cine(&["batch"], dir.path());
    assert_eq!(o.status.code(), Some(2), "no script at all is a usage error");
}

/// Runs `cine ARGS` in `dir`, sends it SIGINT once a render writes its `.part` file in
/// `dir/out`, and returns what it did.
fn interrupted_while_writing(dir: &Path, args: &[&str]) -> Output {
    use std::time::{Duration, Instant};
    let child = Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(dir).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let out = dir.join("out");
    let t0 = Instant::now();
    let writing = || std::fs::read_dir(&out).is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".part")));
    while !writing() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(writing(), "a render should be writing its temporary file");
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    child.wait_with_output().unwrap()
}

#[test]
fn ctrl_c_stops_every_render_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("scripts");
    std::fs::create_dir(&s).unwrap();
    for name in ["a.cine", "b.cine"] {
        std::fs::write(s.join(name), script(250)).unwrap();
    }
    let o = interrupted_while_writing(dir.path(), &["batch", "scripts", "--jobs", "2", "--generator", "procedural", "--no-cache", "--out-dir", "out"]);
    let out = dir.path().join("out");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "no MP4 and no .part file: {left:?}");
}

#[test]
fn batch_scales_and_carries_the_dialogue() {
    let dir = tempfile::tempdir().unwrap();
    let talk = script(2).replace("    subjects mara\n", "    subjects mara\n    say mara at 1s: \"Tide's in.\"\n");
    std::fs::write(dir.path().join("t.cine"), talk).unwrap();
    std::fs::write(dir.path().join("q.cine"), script(1)).unwrap();
    let args = ["batch", ".", "--generator", "procedural", "--no-cache", "--out-dir", "out", "--scale", "2", "--subtitles", "srt"];
    let o = cine(&args, dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let t = cine_renderer::probe::read(&dir.path().join("out/t.mp4")).unwrap();
    assert_eq!((t.width, t.height, t.subtitle_codec.as_deref()), (128, 128, Some("mov_text")));
    assert_eq!(t.subtitles.iter().map(|s| (s.start_ms, s.text.as_str())).collect::<Vec<_>>(), vec![(1000, "mara: Tide's in.")]);
    let srt = std::fs::read_to_string(dir.path().join("out/t.srt")).unwrap();
    assert!(srt.starts_with("1\n00:00:01,000 --> ") && srt.ends_with("mara: Tide's in.\n\n"), "{srt}");
    let q = cine_renderer::probe::read(&dir.path().join("out/q.mp4")).unwrap();
    assert_eq!((q.width, q.subtitle_codec), (128, None));
    let o = cine(&["batch", ".", "--generator", "procedural", "--scale", "0"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the scale is a whole factor from 1 to 16"));
}

#[test]
fn report_places_are_checked_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(1)).unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let o = cine(&["batch", "a.cine", "--generator", "procedural", "--out-dir", "films", "--report", "reports"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--report: cannot write reports: it is a directory"), "{err}");
    assert!(!dir.path().join("films/a.mp4").exists(), "nothing rendered");
}

#[test]
fn an_out_dir_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(1)).unwrap();
    let o = cine(&["batch", "a.cine", "--generator", "procedural", "--no-cache", "--out-dir", "a.cine"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--out-dir a.cine is a file, not a directory"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("a.cine")).unwrap(), script(1), "the script is untouched");
}

#[test]
fn a_report_named_like_a_screenplay_is_refused() {
    // `--report *.cine` (the name forgotten): the glob's first script must not become a report.
    let dir = tempfile::tempdir().unwrap();
    for n in ["a", "b"] {
        std::fs::write(dir.path().join(format!("{n}.cine")), script(1)).unwrap();
    }
    let o = cine(&["batch", "--report", "a.cine", "b.cine", "--generator", "procedural", "--no-cache", "--out-dir", "out"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--report: cannot write a.cine: `.cine` names a screenplay"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("a.cine")).unwrap(), script(1), "the script is untouched");
    assert!(!dir.path().join("out/b.mp4").exists(), "nothing rendered");
}

#[test]
fn a_report_cannot_take_an_mp4_or_the_other_reports_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(1)).unwrap();
    for (extra, says) in [
        (&["--report", "films/a.mp4"][..], "--report: cannot write films/a.mp4: cine writes JSON files; name it films/a.json"),
        (&["--report", "r.json", "--junit", "r.json"][..], "--junit: cannot write r.json: cine writes JUnit XML files; name it r.xml"),
    ] {
        let o = cine(&[&["batch", "a.cine", "--generator", "procedural", "--no-cache", "--out-dir", "films"][..], extra].concat(), dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!dir.path().join("films/a.mp4").exists(), "nothing rendered");
    }
}

#[test]
fn a_stderr_that_went_away_loses_no_output() {
    // `cine batch ... 2>&1 | tee log` with tee gone: every message fails to write.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(1).replace("subjects mara\n", "subjects mara\n    say mara: \"Hello.\"\n")).unwrap();
    let run = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(dir.path()).stderr(writer).status().unwrap()
    };
    let status = run(&["batch", "a.cine", "--generator", "procedural", "--no-cache", "--out-dir", "out", "--subtitles", "srt", "--report", "r.json", "--junit", "j.xml"]);
    assert_eq!(status.code(), Some(0));
    for f in ["out/a.mp4", "out/a.srt", "r.json", "j.xml"] {
        assert!(dir.path().join(f).is_file(), "{f} not written");
    }
    let status = run(&["render", "a.cine", "-o", "b.mp4", "--generator", "procedural", "--no-cache", "--subtitles", "b.srt"]);
    assert_eq!(status.code(), Some(0));
    assert!(dir.path().join("b.srt").is_file());
}

#[test]
fn a_report_never_replaces_a_film_ir_it_renders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(1)).unwrap();
    let plan = cine(&["plan", "a.cine", "--format", "json"], dir.path());
    std::fs::write(dir.path().join("film.json"), &plan.stdout).unwrap();
    let o = cine(&["batch", "film.json", "--generator", "procedural", "--no-cache", "--out-dir", "out", "--report", "./film.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is one of the scripts"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(dir.path().join("film.json")).unwrap(), plan.stdout, "the IR is untouched");
    assert!(!dir.path().join("out/film.mp4").exists(), "nothing rendered");
}

#[test]
fn after_ctrl_c_no_job_starts_not_even_one_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), script(250)).unwrap();
    std::fs::write(dir.path().join("b.cine"), script(1)).unwrap();
    let cached = cine(&["render", "b.cine", "-o", "b.mp4", "--generator", "procedural", "--cache-dir", "cache"], dir.path());
    assert_eq!(cached.status.code(), Some(0), "{}", String::from_utf8_lossy(&cached.stderr));
    let args = ["batch", "a.cine", "b.cine", "--jobs", "1", "--generator", "procedural", "--cache-dir", "cache", "--out-dir", "out", "--report", "report.json"];
    let o = interrupted_while_writing(dir.path(), &args);
    let out = dir.path().join("out");
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "b.cine is in the cache but was not to be written after Ctrl-C: {left:?}");
    let r = report(dir.path());
    let errors: Vec<&str> = r["jobs"].as_array().unwrap().iter().map(|j| j["error"].as_str().unwrap_or("")).collect();
    assert_eq!(errors, ["interrupted", "not run: the batch was interrupted"]);
}

#[test]
fn warnings_are_counted_in_the_report_and_pointed_to() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("w.cine"), format!("resolution 128x96\n{}", script(1))).unwrap();
    std::fs::write(dir.path().join("c.cine"), script(1)).unwrap();
    let o = cine(&["batch", ".", "--generator", "procedural", "--no-cache", "--out-dir", "out", "--report", "report.json"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let r = report(dir.path());
    let warnings: Vec<(&str, u64)> = r["jobs"].as_array().unwrap().iter().map(|j| (j["script"].as_str().unwrap(), j["warnings"].as_u64().unwrap())).collect();
    assert_eq!(warnings, [("./c.cine", 0), ("./w.cine", 1)]);
    assert!(err.contains("1 warning(s): `cine lint ./w.cine` shows them"), "{err}");
}

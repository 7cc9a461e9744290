//! `cine plan`: the IR as deterministic JSON, a human summary, exit codes.

use std::process::{Command, Output};

fn cine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

#[test]
fn json_plan_is_the_ir_and_deterministic() {
    let a = cine(&["plan", "screenplays/lighthouse.cine"]);
    assert_eq!(a.status.code(), Some(0), "{}", String::from_utf8_lossy(&a.stderr));
    let b = cine(&["plan", "screenplays/lighthouse.cine", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "two plans differ");
    let film: cine_ir::Film = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(film.title, "The Lighthouse");
    assert_eq!(film.total_frames, film.shots.iter().map(|s| s.frames).sum::<u32>());
    assert!(film.shots.iter().all(|s| s.prompt.contains("stormy coast")));
    assert!(film.shots.iter().any(|s| !s.events.is_empty()));
    assert!(film.shots.iter().any(|s| !s.recalls.is_empty()));
}

#[test]
fn every_bundled_screenplay_plans() {
    for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/screenplays")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|x| x == "cine") {
            let out = cine(&["plan", p.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}: {}", p.display(), String::from_utf8_lossy(&out.stderr));
            let _: cine_ir::Film = serde_json::from_slice(&out.stdout).unwrap();
        }
    }
}

#[test]
fn human_plan() {
    let out = cine(&["plan", "screenplays/harbor.cine", "--format", "human"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("Harbor Morning") && s.contains("scene 1 at pier") && s.contains("prompt:"), "{s}");
    // Recalled cast and sets name the shots they were seen in, as the screenplay does.
    let out = cine(&["plan", "screenplays/lighthouse.cine", "--format", "human"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("recall cast keeper (seen in door)") && s.contains("recall set cliff (seen in establishing, door)"), "{s}");
    // A prompt change says where it reaches the model (it snaps to a chunk boundary), or that it never does.
    assert!(s.contains("at frame 104 (from frame 104, chunk 10): "), "{s}");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.cine");
    std::fs::write(&f, "set sea \"a sea\"\nscene sea {\n  shot a {\n    duration 3s\n    at 1s: \"the boat rocks\"\n    at 1.1s: \"the boat sinks\"\n  }\n}\n").unwrap();
    let out = cine(&["plan", f.to_str().unwrap(), "--format", "human"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("at frame 16 (no chunk takes it: it never reaches the model)") && s.contains("at frame 18 (from frame 21, chunk 2)"), "{s}");
}

#[test]
fn a_film_ir_plans_as_itself() {
    let dir = tempfile::tempdir().unwrap();
    let ir = dir.path().join("l.json");
    let a = cine(&["plan", "screenplays/lighthouse.cine"]);
    std::fs::write(&ir, &a.stdout).unwrap();
    let b = cine(&["plan", ir.to_str().unwrap()]);
    assert_eq!(b.status.code(), Some(0), "{}", String::from_utf8_lossy(&b.stderr));
    assert!(a.stdout == b.stdout, "the plan of a plan is the plan");
    let h = cine(&["plan", ir.to_str().unwrap(), "--format", "human"]);
    assert!(String::from_utf8_lossy(&h.stdout).starts_with("The Lighthouse: 216 frames"));
    std::fs::write(&ir, "{\"title\": 1}").unwrap();
    let bad = cine(&["plan", ir.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a film IR"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[test]
fn errors_give_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.cine");
    std::fs::write(&f, "scene nowhere {\n  shot {\n    duration 1s\n  }\n}\n").unwrap();
    let out = cine(&["plan", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cine::undefined-set"));
    assert_eq!(cine(&["plan", "missing.cine"]).status.code(), Some(2));
}

#[test]
fn plan_includes_the_chunk_schedule() {
    let out = cine(&["plan", "screenplays/lighthouse.cine"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let chunks = v["schedule"]["chunks"].as_array().expect("a schedule with chunks");
    assert!(!chunks.is_empty());
    let cuts = chunks.iter().filter(|c| c["cut"] == true).count();
    assert_eq!(cuts, v["shots"].as_array().unwrap().len(), "one cut per shot");
    let human = cine(&["plan", "screenplays/lighthouse.cine", "--format", "human"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("chunk generations"));
}

#[test]
fn human_plan_lists_each_shots_dialogue() {
    let out = cine(&["plan", "screenplays/lighthouse.cine", "--format", "human"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    let door = s.find("  shot door ").expect("the door shot");
    let lamp = s.find("  shot lamp ").expect("the lamp shot");
    let line = s.find("    line [3.50s..5.00s) keeper: Not a night for boats.\n").unwrap_or_else(|| panic!("{s}"));
    assert!(door < line && line < lamp, "the line is listed under its shot:\n{s}");
    assert_eq!(s.matches("    line [").count(), 3, "{s}");
}

#[test]
fn a_reader_that_stops_early_ends_the_plan_quietly() {
    // `cine plan long.cine | head -c 10`: far more output than a pipe holds, and the reader
    // goes away after 10 bytes. The plan stops without a panic.
    let dir = tempfile::tempdir().unwrap();
    let shots: String = (0..400).map(|i| format!("  shot s{i} {{\n    duration 2s\n    action \"a long walk along the pier, step {i}\"\n  }}\n")).collect();
    std::fs::write(dir.path().join("long.cine"), format!("set pier \"a pier\"\nscene pier {{\n{shots}}}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["plan", "long.cine"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        // To a file: warnings on a pipe nobody reads yet could fill it and block the plan.
        .stderr(std::fs::File::create(dir.path().join("err.txt")).unwrap())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let err = std::fs::read_to_string(dir.path().join("err.txt")).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The full plan is larger than a pipe's buffer, so the reader really went away mid-write.
    assert!(cine(&["plan", dir.path().join("long.cine").to_str().unwrap()]).stdout.len() > 256 << 10);
}

#[test]
fn without_a_resolution_the_film_has_its_models_size() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wan.cine");
    let size = |header: &str| {
        std::fs::write(&f, format!("{header}set pier \"a pier\"\nscene pier {{\n  shot {{\n    duration 2s\n  }}\n}}\n")).unwrap();
        let o = cine(&["plan", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let film: cine_ir::Film = serde_json::from_slice(&o.stdout).unwrap();
        ((film.width, film.height), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    assert_eq!(size("model wan2.1-1.3b\n").0, (832, 480));
    assert_eq!(size("").0, (64, 64), "cine-tiny's size");
    // A resolution that is not the model's gets a warning; the IR holds what comes out.
    let (kept, warned) = size("model wan2.1-1.3b\nresolution 64x64\n");
    assert_eq!(kept, (832, 480));
    assert!(warned.contains("cine::model-resolution") && warned.contains("wan2.1-1.3b renders 832x480 frames, not 64x64"), "{warned}");
}

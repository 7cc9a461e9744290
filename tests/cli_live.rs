//! `cine live`: a scripted stdin session gives the same video as rendering the equivalent
//! film, and the preview serves frames (procedural test generator).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SESSION: &str = "prompt \"a red ball on a table\"\nwait 2\nprompt \"a red ball rolls off the table\"\nwait 1\n\
cut \"a blue room at night\" as room\nwait 2\ncut \"a green field\"\nrecall room\nwait 1\nstop\n";

fn live(dir: &Path, extra: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--no-preview", "--generator", "procedural", "--seed", "9"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A scripted session (lockstep, procedural, no preview) in `dir`, render cache in `dir/cache`,
/// with stdin and stderr piped.
fn spawn_live(dir: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--no-preview", "--generator", "procedural"])
        .args(extra)
        .env("CINE_CACHE_DIR", dir.join("cache"))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn render(dir: &Path, ir: &str, out: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", ir, "-o", out, "--generator", "procedural", "--no-cache"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn scripted_session_equals_rendering_the_equivalent_film() {
    let dir = tempfile::tempdir().unwrap();
    let o = live(dir.path(), &["-o", "live.mp4", "--record", "live.json"], SESSION);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let live_bytes = std::fs::read(dir.path().join("live.mp4")).unwrap();
    // The film written by hand: shots of 3, 2 and 1 chunks, a prompt change at frame 21
    // (the second chunk boundary), the last shot recalling the second.
    let mut film = cine_renderer::sample::film(
        "cine-tiny",
        9,
        &[("a red ball on a table", 33), ("a blue room at night", 24), ("a green field", 12)],
    );
    film.shots[0].events = vec![cine_ir::PromptEvent { frame: 21, prompt: "a red ball rolls off the table".into() }];
    film.shots[2].recalls = vec![cine_ir::Recall::shot(1)];
    std::fs::write(dir.path().join("film.json"), serde_json::to_string(&film).unwrap()).unwrap();
    render(dir.path(), "film.json", "film.mp4");
    assert_eq!(std::fs::read(dir.path().join("film.mp4")).unwrap(), live_bytes);
    // And the session's own recording renders to the same bytes.
    render(dir.path(), "live.json", "again.mp4");
    assert_eq!(std::fs::read(dir.path().join("again.mp4")).unwrap(), live_bytes);
    // Without the recall the last shot differs: the direction is not ignored.
    film.shots[2].recalls.clear();
    std::fs::write(dir.path().join("norecall.json"), serde_json::to_string(&film).unwrap()).unwrap();
    render(dir.path(), "norecall.json", "norecall.mp4");
    assert_ne!(std::fs::read(dir.path().join("norecall.mp4")).unwrap(), live_bytes);
}

#[test]
fn bad_directions_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let o = live(dir.path(), &["-o", "x.mp4"], "jump now\nprompt \"a cat\"\nrecall nobody\nwait 1\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown direction `jump`") && err.contains("no earlier shot named `nobody`"), "{err}");
    let o = live(dir.path(), &["-o", "y.mp4"], "stop\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("y.mp4").exists());
}

#[test]
fn a_wait_with_nothing_generating_is_refused_not_a_hang() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let input = "wait 2\nprompt \"a cat\"\npause\nwait 1\nresume\nwait 1\nprompt \"a dog\" extra\npause now\nstop\n";
    for pacing in ["--lockstep", "--no-pace"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
            .args(["live", pacing, "--no-preview", "--generator", "procedural", "-o", "w.mp4"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let t0 = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("{pacing}: the session hangs");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{pacing}: {err}");
        for e in ["none are made before the first `prompt`", "none are made while paused", "unexpected `extra` after the prompt", "`pause` takes nothing after it"] {
            assert!(err.contains(e), "{pacing}: {e}: {err}");
        }
    }
}

fn get(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    buf.starts_with(b"HTTP/1.1 200").then(|| buf[split + 4..].to_vec())
}

#[test]
fn preview_serves_a_page_and_jpeg_frames() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--port", "0", "--generator", "procedural", "-o", "p.mp4", "--record", "p.json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("preview: http://127.0.0.1:").unwrap().trim_end_matches('/').parse().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"prompt \"a red ball\"\nwait 2\n").unwrap();
    stdin.flush().unwrap();
    let page = String::from_utf8(get(port, "/").unwrap()).unwrap();
    assert!(page.contains("<img src=\"/stream\""));
    let t0 = Instant::now();
    let jpeg = loop {
        if let Some(j) = get(port, "/frame.jpg") {
            break j;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no frame served");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xff, 0xd9]);
    // The page shows the dialogue of the frame on screen.
    stdin.write_all(b"say mara for 10s: \"Look out\"\nwait 2\n").unwrap();
    stdin.flush().unwrap();
    let t0 = Instant::now();
    while get(port, "/caption").is_none_or(|c| c != b"mara: Look out") {
        assert!(t0.elapsed() < Duration::from_secs(60), "the caption never showed the line");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Directions typed on the page join those from stdin, in order; bad ones are explained,
    // other origins refused.
    let (code, text) = post(port, "cut \"a blue room\" as room", None);
    assert_eq!(code, 202, "{text}");
    let (code, text) = post(port, "jump now", None);
    assert!(code == 400 && text.contains("unknown direction `jump`"), "{code} {text}");
    let (code, _) = post(port, "stop", Some("http://example.com"));
    assert_eq!(code, 403);
    stdin.write_all(b"wait 1\nstop\n").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let film: cine_ir::Film = serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    assert_eq!(film.shots.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), vec!["shot1", "room"]);
}

#[test]
fn with_stdin_empty_the_preview_page_directs_the_session() {
    // `cine live < /dev/null` (a service, an IDE task): the end of stdin used to end the
    // session at once, before the page could send a single direction.
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--port", "0", "--generator", "procedural", "-o", "e.mp4", "--record", "e.json"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    // A failed assertion must not leave the session running (it would hold the test run).
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
        }
    }
    let mut child = Kill(child);
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("preview: http://127.0.0.1:").unwrap().trim_end_matches('/').parse().unwrap();
    // Bad requests get an answer at once, and a request that never ends its line cannot
    // grow the session's memory (it was read to the end, 1.5 GB and counting).
    let raw = |req: &[u8]| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = s.write_all(req);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).split("\r\n").next().unwrap_or("").to_string()
    };
    assert_eq!(raw(&[b"GET /".as_slice(), &[b'A'; 20_000]].concat()), "HTTP/1.1 431 Request Header Fields Too Large");
    assert_eq!(raw(b"POST /direction HTTP/1.1\r\nContent-Length: abc\r\n\r\nstop"), "HTTP/1.1 400 Bad Request");
    assert_eq!(raw(b"POST /direction HTTP/1.1\r\nContent-Length: -1\r\n\r\nstop"), "HTTP/1.1 400 Bad Request");
    assert_eq!(raw(b"POST /direction HTTP/1.1\r\nContent-Length: 100\r\n\r\nstop"), "HTTP/1.1 400 Bad Request");
    // Viewers of the stream are bounded (600 idle ones took every descriptor the session had).
    let viewers: Vec<TcpStream> = (0..32)
        .map(|_| {
            let mut v = TcpStream::connect(("127.0.0.1", port)).unwrap();
            v.write_all(b"GET /stream HTTP/1.1\r\n\r\n").unwrap();
            let mut head = [0u8; 15];
            v.read_exact(&mut head).unwrap();
            assert_eq!(&head, b"HTTP/1.1 200 OK");
            v
        })
        .collect();
    assert_eq!(raw(b"GET /stream HTTP/1.1\r\n\r\n"), "HTTP/1.1 503 Service Unavailable");
    drop(viewers);
    // Posted at once: the page takes directions from the moment it is announced.
    for d in ["prompt \"a red ball\"", "wait 1", "cut \"a blue room\" as room", "wait 1", "stop"] {
        let (code, text) = post(port, d, None);
        assert_eq!(code, 202, "{d}: {text}");
    }
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "the page's `stop` did not end the session");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("stdin is empty: directions come from the preview page"), "{rest}");
    let film: cine_ir::Film = serde_json::from_str(&std::fs::read_to_string(dir.path().join("e.json")).unwrap()).unwrap();
    assert_eq!(film.shots.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), vec!["shot1", "room"]);
}

/// POSTs a direction to the preview: the status code and the answer's text.
fn post(port: u16, body: &str, origin: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    write!(s, "POST /direction HTTP/1.1\r\nHost: x\r\n{origin}Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let code = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, buf.split_once("\r\n\r\n").map(|(_, t)| t.to_string()).unwrap_or_default())
}

const SAID: &str = "prompt \"a red ball\"\nsay mara: \"Hello there.\"\nwait 2\nsay teo for 1s: \"Hi.\"\nwait 1\nstop\n";

#[test]
fn say_lines_become_a_subtitle_track_a_sidecar_and_part_of_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let o = live(dir.path(), &["-o", "live.mp4", "--record", "live.json", "--subtitles", "live.srt"], SAID);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("subtitles: 2 line(s) in the MP4's subtitle track"), "{err}");
    let p = cine_renderer::probe::read(&dir.path().join("live.mp4")).unwrap();
    assert_eq!(p.subtitle_codec.as_deref(), Some("mov_text"));
    // "Hello there." is read in 1.3 s (21 frames at 16 fps); "Hi." follows it and is cut at
    // the session's end, frame 33.
    let subs: Vec<(i64, i64, &str)> = p.subtitles.iter().map(|s| (s.start_ms, s.end_ms, s.text.as_str())).collect();
    assert_eq!(subs, vec![(0, 1313, "mara: Hello there."), (1313, 2063, "teo: Hi.")]);
    assert_eq!(p.frames.len(), 33);
    let srt = std::fs::read_to_string(dir.path().join("live.srt")).unwrap();
    assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:01,313\nmara: Hello there.\n"), "{srt}");
    // Dialogue never reaches the model: the frames are those of the same session without it.
    let quiet: String = SAID.lines().filter(|l| !l.starts_with("say")).map(|l| format!("{l}\n")).collect();
    assert!(live(dir.path(), &["-o", "quiet.mp4"], &quiet).status.success());
    let q = cine_renderer::probe::read(&dir.path().join("quiet.mp4")).unwrap();
    assert_eq!(q.frames, p.frames);
    assert!(q.subtitle_codec.is_none(), "no lines, no track");
    // The recording carries the lines: rendering it gives the same video and track.
    render(dir.path(), "live.json", "again.mp4");
    let again = cine_renderer::probe::read(&dir.path().join("again.mp4")).unwrap();
    assert_eq!(again.frames, p.frames);
    assert_eq!(again.subtitles, p.subtitles);
}

#[test]
fn burned_live_lines_match_a_burned_render_of_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let o = live(dir.path(), &["-o", "live.mp4", "--record", "live.json", "--burn-subtitles", "--scale", "4"], SAID);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["render", "live.json", "-o", "again.mp4", "--generator", "procedural", "--no-cache", "--burn-subtitles", "--scale", "4"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (cine_renderer::probe::read(&dir.path().join("live.mp4")).unwrap(), cine_renderer::probe::read(&dir.path().join("again.mp4")).unwrap());
    assert_eq!((a.width, a.height), (256, 256));
    assert!(a.frames == b.frames, "live burning equals rendering the recording with --burn-subtitles");
    assert!(live(dir.path(), &["-o", "plain.mp4", "--scale", "4"], SAID).status.success());
    let plain = cine_renderer::probe::read(&dir.path().join("plain.mp4")).unwrap();
    assert!(plain.frames[0] != a.frames[0], "the line is drawn into the frames");
}

#[test]
fn ctrl_c_ends_the_session_and_keeps_what_was_made() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--no-preview", "--generator", "procedural", "-o", "c.mp4", "--record", "c.json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"prompt \"a red ball\"\nwait 2\n").unwrap();
    stdin.flush().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("first frames after") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "the session ended before its first frames");
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert!(status.success(), "{rest}");
    assert!(rest.contains("interrupted: finishing the session") && rest.contains("wrote c.mp4"), "{rest}");
    let film: cine_ir::Film = serde_json::from_str(&std::fs::read_to_string(dir.path().join("c.json")).unwrap()).unwrap();
    film.validate().unwrap();
    let frames = cine_renderer::probe::read(&dir.path().join("c.mp4")).unwrap().frames.len() as u32;
    assert!(frames >= 9 && frames == film.total_frames, "{frames} frames, the recording has {}", film.total_frames);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".part")).collect();
    assert!(left.is_empty(), "no temporary file is left behind");
}

#[test]
fn ctrl_c_while_the_film_plays_writes_nothing_and_says_how_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    // An hour of film: still playing when the signal comes.
    std::fs::write(dir.path().join("long.cine"), "set sea \"a grey sea\"\nscene sea {\n  shot {\n    duration 3600s\n  }\n}\n").unwrap();
    let child = spawn_live(dir.path(), &["-o", "l.mp4", "--record", "l.json", "--from", "long.cine"]);
    let part = || std::fs::read_dir(dir.path()).unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".part"));
    // The MP4's temporary file appears once the signal handler is in and the film plays.
    let t0 = Instant::now();
    while !part() {
        assert!(t0.elapsed() < Duration::from_secs(60), "no temporary MP4 after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted while playing long.cine, before any direction: nothing written") && err.contains("cine live --from long.cine"), "{err}");
    assert!(!err.contains("error"), "{err}");
    assert!(!dir.path().join("l.mp4").exists() && !dir.path().join("l.json").exists());
    assert!(!part(), "no temporary file is left behind");
}

#[test]
fn help_lists_every_direction() {
    let o = Command::new(env!("CARGO_BIN_EXE_cine")).args(["live", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for d in ["prompt \"TEXT\"", "cut \"TEXT\" [as NAME]", "recall NAME", "say [NAME] [for D]: \"TEXT\"", "pause | resume", "wait N", "stop"] {
        assert!(help.contains(d), "`{d}` missing from:\n{help}");
    }
    // Every direction the help names is one the parser knows.
    for line in ["prompt \"x\"", "cut \"x\" as a", "recall a", "say a for 2s: \"x\"", "pause", "resume", "wait 1", "stop"] {
        assert!(cine_renderer::live::parse(line).is_ok(), "{line}");
    }
}

#[test]
fn a_killed_session_leaves_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .args(["live", "--lockstep", "--no-preview", "--generator", "procedural", "-o", "k.mp4", "--record", "k.json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"prompt \"a red ball\"\nsay mara for 10s: \"Hold it.\"\nwait 2\ncut \"a blue room\"\nwait 1\n").unwrap();
    stdin.flush().unwrap();
    // The recording is saved at each cut: once it holds the second shot, kill without warning.
    let rec = dir.path().join("k.json");
    let t0 = Instant::now();
    let film = loop {
        let saved = std::fs::read_to_string(&rec).ok().and_then(|t| serde_json::from_str::<cine_ir::Film>(&t).ok());
        if let Some(f) = saved.filter(|f| f.shots.len() == 2) {
            break f;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no recording with two shots was saved");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    film.validate().unwrap();
    assert_eq!(film.total_frames, 33);
    assert_eq!(film.shots[0].lines[0].frames, 21, "the line ends at the cut in the saved recording");
    assert!(!dir.path().join("k.mp4").exists(), "the MP4 is written only at the end");
    render(dir.path(), "k.json", "again.mp4");
    assert_eq!(cine_renderer::probe::read(&dir.path().join("again.mp4")).unwrap().frames.len(), 33);
}

#[test]
fn a_session_goes_on_from_a_screenplay_and_its_recording_renders_back() {
    let dir = tempfile::tempdir().unwrap();
    let film = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenplays/lighthouse.cine");
    let run = |out: &str, rec: &str| {
        let mut child = spawn_live(dir.path(), &["-o", out, "--record", rec, "--from", film.to_str().unwrap()]);
        // A prompt after the film starts a new shot: the film's last shot is over.
        // A recall before it has no shot to pin memory for (it was dropped without a word).
        child.stdin.take().unwrap().write_all(b"recall boat\nprompt \"a quiet sea at dawn\"\nrecall door\nsay keeper for 1s: \"Home.\"\nwait 2\ncut \"the keeper sleeps\" as sleep\nwait 1\nstop\n").unwrap();
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        err
    };
    let err = run("first.mp4", "first.json");
    assert!(err.contains("give `cut` or `prompt` first, then `recall boat`"), "{err}");
    assert!(err.contains("played") && err.contains("(216 frames, 5 shots; 20 of 20 chunks generated)"), "{err}");
    let rec: cine_ir::Film = serde_json::from_str(&std::fs::read_to_string(dir.path().join("first.json")).unwrap()).unwrap();
    rec.validate().unwrap();
    let labels: Vec<&str> = rec.shots.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, vec!["establishing", "door", "lamp", "boat", "return", "shot6", "sleep"]);
    assert_eq!(rec.total_frames, 216 + 24 + 12, "chunks of 12 after the film");
    assert_eq!(rec.lines().count(), 4, "the film's three lines and the new one");
    assert_eq!(rec.shots[6].recalls, vec![], "a cut ends the recall");
    assert_eq!(rec.shots[5].recalls, vec![cine_ir::Recall::shot(1)], "recall by the film's shot name");
    // The second time the film comes from the render cache, and the session is the same.
    let err = run("second.mp4", "second.json");
    assert!(err.contains("0 of 20 chunks generated"), "{err}");
    let (a, b) = (cine_renderer::probe::read(&dir.path().join("first.mp4")).unwrap(), cine_renderer::probe::read(&dir.path().join("second.mp4")).unwrap());
    assert_eq!(a.frames.len(), 252);
    assert!(a.frames == b.frames);
    // Rendering the recording gives the session's frames and dialogue.
    render(dir.path(), "first.json", "again.mp4");
    let again = cine_renderer::probe::read(&dir.path().join("again.mp4")).unwrap();
    let differ: Vec<usize> = (0..a.frames.len()).filter(|&i| again.frames.get(i) != a.frames.get(i)).collect();
    assert!(differ.is_empty(), "the recording renders to the session's frames; frames {differ:?} differ");
    assert_eq!(again.subtitles, a.subtitles);
}

#[test]
fn the_recording_cannot_take_the_videos_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_live(dir.path(), &["-o", "same.mp4", "--record", "same.mp4"]);
    let _ = child.stdin.take().unwrap().write_all(b"prompt \"x\"\nwait 1\nstop\n");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--record: cannot write same.mp4: cine writes JSON files; name it same.json"), "{err}");
    assert!(!dir.path().join("same.mp4").exists());
}

#[test]
fn a_from_screenplay_with_errors_exits_1_as_its_render_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.cine"), "set pier \"a pier\"\nscene pier {\n  shot {\n    subjects nobody\n  }\n}\n").unwrap();
    let mut child = spawn_live(dir.path(), &["-o", "x.mp4", "--from", "bad.cine"]);
    let _ = child.stdin.take().unwrap().write_all(b"stop\n");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("cine::missing-duration") && err.contains("bad.cine has 2 error(s)"), "{err}");
    assert!(!dir.path().join("x.mp4").exists());
}

#[test]
fn a_from_film_brings_its_settings_and_given_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let film = concat!(env!("CARGO_MANIFEST_DIR"), "/screenplays/lighthouse.cine");
    for flag in [&["--fps", "24"][..], &["--width", "128"], &["--seed", "5"], &["--caption", "x"], &["--model", "cine-tiny"]] {
        let mut child = spawn_live(dir.path(), &[&["-o", "f.mp4", "--from", film][..], flag].concat());
        let _ = child.stdin.take().unwrap().write_all(b"stop\n");
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag:?}: {err}");
        assert!(err.contains("cannot be used with") && err.contains("--from"), "{flag:?}: {err}");
    }
}

#[test]
fn settings_a_recording_could_not_render_with_are_refused_at_the_start() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [&["--fps", "100000"][..], &["--width", "10000"], &["--height", "0"]] {
        let o = live(dir.path(), &[&["-o", "x.mp4", "--record", "x.json"][..], bad].concat(), "prompt \"x\"\nwait 1\nstop\n");
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("is not in"), "{bad:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(!dir.path().join("x.json").exists() && !dir.path().join("x.mp4").exists());
    }
}

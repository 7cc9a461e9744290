//! The render pipeline with the procedural test generator: MP4 output, determinism,
//! the incremental cache, storyboards, transitions, and live sessions.

use std::path::Path;
use std::process::Command;

use cine_ir::{Film, ModelProfile, Transition};
use cine_renderer::cache::RenderCache;
use cine_renderer::frame::{FrameSink, RgbFrame};
use cine_renderer::generator::StreamInfo;
use cine_renderer::live::{parse, LiveSession};
use cine_renderer::procedural::ProceduralGenerator;
use cine_renderer::render::{render_film, run, RenderOptions};
use cine_renderer::sample::{film, ten_shots};
use cine_renderer::schedule::plan;

fn tiny() -> ModelProfile {
    ModelProfile { name: "cine-tiny".into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None }
}

#[derive(Default)]
struct Capture(Vec<(u32, RgbFrame)>);

impl FrameSink for Capture {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> anyhow::Result<()> {
        self.0.push((index, frame.clone()));
        Ok(())
    }
}

fn frames_of(f: &Film, cache: Option<RenderCache>) -> (Vec<RgbFrame>, cine_renderer::render::RenderStats) {
    let mut cap = Capture::default();
    let stats = run(&plan(f, &tiny()), &mut ProceduralGenerator::new(), &mut [&mut cap], &RenderOptions { cache, ..Default::default() }).unwrap();
    for (i, (idx, _)) in cap.0.iter().enumerate() {
        assert_eq!(*idx as usize, i, "frames arrive in order");
    }
    (cap.0.into_iter().map(|(_, f)| f).collect(), stats)
}

/// ffprobe's frame count, duration, codec and pixel format.
fn probe(path: &Path) -> (u64, f64, String, String, String) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_frames"])
        .args(["-show_entries", "stream=nb_read_frames,codec_name,pix_fmt,r_frame_rate:format=duration", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe is installed (scripts/setup.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    (
        s["nb_read_frames"].as_str().unwrap().parse().unwrap(),
        v["format"]["duration"].as_str().unwrap().parse().unwrap(),
        s["codec_name"].as_str().unwrap().into(),
        s["pix_fmt"].as_str().unwrap().into(),
        s["r_frame_rate"].as_str().unwrap().into(),
    )
}

#[test]
fn mp4_has_the_scripted_frames_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("film.mp4");
    let f = film("cine-tiny", 3, &[("a red ball", 32), ("a blue room", 20), ("a green field", 12)]);
    let stats = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &out, None, &RenderOptions::default()).unwrap();
    assert_eq!(stats.frames, 64);
    assert_eq!(stats.chunks_generated, 6);
    let (n, dur, codec, pix, rate) = probe(&out);
    assert_eq!((n, codec.as_str(), pix.as_str(), rate.as_str()), (64, "h264", "yuv420p", "16/1"));
    assert!((dur - 4.0).abs() < 1e-3, "duration {dur}");
    // Only the finished file is left.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("film.mp4")]);
}

#[test]
fn same_film_and_seed_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let f = film("cine-tiny", 11, &[("a red ball", 24), ("a blue room", 24)]);
    let render = |name: &str, f: &Film| {
        let p = dir.path().join(name);
        render_film(f, &tiny(), &mut ProceduralGenerator::new(), &p, None, &RenderOptions::default()).unwrap();
        std::fs::read(p).unwrap()
    };
    let a = render("a.mp4", &f);
    assert_eq!(a, render("b.mp4", &f));
    let mut other = f.clone();
    other.seed = 12;
    assert_ne!(a, render("c.mp4", &other), "the seed must matter");
}

#[test]
fn unfinished_writer_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("film.mp4");
    {
        let mut w = cine_renderer::mp4::Mp4Writer::create(&out, 64, 64, 16).unwrap();
        for _ in 0..5 {
            w.write(&RgbFrame::new(64, 64)).unwrap();
        }
        // Dropped without finish(), as on an error.
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn output_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let f = film("cine-tiny", 1, &[("a", 12)]);
    let missing = dir.path().join("no/such/dir/film.mp4");
    let e = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &missing, None, &RenderOptions::default()).unwrap_err();
    assert!(format!("{e:#}").contains("does not exist"), "{e:#}");
    // A directory as the output is refused before anything is generated.
    let e = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), dir.path(), None, &RenderOptions::default()).unwrap_err();
    assert!(format!("{e:#}").contains("it is a directory; give a file name, e.g. "), "{e:#}");
    // A name that says another format is refused (the bytes would be MP4 or PNG anyway).
    let e = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &dir.path().join("film.avi"), None, &RenderOptions::default()).unwrap_err();
    assert!(format!("{e:#}").contains("cine writes MP4 files; name it "), "{e:#}");
    assert!(format!("{e:#}").ends_with("film.mp4"), "{e:#}");
    let board = dir.path().join("board.jpg");
    let e = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &dir.path().join("film.mp4"), Some(&board), &RenderOptions::default()).unwrap_err();
    assert!(format!("{e:#}").contains("cine writes PNG files; name it "), "{e:#}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
    // No output may take a screenplay's name (a report or recording would overwrite it).
    let e = cine_renderer::files::check_output(&dir.path().join("film.cine"), "report.json").unwrap_err();
    assert!(format!("{e:#}").contains("`.cine` names a screenplay"), "{e:#}");
    // The extension is matched in any case.
    render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &dir.path().join("FILM.MP4"), None, &RenderOptions::default()).unwrap();
}

#[test]
fn editing_shot_k_regenerates_from_shot_k_only() {
    let dir = tempfile::tempdir().unwrap();
    let cache = || Some(RenderCache::new(dir.path(), u64::MAX));
    let base = ten_shots("cine-tiny", 5);
    let per_shot = plan(&base, &tiny()).shots.iter().map(|s| s.chunks).collect::<Vec<_>>();
    let (cold, s) = frames_of(&base, cache());
    assert_eq!((s.chunks_generated, s.shots_reused), (per_shot.iter().sum(), 0));
    // Unchanged: nothing is generated, same frames.
    let (again, s) = frames_of(&base, cache());
    assert_eq!((s.chunks_generated, s.shots_reused), (0, 10));
    assert_eq!(again, cold);
    // Edit shot 7 (index 6): shots 1-6 come from the cache.
    let mut edited = base.clone();
    edited.shots[6].prompt = "a man sleeps by a lamp".into();
    let (warm, s) = frames_of(&edited, cache());
    assert_eq!(s.shots_reused, 6);
    assert_eq!(s.chunks_generated, per_shot[6..].iter().sum::<usize>());
    // The resumed render equals a render from scratch, and differs from the original after shot 6.
    let (fresh, _) = frames_of(&edited, None);
    assert_eq!(warm, fresh);
    let cut = edited.shots[6].start_frame as usize;
    assert_eq!(warm[..cut], cold[..cut]);
    assert_ne!(warm[cut..], cold[cut..]);
}

#[test]
fn cache_is_bounded_cleanable_and_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let f = ten_shots("cine-tiny", 9);
    frames_of(&f, Some(RenderCache::new(dir.path(), u64::MAX)));
    let c = RenderCache::new(dir.path(), u64::MAX);
    let full = c.usage();
    assert_eq!(full.entries, 10);
    // A size bound keeps the cache under it.
    let bounded = RenderCache::new(dir.path(), full.bytes / 2);
    bounded.evict(bounded.max_bytes).unwrap();
    assert!(c.usage().bytes <= full.bytes / 2);
    // Corrupt every entry: the render regenerates and still gives the same frames.
    frames_of(&f, Some(RenderCache::new(dir.path(), u64::MAX)));
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        let mut b = std::fs::read(&p).unwrap();
        let n = b.len();
        b.truncate(n - 7);
        std::fs::write(&p, b).unwrap();
    }
    let (frames, s) = frames_of(&f, Some(RenderCache::new(dir.path(), u64::MAX)));
    assert_eq!(s.shots_reused, 0);
    assert_eq!(frames, frames_of(&f, None).0);
    // Damaged sizes (a header length near u64::MAX, a frame size that overflows) are misses
    // too: they overflowed the arithmetic (a panic in a debug build).
    for damage in 0..2 {
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            let magic = b.iter().position(|&c| c == b'\n').unwrap() + 1;
            let n = u64::from_le_bytes(b[magic..magic + 8].try_into().unwrap()) as usize;
            let (mut header, body) = (b[magic + 8..magic + 8 + n].to_vec(), &b[magic + 8 + n..]);
            let len = if damage == 0 {
                u64::MAX - 3
            } else {
                let mut h: serde_json::Value = serde_json::from_slice(&header).unwrap();
                (h["width"], h["height"]) = (100_000.into(), 100_000.into());
                header = serde_json::to_vec(&h).unwrap();
                header.len() as u64
            };
            std::fs::write(&p, [&b[..magic], &len.to_le_bytes(), &header, body].concat()).unwrap();
        }
        let (again, s) = frames_of(&f, Some(RenderCache::new(dir.path(), u64::MAX)));
        assert_eq!((s.shots_reused, &again), (0, &frames), "damage {damage}");
    }
    // What a killed writer left is removed once stale; one being written now is not.
    let (old, new) = (dir.path().join(".tmpOLD"), dir.path().join(".tmpNEW"));
    std::fs::write(&old, b"half").unwrap();
    std::fs::write(&new, b"half").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().append(true).open(&old).unwrap().set_modified(hour_ago).unwrap();
    assert_eq!(c.clean().unwrap(), 10);
    assert_eq!(c.usage().entries, 0);
    assert!(!old.exists() && new.exists());
}

#[test]
fn fades_darken_the_shot_ends() {
    let mut f = film("cine-tiny", 2, &[("a bright white room", 24), ("a bright yellow room", 24)]);
    let (plain, _) = frames_of(&f, None);
    f.shots[0].transition = Transition { kind: "fade".into(), frames: 8 };
    let (faded, _) = frames_of(&f, None);
    let sum = |f: &RgbFrame| f.data.iter().map(|&v| v as u64).sum::<u64>();
    assert_eq!(sum(&faded[23]), 0, "the last frame before the fade-in is black");
    assert!(sum(&faded[24]) < sum(&plain[24]));
    assert_eq!(faded[..20], plain[..20]);
    assert_eq!(faded[28..], plain[28..]);
}

#[test]
fn fade_to_black_dissolve_and_wipe_are_rendered() {
    let mut f = film("cine-tiny", 2, &[("a bright white room", 24), ("a bright yellow room", 24)]);
    let (plain, _) = frames_of(&f, None);
    let sum = |f: &RgbFrame| f.data.iter().map(|&v| v as u64).sum::<u64>();
    // Fade to black: the shot's last 8 frames go down to black; the next one cuts in.
    f.shots[0].transition = Transition { kind: "fade_to_black".into(), frames: 8 };
    let (faded, _) = frames_of(&f, None);
    assert_eq!(faded[..16], plain[..16]);
    assert!(sum(&faded[16]) < sum(&plain[16]) && sum(&faded[20]) < sum(&faded[16]));
    assert_eq!(sum(&faded[23]), 0);
    assert_eq!(faded[24..], plain[24..]);
    // The film's last shot fades out too.
    let mut end = f.clone();
    end.shots[1].transition = Transition { kind: "fade_to_black".into(), frames: 8 };
    let (ended, _) = frames_of(&end, None);
    assert_eq!(sum(&ended[47]), 0);
    assert!(sum(&ended[40]) < sum(&plain[40]));
    // Dissolve: the next shot's first frames blend from the last frame of this one.
    f.shots[0].transition = Transition { kind: "dissolve".into(), frames: 8 };
    let (dissolved, _) = frames_of(&f, None);
    assert_eq!(dissolved[..24], plain[..24]);
    assert_ne!(dissolved[24], plain[24]);
    assert_eq!(dissolved[24], plain[23].blend(&plain[24], 1.0 / 9.0));
    assert_eq!(dissolved[32..], plain[32..]);
    // Wipe: the next shot uncovers from the left, a ninth of the width at its first frame.
    f.shots[0].transition = Transition { kind: "wipe".into(), frames: 8 };
    let (wiped, _) = frames_of(&f, None);
    assert_eq!(wiped[..24], plain[..24]);
    let w = wiped[24].width;
    let edge = (w as f32 / 9.0).round() as u32;
    assert!(plain[23].get(0, 10) != plain[24].get(0, 10) && plain[23].get(w - 1, 10) != plain[24].get(w - 1, 10), "the two shots differ where checked");
    assert_eq!((wiped[24].get(0, 10), wiped[24].get(w - 1, 10)), (plain[24].get(0, 10), plain[23].get(w - 1, 10)));
    assert_eq!(wiped[24].get(edge, 10), plain[23].get(edge, 10));
    assert_eq!(wiped[32..], plain[32..]);
}

#[test]
fn storyboard_has_a_row_per_shot() {
    let dir = tempfile::tempdir().unwrap();
    let f = film("cine-tiny", 3, &[("a red ball", 16), ("a blue room", 16), ("a green field", 16)]);
    let board = dir.path().join("board.png");
    render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &dir.path().join("f.mp4"), Some(&board), &RenderOptions::default()).unwrap();
    let img = image::open(&board).unwrap().to_rgb8();
    assert_eq!(img.width(), 8 + 3 * 200);
    assert_eq!(img.height() % 3, 0);
    // Thumbnails are the frames, not background.
    let row_h = img.height() / 3;
    let bg = image::Rgb([24u8, 24, 28]);
    for r in 0..3 {
        let y = r * row_h + row_h - 20;
        assert_ne!(*img.get_pixel(20, y), bg, "row {r} has a thumbnail");
    }
}

/// Applies directions one by one, generating the chunks each `wait` asks for.
fn direct<'a>(live: &mut LiveSession, cap: &mut Capture, lines: impl IntoIterator<Item = &'a str>) {
    for line in lines {
        if let Some(d) = parse(line).unwrap() {
            live.apply(d).unwrap();
        }
        while live.hold > 0 {
            live.step(&mut [&mut *cap]).unwrap();
        }
    }
}

#[test]
fn a_live_session_matches_its_recorded_film() {
    let info = StreamInfo { seed: 4, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    let mut cap = Capture::default();
    let script = "prompt \"a red ball\"\nwait 2\nprompt \"a red ball bounces\"\nwait 1\ncut \"a blue room\" as room\nwait 2\ncut \"a green field\"\nrecall room\nwait 1\nstop\n";
    direct(&mut live, &mut cap, script.lines());
    live.finish();
    let recorded = live.film().clone();
    assert_eq!(recorded.shots.iter().map(|s| s.frames).collect::<Vec<_>>(), vec![33, 24, 12]);
    assert_eq!(recorded.shots[0].events.len(), 1);
    let (rendered, _) = frames_of(&recorded, None);
    let live_frames: Vec<RgbFrame> = cap.0.into_iter().map(|(_, f)| f).collect();
    assert_eq!(rendered, live_frames);
}

#[test]
fn a_recall_in_the_middle_of_a_live_shot_is_recorded_from_its_frame() {
    let info = StreamInfo { seed: 2, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    let mut cap = Capture::default();
    direct(&mut live, &mut cap, ["cut \"a red room\" as red", "wait 1", "cut \"a blue room\"", "wait 2", "recall red", "wait 2", "stop"]);
    live.finish();
    let recorded = live.film().clone();
    // Shot 2 starts at frame 9 (one 9-frame chunk); the recall came after two 12-frame chunks.
    assert_eq!(recorded.shots[1].recalls, vec![cine_ir::Recall::shot(0).from_frame(33)]);
    let (rendered, _) = frames_of(&recorded, None);
    let live_frames: Vec<RgbFrame> = cap.0.into_iter().map(|(_, f)| f).collect();
    assert_eq!(rendered.len(), 57);
    assert_eq!(rendered, live_frames);
    // The procedural disc takes the pinned shot's colour: recorded for the whole shot (as
    // before timed recalls), the render would show it two chunks early.
    let mut whole = recorded.clone();
    whole.shots[1].recalls = vec![cine_ir::Recall::shot(0)];
    assert_ne!(frames_of(&whole, None).0[9..33], live_frames[9..33], "a whole-shot recall shows earlier");
    // A recall after the shot's last chunk never took effect: the recording leaves it out.
    let info = StreamInfo { seed: 2, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    direct(&mut live, &mut Capture::default(), ["cut \"a red room\" as red", "wait 1", "cut \"a blue room\"", "wait 1", "recall red", "stop"]);
    assert_eq!(live.recording().shots[1].recalls, vec![]);
    live.finish();
    assert_eq!(live.film().shots[1].recalls, vec![]);
    live.film().validate().unwrap();
}

#[test]
fn recall_by_word_pins_the_shots_that_showed_it() {
    let info = StreamInfo { seed: 1, width: 64, height: 64, fps: 16, global_caption: String::new() };
    let mut live = LiveSession::new(Box::new(ProceduralGenerator::new()), &tiny(), info).unwrap();
    let mut cap = Capture::default();
    direct(&mut live, &mut cap, ["cut \"the lighthouse at dusk\"", "wait 1", "cut \"a boat at sea\"", "wait 1", "cut \"Lighthouse keeper climbs\"", "wait 1", "cut \"the harbor\"", "recall lighthouse", "wait 1"]);
    let recalls = &live.film().shots[3].recalls;
    assert_eq!(recalls, &vec![cine_ir::Recall::shot(0), cine_ir::Recall::shot(2)]);
    assert!(live.apply(parse("recall dragon").unwrap().unwrap()).is_err());
}

#[test]
fn directions_parse_or_explain() {
    assert!(parse("# comment").unwrap().is_none());
    assert!(parse("cut \"a \\\"quoted\\\" room\" as hall").is_ok());
    for bad in ["jump", "cut", "wait x", "cut \"open", "recall", "cut \"x\" because"] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

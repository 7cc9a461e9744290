//! Dialogue as subtitles: SubRip / WebVTT sidecars, the MP4's mov_text track, burned-in text,
//! upscaled output, the storyboard, and that dialogue never touches the render cache.

use cine_ir::{Film, Line, ModelProfile};
use cine_renderer::cache::RenderCache;
use cine_renderer::probe::{self, SubtitleSample};
use cine_renderer::procedural::ProceduralGenerator;
use cine_renderer::render::{render_film, render_film_with, RenderOptions, VideoOptions};
use cine_renderer::sample::film;
use cine_renderer::schedule::plan;
use cine_renderer::storyboard::Storyboard;
use cine_renderer::subtitles::{cues, srt, vtt, write_sidecar};

fn tiny() -> ModelProfile {
    ModelProfile { name: "cine-tiny".into(), chunk_frames: 12, frame_granularity: 4, max_prompt_tokens: 64, vocabulary: None, frame_size: None }
}

fn line(speaker: &str, text: &str, start_frame: u32, frames: u32) -> Line {
    Line { speaker: speaker.into(), text: text.into(), start_frame, frames }
}

/// Two 2 s shots at 16 fps; a line in each (the second with markup characters and two lines).
fn talking() -> Film {
    let mut f = film("cine-tiny", 7, &[("a red ball", 32), ("a blue room", 32)]);
    f.shots[0].lines.push(line("keeper", "Hold on!", 8, 16));
    f.shots[1].lines.push(line("mara", "A <b> & c\nsecond line", 40, 12));
    f
}

#[test]
fn srt_and_vtt_have_exact_times_and_escapes() {
    let f = talking();
    let c = cues(&f, 0..u32::MAX);
    assert_eq!(
        srt(&c, 16),
        "1\n00:00:00,500 --> 00:00:01,500\nkeeper: Hold on!\n\n2\n00:00:02,500 --> 00:00:03,250\nmara: A <b> & c\nsecond line\n\n"
    );
    assert_eq!(
        vtt(&c, 16),
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.500\n<v keeper>Hold on!\n\n2\n00:00:02.500 --> 00:00:03.250\n<v mara>A &lt;b&gt; &amp; c\nsecond line\n\n"
    );
    // 24 fps: frame times are not whole milliseconds; they round to the nearest.
    assert_eq!(
        srt(&c, 24),
        "1\n00:00:00,333 --> 00:00:01,000\nkeeper: Hold on!\n\n2\n00:00:01,667 --> 00:00:02,167\nmara: A <b> & c\nsecond line\n\n"
    );
    assert!(vtt(&c, 24).contains("\n00:00:01.667 --> 00:00:02.167\n"));
    // An empty line would end the cue: it is dropped. Hours are written out.
    let mut long = film("cine-tiny", 1, &[("x", 16 * 7300)]);
    long.shots[0].lines.push(line("a", "one\n\n  \ntwo", 16 * 7200 + 1, 2));
    assert_eq!(srt(&cues(&long, 0..u32::MAX), 16), "1\n02:00:00,063 --> 02:00:00,188\na: one\ntwo\n\n");
}

#[test]
fn cues_follow_the_written_range_of_frames() {
    let f = talking();
    // `--shots 2`: the video starts at film frame 32; the first line is not in it.
    let c = cues(&f, 32..64);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].start, c[0].end), (8, 20));
    // A line cut by the range keeps its part inside.
    let c = cues(&f, 16..44);
    assert_eq!(c.iter().map(|c| (c.start, c.end)).collect::<Vec<_>>(), vec![(0, 8), (24, 28)]);
}

#[test]
fn sidecars_are_written_whole_and_only_as_srt_or_vtt() {
    let dir = tempfile::tempdir().unwrap();
    let c = cues(&talking(), 0..u32::MAX);
    write_sidecar(&dir.path().join("a.vtt"), &c, 16).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("a.vtt")).unwrap(), vtt(&c, 16));
    let e = write_sidecar(&dir.path().join("a.txt"), &c, 16).unwrap_err().to_string();
    assert!(e.contains(".srt (SubRip) or .vtt (WebVTT)"), "{e}");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("a.vtt")], "no temporary file is left");
}

#[test]
fn mp4_has_a_mov_text_track_with_the_lines_and_none_without_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("talk.mp4");
    render_film(&talking(), &tiny(), &mut ProceduralGenerator::new(), &out, None, &RenderOptions::default()).unwrap();
    let p = probe::read(&out).unwrap();
    assert_eq!(p.frames.len(), 64);
    assert_eq!(p.subtitle_codec.as_deref(), Some("mov_text"));
    assert_eq!(
        p.subtitles,
        vec![
            SubtitleSample { start_ms: 500, end_ms: 1500, text: "keeper: Hold on!".into() },
            SubtitleSample { start_ms: 2500, end_ms: 3250, text: "mara: A <b> & c\\Nsecond line".into() },
        ]
    );
    let again = dir.path().join("again.mp4");
    render_film(&talking(), &tiny(), &mut ProceduralGenerator::new(), &again, None, &RenderOptions::default()).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap(), "same film, same bytes");
    let quiet = dir.path().join("quiet.mp4");
    let mut f = talking();
    f.shots.iter_mut().for_each(|s| s.lines.clear());
    render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &quiet, None, &RenderOptions::default()).unwrap();
    let p = probe::read(&quiet).unwrap();
    assert_eq!((p.subtitle_codec, p.subtitles.len(), p.frames.len()), (None, 0, 64));
}

#[test]
fn overlapping_lines_share_a_sample() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = film("cine-tiny", 2, &[("a red ball", 32)]);
    f.shots[0].lines = vec![line("a", "first", 0, 16), line("b", "second", 8, 16)];
    let out = dir.path().join("o.mp4");
    render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &out, None, &RenderOptions::default()).unwrap();
    let texts: Vec<(i64, i64, String)> = probe::read(&out).unwrap().subtitles.into_iter().map(|s| (s.start_ms, s.end_ms, s.text)).collect();
    assert_eq!(
        texts,
        vec![(0, 500, "a: first".into()), (500, 1000, "a: first\\Nb: second".into()), (1000, 1500, "b: second".into())]
    );
}

fn mean_diff(a: &cine_renderer::RgbFrame, b: &cine_renderer::RgbFrame, rows: std::ops::Range<u32>) -> f64 {
    let row = (a.width * 3) as usize;
    let (s, e) = (rows.start as usize * row, rows.end as usize * row);
    let sum: u64 = a.data[s..e].iter().zip(&b.data[s..e]).map(|(&x, &y)| (x as i64 - y as i64).unsigned_abs()).sum();
    sum as f64 / (e - s) as f64
}

#[test]
fn scale_and_burned_subtitles_change_only_the_frames_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let render = |name: &str, scale: u32, burn: bool| {
        let out = dir.path().join(name);
        let video = VideoOptions { scale, burn_subtitles: burn };
        render_film_with(&talking(), &tiny(), &mut ProceduralGenerator::new(), &out, None, &RenderOptions::default(), &video).unwrap();
        probe::read(&out).unwrap()
    };
    let plain = render("plain.mp4", 4, false);
    assert_eq!((plain.width, plain.height, plain.frames.len()), (256, 256, 64));
    assert_eq!(plain.subtitles.len(), 2, "the soft track is there at any scale");
    let burned = render("burned.mp4", 4, true);
    assert_eq!((burned.width, burned.height, burned.frames.len()), (256, 256, 64));
    // Frame 16 shows the first line, frame 46 the second: the bottom changes, the top does not much.
    for f in [16, 46] {
        let bottom = mean_diff(&plain.frames[f], &burned.frames[f], 200..256);
        assert!(bottom > 15.0, "frame {f}: the subtitle area changed by {bottom:.2} on average");
        let top = mean_diff(&plain.frames[f], &burned.frames[f], 0..128);
        assert!(top < 2.0, "frame {f}: the top changed by {top:.2}");
    }
    // Frames without a line stay as they were (up to the encoder's rounding).
    for f in [1, 60] {
        let all = mean_diff(&plain.frames[f], &burned.frames[f], 0..256);
        assert!(all < 1.5, "frame {f} has no line but changed by {all:.2}");
    }
    // Native size works too (tiny text).
    let small = render("small.mp4", 1, true);
    assert_eq!((small.width, small.height), (64, 64));
    let native = render("native.mp4", 1, false);
    assert!(mean_diff(&native.frames[16], &small.frames[16], 48..64) > 15.0);
}

#[test]
fn out_of_range_scales_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let video = VideoOptions { scale: 17, burn_subtitles: false };
    let e = render_film_with(&talking(), &tiny(), &mut ProceduralGenerator::new(), &dir.path().join("x.mp4"), None, &RenderOptions::default(), &video)
        .unwrap_err();
    assert!(format!("{e:#}").contains("use 1 to 16"), "{e:#}");
}

#[test]
fn editing_only_a_line_regenerates_no_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let cache = || Some(RenderCache::new(dir.path().join("cache"), u64::MAX));
    let out = dir.path().join("f.mp4");
    let opts = || RenderOptions { cache: cache(), ..Default::default() };
    let f = talking();
    let first = render_film(&f, &tiny(), &mut ProceduralGenerator::new(), &out, None, &opts()).unwrap();
    assert_eq!(first.chunks_generated, first.chunks);
    let before = probe::read(&out).unwrap();
    let mut edited = f.clone();
    edited.shots[0].lines[0].text = "Let go!".into();
    edited.shots[1].lines.push(line("keeper", "Now.", 60, 4));
    let second = render_film(&edited, &tiny(), &mut ProceduralGenerator::new(), &out, None, &opts()).unwrap();
    assert_eq!((second.chunks_generated, second.shots_reused), (0, 2), "{second:?}");
    let after = probe::read(&out).unwrap();
    assert_eq!(after.frames, before.frames, "the pictures are the cached ones");
    let texts: Vec<&str> = after.subtitles.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, vec!["keeper: Let go!", "mara: A <b> & c\\Nsecond line", "keeper: Now."]);
}

#[test]
fn storyboard_rows_show_their_lines() {
    let mut f = talking();
    let s = plan(&f, &tiny());
    let without = Storyboard::new(&s).image();
    let with = Storyboard::new(&s).with_lines(&f).image();
    // A one-line caption and one line of dialogue fit in the caption's three lines.
    assert_eq!((with.width(), with.height()), (without.width(), without.height()));
    let say = |img: &image::RgbImage| img.pixels().filter(|p| p.0 == [250, 214, 120]).count();
    assert!(say(&with) > 100, "dialogue is drawn ({} pixels)", say(&with));
    assert_eq!(say(&without), 0);
    // Three more lines in the first shot: its row grows by two text lines (18 px each).
    for t in ["one", "two", "three"] {
        f.shots[0].lines.push(line("mara", t, 0, 4));
    }
    let more = Storyboard::new(&s).with_lines(&f).image();
    assert_eq!(more.height(), without.height() + 2 * 18);
    assert!(say(&more) > say(&with));
}

//! `cine live`: generate continuously and take directions from stdin and the preview page.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cine_ir::{Film, ModelProfile};
use cine_renderer::frame::FrameSink;
use cine_renderer::generator::{ChunkGenerator, StreamInfo};
use cine_renderer::interrupt;
use cine_renderer::live::{parse, Direction, LiveSession};
use cine_renderer::mp4::{Mp4Options, Mp4Writer};
use cine_renderer::preview::Preview;
use cine_renderer::render::{self, RenderOptions};
use cine_renderer::subtitles;

use super::render::{load_film, make_generator, GenArgs, LoadError, VideoArgs};

/// The directions, for `cine live --help`.
pub const DIRECTIONS: &str = "Directions (one a line on stdin, applied at the next chunk boundary; # starts a comment):
  prompt \"TEXT\"                  switch the prompt within the shot (the first one opens a shot)
  cut \"TEXT\" [as NAME]           start a new shot
  recall NAME                    keep an earlier shot (by name or number), or every earlier shot
                                 whose prompt names a character or set, in memory for the rest of
                                 this shot
  say [NAME] [for D]: \"TEXT\"     a line of dialogue (subtitle): from the next boundary or when the
                                 line before it ends, for D (2s, 30f) or its reading time; a cut ends it
  pause | resume                 stop and restart generating
  wait N                         let N chunks pass before the next direction is read
  stop                           finish (as do end of input and Ctrl-C): the MP4 and --record are written
With the preview on, directions can also be typed on its page; when stdin is empty from the
start (`cine live < /dev/null`) the page alone directs the session.";

/// Arguments of `cine live`.
#[derive(clap::Args)]
pub struct Args {
    /// Output MP4 file (written when the session stops).
    #[arg(short, long, default_value = "out/live.mp4")]
    pub output: PathBuf,
    /// Also write the session as a film IR (JSON) that `cine render` reproduces (saved while
    /// the session runs too, so a killed session leaves it); a `.json` name.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Go on from a film: a screenplay (.cine) or a session's recording (.json), played first
    /// (from the render cache when it was rendered before); its model, size, fps, seed and
    /// caption are the session's. The first prompt or cut then starts a new shot.
    #[arg(long, value_name = "FILM")]
    pub from: Option<PathBuf>,
    // The film's settings: a --from film brings its own, so these cannot be given with it.
    /// Model (its chunk grid and default size).
    #[arg(long, default_value = "cine-tiny", conflicts_with = "from")]
    pub model: String,
    #[arg(long, default_value_t = 0, conflicts_with = "from")]
    pub seed: u64,
    /// Frame width, even, 2 to 8192 (default: the size the model renders, 64 for cine-tiny).
    #[arg(long, conflicts_with = "from", value_parser = clap::value_parser!(u32).range(2..=cine_ir::MAX_SIDE as i64))]
    pub width: Option<u32>,
    /// Frame height, even, 2 to 8192 (default: the size the model renders).
    #[arg(long, conflicts_with = "from", value_parser = clap::value_parser!(u32).range(2..=cine_ir::MAX_SIDE as i64))]
    pub height: Option<u32>,
    /// Frames per second, 1 to 240.
    #[arg(long, default_value_t = 16, conflicts_with = "from", value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,
    /// Caption that is part of every prompt.
    #[arg(long, default_value = "", conflicts_with = "from")]
    pub caption: String,
    /// First prompt (otherwise the session waits for a `prompt` or `cut` direction).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Preview port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8640)]
    pub port: u16,
    /// No preview server.
    #[arg(long)]
    pub no_preview: bool,
    /// Generate only during `wait N` directions (reproducible scripted sessions).
    #[arg(long)]
    pub lockstep: bool,
    /// Do not slow generation down to the film's frame rate.
    #[arg(long)]
    pub no_pace: bool,
    /// Stop after this many frames (at the end of the chunk that reaches them: a chunk is
    /// generated whole).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_frames: Option<u32>,
    /// What makes the frames: `model` or `procedural` (a test pattern, not a model).
    #[arg(long, default_value = "model", value_parser = ["model", "procedural"])]
    pub generator: String,
    /// Model directory (default: $CINE_MODEL_DIR, else the built-in model).
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    #[command(flatten)]
    pub video: VideoArgs,
}

pub fn run(args: Args) -> i32 {
    match session(&args) {
        Ok(()) => 0,
        Err(e) if e.is::<Exit>() => {
            eoutln!("{e}");
            e.downcast_ref::<Exit>().map_or(2, |x| x.0)
        }
        Err(e) => {
            eoutln!("error: {e:#}");
            2
        }
    }
}

/// Saves `--record` while the session runs (at each cut, else every [`Saver::EVERY`]), so a
/// session that dies (killed, out of memory, power) leaves a recording that `cine render`
/// turns into the same frames. The MP4 itself is complete only at the end.
struct Saver {
    path: PathBuf,
    at: Instant,
    shots: usize,
    warned: bool,
}

impl Saver {
    const EVERY: Duration = Duration::from_secs(2);

    fn maybe_save(&mut self, live: &LiveSession) {
        let shots = live.film().shots.len();
        if shots == self.shots && self.at.elapsed() < Self::EVERY {
            return;
        }
        (self.shots, self.at) = (shots, Instant::now());
        if let Err(e) = write_recording(&self.path, &live.recording()) {
            if !std::mem::replace(&mut self.warned, true) {
                eoutln!("warning: {e:#}; trying again at the end");
            }
        }
    }
}

/// The recording as pretty JSON, through a temporary file.
fn write_recording(path: &Path, film: &Film) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(film)? + "\n";
    super::write_output(path, &json).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// An end of the session with its own exit code, its message shown as it is: 130 for Ctrl-C
/// while the `--from` film still plays (nothing live happened yet), 1 for a `--from`
/// screenplay with errors (as `cine render` of it).
#[derive(Debug)]
struct Exit(i32, String);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Exit {}

/// Plays `film` into the sinks (from the render cache when it can) and returns a session that
/// goes on from its last frame.
fn go_on_from(
    path: &Path,
    film: Film,
    profile: &ModelProfile,
    mut gen: Box<dyn ChunkGenerator>,
    gen_args: &GenArgs,
    sinks: &mut [&mut dyn FrameSink],
) -> anyhow::Result<LiveSession> {
    let schedule = cine_renderer::schedule::plan(&film, profile);
    let cues = subtitles::cues(&film, 0..u32::MAX);
    for s in sinks.iter_mut() {
        s.dialogue(&cues)?;
    }
    let opts = RenderOptions { cache: gen_args.cache(), progress: false, interrupt: Some(interrupt::flag()), keep: None, resume: true };
    let stats = match render::run(&schedule, gen.as_mut(), sinks, &opts) {
        Ok(s) => s,
        Err(_) if interrupt::requested() => {
            let film = path.display();
            let why = format!(
                "interrupted while playing {film}, before any direction: nothing written (the shots it finished stay in the render cache: `cine live --from {film}` again goes on from them)"
            );
            return Err(Exit(130, why).into());
        }
        Err(e) => return Err(e),
    };
    eoutln!(
        "played {} ({} frames, {} shots; {} of {} chunks generated): now take directions",
        path.display(),
        stats.frames,
        film.shots.len(),
        stats.chunks_generated,
        stats.chunks
    );
    Ok(LiveSession::resume(gen, profile, film, &schedule))
}

/// The next direction from stdin or the preview page; `None` at the end of stdin. Blocks,
/// but gives up when Ctrl-C is pressed.
fn next_line(rx: &mpsc::Receiver<Option<String>>) -> Option<String> {
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) => return l,
            Err(mpsc::RecvTimeoutError::Timeout) if !interrupt::requested() => {}
            Err(_) => return None,
        }
    }
}

fn session(args: &Args) -> anyhow::Result<()> {
    args.video.check()?;
    if let Some(r) = &args.record {
        // A .json name also keeps the recording off the MP4 (`-o x.mp4 --record x.mp4`).
        cine_renderer::files::check_output(r, "session.json")
            .and_then(|_| cine_renderer::files::check_extension(r, "json", "JSON"))
            .map_err(|e| anyhow::anyhow!("--record: {e}"))?;
    }
    // Ctrl-C (or SIGTERM) ends the session as `stop` does: the MP4 and the recording are
    // written; a second one kills at once.
    interrupt::install();
    // The film so far: the one the session goes on from, else an empty one of the arguments.
    let film = match &args.from {
        Some(p) => load_film(p).map_err(|e| match e {
            LoadError::Input(m) => anyhow::Error::new(Exit(1, m)),
            other => anyhow::anyhow!("{}", other.message().trim_start_matches("error: ")),
        })?,
        None => {
            let mut film = cine_renderer::sample::film(&args.model, args.seed, &[]);
            let native = cine_model::registry::profile(&args.model).and_then(|p| p.frame_size).unwrap_or((64, 64));
            (film.width, film.height) = (args.width.unwrap_or(native.0), args.height.unwrap_or(native.1));
            (film.fps, film.global_caption) = (args.fps, args.caption.clone());
            film
        }
    };
    let model = film.model.as_str();
    let profile = cine_model::registry::profile(model).ok_or_else(|| anyhow::anyhow!("unknown model `{model}`; known: cine-tiny, wan2.1-1.3b"))?;
    let fps = film.fps;
    let gen_args = GenArgs {
        generator: args.generator.clone(),
        model_dir: args.model_dir.clone(),
        cache_dir: None,
        cache_max_mb: super::render::CACHE_MAX_MB,
        // The film a session goes on from is played from the render cache when it can be.
        no_cache: args.from.is_none(),
        quiet: true,
    };
    let gen = make_generator(&gen_args, &film).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let (w, h) = gen.frame_size(film.width, film.height);
    let mo = Mp4Options { scale: args.video.scale, cues: Vec::new(), burn: args.video.burn_subtitles };
    let mut mp4 = Mp4Writer::create_with(&args.output, w, h, fps, &mo)?;
    // Lines from stdin and the preview page, in the order they arrive; `None`: stdin ended.
    let (tx, rx) = mpsc::channel::<Option<String>>();
    let mut preview = if args.no_preview {
        None
    } else {
        let p = Preview::start(args.port, w, h, (256 / w.max(1)).max(1), fps)?;
        // Taken from the first moment (also while a `--from` film plays), queued in order.
        let page = tx.clone();
        p.on_direction(Box::new(move |l| {
            eoutln!("from the preview: {l}");
            let _ = page.send(Some(l));
        }));
        eoutln!("preview: http://127.0.0.1:{}/", p.port());
        Some(p)
    };
    let mut live = match &args.from {
        Some(from) => {
            let mut sinks: Vec<&mut dyn FrameSink> = vec![&mut mp4];
            if let Some(p) = preview.as_mut() {
                sinks.push(p);
            }
            go_on_from(from, film, &profile, gen, &gen_args, &mut sinks)?
        }
        None => {
            let info = StreamInfo { seed: film.seed, width: film.width, height: film.height, fps, global_caption: film.global_caption.clone() };
            LiveSession::new(gen, &profile, info)?
        }
    }
    .with_reading(cine_compiler::dialogue::reading_seconds);
    if let Some(p) = &args.prompt {
        live.apply(Direction::Prompt(p.clone()))?;
    }
    // The end of stdin ends the session, like `stop`, except when stdin gave nothing at all
    // and the preview page is there to direct from (`cine live < /dev/null`, a service, an
    // IDE task): then the page's `stop` or Ctrl-C ends it.
    let page_directs = preview.is_some();
    std::thread::spawn(move || {
        let mut read_any = false;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            read_any = true;
            if tx.send(Some(line)).is_err() {
                return;
            }
        }
        if read_any || !page_directs {
            let _ = tx.send(None);
        } else {
            eoutln!("stdin is empty: directions come from the preview page (`stop` there, or Ctrl-C, ends the session)");
            // Keep the channel open for the page: its sender is a clone of this one.
            drop(tx);
        }
    });
    let t0 = Instant::now();
    let mut frames = 0u32;
    let mut eof = false;
    let mut first_frame: Option<f64> = None;
    let mut ready_at: Option<Instant> = None;
    let mut paced = 0u32;
    let mut saver = args.record.as_ref().map(|r| Saver { path: r.clone(), at: Instant::now(), shots: 0, warned: false });
    loop {
        // Directions apply at chunk boundaries, unless a `wait` holds them back.
        while live.hold == 0 && !live.stopped && !eof {
            let must_block = args.lockstep || !live.ready();
            let line = if must_block {
                match next_line(&rx) {
                    Some(l) => l,
                    None => {
                        eof = true;
                        break;
                    }
                }
            } else {
                match rx.try_recv() {
                    Ok(Some(l)) => l,
                    Err(mpsc::TryRecvError::Empty) => break,
                    Ok(None) => {
                        eof = true;
                        break;
                    }
                    Err(mpsc::TryRecvError::Disconnected) => {
                        eof = true;
                        break;
                    }
                }
            };
            match parse(&line).and_then(|d| d.map(|d| live.apply(d)).transpose()) {
                Ok(_) => {}
                Err(e) => eoutln!("direction ignored: {e:#}"),
            }
        }
        if interrupt::requested() {
            eoutln!("interrupted: finishing the session");
            break;
        }
        if live.stopped || (eof && live.hold == 0) || (eof && !live.ready()) {
            break;
        }
        if !live.ready() {
            // Paused or waiting for a prompt: pacing restarts when generation resumes.
            (ready_at, paced) = (None, 0);
            continue;
        }
        let ready = *ready_at.get_or_insert_with(Instant::now);
        let mut sinks: Vec<&mut dyn FrameSink> = vec![&mut mp4];
        if let Some(p) = preview.as_mut() {
            sinks.push(p);
        }
        let n = live.step(&mut sinks)?;
        if let Some(s) = saver.as_mut() {
            s.maybe_save(&live);
        }
        frames += n;
        paced += n;
        if first_frame.is_none() {
            first_frame = Some(ready.elapsed().as_secs_f64());
            eoutln!("first frames after {:.3} s", first_frame.unwrap_or(0.0));
        }
        if args.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
        if !args.no_pace && !args.lockstep {
            let due = Duration::from_secs_f64(paced as f64 / fps.max(1) as f64);
            if let Some(d) = due.checked_sub(ready.elapsed()) {
                std::thread::sleep(d);
            }
        }
    }
    for (speaker, text) in live.finish() {
        let who = if speaker.is_empty() { String::new() } else { format!("{speaker}: ") };
        eoutln!("note: the line \"{who}{text}\" was never shown: the session ended first");
    }
    let played = live.film().total_frames - frames;
    anyhow::ensure!(frames + played > 0, "the session ended before any frame was generated (give a `prompt` and, with --lockstep, a `wait N`)");
    if let Some(p) = &preview {
        p.close();
    }
    let cues = subtitles::cues(live.film(), 0..u32::MAX);
    let out = mp4.finish_with_track(&cues)?;
    let secs = t0.elapsed().as_secs_f64();
    eoutln!(
        "wrote {} ({} frames{}, {} shot{}) in {:.2} s; first frames after {:.3} s",
        out.display(),
        frames + played,
        if played > 0 { format!(": {played} of the film, {frames} live") } else { String::new() },
        live.film().shots.len(),
        if live.film().shots.len() == 1 { "" } else { "s" },
        secs,
        first_frame.unwrap_or(0.0)
    );
    let mut failed = args.video.finish(&cues, fps).err();
    if let Some(r) = &args.record {
        match write_recording(r, live.film()) {
            Ok(()) => eoutln!("recorded the session as {}", r.display()),
            Err(e) => failed = Some(e),
        }
    }
    failed.map_or(Ok(()), Err)
}

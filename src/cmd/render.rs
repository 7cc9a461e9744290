//! `cine render`: screenplay (or IR JSON) -> MP4, with an optional storyboard.
//!
//! Also holds what `batch` and `live` share: loading a film and picking a generator.

use std::path::{Path, PathBuf};

use cine_ir::{Film, ModelProfile};
use cine_renderer::cache::{self, RenderCache};
use cine_renderer::generator::ChunkGenerator;
use cine_renderer::model_gen::{self, ModelGenerator, ModelParts};
use cine_renderer::procedural::{self, ProceduralGenerator};
use cine_renderer::render::{render_film_with, RenderOptions, VideoOptions};
use cine_renderer::subtitles::{self, Sidecar};

/// Arguments of `cine render`.
#[derive(clap::Args)]
pub struct Args {
    /// The screenplay (`.cine`) or a compiled film IR (`.json`).
    pub script: PathBuf,
    /// Output MP4 file.
    #[arg(short, long, default_value = "out/film.mp4")]
    pub output: PathBuf,
    /// Also write a contact sheet PNG: frames of every shot with its number and caption.
    #[arg(long)]
    pub storyboard: Option<PathBuf>,
    /// Override the screenplay's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write only these shots: a name (`door`), a number from 1, or a range (`door..lamp`,
    /// `2..4`; `lamp..` runs to the end, `..2` from the start). The shots before them are
    /// still generated (each shot sees the earlier ones), from the render cache when they
    /// are unchanged.
    #[arg(long, value_name = "SHOTS")]
    pub shots: Option<String>,
    /// After rendering, watch the screenplay, the files it uses and cine.toml, and render again
    /// on every save (with the cache, only from the first changed shot on). Errors are reported
    /// and the last good MP4 is kept. Ctrl-C stops.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub video: VideoArgs,
    #[command(flatten)]
    pub gen: GenArgs,
}

/// Size and dialogue of the MP4, shared by `cine render` and `cine live`.
#[derive(clap::Args, Clone)]
pub struct VideoArgs {
    /// Write the MP4 at N times the film's size (1 to 16), upscaled with a Lanczos filter; the
    /// render cache and the storyboard keep the film's size.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_scale)]
    pub scale: u32,
    /// Also write the dialogue (`say` lines) as a subtitle file: `.srt` (SubRip) or `.vtt`
    /// (WebVTT). The MP4 always carries it as a subtitle track players can switch on.
    #[arg(long, value_name = "FILE")]
    pub subtitles: Option<PathBuf>,
    /// Draw the dialogue into the MP4's frames (bottom centre); reads best with --scale 4 or more.
    #[arg(long)]
    pub burn_subtitles: bool,
}

impl VideoArgs {
    /// Checks what can be checked before any work: the sidecar's format and place.
    pub fn check(&self) -> anyhow::Result<()> {
        match &self.subtitles {
            Some(p) => {
                Sidecar::of(p).map_err(|e| anyhow::anyhow!("--subtitles: {e}"))?;
                cine_renderer::files::check_output(p, "film.srt").map(|_| ()).map_err(|e| anyhow::anyhow!("--subtitles: {e}"))
            }
            None => Ok(()),
        }
    }

    /// Says where the dialogue went and writes the sidecar, once the MP4 is written.
    pub fn finish(&self, cues: &[subtitles::Cue], fps: u32) -> anyhow::Result<()> {
        if !cues.is_empty() {
            let burned = if self.burn_subtitles { ", burned into the frames" } else { "" };
            eoutln!("subtitles: {} line(s) in the MP4's subtitle track{burned}", cues.len());
        }
        if let Some(p) = &self.subtitles {
            subtitles::write_sidecar(p, cues, fps)?;
            match cues.len() {
                0 => eoutln!("wrote subtitles {} (empty: no `say` lines in what was rendered)", p.display()),
                n => eoutln!("wrote subtitles {} ({n} line(s))", p.display()),
            }
        }
        Ok(())
    }
}

/// `--scale`: a whole factor from 1 to 16.
pub fn parse_scale(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=16).contains(&n) => Ok(n),
        _ => Err(format!("the scale is a whole factor from 1 to 16 (e.g. 4 turns 64x64 into 256x256), not `{s}`")),
    }
}

/// Generator and cache options shared by `render`, `batch` and `live`.
#[derive(clap::Args, Clone)]
pub struct GenArgs {
    /// What makes the frames: `model` (the film's model) or `procedural` (a test pattern, not
    /// a model, for trying the pipeline without weights).
    #[arg(long, default_value = "model", value_parser = ["model", "procedural"])]
    pub generator: String,
    /// Model directory: dit.safetensors, vae.safetensors, t5.safetensors, tokenizer.json, or
    /// a Wan2.1-T2V-1.3B download (Wan2.1_VAE.pth, models_t5_umt5-xxl-enc-bf16.pth,
    /// google/umt5-xxl/tokenizer.json, and self_forcing_dmd.pt or
    /// diffusion_pytorch_model.safetensors); default: $CINE_MODEL_DIR, else the model built
    /// into the binary.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Render cache directory (default: $CINE_CACHE_DIR, else ~/.cache/cine).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Render cache size bound in MiB.
    #[arg(long, default_value_t = CACHE_MAX_MB)]
    pub cache_max_mb: u64,
    /// Do not read or write the render cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Hide the progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The render cache's default size bound, in MiB.
pub const CACHE_MAX_MB: u64 = 2048;

impl GenArgs {
    pub fn cache(&self) -> Option<RenderCache> {
        (!self.no_cache).then(|| {
            RenderCache::new(self.cache_dir.clone().unwrap_or_else(cache::default_dir), self.cache_max_mb.saturating_mul(1 << 20))
        })
    }
}

/// Why a film could not be loaded: bad input (exit 1) or something else (exit 2).
pub enum LoadError {
    Input(String),
    Other(String),
}

impl LoadError {
    pub fn report(&self) -> i32 {
        match self {
            LoadError::Input(m) => {
                eoutln!("{m}");
                1
            }
            LoadError::Other(m) => {
                eoutln!("error: {m}");
                2
            }
        }
    }

    pub fn message(&self) -> &str {
        match self {
            LoadError::Input(m) | LoadError::Other(m) => m,
        }
    }
}

/// Reads a screenplay (compiled with the model registry) or an IR JSON file.
pub fn load_film(path: &Path) -> Result<Film, LoadError> {
    load_film_warned(path).map(|(film, _)| film)
}

/// The warnings of a screenplay that compiled (none for a film IR).
#[derive(Default)]
pub struct Warnings {
    diagnostics: Vec<cine_compiler::Diagnostic>,
    sources: Vec<cine_compiler::SourceFile>,
    totals: cine_compiler::report::Totals,
}

impl Warnings {
    /// How many there are.
    pub fn count(&self) -> usize {
        self.totals.warnings
    }

    /// As `cine lint` shows them (empty when there are none).
    pub fn text(&self) -> String {
        cine_compiler::report::render_totals(cine_compiler::report::Format::Human, &self.diagnostics, &self.sources, self.totals)
    }
}

/// [`load_film`], with the compiler's warnings (none for a film IR).
pub fn load_film_warned(path: &Path) -> Result<(Film, Warnings), LoadError> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::Other(format!("cannot read {}: {e}", path.display())))?;
        let film: Film = serde_json::from_str(&text)
            .map_err(|e| LoadError::Input(format!("error: {} is not a film IR: {e}", path.display())))?;
        film.validate().map_err(|e| {
            LoadError::Input(format!("error: {} is not a consistent film IR: {e}
help: write the film as a screenplay and let `cine plan` produce its IR", path.display()))
        })?;
        return Ok((film, Warnings::default()));
    }
    // The same compile as `cine lint`, so a denied lint blocks a render too.
    let out = super::compile(path);
    if let Some(d) = out.read_error() {
        return Err(LoadError::Other(d.message.clone())); // exit 2, as `cine lint`
    }
    let totals = out.totals();
    match out.film {
        Some(film) if out.errors == 0 => Ok((film, Warnings { diagnostics: out.diagnostics, sources: out.sources, totals })),
        _ => {
            let mut msg = cine_compiler::report::render_totals(cine_compiler::report::Format::Human, &out.diagnostics, &out.sources, totals);
            msg.push_str(&format!(
                "\nerror: {} has {} error(s); fix them (see `cine lint`) before rendering",
                path.display(),
                out.errors.max(1)
            ));
            Err(LoadError::Input(msg))
        }
    }
}

/// The chunk grid of the film's model.
pub fn profile_of(film: &Film) -> Result<ModelProfile, LoadError> {
    cine_model::registry::profile(&film.model).ok_or_else(|| {
        LoadError::Input(format!("error: unknown model `{}` in the film; known: cine-tiny, wan2.1-1.3b", film.model))
    })
}

/// The model directory: the one given, else `$CINE_MODEL_DIR` (unset or empty: none, the
/// built-in model).
pub fn model_dir(given: Option<&PathBuf>) -> Option<PathBuf> {
    given.cloned().or_else(|| std::env::var_os("CINE_MODEL_DIR").filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// Builds the generator named on the command line for a film's model.
pub fn make_generator(gen: &GenArgs, film: &Film) -> Result<Box<dyn ChunkGenerator>, LoadError> {
    match gen.generator.as_str() {
        "procedural" | procedural::NAME if gen.model_dir.is_some() => {
            Err(LoadError::Other("--model-dir names a model's weights, and --generator procedural draws a test pattern without any; drop one of them".into()))
        }
        "procedural" | procedural::NAME => Ok(Box::new(ProceduralGenerator::new())),
        "model" => {
            let dir = model_dir(gen.model_dir.as_ref());
            let parts = match dir {
                Some(dir) => ModelParts::load_dir(&film.model, &dir),
                None => model_gen::builtin(&film.model).unwrap_or_else(|| {
                    Err(anyhow::anyhow!(
                        "the model `{}` is not built into this binary; pass --model-dir DIR holding {} \
                         (or a Wan2.1-T2V-1.3B download), or `--generator procedural` for a test pattern, not a model",
                        film.model,
                        model_gen::FILES.join(", ")
                    ))
                }),
            };
            parts.map(|p| Box::new(ModelGenerator::new(p)) as Box<dyn ChunkGenerator>).map_err(|e| LoadError::Other(format!("{e:#}")))
        }
        other => Err(LoadError::Other(format!("unknown generator `{other}`; use `model` or `procedural`"))),
    }
}

pub fn run(args: Args) -> i32 {
    // Ctrl-C / SIGTERM stop at the next chunk; the output is then not written at all.
    let interrupt = cine_renderer::interrupt::install();
    let mut gen = None;
    let mut code = render_once(&args, &mut gen);
    while args.watch && code != 130 {
        let files = super::watch::files_of(&args.script);
        eoutln!("watching {} file(s) for changes (Ctrl-C to stop)", files.len());
        if !super::watch::wait(&files, interrupt) {
            eoutln!("stopped watching");
            return code;
        }
        code = render_once(&args, &mut gen);
    }
    code
}

/// One render; `gen` keeps the generator (and its loaded weights) for the next one while the
/// film's model stays the same.
fn render_once(args: &Args, gen: &mut Option<(String, Box<dyn ChunkGenerator>)>) -> i32 {
    if let Err(e) = args.video.check() {
        eoutln!("error: {e}");
        return 2;
    }
    let mut film = match load_film_warned(&args.script) {
        Ok((f, warnings)) => {
            // As a build shows them: a render with warnings is not a silent one.
            eout!("{}", warnings.text());
            f
        }
        Err(e) => return e.report(),
    };
    if let Some(seed) = args.seed {
        film.seed = seed;
    }
    let profile = match profile_of(&film) {
        Ok(p) => p,
        Err(e) => return e.report(),
    };
    if gen.as_ref().is_none_or(|(model, _)| *model != film.model) {
        match make_generator(&args.gen, &film) {
            Ok(g) => *gen = Some((film.model.clone(), g)),
            Err(e) => return e.report(),
        }
    }
    let Some((_, gen)) = gen.as_mut() else { return 2 };
    let mut keep = None;
    if let Some(spec) = &args.shots {
        let (a, b) = match film.select_shots(spec) {
            Ok(ab) => ab,
            // A selection that names no shot is a usage error (exit 2), not one in the film.
            Err(e) => return LoadError::Other(format!("--shots {spec}: {e}")).report(),
        };
        // Planned as part of the whole film, so the shots are the full render's (and come
        // from its cache); generation stops after shot `b`.
        keep = Some(film.shots[a].start_frame..film.shots[b].start_frame + film.shots[b].frames);
    }
    let frames = keep.as_ref().map_or(film.total_frames, |r| r.end - r.start);
    let seconds = frames as f64 / film.fps.max(1) as f64;
    let interrupt = cine_renderer::interrupt::flag();
    let cues = subtitles::cues(&film, keep.clone().unwrap_or(0..u32::MAX));
    let scale = args.video.scale;
    let missing = if args.video.burn_subtitles { subtitles::undrawable(&cues) } else { String::new() };
    if !missing.is_empty() {
        eoutln!("note: the burned-in font draws Latin letters only: {missing} will show as ?; the MP4's subtitle track and --subtitles keep every character");
    }
    if args.video.burn_subtitles && !cues.is_empty() && film.height * scale < 256 {
        eoutln!(
            "note: burned-in subtitles at {}x{} are tiny; --scale {} or more reads better",
            film.width * scale,
            film.height * scale,
            256u32.div_ceil(film.height.max(1)).min(16)
        );
    }
    let opts = RenderOptions { cache: args.gen.cache(), progress: !args.gen.quiet, interrupt: Some(interrupt), keep, resume: false };
    let video = VideoOptions { scale, burn_subtitles: args.video.burn_subtitles };
    match render_film_with(&film, &profile, gen.as_mut(), &args.output, args.storyboard.as_deref(), &opts, &video) {
        Ok(s) => {
            // With --shots the film runs up to the last selected shot; the rate counts all of it.
            let made = if s.frames == frames { String::new() } else { format!("{} film frames at ", s.frames) };
            eoutln!(
                "wrote {} ({} frames, {:.2} s at {} fps) in {:.2} s: {made}{:.1} frames/s, {} of {} chunks generated, {} shot(s) from cache",
                args.output.display(),
                frames,
                seconds,
                film.fps,
                s.seconds,
                s.fps(),
                s.chunks_generated,
                s.chunks,
                s.shots_reused
            );
            if let Some(p) = &args.storyboard {
                eoutln!("wrote storyboard {}", p.display());
            }
            if let Some(e) = &s.cache_error {
                eoutln!("warning: the render cache cannot be written ({e}); the film was made without it: give another --cache-dir, or --no-cache");
            }
            if let Err(e) = args.video.finish(&cues, film.fps) {
                eoutln!("error: {e:#}");
                return 2;
            }
            0
        }
        Err(_) if cine_renderer::interrupt::requested() => {
            eoutln!(
                "interrupted: nothing written to {} (finished shots stay in the render cache: render again to resume)",
                args.output.display()
            );
            130
        }
        Err(e) => {
            eoutln!("error: {e:#}");
            2
        }
    }
}

//! `cine eval`: score a model (or the ground truth, the ceiling) on the synthetic benchmark.
//!
//! Every story of the suite is written as a screenplay and compiled; the source renders the
//! film; the metrics of `cine_synth::metrics` judge the frames against the story's ground
//! truth. One table row per run: each metric, frames generated per second, peak memory.

mod model;
mod sheets;
mod vae;

use cine_renderer::budget::{Budget, POLICIES};
use cine_synth::screenplay::film_or_reference;
use cine_synth::source::{Corrupted, Corruption, GroundTruth, RgbImage, VideoSource};
use cine_synth::suite::{self, Report};
use cine_synth::{Story, StoryConfig};

use model::{ModelSettings, ModelSource};

/// Arguments of `cine eval`.
#[derive(clap::Args)]
pub struct Args {
    /// What renders the films: `ground-truth` (the ceiling) or a model name (`cine-tiny`).
    #[arg(long, default_value = "ground-truth")]
    pub model: String,
    /// Model directory (default: $CINE_MODEL_DIR, else the model built into the binary and,
    /// for `--dit base`, the folder it was built from).
    #[arg(long)]
    pub model_dir: Option<std::path::PathBuf>,
    /// Which DiT: `distilled` (dit.safetensors, 4 steps), `base` (dit-base.safetensors,
    /// sampled as the distillation teacher: 17 Euler steps around the 4 student timesteps),
    /// or `vae`: no DiT, the ground truth through the model's VAE (the model's ceiling).
    #[arg(long, default_value = "distilled", value_parser = ["distilled", "base", "vae"])]
    pub dit: String,
    /// Sampler steps, evenly spaced (default: 4 distilled, the teacher's 17 for base).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Sampler: `euler` (deterministic ODE steps; default for base) or `renoise` (predict x0,
    /// re-noise: Self-Forcing's few-step sampler; default for distilled).
    #[arg(long, value_parser = ["euler", "renoise"])]
    pub sampler: Option<String>,
    /// Memory policy of a model: full, window, sink-window or camr.
    #[arg(long, default_value = "camr", value_parser = POLICIES)]
    pub memory: String,
    /// Active memory: past chunks a chunk attends to (`8`), or a share of each story's longest
    /// history (`25%` = a quarter of its chunk count - 1). Same bound for every policy but full.
    #[arg(long)]
    pub budget: Option<String>,
    /// Seeded random weights instead of the trained ones (tests of the pipeline only).
    #[arg(long)]
    pub random_weights: bool,
    /// Spoil the ground truth on purpose: shuffle, swap, freeze, noise, rerandomise.
    #[arg(long, value_parser = ["shuffle", "swap", "freeze", "noise", "rerandomise"])]
    pub corrupt: Option<String>,
    /// Which stories: bench (alias benchmark; 100), long (10 of 2+ minutes), all, or smoke
    /// (2 two-shot stories of 1.5 s, for quick checks).
    #[arg(long, default_value = "bench", value_parser = ["bench", "benchmark", "long", "all", "smoke"])]
    pub suite: String,
    /// Only the first N stories of the suite (at least 1).
    #[arg(long, value_parser = at_least_one)]
    pub limit: Option<usize>,
    /// Stop starting new stories after this many minutes (at least one is rendered): the row
    /// then covers the stories rendered so far (its `stories` column says how many). Frames are kept in memory until
    /// scoring, so `peak_MiB` includes them.
    #[arg(long, value_parser = minutes)]
    pub max_minutes: Option<f64>,
    /// Also write one PNG per story into this folder: every second frame of the source under
    /// the ground truth's.
    #[arg(long)]
    pub sheets: Option<std::path::PathBuf>,
    /// Output: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// Frames rendered earlier, handed back in order (for `--max-minutes`).
struct Replay {
    name: String,
    frames: std::collections::VecDeque<Vec<RgbImage>>,
}

impl VideoSource for Replay {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn render(&mut self, _film: &cine_ir::Film, _story: &Story) -> anyhow::Result<Vec<RgbImage>> {
        self.frames.pop_front().ok_or_else(|| anyhow::anyhow!("no more rendered stories"))
    }
}

/// Renders stories until `minutes` have passed, then scores those.
fn run_for(source: &mut dyn VideoSource, stories: &[Story], minutes: f64) -> anyhow::Result<Report> {
    let t0 = std::time::Instant::now();
    let mut done = std::collections::VecDeque::new();
    let mut secs = 0.0;
    for story in stories {
        if !done.is_empty() && t0.elapsed().as_secs_f64() > minutes * 60.0 {
            eoutln!("--max-minutes {minutes}: stopping after {} of {} stories", done.len(), stories.len());
            break;
        }
        let (film, _) = film_or_reference(story);
        let t = std::time::Instant::now();
        done.push_back(source.render(&film, story)?);
        secs += t.elapsed().as_secs_f64();
    }
    let n = done.len();
    let mut replay = Replay { name: source.name(), frames: done };
    let mut report = suite::run(&mut replay, &stories[..n])?;
    report.fps = report.frames as f64 / secs.max(1e-9);
    Ok(report)
}

pub fn run(args: Args) -> i32 {
    match eval(&args) {
        Ok(code) => code,
        Err(e) => {
            eoutln!("error: {e:#}");
            2
        }
    }
}

/// Two short two-shot stories: the whole pipeline in seconds.
fn smoke_suite() -> Vec<Story> {
    let cfg = StoryConfig { shots: (2, 2), shot_seconds: (0.75, 0.75), ..StoryConfig::default() };
    (0..2u64)
        .map(|i| {
            let mut s = Story::generate(suite::SUITE_SEED.wrapping_mul(7).wrapping_add(i), &cfg);
            s.title = format!("smoke {i}");
            s
        })
        .collect()
}

fn usage(msg: String) -> anyhow::Result<i32> {
    eoutln!("error: {msg}");
    Ok(2)
}

fn eval(args: &Args) -> anyhow::Result<i32> {
    // --memory, --format, --dit and --suite are checked by clap (their possible values).
    let budget = match args.budget.as_deref().map(Budget::parse).transpose() {
        Ok(b) => b,
        Err(e) => return usage(format!("{e}")),
    };
    let mut stories = match args.suite.as_str() {
        "bench" | "benchmark" => suite::benchmark_suite(),
        "long" => suite::long_form_suite(),
        "all" => [suite::benchmark_suite(), suite::long_form_suite()].concat(),
        "smoke" => smoke_suite(),
        other => return usage(format!("unknown suite `{other}`; choose bench, long, all or smoke")),
    };
    if let Some(n) = args.limit {
        stories.truncate(n);
    }
    // Options of a model, given with the ground truth, would be ignored without a word.
    let model_options = [
        ("--model-dir", args.model_dir.is_some()),
        ("--dit", args.dit != "distilled"),
        ("--steps", args.steps.is_some()),
        ("--sampler", args.sampler.is_some()),
        ("--memory", args.memory != "camr"),
        ("--budget", args.budget.is_some()),
        ("--random-weights", args.random_weights),
    ];
    if let ("ground-truth", Some((flag, _))) = (args.model.as_str(), model_options.iter().find(|(_, given)| *given)) {
        return usage(format!("{flag} applies to a model (--model cine-tiny), not to the ground truth"));
    }
    // `--dit vae` runs no DiT: its sampling options would be ignored as well.
    let sampling = [("--steps", args.steps.is_some()), ("--sampler", args.sampler.is_some()), ("--memory", args.memory != "camr"), ("--budget", args.budget.is_some())];
    if let ("vae", Some((flag, _))) = (args.dit.as_str(), sampling.iter().find(|(_, given)| *given)) {
        return usage(format!("{flag} sets how the DiT samples, and --dit vae runs no DiT (the ground truth goes through the VAE alone)"));
    }
    let mut source: Box<dyn VideoSource> = match (args.model.as_str(), &args.corrupt) {
        ("ground-truth", None) => Box::new(GroundTruth),
        ("ground-truth", Some(c)) => match Corruption::from_name(c) {
            Ok(kind) => Box::new(Corrupted { kind, seed: 1 }),
            Err(e) => return usage(format!("{e}")),
        },
        (_, Some(_)) => return usage("--corrupt applies to --model ground-truth only".into()),
        (m, None) => {
            if cine_model::registry::profile(m).is_none() {
                return usage(format!("unknown model `{m}`; use ground-truth or cine-tiny"));
            }
            if args.memory == "full" && budget.is_some() {
                eoutln!("note: --memory full keeps every past chunk; --budget is ignored");
            }
            let settings = ModelSettings {
                model: m.into(),
                model_dir: args.model_dir.clone(),
                dit: args.dit.clone(),
                steps: args.steps,
                sampler: args.sampler.clone(),
                memory: args.memory.clone(),
                budget,
                random_weights: args.random_weights,
            };
            if args.dit == "vae" {
                let settings = ModelSettings { dit: "distilled".into(), ..settings };
                let vae = model::load(&settings)?.vae;
                Box::new(vae::VaeRoundTrip { vae, label: format!("{m}/vae round trip of the ground truth") })
            } else {
                Box::new(ModelSource::new(&settings, stories.len())?)
            }
        }
    };
    if let Some(dir) = &args.sheets {
        if dir.exists() && !dir.is_dir() {
            return usage(format!("--sheets {} is a file, not a folder; give a folder for the PNGs", dir.display()));
        }
        if let Err(e) = std::fs::create_dir_all(dir) {
            return usage(format!("cannot create --sheets folder {}: {e}", dir.display()));
        }
        source = Box::new(sheets::Sheets { inner: source, dir: dir.clone() });
    }
    let report = match args.max_minutes {
        Some(m) => run_for(source.as_mut(), &stories, m)?,
        None => suite::run(source.as_mut(), &stories)?,
    };
    if args.format == "json" {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", table(&[report]));
    }
    Ok(0)
}

fn opt(v: Option<f32>) -> String {
    v.map_or("-".into(), |x| format!("{x:.3}"))
}

/// The results table (one row per report).
pub fn table(rows: &[Report]) -> String {
    let mut s = format!(
        "{:<40} {:>7} {:>7} {:>6} {:>6} {:>6} {:>9} {:>6} {:>8} {:>8} {:>8} {:>9} {:>6} {:>9} {:>9}\n",
        "source", "stories", "frames", "set", "subj", "size", "camera", "ADH", "cut_f1", "cons_set", "cons_subj", "stability", "motion", "gen_fps", "peak_MiB"
    );
    for r in rows {
        s += &format!(
            "{:<40} {:>7} {:>7} {:>6.3} {:>6.3} {:>6.3} {:>9.3} {:>6.3} {:>8.3} {:>8} {:>8} {:>9.3} {:>6.3} {:>9.1} {:>9}\n",
            r.source,
            r.stories,
            r.frames,
            r.set,
            r.subject,
            r.size,
            r.camera,
            r.adherence,
            r.cut_f1,
            opt(r.set_consistency),
            opt(r.subject_consistency),
            r.stability,
            r.motion,
            r.fps,
            r.peak_mib.map_or("-".into(), |m| format!("{m:.0}"))
        );
        if !r.compiled {
            s += "note: the compiler could not compile every generated screenplay; those films came from the reference lowering\n";
        }
    }
    s
}

fn minutes(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if m.is_finite() && m >= 0.0 => Ok(m),
        _ => Err(format!("a number of minutes, 0 or more, not `{s}`")),
    }
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("a number of stories, at least 1, not `{s}`")),
    }
}

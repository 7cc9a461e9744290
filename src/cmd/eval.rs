//! `cine eval`: score a model (or the ground truth, the ceiling) on the synthetic benchmark.
//!
//! Every story of the suite is written as a screenplay and compiled; the source renders the
//! film; the metrics of `cine_synth::metrics` judge the frames against the story's ground
//! truth. One table row per run: each metric, frames generated per second, peak memory.

use cine_synth::source::{Corrupted, Corruption, GroundTruth, VideoSource};
use cine_synth::suite::{self, Report};

/// Arguments of `cine eval`.
#[derive(clap::Args)]
pub struct Args {
    /// What renders the films: `ground-truth` (the ceiling) or a model name.
    #[arg(long, default_value = "ground-truth")]
    pub model: String,
    /// Memory policy of a model: camr, full or window.
    #[arg(long, default_value = "camr")]
    pub memory: String,
    /// Memory budget of a model (latent frames kept).
    #[arg(long)]
    pub budget: Option<usize>,
    /// Spoil the ground truth on purpose: shuffle, swap, freeze, noise, rerandomise.
    #[arg(long)]
    pub corrupt: Option<String>,
    /// Which stories: bench (100), long (10 of 2+ minutes) or all.
    #[arg(long, default_value = "bench")]
    pub suite: String,
    /// Only the first N stories of the suite.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub fn run(args: Args) -> i32 {
    match eval(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

fn eval(args: &Args) -> anyhow::Result<i32> {
    if !["camr", "full", "window"].contains(&args.memory.as_str()) {
        eprintln!("error: unknown memory policy `{}`; choose camr, full or window", args.memory);
        return Ok(2);
    }
    if !["table", "json"].contains(&args.format.as_str()) {
        eprintln!("error: unknown format `{}`; choose table or json", args.format);
        return Ok(2);
    }
    let mut stories = match args.suite.as_str() {
        "bench" => suite::benchmark_suite(),
        "long" => suite::long_form_suite(),
        "all" => [suite::benchmark_suite(), suite::long_form_suite()].concat(),
        other => {
            eprintln!("error: unknown suite `{other}`; choose bench, long or all");
            return Ok(2);
        }
    };
    if let Some(n) = args.limit {
        stories.truncate(n);
    }
    let mut source: Box<dyn VideoSource> = match (args.model.as_str(), &args.corrupt) {
        ("ground-truth", None) => Box::new(GroundTruth),
        ("ground-truth", Some(c)) => match Corruption::from_name(c) {
            Ok(kind) => Box::new(Corrupted { kind, seed: 1 }),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        },
        (_, Some(_)) => {
            eprintln!("error: --corrupt applies to --model ground-truth only");
            return Ok(2);
        }
        (m, None) => {
            eprintln!("error: model `{m}` is not available to `cine eval` in this build; use --model ground-truth (a model plugs in through cine_synth::VideoSource)");
            return Ok(2);
        }
    };
    let report = suite::run(source.as_mut(), &stories)?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&[report]));
    }
    Ok(0)
}

fn opt(v: Option<f32>) -> String {
    v.map_or("-".into(), |x| format!("{x:.3}"))
}

/// The results table (one row per report).
pub fn table(rows: &[Report]) -> String {
    let mut s = format!(
        "{:<26} {:>7} {:>7} {:>6} {:>6} {:>6} {:>9} {:>6} {:>8} {:>8} {:>8} {:>9} {:>6} {:>9} {:>9}\n",
        "source", "stories", "frames", "set", "subj", "size", "camera", "ADH", "cut_f1", "cons_set", "cons_subj", "stability", "motion", "gen_fps", "peak_MiB"
    );
    for r in rows {
        s += &format!(
            "{:<26} {:>7} {:>7} {:>6.3} {:>6.3} {:>6.3} {:>9.3} {:>6.3} {:>8.3} {:>8} {:>8} {:>9.3} {:>6.3} {:>9.0} {:>9}\n",
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

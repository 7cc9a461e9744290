//! `cine batch`: render many screenplays in parallel, in shards, with JSON / JUnit reports.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cine_renderer::batch::{find_all, run_all, BatchReport, JobReport, Shard};
use cine_renderer::render::{render_film_with, RenderOptions, VideoOptions};
use cine_renderer::subtitles;

use super::render::{load_film_warned, make_generator, profile_of, GenArgs};

/// Arguments of `cine batch`.
#[derive(clap::Args)]
pub struct Args {
    /// Screenplays: files, directories (their `.cine` files) or quoted globs like
    /// 'screenplays/*.cine'.
    #[arg(required = true, num_args = 1..)]
    pub scripts: Vec<String>,
    /// Parallel renders (0: one per core).
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
    /// Take only shard i of n of the sorted list (1-based), e.g. `--shard 2/4`.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Directory for the MP4s (`<name>.mp4`).
    #[arg(long, default_value = "out/batch")]
    pub out_dir: PathBuf,
    /// Also write `<name>.png` storyboards.
    #[arg(long)]
    pub storyboards: bool,
    /// Write the MP4s at N times the films' size (1 to 16); see `cine render --scale`.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = super::render::parse_scale)]
    pub scale: u32,
    /// Also write each film's dialogue as `<name>.srt` or `<name>.vtt` (the MP4s always carry
    /// it as a subtitle track).
    #[arg(long, value_name = "FORMAT", value_parser = ["srt", "vtt"])]
    pub subtitles: Option<String>,
    /// Draw the dialogue into the MP4s' frames.
    #[arg(long)]
    pub burn_subtitles: bool,
    /// Write a JSON report here (a `.json` name).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write a JUnit XML report here (a `.xml` name).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub gen: GenArgs,
}

pub fn run(args: Args) -> i32 {
    let t0 = Instant::now();
    let all = match find_all(&args.scripts) {
        Ok(s) => s,
        Err(e) => {
            eoutln!("error: {e:#}");
            return 2;
        }
    };
    let shard = args.shard.unwrap_or(Shard { index: 1, count: 1 });
    let scripts = shard.select(&all);
    if args.out_dir.exists() && !args.out_dir.is_dir() {
        eoutln!("error: --out-dir {} is a file, not a directory; give a folder for the MP4s", args.out_dir.display());
        return 2;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out_dir) {
        eoutln!("error: cannot create {}: {e}", args.out_dir.display());
        return 2;
    }
    // The reports are written at the end: their places are checked before the renders.
    // Each has its own extension, so neither can take the other's file or an MP4's.
    for (flag, p, example, ext, what) in [("--report", &args.report, "report.json", "json", "JSON"), ("--junit", &args.junit, "junit.xml", "xml", "JUnit XML")] {
        let checked = p.as_deref().map(|p| cine_renderer::files::check_output(p, example).and_then(|_| cine_renderer::files::check_extension(p, ext, what)));
        if let Some(Err(e)) = checked {
            eoutln!("error: {flag}: {e}");
            return 2;
        }
        // A film IR is a `.json` script: `--report film.json` would replace it.
        let canon = |x: &Path| std::fs::canonicalize(x).ok();
        if let Some(p) = p.as_deref().filter(|p| canon(p).is_some_and(|c| all.iter().any(|s| canon(s).as_ref() == Some(&c)))) {
            eoutln!("error: {flag}: {} is one of the scripts; give the report another name, e.g. {}", p.display(), p.with_file_name(example).display());
            return 2;
        }
    }
    // Ctrl-C / SIGTERM: every render stops before its next chunk and leaves no file.
    cine_renderer::interrupt::install();
    let jobs = run_all(&scripts, args.jobs, |p| render_one(p, &args));
    let jobs = match jobs {
        Ok(j) => j,
        Err(e) => {
            eoutln!("error: {e:#}");
            return 2;
        }
    };
    let failed = jobs.iter().filter(|j| !j.ok).count();
    let report = BatchReport {
        shard: format!("{}/{}", shard.index, shard.count),
        total: jobs.len(),
        passed: jobs.len() - failed,
        failed,
        seconds: t0.elapsed().as_secs_f64(),
        jobs,
    };
    for j in &report.jobs {
        match &j.error {
            None => eoutln!(
                "ok   {} -> {} ({} frames, {}/{} chunks generated, {:.2} s){}",
                j.script,
                j.output.as_deref().unwrap_or("?"),
                j.frames,
                j.chunks_generated,
                j.chunks,
                j.seconds,
                match j.warnings {
                    0 => String::new(),
                    n => format!("; {n} warning(s): `cine lint {}` shows them", j.script),
                }
            ),
            Some(e) => eoutln!("FAIL {}\n{}", j.script, indent(e)),
        }
    }
    eoutln!(
        "batch shard {}: {} script(s), {} passed, {} failed, {:.2} s",
        report.shard, report.total, report.passed, report.failed, report.seconds
    );
    let mut code = if failed > 0 { 1 } else { 0 };
    if cine_renderer::interrupt::requested() {
        eoutln!("interrupted: unfinished renders were stopped and left no file");
        code = 130;
    }
    if let Some(p) = &args.report {
        let json = serde_json::to_string_pretty(&report).expect("report serialises");
        if let Err(e) = super::write_output(p, &(json + "\n")) {
            eoutln!("error: cannot write {}: {e}", p.display());
            code = 2;
        }
    }
    if let Some(p) = &args.junit {
        if let Err(e) = super::write_output(p, &report.junit()) {
            eoutln!("error: cannot write {}: {e}", p.display());
            code = 2;
        }
    }
    code
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("     {l}")).collect::<Vec<_>>().join("\n")
}

fn render_one(script: &Path, args: &Args) -> JobReport {
    let t0 = Instant::now();
    let fail = |msg: String| JobReport::failed(script, msg, t0.elapsed().as_secs_f64());
    let (film, warnings) = match load_film_warned(script) {
        Ok((f, w)) => (f, w.count()),
        Err(e) => return fail(e.message().to_string()),
    };
    let profile = match profile_of(&film) {
        Ok(p) => p,
        Err(e) => return fail(e.message().to_string()),
    };
    let mut gen = match make_generator(&args.gen, &film) {
        Ok(g) => g,
        Err(e) => return fail(e.message().to_string()),
    };
    let stem = script.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "film".into());
    let output = args.out_dir.join(format!("{stem}.mp4"));
    let board = args.storyboards.then(|| args.out_dir.join(format!("{stem}.png")));
    // Bars of parallel jobs would interleave: batch renders quietly.
    let opts = RenderOptions { cache: args.gen.cache(), progress: false, interrupt: Some(cine_renderer::interrupt::flag()), keep: None, resume: false };
    let video = VideoOptions { scale: args.scale, burn_subtitles: args.burn_subtitles };
    let result = render_film_with(&film, &profile, gen.as_mut(), &output, board.as_deref(), &opts, &video).and_then(|s| {
        if let Some(ext) = &args.subtitles {
            let cues = subtitles::cues(&film, 0..u32::MAX);
            subtitles::write_sidecar(&args.out_dir.join(format!("{stem}.{ext}")), &cues, film.fps)?;
        }
        Ok(s)
    });
    if let Ok(Some(e)) = result.as_ref().map(|s| &s.cache_error) {
        eoutln!("warning: {}: the render cache cannot be written ({e}); rendered without it", script.display());
    }
    match result {
        Ok(s) => JobReport {
            script: script.display().to_string(),
            output: Some(output.display().to_string()),
            ok: true,
            error: None,
            frames: s.frames,
            chunks: s.chunks,
            chunks_generated: s.chunks_generated,
            shots_reused: s.shots_reused,
            warnings,
            seconds: t0.elapsed().as_secs_f64(),
        },
        Err(e) => fail(format!("{e:#}")),
    }
}

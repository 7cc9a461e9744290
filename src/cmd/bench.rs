//! `cine bench`: generation speed on this machine, the incremental re-render speed-up, and
//! (with `--config`) the streaming loop at a model's real scale on CPU or GPU. Prints measured
//! figures.

mod stream;

use std::time::Instant;

use anyhow::Context;

use cine_renderer::cache::RenderCache;
use cine_renderer::generator::{step, ChunkGenerator};
use cine_renderer::model_gen::{ModelGenerator, ModelParts};
use cine_renderer::render::{render_film, stream_info, RenderOptions};
use cine_renderer::sample::ten_shots;
use cine_renderer::schedule::plan;

use super::render::{make_generator, GenArgs};

/// Arguments of `cine bench`.
#[derive(clap::Args)]
pub struct Args {
    // The chunk benchmark's options are refused with --config in `run`, not by clap: a
    // `conflicts_with` there makes clap waive the scale options' `requires = "config"`.
    /// Model whose chunk grid and networks are timed [default: cine-tiny].
    #[arg(long)]
    pub model: Option<String>,
    /// Chunks to generate (of a ten-shot film, 2 s per shot) [default: 12].
    #[arg(long)]
    pub chunks: Option<usize>,
    /// Time the networks with seeded random weights (speed does not depend on the values).
    #[arg(long)]
    pub random_weights: bool,
    /// Also measure the incremental re-render: cold render of the ten-shot film, then a
    /// render after editing its last shot, with a fresh cache.
    #[arg(long)]
    pub incremental: bool,
    #[command(flatten)]
    pub gen: GenArgs,

    /// Check the fused attention kernels against the reference on random inputs of several
    /// shapes (needs a CUDA build and a GPU; `--device` picks it) and print the table.
    #[arg(long)]
    pub check_kernels: bool,
    /// Time the streaming loop at this architecture's real scale instead (wan2.1-1.3b, alias
    /// self-forcing, or cine-tiny); the options below apply to it.
    #[arg(long, help_heading = "Scale benchmark (--config)")]
    pub config: Option<String>,
    /// Video size WIDTHxHEIGHT.
    #[arg(long, default_value = "832x480", requires = "config", help_heading = "Scale benchmark (--config)")]
    pub size: String,
    /// Denoising steps per chunk.
    #[arg(long, default_value_t = 4, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub steps: usize,
    /// Seconds of video (16 fps) to stream.
    #[arg(long, default_value_t = 10.0, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub seconds: f64,
    /// KV memory: camr, window or full.
    #[arg(long, default_value = "camr", value_parser = ["camr", "window", "full"], requires = "config", help_heading = "Scale benchmark (--config)")]
    pub memory: String,
    /// Past blocks (chunks) the chunk attends to under camr / window (6 = Self-Forcing's
    /// 21-latent-frame attention window).
    #[arg(long, default_value_t = 6, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub blocks: usize,
    /// CAMR's bank: past blocks kept as retrieval candidates per layer (stored KV grows to this).
    #[arg(long, default_value_t = 16, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub bank: usize,
    /// DiT weights (safetensors or .pt/.pth); random weights when absent.
    #[arg(long, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub weights: Option<std::path::PathBuf>,
    /// VAE weights (Wan2.1_VAE safetensors / .pth); random weights when absent.
    #[arg(long, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub vae_weights: Option<std::path::PathBuf>,
    /// cpu, cuda, cuda:N or auto.
    #[arg(long, default_value = "auto", help_heading = "Scale benchmark (--config)")]
    pub device: String,
    /// f32, bf16, f16 or auto (bf16 on GPU, f32 on CPU).
    #[arg(long, default_value = "auto", value_parser = ["auto", "f32", "bf16", "f16"], requires = "config", help_heading = "Scale benchmark (--config)")]
    pub dtype: String,
    /// A cut and a new prompt every this many seconds (0: one shot).
    #[arg(long, default_value_t = 10.0, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub shot_seconds: f64,
    /// Also switch the prompt within a shot (no cut) every this many seconds (0: only at cuts).
    #[arg(long, default_value_t = 0.0, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub prompt_seconds: f64,
    /// On each prompt switch within a shot, re-run the cache pass of up to this many recent chunks with the
    /// new prompt (LongLive's KV re-cache; 0 = off).
    #[arg(long, default_value_t = 0, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub recache: usize,
    /// Throwaway chunks before the stream (loads the device kernels; not in any figure but
    /// `warmup_s`).
    #[arg(long, default_value_t = 1, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub warmup: usize,
    /// Chunks after the stream timed stage by stage (synchronised; not in the FPS).
    #[arg(long, default_value_t = 3, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub profile_chunks: usize,
    /// Also write the measurements as JSON here.
    #[arg(long, requires = "config", help_heading = "Scale benchmark (--config)")]
    pub json: Option<std::path::PathBuf>,
}

impl Args {
    fn model(&self) -> &str {
        self.model.as_deref().unwrap_or("cine-tiny")
    }
}

pub fn run(args: Args) -> i32 {
    let chunk_options = [
        ("--model", args.model.is_some()),
        ("--chunks", args.chunks.is_some()),
        ("--random-weights", args.random_weights),
        ("--incremental", args.incremental),
        ("--model-dir", args.gen.model_dir.is_some()),
        ("--generator", args.gen.generator != "model"),
    ];
    if let (Some(_), Some((flag, _))) = (&args.config, chunk_options.iter().find(|(_, given)| *given)) {
        eoutln!("error: the argument '{flag}' cannot be used with '--config': it is an option of the chunk benchmark (--weights and --vae-weights give the scale benchmark its weights)\n\nFor more information, try '--help'.");
        return 2;
    }
    // Rendering options that no benchmark reads: `--incremental` times a fresh cache of its own.
    let unused = [("--no-cache", args.gen.no_cache), ("--cache-dir", args.gen.cache_dir.is_some()), ("--cache-max-mb", args.gen.cache_max_mb != super::render::CACHE_MAX_MB)];
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        eoutln!("error: the argument '{flag}' does nothing in cine bench: no benchmark reads the render cache (--incremental times a fresh one of its own)");
        return 2;
    }
    if args.device != "auto" && args.config.is_none() && !args.check_kernels {
        eoutln!("error: --device applies to --config and --check-kernels; the chunk benchmark runs where `cine render` does, on the CPU");
        return 2;
    }
    if args.check_kernels {
        return match check_kernels(&args.device) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                eoutln!("error: {e:#}");
                2
            }
        };
    }
    match bench(&args) {
        Ok(()) => 0,
        Err(e) => {
            eoutln!("error: {e:#}");
            2
        }
    }
}

/// Prints the kernel check table; true when every row is within tolerance.
fn check_kernels(device: &str) -> anyhow::Result<bool> {
    let dev = cine_model::device::pick(if device == "auto" { "cuda" } else { device })?;
    anyhow::ensure!(!dev.is_cpu(), "--check-kernels checks the GPU kernels: give it a GPU (--device cuda); the CPU always runs the reference");
    let rows = cine_model::wan::flash::self_check(&dev)?;
    outln!("{:<22} {:<44} {:>10} {:>10} {:>10} {:>9} {:>8}  ok", "kernel", "shape", "max err", "mean err", "tolerance", "ms", "TFLOP/s");
    for r in &rows {
        outln!("{:<22} {:<44} {:>10.2e} {:>10.2e} {:>10.2e} {:>9.3} {:>8.1}  {}", r.kernel, r.shape, r.max_abs, r.mean_abs, r.tol, r.ms, r.tflops, if r.ok { "yes" } else { "NO" });
    }
    let bad = rows.iter().filter(|r| !r.ok).count();
    outln!("{} rows, {} outside tolerance", rows.len(), bad);
    Ok(bad == 0)
}

fn generator(args: &Args, film: &cine_ir::Film) -> anyhow::Result<Box<dyn ChunkGenerator>> {
    if args.random_weights {
        let words = ["a", "the", "red", "ball", "woman", "walks", "city", "night"];
        return Ok(Box::new(ModelGenerator::new(ModelParts::random(args.model(), 0, &words)?)));
    }
    make_generator(&args.gen, film).map_err(|e| anyhow::anyhow!("{}", e.message()))
}

fn bench(args: &Args) -> anyhow::Result<()> {
    if let Some(p) = &args.json {
        cine_renderer::files::check_output(p, "bench.json").map_err(|e| anyhow::anyhow!("--json: {e}"))?;
    }
    if let Some(config) = &args.config {
        let report = stream::measure(args, config)?;
        stream::print(&report);
        if let Some(p) = &args.json {
            super::write_output(p, &serde_json::to_string_pretty(&report)?).with_context(|| format!("writing {}", p.display()))?;
        }
        return Ok(());
    }
    let profile = cine_model::registry::profile(args.model()).ok_or_else(|| anyhow::anyhow!("unknown model `{}`", args.model()))?;
    let film = ten_shots(args.model(), 0);
    let schedule = plan(&film, &profile);
    let t = Instant::now();
    let mut gen = generator(args, &film)?;
    outln!("generator {} (loaded in {:.3} s)", gen.id(), t.elapsed().as_secs_f64());
    gen.start(&stream_info(&schedule))?;
    let mut times = Vec::new();
    let mut frames = 0;
    for c in schedule.chunks.iter().take(args.chunks.unwrap_or(12)) {
        let t = Instant::now();
        frames += step(gen.as_mut(), c)?.len();
        times.push(t.elapsed().as_secs_f64());
    }
    anyhow::ensure!(!times.is_empty(), "no chunks to time");
    let split = gen.timings();
    let total: f64 = times.iter().sum();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    outln!(
        "{} chunks, {} frames: first chunk {:.3} s, median {:.3} s, max {:.3} s per chunk; {:.2} frames/s ({:.2}x the film's {} fps)",
        times.len(),
        frames,
        times[0],
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1],
        frames as f64 / total,
        frames as f64 / total / film.fps as f64,
        film.fps
    );
    let staged: f64 = split.iter().map(|s| s.1).sum();
    if staged > 0.0 {
        let parts: Vec<String> = split
            .iter()
            .map(|(name, secs)| format!("{name} {:.3} s/chunk ({:.0}%)", secs / times.len() as f64, 100.0 * secs / total))
            .collect();
        outln!("split: {}; other {:.0}%", parts.join(", "), 100.0 * (total - staged).max(0.0) / total);
    }
    if args.incremental {
        let dir = std::env::temp_dir().join(format!("cine-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let cache = || Some(RenderCache::new(dir.join("cache"), u64::MAX));
        let out = dir.join("film.mp4");
        let run = |f: &cine_ir::Film, gen: &mut dyn ChunkGenerator| -> anyhow::Result<(f64, usize)> {
            let opts = RenderOptions { cache: cache(), progress: false, interrupt: None, keep: None, resume: false };
            let t = Instant::now();
            let s = render_film(f, &profile, gen, &out, None, &opts)?;
            Ok((t.elapsed().as_secs_f64(), s.chunks_generated))
        };
        let (cold, n_cold) = run(&film, gen.as_mut())?;
        let mut edited = film.clone();
        let last = edited.shots.len() - 1;
        edited.shots[last].prompt = "the woman waves goodbye at the station".into();
        let (warm, n_warm) = run(&edited, gen.as_mut())?;
        let usage = RenderCache::new(dir.join("cache"), u64::MAX).usage();
        outln!(
            "incremental: cold render {cold:.3} s ({n_cold} chunks), after editing the last shot {warm:.3} s ({n_warm} chunks): {:.1}x faster; cache {} entries, {:.1} MiB",
            cold / warm.max(1e-9),
            usage.entries,
            usage.bytes as f64 / (1 << 20) as f64
        );
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}


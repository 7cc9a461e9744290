//! `cine train base`: the cine-tiny text encoder (umT5, trained jointly, gradients through
//! it) and the causal base DiT, by flow matching on windows of multi-shot stories.
//!
//! Per step: one window of `--chunks` chunks (cached latents of the trained VAE, per-chunk
//! prompts), an independent timestep per chunk drawn from the inference schedule (uniform
//! t warped by shift 5), noise, and one forward over the whole window under teacher forcing
//! (`[clean | noisy]`, default) or diffusion forcing, with per-chunk cross-attention, the
//! generator's RoPE shot gap and CAMR routing per layer (the default inference `CamrConfig`);
//! loss = MSE of the flow `noise - x0` on the noisy chunks.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use cine_model::memory::{CamrConfig, MemoryPolicy};
use cine_model::t5::{T5Config, TextTokenizer};
use cine_model::vae::{VaeConfig, WanVae};
use cine_model::wan::{randn_vec, schedule, WanConfig};
use rand::{Rng, SeedableRng};

use crate::checkpoint::{Checkpoint, State};
use crate::data::{self, Dataset};
use crate::log::LossLog;
use crate::step::{self, Forcing, Window};
use crate::tiny::{self, Nets, Opt};

/// Arguments of `cine train base`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Optimiser steps to run now (the step count continues on --resume).
    #[arg(long, default_value_t = 1000)]
    pub steps: usize,
    #[arg(long, default_value = "runs/base")]
    pub run_dir: PathBuf,
    /// Start from committed weights (t5.safetensors, dit-base.safetensors, tokenizer.json).
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// The trained VAE whose latents the DiT learns.
    #[arg(long, default_value = "model/weights/cine-tiny/vae.safetensors")]
    pub vae: PathBuf,
    /// Use a seeded random VAE (smoke runs only).
    #[arg(long)]
    pub random_vae: bool,
    /// Training windows to cache (built once into <run-dir>/data).
    #[arg(long, default_value_t = 160, value_parser = crate::run_opts::at_least_one)]
    pub windows: usize,
    /// Only build the cached windows, then exit (a training run started meanwhile picks new
    /// shards up every 25 steps).
    #[arg(long)]
    pub data_only: bool,
    /// Chunks per window (3 latent frames = 12 video frames each).
    #[arg(long, default_value_t = 8, value_parser = crate::run_opts::at_least_one)]
    pub chunks: usize,
    #[arg(long, value_enum, default_value = "teacher")]
    pub forcing: Forcing,
    #[arg(long, default_value_t = 4e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 50)]
    pub warmup: usize,
    /// Load the text encoder from this t5.safetensors (after --resume/--from) and keep it
    /// frozen: only the DiT trains (so a student distilled against that encoder stays valid).
    #[arg(long)]
    pub freeze_t5: Option<PathBuf>,
    /// Timestep shift of training (uniform t warped like the sampler's schedule; 5 = the
    /// inference schedule's, smaller trains low noise levels more often).
    #[arg(long, default_value_t = SHIFT)]
    pub shift: f64,
    /// Checkpoint every N steps (and at the end).
    #[arg(long, default_value_t = 25)]
    pub save_every: usize,
    /// Repository root (stdlib/ and screenplays/ feed the tokenizer).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    #[command(flatten)]
    pub run: crate::run_opts::RunOpts,
}

pub const SHIFT: f64 = 5.0;
/// Latent frames per chunk (cine-tiny).
pub const CHUNK_FRAMES: usize = 3;

/// The memory routing of the default model at inference, used in training too.
pub fn policy() -> MemoryPolicy {
    MemoryPolicy::Camr(CamrConfig::default())
}

/// The VAE the windows are encoded with.
pub fn load_vae(path: &Path, random: bool) -> Result<WanVae> {
    let cfg = VaeConfig::cine_tiny();
    if random {
        return Ok(WanVae::new_random(&cfg, 5, 0.0, DType::F32, &Device::Cpu)?.0);
    }
    WanVae::load(path, &cfg, DType::F32, &Device::Cpu).with_context(|| format!("the trained VAE {} is needed (or --random-vae for a smoke run)", path.display()))
}

/// The tokenizer of a run: the run's own, else the one of `from`, else a new one.
pub fn run_tokenizer(run_dir: &Path, from: Option<&Path>, root: &Path) -> Result<TextTokenizer> {
    let mine = run_dir.join("tokenizer.json");
    if !mine.exists() {
        if let Some(f) = from.map(|d| d.join("tokenizer.json")).filter(|p| p.exists()) {
            std::fs::create_dir_all(run_dir)?;
            std::fs::copy(&f, &mine)?;
        }
    }
    tiny::tokenizer(run_dir, root)
}

/// Builds (once) and loads the cached training windows.
pub fn dataset(run_dir: &Path, vae: &WanVae, windows: usize, chunks: usize, seed: u64) -> Result<Dataset> {
    let dir = run_dir.join("data");
    let pb = tiny::progress(windows, 0);
    pb.set_prefix("encode windows");
    let t0 = Instant::now();
    data::build(&dir, vae, windows, chunks, seed, 16, |n| {
        pb.set_position(n as u64);
        pb.set_message(format!("{:.1} s/window", t0.elapsed().as_secs_f64() / n.max(1) as f64));
    })?;
    pb.finish();
    Dataset::load(&dir, &Device::Cpu)
}

/// Draws a per-chunk timestep: uniform in (0, 1000], warped by `shift` (the inference
/// schedule's is [`SHIFT`]; a smaller one trains the low-noise end more).
pub fn sample_t(rng: &mut impl Rng, n: usize, shift: f64) -> Vec<f64> {
    (0..n).map(|_| schedule::shift_timestep(rng.gen_range(1.0..=1000.0), shift)).collect()
}

/// One base-model loss on window `i` of `ds` (first `chunks` chunks).
#[allow(clippy::too_many_arguments)]
pub fn loss_on(nets: &Nets, tok: &TextTokenizer, ds: &Dataset, i: usize, chunks: usize, forcing: Forcing, shift: f64, rng: &mut rand_chacha::ChaCha8Rng) -> Result<(Tensor, f64)> {
    let dev = Device::Cpu;
    let m = &ds.meta[i];
    let x0 = ds.latents.narrow(0, i, 1)?.narrow(2, 0, chunks * CHUNK_FRAMES)?;
    let t = sample_t(rng, chunks, shift);
    let noise = Tensor::from_vec(randn_vec(rng, x0.elem_count()), x0.dims(), &dev)?;
    let xt = step::noisy(&x0, &noise, &t, CHUNK_FRAMES)?;
    let text = tiny::encode_prompts(&nets.t5, tok, &m.prompts[..chunks], &dev)?;
    let w = Window { x0: &x0, xt: &xt, t: &t, text: &text, shots: &m.shots[..chunks], pins: &m.pins[..chunks] };
    let (flow, router) = step::predict(&nets.dit, &w, forcing, &policy(), CHUNK_FRAMES)?;
    let loss = (flow - (noise - &x0)?)?.sqr()?.mean_all()?;
    let (kept, offered) = router.stats();
    Ok((loss, kept as f64 / offered.max(1) as f64))
}

pub fn run(args: Args) -> Result<()> {
    let dev = Device::Cpu;
    let tok = run_tokenizer(&args.run_dir, args.from.as_deref(), &args.root)?;
    let vae = load_vae(&args.vae, args.random_vae)?;
    if args.data_only {
        dataset(&args.run_dir, &vae, args.windows, args.chunks, args.run.seed)?;
        return Ok(());
    }
    let data_dir = args.run_dir.join("data");
    let mut ds = if data_dir.join("shard-000.json").exists() { Dataset::load(&data_dir, &dev)? } else { dataset(&args.run_dir, &vae, args.windows, args.chunks, args.run.seed)? };
    let chunks = args.chunks.min(ds.meta.first().map(|m| m.prompts.len()).unwrap_or(0));
    eoutln!("{} windows of {} chunks, vocabulary {} words", ds.len(), chunks, tok.vocab_size());

    let mut nets = Nets::build(&T5Config::cine_tiny(), &WanConfig::cine_tiny(), args.run.seed, &dev)?;
    let ck = Checkpoint::new(&args.run_dir, "base");
    let mut state = State { stage: "base".into(), seed: args.run.seed, ..State::default() };
    if args.run.resume {
        state = ck.resume(&mut nets.vars)?.with_context(|| format!("--resume: no checkpoint in {}", args.run_dir.display()))?;
    } else if ck.weights().exists() {
        bail!("{} already holds a checkpoint: pass --resume to continue it, or use another --run-dir", args.run_dir.display());
    } else if let Some(from) = &args.from {
        tiny::load_into(&nets.vars, "t5", &from.join("t5.safetensors"))?;
        tiny::load_into(&nets.vars, "dit", &from.join("dit-base.safetensors"))?;
    }
    let trained = match &args.freeze_t5 {
        Some(file) => {
            tiny::load_into(&nets.vars, "t5", file)?;
            eoutln!("text encoder loaded from {} and frozen", file.display());
            tiny::vars_under(&nets.vars, "dit")?
        }
        None => nets.vars.all_vars(),
    };
    let mut opt = Opt::new(trained, args.lr, args.warmup, args.run.clip, 0.9)?;
    if args.run.cosine {
        opt.cosine = Some((state.step, state.step + args.steps));
    }
    let mut log = LossLog::open(&args.run_dir.join("loss.csv"), &["loss", "grad_norm", "kept_blocks", "steps_per_s"])?;
    let pb = tiny::progress(state.step + args.steps, state.step);
    pb.set_prefix("base");
    let t0 = Instant::now();
    let mut ema: Option<f64> = None;
    for _ in 0..args.steps {
        if state.step % 25 == 0 && state.step > 0 {
            // Shards written by a concurrent `--data-only` run.
            let fresh = Dataset::load(&data_dir, &dev)?;
            if fresh.len() > ds.len() {
                pb.println(format!("data: {} -> {} windows", ds.len(), fresh.len()));
                ds = fresh;
            }
        }
        let ts = Instant::now();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.run.seed ^ (state.step as u64).wrapping_mul(0x9e37_79b9));
        let i = rng.gen_range(0..ds.len());
        let (loss, kept) = loss_on(&nets, &tok, &ds, i, chunks, args.forcing, args.shift, &mut rng)?;
        let lv = loss.to_scalar::<f32>()? as f64;
        let norm = opt.step(&loss, state.step)?;
        state.step += 1;
        let dt = ts.elapsed().as_secs_f64();
        state.seconds += dt;
        ema = Some(ema.map_or(lv, |e| 0.95 * e + 0.05 * lv));
        log.row(state.step, &[lv, norm, kept, 1.0 / dt])?;
        pb.set_position(state.step as u64);
        pb.set_message(format!("loss {:.4} (avg {:.4}) {:.2} steps/s", lv, ema.unwrap_or(lv), 1.0 / dt));
        if state.step % args.save_every.max(1) == 0 {
            ck.save(&nets.vars, &state)?;
            crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"))?;
        }
    }
    pb.finish();
    ck.save(&nets.vars, &state)?;
    crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"))?;
    eoutln!("base: step {} ({:.0} s this run, {:.0} s in all)", state.step, t0.elapsed().as_secs_f64(), state.seconds);
    if args.run.preview > 0 {
        let steps = crate::rollout::teacher_steps(&crate::distill::student_steps(), 3, 8);
        let wins: Vec<(Tensor, &data::WindowMeta)> =
            (0..args.run.preview.min(ds.len())).map(|i| Ok((ds.latents.narrow(0, i, 1)?.narrow(2, 0, chunks * CHUNK_FRAMES)?, &ds.meta[i]))).collect::<Result<_>>()?;
        let p = args.run_dir.join("preview.png");
        crate::preview::compare(&vae, &nets.t5, &tok, &nets.dit, &wins, &steps, crate::rollout::Sampler::Euler, &p)?;
        eoutln!("wrote {}", p.display());
    }
    if args.run.export {
        tiny::export(&nets.vars, "t5", &args.run.out.join("t5.safetensors"))?;
        tiny::export(&nets.vars, "dit", &args.run.out.join("dit-base.safetensors"))?;
        std::fs::copy(args.run_dir.join("tokenizer.json"), args.run.out.join("tokenizer.json"))?;
        eoutln!("exported t5.safetensors, dit-base.safetensors, tokenizer.json to {}", args.run.out.display());
    }
    Ok(())
}

//! `cine train distill`: the 4-step causal generator from the base model, by ODE-trajectory
//! initialisation (CausVid / Self-Forcing stage 1).
//!
//! 1. Teacher trajectories: for the prompts, shots and pins of the base run's training
//!    windows, the frozen base DiT samples every window chunk by chunk with the KV memory
//!    (CAMR, clean cache pass, shot gap: `rollout`) using a deterministic Euler solver over
//!    `teacher_steps` (the 4 student timesteps with substeps in between and a tail to 0). The
//!    states entering the 4 student timesteps and the final clean chunk are cached in
//!    `<run-dir>/traj`.
//! 2. Student: initialised from the base DiT, trained with the base model's forward (teacher
//!    forcing with the teacher's clean chunks as context, CAMR routing, per-chunk prompts): each
//!    chunk gets one of the 4 student timesteps at random with the trajectory's state there,
//!    and the loss is the MSE between the predicted x0 (`x_t - s * flow`) and the trajectory's
//!    final chunk. The text encoder stays frozen (the base one is shipped).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use cine_model::t5::{T5Config, T5Encoder, TextTokenizer};
use cine_model::wan::{schedule, WanConfig, WanModel};
use rand::{Rng, SeedableRng};

use crate::base::{policy, CHUNK_FRAMES};
use crate::checkpoint::{Checkpoint, State};
use crate::data::WindowMeta;
use crate::log::LossLog;
use crate::rollout::{rollout, teacher_steps, Sampler};
use crate::step::{self, Forcing, Window};
use crate::tiny::{self, Nets, Opt};

/// Arguments of `cine train distill`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Optimiser steps to run now (the step count continues on --resume).
    #[arg(long, default_value_t = 500)]
    pub steps: usize,
    #[arg(long, default_value = "runs/distill")]
    pub run_dir: PathBuf,
    /// Initialise the student from this directory's dit.safetensors (continue a committed
    /// distilled model) instead of from the base DiT.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// The base model: t5.safetensors, dit-base.safetensors, tokenizer.json.
    #[arg(long, default_value = "model/weights/cine-tiny")]
    pub base: PathBuf,
    /// Training windows of the base run (their prompts, shots and pins).
    #[arg(long, default_value = "runs/base/data")]
    pub data: PathBuf,
    /// Teacher trajectories to collect (cached in <run-dir>/traj).
    #[arg(long, default_value_t = 48, value_parser = crate::run_opts::at_least_one)]
    pub trajectories: usize,
    /// Chunks per trajectory.
    #[arg(long, default_value_t = 8, value_parser = crate::run_opts::at_least_one)]
    pub chunks: usize,
    /// Teacher Euler substeps between consecutive student timesteps, and from the last to 0.
    #[arg(long, default_value_t = 3)]
    pub sub: usize,
    #[arg(long, default_value_t = 8)]
    pub tail: usize,
    #[arg(long, value_enum, default_value = "teacher")]
    pub forcing: Forcing,
    #[arg(long, default_value_t = 2e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    #[arg(long, default_value_t = 25)]
    pub save_every: usize,
    #[arg(long, default_value = "model/weights/cine-tiny/vae.safetensors")]
    pub vae: PathBuf,
    #[command(flatten)]
    pub run: crate::run_opts::RunOpts,
}

/// The student's timesteps: the generator's default `[1000, 750, 500, 250]` shifted by 5.
pub fn student_steps() -> Vec<f64> {
    let g = cine_model::wan::GeneratorConfig::default();
    schedule::warped_steps(&g.steps, g.shift)
}

/// Loads the frozen base: text encoder, tokenizer and DiT.
pub fn load_base(dir: &Path) -> Result<(T5Encoder, TextTokenizer, WanModel)> {
    let (t5, tok) = load_text(dir, &T5Config::cine_tiny())?;
    Ok((t5, tok, load_dit(&dir.join("dit-base.safetensors"), &WanConfig::cine_tiny())?))
}

/// The text encoder and tokenizer of a model directory.
pub fn load_text(dir: &Path, cfg: &T5Config) -> Result<(T5Encoder, TextTokenizer)> {
    let t5 = T5Encoder::load(&dir.join("t5.safetensors"), cfg, DType::F32, &Device::Cpu)?;
    Ok((t5, TextTokenizer::from_file(&dir.join("tokenizer.json"))?))
}

/// A DiT from a safetensors file.
pub fn load_dit(file: &Path, cfg: &WanConfig) -> Result<WanModel> {
    Ok(cine_model::wan::load(file, cfg, None, DType::F32, &Device::Cpu)?)
}

/// Cached teacher trajectories: final chunks `x0 [n, C, F, H, W]`, the states at the student
/// timesteps `states [n, K, C, F, H, W]`, and the windows' metadata.
pub struct Trajectories {
    pub x0: Tensor,
    pub states: Tensor,
    pub meta: Vec<WindowMeta>,
}

/// Collects (or loads the cached) teacher trajectories into `dir/traj.safetensors`.
#[allow(clippy::too_many_arguments)]
pub fn trajectories(dir: &Path, t5: &T5Encoder, tok: &TextTokenizer, teacher: &WanModel, metas: &[WindowMeta], n: usize, chunks: usize, sub: usize, tail: usize, seed: u64) -> Result<Trajectories> {
    let (fx, fm) = (dir.join("traj.safetensors"), dir.join("traj.json"));
    if fx.exists() && fm.exists() {
        let mut t = candle_core::safetensors::load(&fx, &Device::Cpu)?;
        let meta: Vec<WindowMeta> = serde_json::from_str(&std::fs::read_to_string(&fm)?)?;
        if meta.len() >= n {
            return Ok(Trajectories { x0: t.remove("x0").context("x0")?, states: t.remove("states").context("states")?, meta });
        }
    }
    let student = student_steps();
    let steps = teacher_steps(&student, sub, tail);
    let (mut xs, mut ss, mut ms) = (Vec::new(), Vec::new(), Vec::new());
    let pb = tiny::progress(n, 0);
    pb.set_prefix("teacher trajectories");
    let t0 = Instant::now();
    for (i, m) in metas.iter().filter(|m| m.prompts.len() >= chunks).take(n).enumerate() {
        let text = tiny::encode_prompts(t5, tok, &m.prompts[..chunks], &Device::Cpu)?;
        let r = rollout(teacher, &text, &m.shots[..chunks], &m.pins[..chunks], &steps, Sampler::Euler, &student, &policy(), (16, CHUNK_FRAMES, 16, 16), seed ^ (i as u64 * 7919))?;
        xs.push(r.latents()?);
        let per_k: Vec<Tensor> = (0..student.len())
            .map(|k| Tensor::cat(&r.states.iter().map(|s| s[k].clone()).collect::<Vec<_>>(), 2))
            .collect::<candle_core::Result<_>>()?;
        ss.push(Tensor::stack(&per_k, 1)?);
        ms.push(WindowMeta { prompts: m.prompts[..chunks].to_vec(), shots: m.shots[..chunks].to_vec(), pins: m.pins[..chunks].to_vec(), ..m.clone() });
        pb.set_position(i as u64 + 1);
        pb.set_message(format!("{:.1} s/trajectory", t0.elapsed().as_secs_f64() / (i + 1) as f64));
    }
    pb.finish();
    if ms.is_empty() {
        bail!("no window of {chunks} chunks in the data to collect trajectories for");
    }
    let x0 = Tensor::cat(&xs, 0)?;
    let states = Tensor::cat(&ss, 0)?;
    std::fs::create_dir_all(dir)?;
    candle_core::safetensors::save(&[("x0".to_string(), x0.clone()), ("states".to_string(), states.clone())].into_iter().collect(), &fx)?;
    std::fs::write(&fm, serde_json::to_string(&ms)?)?;
    Ok(Trajectories { x0, states, meta: ms })
}

/// The ODE-init loss of the student on trajectory `i`: random student timestep per chunk.
pub fn ode_loss(student: &WanModel, t5: &T5Encoder, tok: &TextTokenizer, tr: &Trajectories, i: usize, forcing: Forcing, rng: &mut impl Rng) -> Result<Tensor> {
    let dev = Device::Cpu;
    let m = &tr.meta[i];
    let n = m.prompts.len();
    let steps = student_steps();
    let x0 = tr.x0.narrow(0, i, 1)?;
    let ks: Vec<usize> = (0..n).map(|_| rng.gen_range(0..steps.len())).collect();
    let parts: Vec<Tensor> = ks
        .iter()
        .enumerate()
        .map(|(c, &k)| tr.states.narrow(0, i, 1)?.squeeze(0)?.narrow(0, k, 1)?.narrow(2, c * CHUNK_FRAMES, CHUNK_FRAMES))
        .collect::<candle_core::Result<_>>()?;
    let xt = Tensor::cat(&parts, 2)?;
    let t: Vec<f64> = ks.iter().map(|&k| steps[k]).collect();
    let text = tiny::encode_prompts(t5, tok, &m.prompts, &dev)?.detach();
    let w = Window { x0: &x0, xt: &xt, t: &t, text: &text, shots: &m.shots, pins: &m.pins };
    let (flow, _) = step::predict(student, &w, forcing, &policy(), CHUNK_FRAMES)?;
    let s = step::sigmas(&t, CHUNK_FRAMES, &dev)?;
    let x0_pred = (&xt - flow.broadcast_mul(&s)?)?;
    Ok((x0_pred - x0)?.sqr()?.mean_all()?)
}

pub fn run(args: Args) -> Result<()> {
    let dev = Device::Cpu;
    let (t5, tok, teacher) = load_base(&args.base).with_context(|| format!("the base model in {} (run `cine train base --export` first)", args.base.display()))?;
    let data = crate::data::Dataset::load(&args.data, &dev)?;
    let metas = data.meta.clone();
    let tr = trajectories(&args.run_dir.join("traj"), &t5, &tok, &teacher, &metas, args.trajectories, args.chunks, args.sub, args.tail, args.run.seed)?;

    let (vars, _, student) = Nets::new(&T5Config::cine_tiny(), &WanConfig::cine_tiny(), args.run.seed, false, &dev)?;
    let mut vars = vars;
    let ck = Checkpoint::new(&args.run_dir, "distill");
    let mut state = State { stage: "distill".into(), seed: args.run.seed, ..State::default() };
    if args.run.resume {
        state = ck.resume(&mut vars)?.with_context(|| format!("--resume: no checkpoint in {}", args.run_dir.display()))?;
    } else if ck.weights().exists() {
        bail!("{} already holds a checkpoint: pass --resume to continue it, or use another --run-dir", args.run_dir.display());
    } else {
        let init = args.from.as_ref().map(|d| d.join("dit.safetensors")).unwrap_or_else(|| args.base.join("dit-base.safetensors"));
        tiny::load_into(&vars, "dit", &init)?;
    }
    let mut opt = Opt::new(vars.all_vars(), args.lr, args.warmup, args.run.clip, 0.9)?;
    if args.run.cosine {
        opt.cosine = Some((state.step, state.step + args.steps));
    }
    let mut log = LossLog::open(&args.run_dir.join("loss.csv"), &["ode_loss", "grad_norm", "steps_per_s"])?;
    let pb = tiny::progress(state.step + args.steps, state.step);
    pb.set_prefix("distill (ODE init)");
    let mut ema: Option<f64> = None;
    for _ in 0..args.steps {
        let ts = Instant::now();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.run.seed ^ (state.step as u64).wrapping_mul(0x51_7cc1));
        let i = rng.gen_range(0..tr.meta.len());
        let loss = ode_loss(&student, &t5, &tok, &tr, i, args.forcing, &mut rng)?;
        let lv = loss.to_scalar::<f32>()? as f64;
        let norm = opt.step(&loss, state.step)?;
        state.step += 1;
        let dt = ts.elapsed().as_secs_f64();
        state.seconds += dt;
        ema = Some(ema.map_or(lv, |e| 0.95 * e + 0.05 * lv));
        log.row(state.step, &[lv, norm, 1.0 / dt])?;
        pb.set_position(state.step as u64);
        pb.set_message(format!("loss {:.4} (avg {:.4}) {:.2} steps/s", lv, ema.unwrap_or(lv), 1.0 / dt));
        if state.step % args.save_every.max(1) == 0 {
            ck.save(&vars, &state)?;
            crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"))?;
        }
    }
    pb.finish();
    ck.save(&vars, &state)?;
    crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"))?;
    if args.run.preview > 0 {
        let vae = crate::base::load_vae(&args.vae, false)?;
        let n = args.chunks.min(data.latents.dim(2)? / CHUNK_FRAMES);
        let wins: Vec<(Tensor, &WindowMeta)> =
            (0..args.run.preview.min(data.len())).map(|i| Ok((data.latents.narrow(0, i, 1)?.narrow(2, 0, n * CHUNK_FRAMES)?, &data.meta[i]))).collect::<Result<_>>()?;
        let p = args.run_dir.join("preview.png");
        crate::preview::compare(&vae, &t5, &tok, &student, &wins, &student_steps(), Sampler::Renoise, &p)?;
        eoutln!("wrote {}", p.display());
    }
    if args.run.export {
        tiny::export(&vars, "dit", &args.run.out.join("dit.safetensors"))?;
        eoutln!("exported dit.safetensors to {}", args.run.out.display());
    }
    Ok(())
}

//! `cine train dmd`: Distribution Matching Distillation of the 4-step student on its own
//! autoregressive rollouts (Self-Forcing stage 2, after the ODE initialisation of `distill`).
//!
//! Per step, on the prompts, shots and pins of one training window (no video data):
//! 1. Rollout: the student samples the window chunk by chunk with the KV memory and the
//!    generator's re-noising sampler (no gradient). With `--exit window` (default, as
//!    Self-Forcing's `same_step_across_blocks`) one exit step k of the 4 is drawn and every
//!    chunk stops there: its output is the x0 predicted at step k, and that is what the KV
//!    cache and the next chunks see. With `--exit chunk` the rollout runs all 4 steps and each
//!    chunk draws its own k afterwards.
//! 2. Student output: one teacher-forcing forward of the student, with gradient, on the states
//!    entering step k, with the rollout's chunks as the clean context, gives `x0_student`
//!    (with `--exit window` it equals the rollout's chunks, to float rounding: tested).
//! 3. DMD gradient: per chunk a timestep `t'` uniform in [20, 980] shifted by 5 (Self-Forcing's
//!    `min_step`/`max_step` and shift), fresh noise, `x_t' = noisy(x0_student)`; the frozen base
//!    DiT ("real score") and the critic ("fake score") predict x0 from `x_t'` with the same
//!    context; `g = (fake - real) / mean|x0_student - real|` over the window, and the student
//!    loss is `0.5 * mse(x0_student, (x0_student - g).detach())`, whose gradient is `g / N`.
//! 4. Critic: initialised from the base DiT, trained with the base flow-matching loss on
//!    `x0_student.detach()` (fresh `t`, noise), same context, `--critic-steps` per student step.
//!    The critic steps run before the student's (between 1 and 3), so that the first student
//!    step already sees a critic that differs from the base: without guidance, fake == real
//!    at initialisation and `g` would be exactly 0.
//!
//! Simplified against Self-Forcing: no classifier-free guidance on the real score (the base
//! model was never trained with dropped prompts, so it has no unconditional branch); the base
//! is causal, so real and fake scores see the rollout's chunks as context instead of a
//! bidirectional teacher seeing the whole clip; the gradient flows through the student's
//! forward of the whole window (Self-Forcing computes the KV cache of earlier chunks without
//! gradient, and only the last 21 frames get it); the critic steps reuse the step's sample
//! instead of fresh rollouts; batch 1 instead of 64; no generator EMA; Adam moments are not
//! checkpointed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use cine_model::t5::T5Config;
use cine_model::wan::{randn_vec, schedule, WanConfig, WanModel};
use rand::{Rng, SeedableRng};

use crate::base::{policy, CHUNK_FRAMES, SHIFT};
use crate::checkpoint::{Checkpoint, State};
use crate::data::WindowMeta;
use crate::distill::student_steps;
use crate::log::LossLog;
use crate::rollout::{rollout, Rollout, Sampler};
use crate::step::{self, Forcing, Window};
use crate::tiny::{self, Opt};

/// Arguments of `cine train dmd`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Student optimiser steps to run now (the step count continues on --resume).
    #[arg(long, default_value_t = 300)]
    pub steps: usize,
    #[arg(long, default_value = "runs/dmd")]
    pub run_dir: PathBuf,
    /// The base model: t5.safetensors, dit-base.safetensors, tokenizer.json.
    #[arg(long, default_value = "model/weights/cine-tiny")]
    pub base: PathBuf,
    /// The student to start from (the ODE-initialised generator); default <base>/dit.safetensors
    /// (not read with --resume: the run's checkpoint holds the student).
    #[arg(long)]
    pub student: Option<PathBuf>,
    /// Training windows (only their `shard-*.json` prompts, shots and pins are read).
    #[arg(long, default_value = "runs/base/data")]
    pub data: PathBuf,
    /// Chunks per rollout.
    #[arg(long, default_value_t = 8, value_parser = crate::run_opts::at_least_one)]
    pub chunks: usize,
    /// Student learning rate (AdamW, beta1 = 0 as in Self-Forcing). Self-Forcing uses 2e-6 on
    /// the 1.3B model; cine-tiny's weights are ~3x larger (dim 128 vs 1536), hence 1e-5.
    #[arg(long, default_value_t = 1e-5)]
    pub lr: f64,
    /// Critic learning rate. Self-Forcing: 5 critic updates at 1/5 of the student's rate per
    /// student update (batch 64); here 1 update at 2x, so the critic follows the student at
    /// batch 1.
    #[arg(long, default_value_t = 2e-5)]
    pub critic_lr: f64,
    #[arg(long, default_value_t = 1)]
    pub critic_steps: usize,
    /// Where the gradient step sits: one exit step per window (Self-Forcing) or one per chunk.
    #[arg(long, value_enum, default_value = "window")]
    pub exit: Exit,
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    #[arg(long, default_value_t = 10)]
    pub save_every: usize,
    #[arg(long, default_value = "model/weights/cine-tiny/vae.safetensors")]
    pub vae: PathBuf,
    /// Latent height and width of a chunk (cine-tiny: 16).
    #[arg(long, default_value_t = 16, hide = true)]
    pub latent_hw: usize,
    #[command(flatten)]
    pub run: crate::run_opts::RunOpts,
}

/// The three DiTs: the trained student and critic (each its own `VarMap`, names `dit.*`) and
/// the frozen base ("real score", plain tensors).
pub struct Nets {
    pub student_vars: VarMap,
    pub student: WanModel,
    pub critic_vars: VarMap,
    pub critic: WanModel,
    pub real: WanModel,
}

impl Nets {
    /// The real score and the critic from `base`, the student from `student` (DiT files; the
    /// base's weights when `None`, for a run that resumes its own checkpoint).
    pub fn load(cfg: &WanConfig, base: &Path, student_file: Option<&Path>) -> Result<Self> {
        let dev = Device::Cpu;
        let real = crate::distill::load_dit(base, cfg)?;
        let (critic_vars, _, critic) = tiny::Nets::new(&T5Config::cine_tiny(), cfg, 0, false, &dev)?;
        tiny::load_into(&critic_vars, "dit", base)?;
        let (student_vars, _, student) = tiny::Nets::new(&T5Config::cine_tiny(), cfg, 0, false, &dev)?;
        let file = student_file.unwrap_or(base);
        tiny::load_into(&student_vars, "dit", file)
            .with_context(|| format!("the student to start from, {} (an ODE-initialised dit.safetensors from `cine train distill --export`)", file.display()))?;
        Ok(Self { student_vars, student, critic_vars, critic, real })
    }
}

/// One window's conditioning: per-chunk prompt embeddings `[n, L, D]`, shots and pins.
pub struct Cond<'a> {
    pub text: &'a Tensor,
    pub shots: &'a [usize],
    pub pins: &'a [Vec<usize>],
}

/// A student sample: the rollout's clean chunks (context), the student's x0 prediction with
/// gradient and the student timestep per chunk.
pub struct Generated {
    pub context: Tensor,
    pub x0: Tensor,
    pub t: Vec<f64>,
}

/// Where the student's gradient step sits in the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Exit {
    /// One random exit step for the whole window (Self-Forcing's `same_step_across_blocks`):
    /// every chunk's rollout stops there, so the context chunks are the exit-step outputs and
    /// the student's x0 with gradient reproduces them exactly.
    Window,
    /// A random step per chunk, picked after a full 4-step rollout: the context chunks are the
    /// final outputs, the student's x0 comes from an earlier state for most chunks.
    Chunk,
}

/// Steps 1-2: rollout without gradient, then the student's x0 with gradient at the exit
/// step(s). `shape`: `(C, F, H, W)` of a chunk.
pub fn generate(student: &WanModel, c: &Cond, shape: (usize, usize, usize, usize), exit: Exit, rng: &mut impl Rng) -> Result<Generated> {
    let steps = student_steps();
    let n = c.shots.len();
    match exit {
        Exit::Window => {
            let k = rng.gen_range(0..steps.len());
            let r = rollout(student, c.text, c.shots, c.pins, &steps[..=k], Sampler::Renoise, &steps[k..=k], &policy(), shape, rng.gen())?;
            student_x0(student, &r, &vec![0; n], &vec![steps[k]; n], c)
        }
        Exit::Chunk => {
            let r = rollout(student, c.text, c.shots, c.pins, &steps, Sampler::Renoise, &steps, &policy(), shape, rng.gen())?;
            let ks: Vec<usize> = (0..n).map(|_| rng.gen_range(0..steps.len())).collect();
            student_x0(student, &r, &ks, &ks.iter().map(|&k| steps[k]).collect::<Vec<_>>(), c)
        }
    }
}

/// The student's x0 (with gradient) for chunk `i` from its recorded state number `pick[i]`
/// at timestep `t[i]`, with the rollout's chunks as context (the KV cache inference had).
pub fn student_x0(student: &WanModel, r: &Rollout, pick: &[usize], t: &[f64], c: &Cond) -> Result<Generated> {
    if pick.len() != r.chunks.len() || t.len() != pick.len() || pick.iter().zip(&r.states).any(|(&k, s)| k >= s.len()) {
        bail!("{} state choices for {} rollout chunks, or a choice past the recorded states", pick.len(), r.chunks.len());
    }
    let context = r.latents()?.detach();
    let xt = Tensor::cat(&pick.iter().zip(&r.states).map(|(&k, s)| s[k].clone()).collect::<Vec<_>>(), 2)?;
    let x0 = predict_x0(student, &context, &xt, t, c)?;
    Ok(Generated { context, x0, t: t.to_vec() })
}

/// `x_t - s * flow` of one teacher-forcing forward with `context` as the clean chunks.
fn predict_x0(dit: &WanModel, context: &Tensor, xt: &Tensor, t: &[f64], c: &Cond) -> Result<Tensor> {
    let w = Window { x0: context, xt, t, text: c.text, shots: c.shots, pins: c.pins };
    let (flow, _) = step::predict(dit, &w, Forcing::Teacher, &policy(), CHUNK_FRAMES)?;
    Ok((xt - flow.broadcast_mul(&step::sigmas(t, CHUNK_FRAMES, xt.device())?)?)?)
}

/// Per-chunk DMD / critic timesteps: uniform in [20, 980], shifted like the inference schedule.
pub fn sample_t(rng: &mut impl Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| schedule::shift_timestep(rng.gen_range(20.0..=980.0), SHIFT)).collect()
}

fn randn_like(x: &Tensor, rng: &mut impl Rng) -> Result<Tensor> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(rng.gen());
    Ok(Tensor::from_vec(randn_vec(&mut r, x.elem_count()), x.dims(), x.device())?)
}

/// Step 3: the normalised DMD gradient `g` for `x0` (detached), with the per-chunk `t'`.
pub fn dmd_grad(real: &WanModel, critic: &WanModel, context: &Tensor, x0: &Tensor, c: &Cond, t: &[f64], noise: &Tensor) -> Result<Tensor> {
    let x0 = x0.detach();
    let xt = step::noisy(&x0, noise, t, CHUNK_FRAMES)?;
    let real_x0 = predict_x0(real, context, &xt, t, c)?.detach();
    let fake_x0 = predict_x0(critic, context, &xt, t, c)?.detach();
    let norm = (&x0 - &real_x0)?.abs()?.mean_all()?.to_scalar::<f32>()?;
    Ok(((fake_x0 - real_x0)? / (norm as f64).max(1e-8))?)
}

/// The student loss whose gradient with respect to `x0` is `g / N`.
pub fn student_loss(x0: &Tensor, g: &Tensor) -> Result<Tensor> {
    let target = (x0 - g)?.detach();
    Ok(((x0 - target)?.sqr()?.mean_all()? * 0.5)?)
}

/// Step 4: the critic's flow-matching loss on the student's sample `x0` (detached).
pub fn critic_loss(critic: &WanModel, context: &Tensor, x0: &Tensor, c: &Cond, rng: &mut impl Rng) -> Result<Tensor> {
    let x0 = x0.detach();
    let t = sample_t(rng, c.shots.len());
    let noise = randn_like(&x0, rng)?;
    let xt = step::noisy(&x0, &noise, &t, CHUNK_FRAMES)?;
    let w = Window { x0: context, xt: &xt, t: &t, text: c.text, shots: c.shots, pins: c.pins };
    let (flow, _) = step::predict(critic, &w, Forcing::Teacher, &policy(), CHUNK_FRAMES)?;
    Ok((flow - (noise - x0)?)?.sqr()?.mean_all()?)
}

/// What one step measured.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub student_loss: f64,
    pub critic_loss: f64,
    /// Mean |g| over the window.
    pub g_abs: f64,
    pub student_grad_norm: f64,
    /// Of the last critic step.
    pub critic_grad_norm: f64,
}

/// The fixed settings of a step.
#[derive(Debug, Clone, Copy)]
pub struct StepOpts {
    /// `(C, F, H, W)` of a chunk.
    pub shape: (usize, usize, usize, usize),
    pub critic_steps: usize,
    pub exit: Exit,
}

/// One DMD step at global step `step`: a student sample, `critic_steps` critic updates on it
/// (so the fake score has seen the current student; at the start critic == base and `g` = 0),
/// then the student update with the DMD gradient of the updated critic.
pub fn train_step(nets: &Nets, sopt: &mut Opt, copt: &mut Opt, c: &Cond, o: &StepOpts, step: usize, rng: &mut impl Rng) -> Result<Stats> {
    let gen = generate(&nets.student, c, o.shape, o.exit, rng)?;
    let (mut critic, mut critic_grad_norm) = (0.0, 0.0);
    for _ in 0..o.critic_steps.max(1) {
        let l = critic_loss(&nets.critic, &gen.context, &gen.x0, c, rng)?;
        critic = l.to_scalar::<f32>()? as f64;
        critic_grad_norm = copt.step(&l, step)?;
    }
    let t = sample_t(rng, c.shots.len());
    let noise = randn_like(&gen.x0, rng)?;
    let g = dmd_grad(&nets.real, &nets.critic, &gen.context, &gen.x0, c, &t, &noise)?;
    let loss = student_loss(&gen.x0, &g)?;
    let student_grad_norm = sopt.step(&loss, step)?;
    let stats = Stats {
        student_loss: loss.to_scalar::<f32>()? as f64,
        critic_loss: critic,
        g_abs: g.abs()?.mean_all()?.to_scalar::<f32>()? as f64,
        student_grad_norm,
        critic_grad_norm,
    };
    if ![stats.student_loss, stats.critic_loss, stats.g_abs].iter().all(|v| v.is_finite()) {
        bail!("non-finite DMD step {step}: {stats:?} (lower --lr / --critic-lr)");
    }
    Ok(stats)
}

/// The windows' metadata from `dir/shard-*.json` (latents are not read).
pub fn load_metas(dir: &Path) -> Result<Vec<WindowMeta>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading training windows in {} (built by `cine train base`)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json")))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for p in names {
        let m: Vec<WindowMeta> = serde_json::from_str(&std::fs::read_to_string(&p)?).with_context(|| format!("corrupt {}", p.display()))?;
        out.extend(m);
    }
    Ok(out)
}

pub fn run(args: Args) -> Result<()> {
    run_with(args, &T5Config::cine_tiny(), &WanConfig::cine_tiny())
}

/// `run` with explicit model configs (tests use tiny ones).
pub fn run_with(args: Args, t5_cfg: &T5Config, cfg: &WanConfig) -> Result<()> {
    let dev = Device::Cpu;
    let ctx = || format!("the base model in {} (t5.safetensors, dit-base.safetensors, tokenizer.json)", args.base.display());
    let (t5, tok) = crate::distill::load_text(&args.base, t5_cfg).with_context(ctx)?;
    let metas: Vec<WindowMeta> = load_metas(&args.data)?.into_iter().filter(|m| m.prompts.len() >= args.chunks).collect();
    if metas.is_empty() {
        bail!("no window of {} chunks in {}: lower --chunks or point --data at a base run's data", args.chunks, args.data.display());
    }
    // A resumed run's student comes from its checkpoint.
    let student_file = match (&args.student, args.run.resume) {
        (Some(f), _) => Some(f.clone()),
        (None, true) => None,
        (None, false) => Some(args.base.join("dit.safetensors")),
    };
    let mut nets = Nets::load(cfg, &args.base.join("dit-base.safetensors"), student_file.as_deref())?;
    let (sck, cck) = (Checkpoint::new(&args.run_dir, "dmd-student"), Checkpoint::new(&args.run_dir, "dmd-critic"));
    let mut state = State { stage: "dmd".into(), seed: args.run.seed, ..State::default() };
    if args.run.resume {
        state = sck.resume(&mut nets.student_vars)?.with_context(|| format!("--resume: no checkpoint in {}", args.run_dir.display()))?;
        cck.resume(&mut nets.critic_vars)?.with_context(|| format!("--resume: no critic checkpoint in {}", args.run_dir.display()))?;
    } else if sck.weights().exists() {
        bail!("{} already holds a checkpoint: pass --resume to continue it, or use another --run-dir", args.run_dir.display());
    }
    let mut sopt = Opt::new(nets.student_vars.all_vars(), args.lr, args.warmup, args.run.clip, 0.0)?;
    let mut copt = Opt::new(nets.critic_vars.all_vars(), args.critic_lr, args.warmup, args.run.clip, 0.0)?;
    if args.run.cosine {
        sopt.cosine = Some((state.step, state.step + args.steps));
        copt.cosine = sopt.cosine;
    }
    std::fs::create_dir_all(&args.run_dir).with_context(|| format!("creating {}", args.run_dir.display()))?;
    let mut log = LossLog::open(&args.run_dir.join("loss.csv"), &["student_loss", "critic_loss", "g_abs", "student_grad_norm", "critic_grad_norm", "steps_per_s"])?;
    let o = StepOpts { shape: (cfg.in_dim, CHUNK_FRAMES, args.latent_hw, args.latent_hw), critic_steps: args.critic_steps, exit: args.exit };
    let pb = tiny::progress(state.step + args.steps, state.step);
    pb.set_prefix("dmd");
    let save = |state: &State, log: &LossLog| -> Result<()> {
        sck.save(&nets.student_vars, state)?;
        cck.save(&nets.critic_vars, state)?;
        crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"))
    };
    for _ in 0..args.steps {
        let ts = Instant::now();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.run.seed ^ (state.step as u64).wrapping_mul(0x2545_f491));
        let m = &metas[rng.gen_range(0..metas.len())];
        let n = args.chunks;
        let text = tiny::encode_prompts(&t5, &tok, &m.prompts[..n], &dev)?.detach();
        let c = Cond { text: &text, shots: &m.shots[..n], pins: &m.pins[..n] };
        let s = train_step(&nets, &mut sopt, &mut copt, &c, &o, state.step, &mut rng)?;
        state.step += 1;
        let dt = ts.elapsed().as_secs_f64();
        state.seconds += dt;
        log.row(state.step, &[s.student_loss, s.critic_loss, s.g_abs, s.student_grad_norm, s.critic_grad_norm, 1.0 / dt])?;
        pb.set_position(state.step as u64);
        pb.set_message(format!("dmd {:.4} critic {:.4} |g| {:.3} {:.1} s/step", s.student_loss, s.critic_loss, s.g_abs, dt));
        if state.step % args.save_every.max(1) == 0 {
            save(&state, &log)?;
        }
    }
    pb.finish();
    save(&state, &log)?;
    if args.run.preview > 0 {
        let data = crate::data::Dataset::load(&args.data, &dev)?;
        let n = args.chunks.min(data.latents.dim(2)? / CHUNK_FRAMES);
        let wins: Vec<(Tensor, &WindowMeta)> =
            (0..args.run.preview.min(data.len())).map(|i| Ok((data.latents.narrow(0, i, 1)?.narrow(2, 0, n * CHUNK_FRAMES)?, &data.meta[i]))).collect::<Result<_>>()?;
        let vae = crate::base::load_vae(&args.vae, false)?;
        let p = args.run_dir.join("preview.png");
        crate::preview::compare(&vae, &t5, &tok, &nets.student, &wins, &student_steps(), Sampler::Renoise, &p)?;
        eoutln!("wrote {}", p.display());
    }
    if args.run.export {
        tiny::export(&nets.student_vars, "dit", &args.run.out.join("dit.safetensors"))?;
        eoutln!("exported dit.safetensors to {}", args.run.out.display());
    }
    Ok(())
}

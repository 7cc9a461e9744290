//! `cine train probe`: how well a DiT denoises its own training windows, to tell an
//! undertrained model from a broken sampler.
//!
//! Per window: the x0 error (`mean (x0_pred - x0)^2`, teacher forcing with the true clean
//! context) at fixed noise levels, next to what copying the previous chunk's last latent frame
//! would score; then the distance to the data of two 17-step Euler samples, one teacher-forced
//! (every chunk sampled with the true clean chunks as context) and one chunk-by-chunk with the
//! KV memory (as `cine render` generates). With `--png`: data, teacher-forced and KV-memory
//! rows, decoded by the VAE.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use cine_model::wan::schedule::{sigma, x0_from_flow};
use cine_model::t5::T5Config;
use cine_model::wan::{randn_vec, WanConfig, WanModel};
use rand::SeedableRng;

use crate::base::{policy, CHUNK_FRAMES};
use crate::data::{Dataset, WindowMeta};
use crate::rollout::{rollout, teacher_steps, Sampler};
use crate::step::{self, Forcing, Window};

/// Noise levels (timesteps out of 1000) of the x0-error table.
pub const LEVELS: [f64; 6] = [50.0, 200.0, 400.0, 600.0, 800.0, 950.0];

/// Arguments of `cine train probe`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Model directory: t5.safetensors, tokenizer.json, dit-base.safetensors.
    #[arg(long, default_value = "model/weights/cine-tiny")]
    pub model: PathBuf,
    /// DiT to probe instead of <model>/dit-base.safetensors (e.g. the distilled dit.safetensors).
    #[arg(long)]
    pub dit: Option<PathBuf>,
    /// Training windows (a base run's data directory).
    #[arg(long, default_value = "runs/base/data")]
    pub data: PathBuf,
    #[arg(long, default_value_t = 2, value_parser = crate::run_opts::at_least_one)]
    pub windows: usize,
    /// Write data / teacher-forced / KV-memory rows here (needs the VAE of --model).
    #[arg(long)]
    pub png: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// What the probe measured on one window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub data_power: f32,
    /// x0 error at each of [`LEVELS`].
    pub x0_error: Vec<f32>,
    /// Mean over chunks after the first of the copy baseline's error.
    pub copy_error: f32,
    pub teacher_forced: f32,
    pub kv_memory: f32,
}

fn mse(a: &Tensor, b: &Tensor) -> Result<f32> {
    Ok((a - b)?.sqr()?.mean_all()?.to_scalar::<f32>()?)
}

/// Probes `dit` on one window; returns the report and the two samples.
pub fn window(dit: &WanModel, x0: &Tensor, text: &Tensor, m: &WindowMeta, seed: u64) -> Result<(Report, Tensor, Tensor)> {
    let n = m.prompts.len();
    let dev = x0.device();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let noise = Tensor::from_vec(randn_vec(&mut rng, x0.elem_count()), x0.dims(), dev)?;
    let predict = |xt: &Tensor, t: f64| -> Result<Tensor> {
        let ts = vec![t; n];
        let w = Window { x0, xt, t: &ts, text, shots: &m.shots, pins: &m.pins };
        Ok(step::predict(dit, &w, Forcing::Teacher, &policy(), CHUNK_FRAMES)?.0)
    };
    let mut x0_error = Vec::new();
    for t in LEVELS {
        let xt = step::noisy(x0, &noise, &vec![t; n], CHUNK_FRAMES)?;
        x0_error.push(mse(&x0_from_flow(&xt, &predict(&xt, t)?, t)?, x0)?);
    }
    let mut copy = Vec::new();
    for c in 1..n {
        let last = x0.narrow(2, c * CHUNK_FRAMES - 1, 1)?;
        copy.push(x0.narrow(2, c * CHUNK_FRAMES, CHUNK_FRAMES)?.broadcast_sub(&last)?.sqr()?.mean_all()?.to_scalar::<f32>()?);
    }
    let steps = teacher_steps(&crate::distill::student_steps(), 3, 8);
    let mut x = noise.clone();
    for (k, &t) in steps.iter().enumerate() {
        let nt = steps.get(k + 1).copied().unwrap_or(0.0);
        x = (&x + (predict(&x, t)? * (sigma(nt) - sigma(t)))?)?;
    }
    let (c, _f, h, w) = (x0.dim(1)?, x0.dim(2)?, x0.dim(3)?, x0.dim(4)?);
    let kv = rollout(dit, text, &m.shots, &m.pins, &steps, Sampler::Euler, &[], &policy(), (c, CHUNK_FRAMES, h, w), seed)?.latents()?;
    let report = Report {
        data_power: x0.sqr()?.mean_all()?.to_scalar::<f32>()?,
        x0_error,
        copy_error: copy.iter().sum::<f32>() / copy.len().max(1) as f32,
        teacher_forced: mse(&x, x0)?,
        kv_memory: mse(&kv, x0)?,
    };
    Ok((report, x, kv))
}

pub fn run(args: Args) -> Result<()> {
    let dev = Device::Cpu;
    if !args.model.join("t5.safetensors").exists() {
        bail!("{} holds no t5.safetensors (a model directory: t5.safetensors, tokenizer.json, dit-base.safetensors)", args.model.display());
    }
    let (t5, tok) = crate::distill::load_text(&args.model, &T5Config::cine_tiny()).with_context(|| format!("loading the text encoder in {}", args.model.display()))?;
    let file = args.dit.clone().unwrap_or_else(|| args.model.join("dit-base.safetensors"));
    let dit = crate::distill::load_dit(&file, &WanConfig::cine_tiny()).with_context(|| format!("loading {}", file.display()))?;
    let ds = Dataset::load(&args.data, &dev)?;
    let n = args.windows.min(ds.len());
    let vae = match &args.png {
        Some(_) => Some(crate::base::load_vae(&args.model.join("vae.safetensors"), false)?),
        None => None,
    };
    let levels: Vec<String> = LEVELS.iter().map(|t| format!("t{t:.0}")).collect();
    println!("window  E[x0^2]  x0 error at {}  copy-prev  teacher-forced  kv-memory", levels.join(" "));
    let mut rows = Vec::new();
    let mut sum = vec![0f32; LEVELS.len() + 3];
    for i in 0..n {
        let m = &ds.meta[i];
        let x0 = ds.latents.narrow(0, i, 1)?;
        let text = crate::tiny::encode_prompts(&t5, &tok, &m.prompts, &dev)?;
        let (r, tf, kv) = window(&dit, &x0, &text, m, args.seed + i as u64)?;
        let errs: Vec<String> = r.x0_error.iter().map(|e| format!("{e:.3}")).collect();
        println!("{i:>6}  {:.3}  {}  {:.3}  {:.3}  {:.3}", r.data_power, errs.join(" "), r.copy_error, r.teacher_forced, r.kv_memory);
        for (s, v) in sum.iter_mut().zip(r.x0_error.iter().chain([r.copy_error, r.teacher_forced, r.kv_memory].iter())) {
            *s += v / n as f32;
        }
        if let Some(vae) = &vae {
            for lat in [&x0, &tf, &kv] {
                rows.push(crate::preview::frames(vae, lat)?);
            }
        }
    }
    let mean: Vec<String> = sum.iter().map(|v| format!("{v:.3}")).collect();
    println!("  mean  -      {}", mean.join(" "));
    if let Some(p) = &args.png {
        crate::preview::save_rows(&rows, 6, p)?;
        eoutln!("wrote {}", p.display());
    }
    Ok(())
}

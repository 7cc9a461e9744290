//! `cine train vae`: the cine-tiny VAE trained for reconstruction on clips of the synthetic world.
//!
//! Data: frames of `cine_synth::training_stories` rendered at 64x64, 16 fps; clips of `1 + 4k`
//! frames drawn at random (validation from separately seeded stories). Loss: L1 + MSE of the
//! reconstruction from a sampled latent plus a tiny KL term (Wan's VAE is a KL VAE); validation
//! PSNR decodes the latent mean. `--subject-weight W` weighs the pixels of cast body colours
//! (`cine_synth::metrics::detect::is_body`) `1 + W` times in the reconstruction loss: the cast
//! covers a few percent of a frame, and an unweighted loss lets the VAE wash it out. AdamW, linear warm-up then cosine decay. `--export` writes the
//! shipped `vae.safetensors` with the measured latent statistics (`latents_mean`/`latents_std`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
use cine_model::vae::{FeatCache, VaeConfig, WanVae};
use indicatif::{ProgressBar, ProgressStyle};

use crate::checkpoint::{Checkpoint, State};
use crate::log::LossLog;
use crate::vae_data::Clips;

/// Arguments of `cine train vae`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Train until this step (a resumed run continues from its checkpoint's step).
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
    /// Run directory: checkpoint, loss.csv, val.csv, loss.png.
    #[arg(long, default_value = "runs/vae")]
    pub run_dir: PathBuf,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Clips per step.
    #[arg(long, default_value_t = 2)]
    pub batch: usize,
    /// Frames per clip (1 + 4k).
    #[arg(long, default_value_t = 9)]
    pub frames: usize,
    /// Training stories rendered (held-out validation stories come from another seed).
    #[arg(long, default_value_t = 64)]
    pub stories: usize,
    #[arg(long, default_value_t = 4)]
    pub val_stories: usize,
    /// Warm-up steps of the learning rate.
    #[arg(long, default_value_t = 100)]
    pub warmup: usize,
    /// Weight of the KL term.
    #[arg(long, default_value_t = 1e-6)]
    pub kl: f64,
    /// Checkpoint (and validate) every N steps.
    #[arg(long, default_value_t = 100)]
    pub save_every: usize,
    /// Write the weights with their latent statistics here when done; without a path, over the
    /// shipped model/weights/cine-tiny/vae.safetensors (give a path for experiments).
    #[arg(long)]
    pub export: Option<Option<PathBuf>>,
    /// Fine-tune only the decoder of this trained VAE (e.g. the shipped one): the encoder and
    /// the latent statistics stay as they are, so models trained on its latents stay valid.
    #[arg(long)]
    pub decoder_from: Option<PathBuf>,
    /// Start a new run from these VAE weights, training encoder and decoder (the latent
    /// statistics are measured again at --export).
    #[arg(long, conflicts_with = "decoder_from")]
    pub from: Option<PathBuf>,
    /// Extra loss weight of pixels in a cast body colour (0 = plain L1 + MSE).
    #[arg(long, default_value_t = 0.0)]
    pub subject_weight: f64,
}

/// Where `--export` writes without a path.
pub const DEFAULT_EXPORT: &str = "model/weights/cine-tiny/vae.safetensors";

pub fn run(args: Args) -> Result<()> {
    let t0 = Instant::now();
    let train = Clips::render(args.stories, args.seed.wrapping_mul(2).wrapping_add(1), 64)?;
    let val = Clips::render(args.val_stories, 0x7a11_da7a, 64)?;
    eoutln!(
        "data: {} training frames from {} stories, {} validation frames from {} stories ({:.1} s)",
        train.frames(),
        args.stories,
        val.frames(),
        args.val_stories,
        t0.elapsed().as_secs_f64()
    );
    train_vae(&args, &VaeConfig::cine_tiny(), &train, &val).map(|_| ())
}

/// Per-step losses.
#[derive(Debug, Clone, Copy)]
pub struct Losses {
    pub loss: f64,
    pub l1: f64,
    pub mse: f64,
    pub kl: f64,
}

/// One VAE with its optimiser.
pub struct Trainer {
    pub vae: WanVae,
    pub vars: VarMap,
    opt: AdamW,
    kl_weight: f64,
    rng: rand_chacha::ChaCha8Rng,
    /// Only the decoder side (`decoder.*`, `conv2.*`) is trained; latents come from the frozen
    /// encoder's means.
    decoder_only: bool,
    /// Extra loss weight of cast-coloured pixels.
    pub subject_weight: f64,
}

/// Variables on the decoder side of the Wan VAE (after the quantisation conv).
fn is_decoder_var(name: &str) -> bool {
    name.starts_with("decoder.") || name.starts_with("conv2.")
}

impl Trainer {
    pub fn new(cfg: &VaeConfig, seed: u64, lr: f64, kl_weight: f64) -> Result<Self> {
        use rand::SeedableRng;
        let (vae, vars) = WanVae::new_random(cfg, seed, 0.0, DType::F32, &Device::Cpu)?;
        // Start with a narrow posterior (log-variance -8): with unit noise at init the decoder
        // sees mostly noise and a short run learns little.
        if let Some(b) = vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?.get("conv1.bias") {
            let z = cfg.z_dim;
            let init: Vec<f32> = (0..2 * z).map(|i| if i < z { 0.0 } else { -8.0 }).collect();
            b.set(&Tensor::new(init.as_slice(), &Device::Cpu)?)?;
        }
        let params = ParamsAdamW { lr, weight_decay: 1e-4, ..Default::default() };
        let opt = AdamW::new(vars.all_vars(), params)?;
        Ok(Self { vae, vars, opt, kl_weight, rng: rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed), decoder_only: false, subject_weight: 0.0 })
    }

    /// Loads a trained VAE's weights and from now on trains only its decoder.
    pub fn decoder_only_from(&mut self, path: &Path, lr: f64) -> Result<()> {
        self.vars.load(path).with_context(|| format!("cannot load the VAE to fine-tune from {}", path.display()))?;
        self.freeze_encoder(lr)
    }

    /// Trains only the decoder from now on (the weights already loaded).
    pub fn freeze_encoder(&mut self, lr: f64) -> Result<()> {
        let data = self.vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?;
        let vars: Vec<_> = data.iter().filter(|(n, _)| is_decoder_var(n)).map(|(_, v)| v.clone()).collect();
        if vars.is_empty() {
            anyhow::bail!("no decoder variables (decoder.*, conv2.*) in this VAE")
        }
        self.opt = AdamW::new(vars, ParamsAdamW { lr, weight_decay: 1e-4, ..Default::default() })?;
        self.decoder_only = true;
        Ok(())
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.opt.set_learning_rate(lr)
    }

    /// One optimiser step on `video: [B, 3, T, H, W]` in [-1, 1].
    pub fn step(&mut self, video: &Tensor) -> Result<Losses> {
        let (mu, logvar) = self.vae.encode_moments(video)?;
        let (mu, logvar) = if self.decoder_only { (mu.detach(), logvar.detach()) } else { (mu, logvar) };
        let logvar = logvar.clamp(-30f32, 20f32)?;
        let eps = crate::vae_data::normal_like(&mu, &mut self.rng)?;
        let z = (&mu + (eps * (&logvar * 0.5)?.exp()?)?)?;
        let rec = self.vae.decode_raw_cached(&z, &mut FeatCache::new())?;
        let diff = (rec - video)?;
        let l1 = diff.abs()?.mean_all()?;
        let mse = diff.sqr()?.mean_all()?;
        let kl = ((mu.sqr()? + logvar.exp()?)? - 1.0)?.sub(&logvar)?.mean_all()?.affine(0.5, 0.0)?;
        let rec_loss = if self.subject_weight > 0.0 {
            let w = crate::vae_data::body_weights(video, self.subject_weight)?;
            let per = (diff.abs()? + diff.sqr()?)?.broadcast_mul(&w)?;
            (per.mean_all()? / w.mean_all()?.to_scalar::<f32>()? as f64)?
        } else {
            (&l1 + &mse)?
        };
        let loss = (rec_loss + (&kl * self.kl_weight)?)?;
        self.opt.backward_step(&loss)?;
        let f = |t: &Tensor| -> Result<f64> { Ok(t.to_scalar::<f32>()? as f64) };
        Ok(Losses { loss: f(&loss)?, l1: f(&l1)?, mse: f(&mse)?, kl: f(&kl)? })
    }
}

/// Peak-normalised learning rate at `step` (1-based): linear warm-up, cosine to 5% at `total`.
pub fn lr_factor(step: usize, warmup: usize, total: usize) -> f64 {
    if step <= warmup {
        return step as f64 / warmup.max(1) as f64;
    }
    let p = (step - warmup) as f64 / (total.saturating_sub(warmup)).max(1) as f64;
    0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * p.min(1.0)).cos())
}

/// PSNR (dB, on [0, 1] pixels) of reconstructing `video` from its latent mean.
pub fn psnr(vae: &WanVae, video: &Tensor) -> Result<f64> {
    let (mu, _) = vae.encode_moments(video)?;
    let rec = vae.decode_raw_cached(&mu, &mut FeatCache::new())?.clamp(-1f32, 1f32)?;
    let mse = ((rec - video)? * 0.5)?.sqr()?.mean_all()?.to_scalar::<f32>()? as f64;
    Ok(10.0 * (1.0 / mse.max(1e-12)).log10())
}

/// The training loop: resumes from `args.run_dir`, trains to `args.steps`, checkpoints, logs,
/// validates, and exports when asked. Returns the final state.
pub fn train_vae(args: &Args, cfg: &VaeConfig, train: &Clips, val: &Clips) -> Result<State> {
    use rand::SeedableRng;
    std::fs::create_dir_all(&args.run_dir)
        .with_context(|| format!("cannot create run directory {}", args.run_dir.display()))?;
    let mut tr = Trainer::new(cfg, args.seed, args.lr, args.kl)?;
    tr.subject_weight = args.subject_weight;
    let ck = Checkpoint::new(&args.run_dir, "vae");
    let mut state = match ck.resume(&mut tr.vars)? {
        Some(s) => {
            eoutln!("resuming from step {} ({})", s.step, ck.weights().display());
            if args.decoder_from.is_some() {
                tr.freeze_encoder(args.lr)?;
            }
            s
        }
        None => {
            if let Some(from) = &args.decoder_from {
                tr.decoder_only_from(from, args.lr)?;
                eoutln!("fine-tuning the decoder of {} (encoder frozen)", from.display());
            } else if let Some(from) = &args.from {
                tr.vars.load(from).with_context(|| format!("cannot load the VAE to start from {}", from.display()))?;
                eoutln!("starting from {} (encoder and decoder trained)", from.display());
            }
            State { stage: "vae".into(), step: 0, seed: args.seed, seconds: 0.0 }
        }
    };
    // Rows logged after the checkpoint by an interrupted run are dropped: they are redone.
    for name in ["loss.csv", "val.csv"] {
        truncate_log(&args.run_dir.join(name), state.step)?;
    }
    let mut log = LossLog::open(&args.run_dir.join("loss.csv"), &["loss", "l1", "mse", "kl"])?;
    let mut vlog = LossLog::open(&args.run_dir.join("val.csv"), &["psnr"])?;
    let val_clips = val.fixed_batch(4.min(val.frames().max(1)), args.frames, 99)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed ^ (state.step as u64).wrapping_mul(0x9e37));

    let todo = args.steps.saturating_sub(state.step);
    let bar = ProgressBar::new(args.steps as u64).with_position(state.step as u64);
    bar.set_style(
        ProgressStyle::with_template("vae {bar:30} {pos}/{len} {per_sec} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last_psnr = f64::NAN;
    let mut since = Instant::now();
    for _ in 0..todo {
        state.step += 1;
        tr.set_lr(args.lr * lr_factor(state.step, args.warmup, args.steps));
        let batch = train.batch(args.batch, args.frames, &mut rng)?;
        let l = tr.step(&batch)?;
        if !l.loss.is_finite() {
            anyhow::bail!("loss became {} at step {}; lower --lr and resume", l.loss, state.step)
        }
        log.row(state.step, &[l.loss, l.l1, l.mse, l.kl])?;
        bar.set_position(state.step as u64);
        bar.set_message(format!("loss {:.4} val {:.2} dB", l.loss, last_psnr));
        let last = state.step == args.steps;
        if state.step % args.save_every.max(1) == 0 || last {
            last_psnr = psnr(&tr.vae, &val_clips)?;
            vlog.row(state.step, &[last_psnr])?;
            state.seconds += since.elapsed().as_secs_f64();
            since = Instant::now();
            ck.save(&tr.vars, &state)?;
            let _ = crate::plot::loss_curve(log.path(), &args.run_dir.join("loss.png"));
        }
    }
    bar.finish();
    if todo == 0 || last_psnr.is_nan() {
        last_psnr = psnr(&tr.vae, &val_clips)?;
    }
    eoutln!("step {}: validation PSNR {:.2} dB", state.step, last_psnr);
    if let Some(path) = &args.export {
        let path = path.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_EXPORT));
        let stats = match &args.decoder_from {
            Some(from) => Some(stored_stats(from)?),
            None => None,
        };
        export(&tr, train, args.frames, &path, stats)?;
    }
    Ok(state)
}

/// Measure the per-channel mean/std of latent means over training clips and write the weights
/// plus `latents_mean` / `latents_std` as one safetensors file (atomically).
/// With `stats` given (a decoder-only fine-tune), those are kept instead of re-measured.
pub fn export(tr: &Trainer, train: &Clips, frames: usize, path: &Path, stats: Option<(Vec<f32>, Vec<f32>)>) -> Result<()> {
    let (mean, std) = match stats {
        Some(s) => s,
        None => latent_stats(&tr.vae, train, frames, 32)?,
    };
    let mut tensors: std::collections::HashMap<String, Tensor> = std::collections::HashMap::new();
    for (name, var) in tr.vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?.iter() {
        tensors.insert(name.clone(), var.as_tensor().clone());
    }
    tensors.insert("latents_mean".into(), Tensor::new(mean.as_slice(), &Device::Cpu)?);
    tensors.insert("latents_std".into(), Tensor::new(std.as_slice(), &Device::Cpu)?);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("safetensors.tmp");
    candle_core::safetensors::save(&tensors, &tmp)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    eoutln!("exported {} (latents mean {:?}, std {:?})", path.display(), rounded(&mean), rounded(&std));
    Ok(())
}

/// The `latents_mean` / `latents_std` stored in a VAE file.
fn stored_stats(path: &Path) -> Result<(Vec<f32>, Vec<f32>)> {
    let ts = candle_core::safetensors::load(path, &Device::Cpu).with_context(|| format!("cannot read {}", path.display()))?;
    let get = |n: &str| -> Result<Vec<f32>> {
        ts.get(n).with_context(|| format!("{} has no `{n}`", path.display()))?.to_vec1::<f32>().map_err(Into::into)
    };
    Ok((get("latents_mean")?, get("latents_std")?))
}

/// Keep the header and the rows of steps <= `step` of a CSV loss log (if it exists).
fn truncate_log(path: &Path, step: usize) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(()) };
    let keep: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').next().and_then(|s| s.parse::<usize>().ok()).is_some_and(|s| s <= step))
        .map(|(_, l)| l)
        .collect();
    if keep.len() < text.lines().count() {
        std::fs::write(path, keep.join("\n") + "\n").with_context(|| format!("cannot rewrite {}", path.display()))?;
    }
    Ok(())
}

fn rounded(v: &[f32]) -> Vec<f32> {
    v.iter().map(|x| (x * 1000.0).round() / 1000.0).collect()
}

/// Per-channel mean and std of the (unnormalised) latent means of `n` fixed clips.
pub fn latent_stats(vae: &WanVae, clips: &Clips, frames: usize, n: usize) -> Result<(Vec<f32>, Vec<f32>)> {
    let mut chunks = Vec::new();
    for i in 0..n.div_ceil(4) {
        let batch = clips.fixed_batch(4, frames, 1000 + i as u64)?;
        let (mu, _) = vae.encode_moments(&batch)?; // [B, z, T, h, w]
        let z = mu.dim(1)?;
        chunks.push(mu.transpose(0, 1)?.contiguous()?.reshape((z, ()))?);
    }
    let all = Tensor::cat(&chunks, 1)?;
    let mean = all.mean_keepdim(1)?;
    let std = all.broadcast_sub(&mean)?.sqr()?.mean(1)?.sqrt()?.maximum(1e-6)?;
    Ok((mean.flatten_all()?.to_vec1()?, std.to_vec1()?))
}

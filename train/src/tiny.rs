//! The trainable cine-tiny networks (umT5 text encoder + Wan DiT) in one `VarMap`
//! (`t5.*`, `dit.*`), their loading from / export to the model directory, the optimiser
//! with warm-up and gradient clipping, and the per-chunk prompt encoding.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use cine_model::t5::{T5Config, T5Encoder, TextTokenizer};
use cine_model::wan::{WanConfig, WanModel};

/// T5 and DiT built on one `VarMap`.
pub struct Nets {
    pub vars: VarMap,
    pub t5: T5Encoder,
    pub dit: WanModel,
}

impl Nets {
    /// Fresh networks: the T5 initialised like `T5Encoder::new_random`, the DiT with the
    /// `VarBuilder` init hints of `WanModel::new`. `with_t5 = false` builds the DiT alone.
    pub fn new(t5_cfg: &T5Config, dit_cfg: &WanConfig, seed: u64, with_t5: bool, dev: &Device) -> Result<(VarMap, Option<T5Encoder>, WanModel)> {
        let vars = VarMap::new();
        let vb = VarBuilder::from_varmap(&vars, DType::F32, dev);
        let t5 = if with_t5 {
            let t5 = T5Encoder::new(t5_cfg, vb.pp("t5"))?;
            cine_model::vae::randomize(&vars, seed, 0.0)?;
            Some(t5)
        } else {
            None
        };
        let dit = WanModel::new(dit_cfg, vb.pp("dit"))?;
        Ok((vars, t5, dit))
    }

    pub fn build(t5_cfg: &T5Config, dit_cfg: &WanConfig, seed: u64, dev: &Device) -> Result<Self> {
        let (vars, t5, dit) = Self::new(t5_cfg, dit_cfg, seed, true, dev)?;
        Ok(Self { vars, t5: t5.context("t5")?, dit })
    }
}

/// Sets every variable under `prefix.` from the tensors of a safetensors file (names without
/// the prefix). Errors name the first missing or mis-shaped tensor.
pub fn load_into(vars: &VarMap, prefix: &str, file: &Path) -> Result<()> {
    let ts = candle_core::safetensors::load(file, &Device::Cpu).with_context(|| format!("reading {}", file.display()))?;
    let data = vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?;
    let mut n = 0;
    for (name, var) in data.iter() {
        let Some(short) = name.strip_prefix(&format!("{prefix}.")) else { continue };
        let t = ts.get(short).with_context(|| format!("{} has no tensor `{short}`: is it a cine-tiny file?", file.display()))?;
        if t.dims() != var.dims() {
            bail!("tensor `{short}` in {} has shape {:?}, the model wants {:?}", file.display(), t.dims(), var.dims());
        }
        var.set(&t.to_dtype(var.dtype())?)?;
        n += 1;
    }
    if n == 0 {
        bail!("no variables under `{prefix}` to load from {}", file.display());
    }
    Ok(())
}

/// The variables under `prefix.`.
pub fn vars_under(vars: &VarMap, prefix: &str) -> Result<Vec<candle_core::Var>> {
    let data = vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?;
    let v: Vec<_> = data.iter().filter(|(n, _)| n.starts_with(&format!("{prefix}."))).map(|(_, v)| v.clone()).collect();
    if v.is_empty() {
        bail!("no variables under `{prefix}`");
    }
    Ok(v)
}

/// Writes the variables under `prefix.` (prefix stripped) to a safetensors file.
pub fn export(vars: &VarMap, prefix: &str, file: &Path) -> Result<()> {
    let data = vars.data().lock().map_err(|_| anyhow::anyhow!("VarMap lock poisoned"))?;
    let ts: HashMap<String, Tensor> = data
        .iter()
        .filter_map(|(name, v)| name.strip_prefix(&format!("{prefix}.")).map(|s| (s.to_string(), v.as_tensor().clone())))
        .collect();
    if ts.is_empty() {
        bail!("no variables under `{prefix}` to export");
    }
    if let Some(d) = file.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = file.with_extension("safetensors.tmp");
    candle_core::safetensors::save(&ts, &tmp)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

/// AdamW with linear warm-up and global-norm gradient clipping.
pub struct Opt {
    adam: AdamW,
    vars: Vec<Var>,
    pub lr: f64,
    pub warmup: usize,
    pub clip: f64,
    /// Cosine decay of the learning rate from step `.0` to 10% at step `.1`.
    pub cosine: Option<(usize, usize)>,
}

impl Opt {
    pub fn new(vars: Vec<Var>, lr: f64, warmup: usize, clip: f64, beta1: f64) -> Result<Self> {
        let adam = AdamW::new(vars.clone(), ParamsAdamW { lr, beta1, beta2: 0.99, eps: 1e-8, weight_decay: 0.01 })?;
        Ok(Self { adam, vars, lr, warmup, clip, cosine: None })
    }

    /// The learning rate at global step `step` (0-based): linear warm-up, then the cosine if set.
    pub fn lr_at(&self, step: usize) -> f64 {
        let warm = if self.warmup == 0 { 1.0 } else { ((step + 1) as f64 / self.warmup as f64).min(1.0) };
        let decay = match self.cosine {
            Some((a, b)) if b > a => {
                let p = (step.saturating_sub(a) as f64 / (b - a) as f64).min(1.0);
                0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * p).cos())
            }
            _ => 1.0,
        };
        self.lr * warm * decay
    }

    /// One step at global step `step` (0-based); returns the gradient norm before clipping.
    pub fn step(&mut self, loss: &Tensor, step: usize) -> Result<f64> {
        let mut grads = loss.backward()?;
        let mut sq = 0f64;
        for v in &self.vars {
            if let Some(g) = grads.get(v) {
                sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
            }
        }
        let norm = sq.sqrt();
        if !norm.is_finite() {
            bail!("gradient norm is {norm} at step {step}: training diverged (lower --lr)");
        }
        if self.clip > 0.0 && norm > self.clip {
            let s = self.clip / norm;
            for v in &self.vars {
                if let Some(g) = grads.remove(v) {
                    grads.insert(v, (g * s)?);
                }
            }
        }
        self.adam.set_learning_rate(self.lr_at(step));
        self.adam.step(&grads)?;
        Ok(norm)
    }
}

/// Encodes each distinct prompt once and returns `[prompts.len(), text_len, dim]` in order.
pub fn encode_prompts(t5: &T5Encoder, tok: &TextTokenizer, prompts: &[String], dev: &Device) -> Result<Tensor> {
    let mut uniq: Vec<&str> = Vec::new();
    let idx: Vec<u32> = prompts
        .iter()
        .map(|p| match uniq.iter().position(|u| u == p) {
            Some(i) => i as u32,
            None => {
                uniq.push(p);
                (uniq.len() - 1) as u32
            }
        })
        .collect();
    let (ids, mask) = tok.batch(&uniq, t5.config().text_len, dev)?;
    let e = t5.encode(&ids, &mask)?;
    Ok(e.index_select(&Tensor::new(idx, dev)?, 0)?)
}

/// The cine-tiny tokenizer: `dir/tokenizer.json` if present, else built from the words of
/// `stdlib/`, `screenplays/` and the synthetic world's captions, and written there.
pub fn tokenizer(dir: &Path, root: &Path) -> Result<TextTokenizer> {
    let p = dir.join("tokenizer.json");
    if p.exists() {
        return TextTokenizer::from_file(&p);
    }
    let mut words = cine_model::t5::tokenizer::words_of_cine_dir(&root.join("stdlib"))?;
    words.extend(cine_model::t5::tokenizer::words_of_cine_dir(&root.join("screenplays"))?);
    words.extend(crate::data::world_words(400, 17));
    let json = cine_model::t5::tokenizer::build_word_level_json(words.iter().map(String::as_str))?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(&p, &json)?;
    TextTokenizer::from_bytes(json.as_bytes())
}

/// Progress bar with the loss and steps/s in its message.
pub fn progress(total: usize, done: usize) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb.set_position(done as u64);
    pb
}

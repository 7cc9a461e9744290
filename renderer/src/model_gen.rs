//! The real generator: text encoder (umT5) -> causal DiT with KV memory (CAMR) -> streaming
//! Wan VAE decode, from crate `cine-model`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use cine_model::memory::{CamrConfig, MemoryPolicy};
use cine_model::t5::{T5Config, T5Encoder, TextTokenizer};
use cine_model::vae::{to_rgb8, StreamingDecoder, VaeConfig, WanVae};
use cine_model::wan::{self, CausalGenerator, GeneratorConfig, WanConfig, WanModel};
use sha2::{Digest, Sha256};

use crate::frame::RgbFrame;
use crate::generator::{ChunkGenerator, StreamInfo};
use crate::schedule::ChunkPlan;

mod layout;
mod state;

pub use layout::ModelFiles;

/// File names of a model directory.
pub const FILES: [&str; 4] = ["dit.safetensors", "vae.safetensors", "t5.safetensors", "tokenizer.json"];

/// The many-step base DiT a model directory may also hold (`cine eval --dit base`).
pub const BASE_DIT: &str = "dit-base.safetensors";

/// How the DiT samples a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Sampler {
    /// Self-Forcing's few-step sampler: predict x0, re-noise it to the next step (distilled).
    Renoise,
    /// Deterministic Euler steps along the predicted flow (many-step base models).
    Euler,
}

/// The loaded networks of one model.
pub struct ModelParts {
    pub name: String,
    pub dit: WanModel,
    pub gen_cfg: GeneratorConfig,
    pub sampler: Sampler,
    pub policy: MemoryPolicy,
    pub vae: WanVae,
    pub t5: T5Encoder,
    pub tokenizer: TextTokenizer,
    /// Hash of the weights, part of cache keys.
    pub weights_id: String,
}

/// Presets of a model name: DiT, sampler, VAE and text encoder.
pub fn presets(name: &str) -> Result<(WanConfig, GeneratorConfig, VaeConfig, T5Config)> {
    let (dit, gen) = cine_model::registry::model_configs(name).ok_or_else(|| anyhow!("unknown model `{name}`"))?;
    let vae = cine_model::registry::vae_config(name).ok_or_else(|| anyhow!("unknown model `{name}`"))?;
    let t5 = if name == "cine-tiny" { T5Config::cine_tiny() } else { T5Config::umt5_xxl() };
    Ok((dit, gen, vae, t5))
}

fn hash_files(bytes: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for b in bytes {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl ModelParts {
    /// Loads a model directory: [`FILES`], or the published Wan2.1 layout (see
    /// [`layout::PARTS`]); errors name the missing or corrupt file.
    pub fn load_dir(name: &str, dir: &Path) -> Result<Self> {
        Self::load_files(name, &ModelFiles::find(dir, None)?)
    }

    /// [`Self::load_dir`] with another DiT file of the directory (e.g. [`BASE_DIT`]).
    pub fn load_dir_with(name: &str, dir: &Path, dit_file: &str) -> Result<Self> {
        Self::load_files(name, &ModelFiles::find(dir, Some(dit_file))?)
    }

    /// Loads the files of a model: small safetensors read whole (their hash is the weights'
    /// id), others memory-mapped or read as PyTorch checkpoints (identified by name, size
    /// and modification time, not hashed: the text encoder alone is gigabytes).
    pub fn load_files(name: &str, files: &ModelFiles) -> Result<Self> {
        if files.small_safetensors() {
            let dir = files.dit.parent().unwrap_or(Path::new(".")).display().to_string();
            let mut bytes = Vec::new();
            for p in files.all() {
                bytes.push(std::fs::read(p).map_err(|e| anyhow!("model file {} cannot be read ({e})", p.display()))?);
            }
            let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
            let names = files.all().map(|p| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()));
            return Self::from_named_bytes(name, &refs, names.each_ref().map(String::as_str)).with_context(|| format!("loading the model `{name}` from {dir}"));
        }
        Self::load_paths(name, files)
    }

    /// Loads each file from its path (safetensors memory-mapped, or a PyTorch checkpoint).
    pub fn load_paths(name: &str, files: &ModelFiles) -> Result<Self> {
        let (dit_cfg, gen_cfg, vae_cfg, t5_cfg) = presets(name)?;
        let dev = Device::Cpu;
        let ctx = |what: &str, p: &Path| format!("loading the {what} of `{name}` from {}", p.display());
        let dit = wan::load(&files.dit, &dit_cfg, None, DType::F32, &dev).with_context(|| ctx("DiT", &files.dit))?;
        let vae = WanVae::load(&files.vae, &vae_cfg, DType::F32, &dev).with_context(|| ctx("VAE", &files.vae))?;
        let t5 = T5Encoder::load(&files.t5, &t5_cfg, DType::F32, &dev).with_context(|| ctx("text encoder", &files.t5))?;
        let tokenizer = TextTokenizer::from_file(&files.tokenizer).with_context(|| ctx("tokenizer", &files.tokenizer))?;
        fits_encoder(&tokenizer, &t5_cfg, &files.tokenizer.display().to_string())?;
        let mut h = Sha256::new();
        for p in files.all() {
            let m = std::fs::metadata(p)?;
            let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            h.update(format!("{}\0{}\0{mtime}\0", p.display(), m.len()));
        }
        let weights_id = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(Self { name: name.into(), dit, gen_cfg, sampler: Sampler::Renoise, policy: MemoryPolicy::Camr(CamrConfig::default()), vae, t5, tokenizer, weights_id })
    }

    /// Loads from the bytes of [`FILES`], in that order (e.g. `include_bytes!`).
    pub fn from_bytes(name: &str, files: &[&[u8]]) -> Result<Self> {
        Self::from_named_bytes(name, files, FILES)
    }

    /// [`from_bytes`](Self::from_bytes), with the file names errors give.
    fn from_named_bytes(name: &str, files: &[&[u8]], names: [&str; 4]) -> Result<Self> {
        let [dit_b, vae_b, t5_b, tok_b] = files else { bail!("expected the bytes of {}", FILES.join(", ")) };
        let [dit_n, vae_n, t5_n, tok_n] = names;
        let (dit_cfg, gen_cfg, vae_cfg, t5_cfg) = presets(name)?;
        let dev = Device::Cpu;
        let dit = wan::load_bytes(dit_b, &dit_cfg, DType::F32, &dev).with_context(|| format!("{dit_n} (the DiT) is corrupt or does not fit"))?;
        let vae = WanVae::load_bytes(vae_b, &vae_cfg, DType::F32, &dev).with_context(|| format!("{vae_n} (the VAE) is corrupt or does not fit"))?;
        let t5 = T5Encoder::load_bytes(t5_b, &t5_cfg, DType::F32, &dev).with_context(|| format!("{t5_n} (the text encoder) is corrupt or does not fit"))?;
        let tokenizer = TextTokenizer::from_bytes(tok_b).with_context(|| format!("{tok_n} is corrupt"))?;
        fits_encoder(&tokenizer, &t5_cfg, tok_n)?;
        Ok(Self {
            name: name.into(),
            dit,
            gen_cfg,
            sampler: Sampler::Renoise,
            policy: MemoryPolicy::Camr(CamrConfig::default()),
            vae,
            t5,
            tokenizer,
            weights_id: hash_files(files),
        })
    }

    /// Seeded random weights of a preset with a given vocabulary: for tests and benchmarks of
    /// the pipeline's speed, never for films.
    pub fn random(name: &str, seed: u64, words: &[&str]) -> Result<Self> {
        let (dit_cfg, gen_cfg, vae_cfg, t5_cfg) = presets(name)?;
        let dev = Device::Cpu;
        let dit = wan::load_tensors(wan::random_weights(&dit_cfg, seed, &dev)?, &dit_cfg, DType::F32, &dev, "random")?;
        // Random models come as trainable variables; every op on them records its graph, and
        // the VAE's feature caches would then keep every earlier chunk's graph alive (about
        // 330 MiB more per chunk). Plain tensors, as loaded weights are, keep none.
        let (_, vars) = WanVae::new_random(&vae_cfg, seed, 0.0, DType::F32, &dev)?;
        let vae = WanVae::load_bytes(&plain_bytes(&*vars.data().lock().map_err(|_| anyhow!("poisoned"))?)?, &vae_cfg, DType::F32, &dev)?;
        let (_, vars) = T5Encoder::new_random(&t5_cfg, seed, DType::F32, &dev)?;
        let t5 = T5Encoder::load_bytes(&plain_bytes(&*vars.data().lock().map_err(|_| anyhow!("poisoned"))?)?, &t5_cfg, DType::F32, &dev)?;
        let tokenizer = cine_model::t5::tokenizer::build_word_level(words.iter().copied())?;
        Ok(Self {
            name: name.into(),
            dit,
            gen_cfg,
            sampler: Sampler::Renoise,
            policy: MemoryPolicy::Camr(CamrConfig::default()),
            vae,
            t5,
            tokenizer,
            weights_id: format!("random-{seed}"),
        })
    }

    /// Samples with `n` denoising steps, evenly spaced from t = 1000 (before the shift):
    /// 4 gives the distilled sampler's `[1000, 750, 500, 250]`.
    pub fn set_steps(&mut self, n: usize) -> Result<()> {
        anyhow::ensure!(n > 0, "the sampler needs at least one step");
        self.gen_cfg.steps = cine_model::wan::schedule::even_steps(n);
        Ok(())
    }
}

/// Descending timesteps: each of `student` (already shifted) followed by `sub - 1` equally
/// spaced ones before the next, and the last followed by `tail - 1` down towards 0. The same
/// schedule as the distillation teacher's (`cine train distill`: 4 student steps, sub 3, tail 8).
pub fn teacher_steps(student: &[f64], sub: usize, tail: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, &t) in student.iter().enumerate() {
        let (k, end) = match student.get(i + 1) {
            Some(&next) => (sub.max(1), next),
            None => (tail.max(1), 0.0),
        };
        out.extend((0..k).map(|j| t + (end - t) * j as f64 / k as f64));
    }
    out
}

/// Variables as a safetensors blob of plain (graph-free) tensors.
fn plain_bytes(vars: &HashMap<String, candle_core::Var>) -> Result<Vec<u8>> {
    let tensors: HashMap<String, Tensor> = vars.iter().map(|(k, v)| (k.clone(), v.as_tensor().detach())).collect();
    state::write_safetensors(&tensors, "")
}

impl ModelParts {
    /// Samples with the distillation teacher's schedule around the configured (distilled)
    /// steps, see [`teacher_steps`]; the shift is folded into the steps (shift 1).
    pub fn set_teacher_steps(&mut self, sub: usize, tail: usize) {
        let student = wan::schedule::warped_steps(&self.gen_cfg.steps, self.gen_cfg.shift);
        self.gen_cfg.steps = teacher_steps(&student, sub, tail);
        self.gen_cfg.shift = 1.0;
    }
}

/// Folder of the model built into this binary (the build-time `model/weights/cine-tiny/`),
/// if any; it may also hold [`BASE_DIT`].
pub fn builtin_dir() -> Option<&'static Path> {
    option_env!("CINE_TINY_DIR").map(Path::new)
}

/// [`ChunkGenerator`] over a loaded model.
pub struct ModelGenerator {
    parts: ModelParts,
    gen: Option<CausalGenerator>,
    dec: Option<StreamingDecoder>,
    caption: String,
    /// IR shot index of each generator shot, in order.
    shots: Vec<usize>,
    pending_cut: bool,
    pending_prompt: Option<String>,
    embeddings: HashMap<String, Tensor>,
    /// Largest K/V memory held after a chunk since `start` (bytes).
    kv_peak: usize,
    /// Seconds spent in the text encoder, the DiT and the VAE since `new`.
    seconds: [f64; 3],
}

impl ModelGenerator {
    pub fn new(parts: ModelParts) -> Self {
        Self {
            parts,
            gen: None,
            dec: None,
            caption: String::new(),
            shots: Vec::new(),
            pending_cut: false,
            pending_prompt: None,
            embeddings: HashMap::new(),
            kv_peak: 0,
            seconds: [0.0; 3],
        }
    }

    /// The loaded networks and settings.
    pub fn parts(&self) -> &ModelParts {
        &self.parts
    }

    /// Memory policy of the next stream (takes effect at [`ChunkGenerator::start`]).
    pub fn set_policy(&mut self, policy: MemoryPolicy) {
        self.parts.policy = policy;
    }

    /// Largest K/V memory (bytes, all layers) held after any chunk of the current stream.
    pub fn kv_peak_bytes(&self) -> usize {
        self.kv_peak
    }

    fn embed(&mut self, prompt: &str) -> Result<Tensor> {
        let text = if self.caption.trim().is_empty() { prompt.to_string() } else { format!("{} {prompt}", self.caption.trim()) };
        if let Some(t) = self.embeddings.get(&text) {
            return Ok(t.clone());
        }
        let len = self.parts.t5.config().text_len;
        let (ids, mask) = self.parts.tokenizer.batch(&[text.as_str()], len, &Device::Cpu)?;
        let e = self.parts.t5.encode(&ids, &mask)?.detach();
        self.embeddings.insert(text, e.clone());
        Ok(e)
    }
}

impl ChunkGenerator for ModelGenerator {
    fn id(&self) -> String {
        // Sampler and memory policy change the frames, so they are part of the id.
        let settings = serde_json::to_vec(&(&self.parts.gen_cfg, &self.parts.policy, self.parts.sampler)).unwrap_or_default();
        format!("{}/{}/{}", self.parts.name, self.parts.weights_id, hash_files(&[&settings]))
    }

    fn frame_size(&self, _width: u32, _height: u32) -> (u32, u32) {
        let s = self.parts.vae.config().spatial_factor() as u32;
        (self.parts.gen_cfg.latent_width as u32 * s, self.parts.gen_cfg.latent_height as u32 * s)
    }

    fn start(&mut self, info: &StreamInfo) -> Result<()> {
        let cfg = GeneratorConfig { seed: info.seed, ..self.parts.gen_cfg.clone() };
        self.gen = Some(CausalGenerator::new(self.parts.dit.clone(), cfg, self.parts.policy.clone())?);
        self.dec = Some(StreamingDecoder::new(&self.parts.vae));
        self.caption = info.global_caption.clone();
        self.shots.clear();
        self.embeddings.clear();
        self.kv_peak = 0;
        Ok(())
    }

    fn begin_shot(&mut self, shot: usize, prompt: &str) -> Result<()> {
        self.shots.push(shot);
        self.pending_cut = true;
        self.pending_prompt = Some(prompt.to_string());
        Ok(())
    }

    fn set_prompt(&mut self, prompt: &str) -> Result<()> {
        self.pending_prompt = Some(prompt.to_string());
        Ok(())
    }

    fn next_chunk(&mut self, chunk: &ChunkPlan) -> Result<Vec<RgbFrame>> {
        let t = std::time::Instant::now();
        let emb = match self.pending_prompt.take() {
            Some(p) => Some(self.embed(&p)?),
            None => None,
        };
        self.seconds[0] += t.elapsed().as_secs_f64();
        // Pins name IR shots; the generator counts its own shots.
        let local = |shots: &[usize]| -> Vec<usize> { shots.iter().filter_map(|p| self.shots.iter().position(|s| s == p)).collect() };
        let (pins, protect) = (local(&chunk.pins), local(&chunk.protect));
        let (Some(gen), Some(dec)) = (self.gen.as_mut(), self.dec.as_mut()) else { bail!("the model generator was not started") };
        let cut = std::mem::take(&mut self.pending_cut);
        if cut {
            gen.begin_shot(pins);
            gen.memory_mut().set_protected(protect);
        } else {
            // A recall timed to start within the shot.
            gen.memory_mut().set_pinned(pins);
        }
        if let Some(e) = emb {
            gen.set_prompt(&e)?;
        }
        let t = std::time::Instant::now();
        let latents = match self.parts.sampler {
            Sampler::Renoise => gen.generate_chunk()?,
            Sampler::Euler => gen.generate_chunk_euler()?,
        };
        self.kv_peak = self.kv_peak.max(gen.memory().bytes());
        self.seconds[1] += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        // A new shot restarts the decoder: the causal caches would smear the cut.
        let video = if cut { dec.decode_chunk_after_cut(&latents)? } else { dec.decode_chunk(&latents)? };
        self.seconds[2] += t.elapsed().as_secs_f64();
        let (_, _, h, w) = video.dims4()?;
        Ok(to_rgb8(&video)?
            .into_iter()
            .map(|data| RgbFrame { width: w as u32, height: h as u32, data })
            .collect())
    }

    fn timings(&self) -> Vec<(&'static str, f64)> {
        vec![("text encoder", self.seconds[0]), ("DiT", self.seconds[1]), ("VAE decode", self.seconds[2])]
    }

    fn snapshot(&self) -> Result<Option<Vec<u8>>> {
        self.save()
    }

    fn restore(&mut self, state: &[u8]) -> Result<()> {
        self.load(state)
    }
}

/// The default model compiled into the binary, when `model/weights/cine-tiny/` existed at
/// build time; `None` otherwise.
pub fn builtin(name: &str) -> Option<Result<ModelParts>> {
    #[cfg(cine_tiny_weights)]
    if name == "cine-tiny" {
        const FILES: [&[u8]; 4] = [
            include_bytes!(concat!(env!("CINE_TINY_DIR"), "/dit.safetensors")),
            include_bytes!(concat!(env!("CINE_TINY_DIR"), "/vae.safetensors")),
            include_bytes!(concat!(env!("CINE_TINY_DIR"), "/t5.safetensors")),
            include_bytes!(concat!(env!("CINE_TINY_DIR"), "/tokenizer.json")),
        ];
        return Some(ModelParts::from_bytes(name, &FILES).context("the built-in cine-tiny weights"));
    }
    let _ = name;
    None
}

/// A tokenizer's ids index the text encoder's embedding: one past its rows failed only at
/// the first prompt, as "index-select invalid index".
fn fits_encoder(tokenizer: &TextTokenizer, t5: &T5Config, name: &str) -> Result<()> {
    let top = tokenizer.inner().get_vocab(true).into_values().max().unwrap_or(0) as usize;
    anyhow::ensure!(
        top < t5.vocab_size,
        "{name} has token ids up to {top}, but the text encoder's embedding has {} rows: the tokenizer is not this model's",
        t5.vocab_size
    );
    Ok(())
}

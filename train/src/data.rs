//! Training windows of the base model: stories of the synthetic world compiled by the
//! project's compiler, laid on the model's chunk grid exactly as the renderer does
//! (`cine_ir::schedule`), rendered at the story's size and encoded by the trained VAE with its
//! encoder restarted at every cut (as the renderer restarts the decoder).
//!
//! A window is the first `chunks` chunks of a story (so its first latent frame is the
//! stream's single-frame latent 0, as at inference). Per chunk it keeps the prompt text the
//! renderer's model generator embeds (`global caption + " " + prompt at the chunk's middle
//! frame`), the generator's shot index and the shots its recalls pin. Windows are cached as
//! shards `shard-NNN.safetensors` (`latents [n, 16, 3*chunks, 16, 16]`, normalised) plus
//! `shard-NNN.json` (the per-chunk metadata) so epochs are cheap.

use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use cine_ir::schedule::{ChunkPlan, Grid};
use cine_ir::{Film, ModelProfile};
use cine_model::vae::WanVae;
use cine_synth::{backdrop::Backdrop, render, Story, StoryConfig};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// cine-tiny's profile: its chunk grid is the one training windows are laid on.
fn profile() -> ModelProfile {
    cine_model::registry::profile("cine-tiny").expect("cine-tiny is in the model registry")
}

/// The film's chunks on cine-tiny's grid, exactly as the renderer schedules them.
pub fn plan_chunks(film: &Film) -> Vec<ChunkPlan> {
    cine_ir::schedule::plan(film, &profile()).chunks
}

/// The text the renderer's model generator embeds for a chunk prompt.
pub fn prompt_text(caption: &str, prompt: &str) -> String {
    if caption.trim().is_empty() { prompt.to_string() } else { format!("{} {prompt}", caption.trim()) }
}

/// Per-chunk metadata of one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowMeta {
    pub story_seed: u64,
    pub prompts: Vec<String>,
    pub shots: Vec<usize>,
    pub pins: Vec<Vec<usize>>,
    /// The latents were encoded with the encoder restarted at every cut ([`encode_window`]);
    /// windows built before that was done read as `false`.
    #[serde(default)]
    pub cut_restarts: bool,
}

/// Story settings for training windows: short shots (so windows hold cuts and returns) or
/// benchmark-like ones, returns and prompt changes more often than the default.
pub fn window_story(seed: u64) -> Story {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let short = rng.gen_bool(0.6);
    let cfg = StoryConfig {
        shots: (3, 8),
        shot_seconds: if short { (0.75, 2.5) } else { (1.5, 4.0) },
        p_return: 0.5,
        p_reverse: 0.2,
        p_event: 0.6,
        ..StoryConfig::default()
    };
    Story::generate(rng.gen(), &cfg)
}

/// Renders the stream frames of a film's first `chunks` chunks (trimmed frames included:
/// each shot is rendered on past its scripted end, as the generator generates them).
pub fn render_window(story: &Story, film: &Film, chunks: usize) -> Result<Option<(Vec<image::RgbImage>, WindowMeta)>> {
    let plan = plan_chunks(film);
    if plan.len() < chunks {
        return Ok(None);
    }
    let shots = render::aligned_shots(story, film)?;
    let mut backdrops: Vec<Option<Backdrop>> = story.sets.iter().map(|_| None).collect();
    let mut frames = Vec::new();
    for c in &plan[..chunks] {
        let spec = &shots[c.shot];
        let bd = backdrops[spec.set].get_or_insert_with(|| Backdrop::new(&story.sets[spec.set], render::backdrop_density(story.height)));
        let who = &story.cast[spec.subject];
        let rel = c.film_start - film.shots[c.shot].start_frame;
        for t in rel..rel + c.stream_frames {
            frames.push(render::render_frame(story, bd, who, spec, t));
        }
    }
    let meta = WindowMeta {
        story_seed: story.seed,
        prompts: plan[..chunks].iter().map(|c| prompt_text(&film.global_caption, &c.prompt)).collect(),
        shots: plan[..chunks].iter().map(|c| c.shot).collect(),
        pins: plan[..chunks].iter().map(|c| c.pins.clone()).collect(),
        cut_restarts: false,
    };
    Ok(Some((frames, meta)))
}

/// Frames -> `[1, 3, T, H, W]` in [-1, 1].
pub fn video_tensor(frames: &[image::RgbImage], dev: &Device) -> Result<Tensor> {
    let (w, h) = frames.first().map(|f| f.dimensions()).context("no frames")?;
    let (w, h, t) = (w as usize, h as usize, frames.len());
    let mut v = vec![0f32; 3 * t * h * w];
    for (i, f) in frames.iter().enumerate() {
        for (x, y, p) in f.enumerate_pixels() {
            for c in 0..3 {
                v[((c * t + i) * h + y as usize) * w + x as usize] = p[c] as f32 / 127.5 - 1.0;
            }
        }
    }
    Ok(Tensor::from_vec(v, (1, 3, t, h, w), dev)?)
}

/// Encodes a window's stream frames with the encoder restarted at every cut, as the renderer
/// restarts the decoder there: the first shot from the stream start, every later shot as a
/// fresh stream led by a copy of its first frame (whose latent is dropped). No latent then
/// holds anything of the previous shot. `shots`: the shot of each chunk.
pub fn encode_window(vae: &WanVae, frames: &[image::RgbImage], shots: &[usize]) -> Result<Tensor> {
    let grid = Grid::from_profile(&profile());
    let dev = Device::Cpu;
    let mut parts = Vec::new();
    let mut c = 0;
    while c < shots.len() {
        let e = (c..shots.len()).find(|&j| shots[j] != shots[c]).unwrap_or(shots.len());
        let (s, t) = (grid.chunk_start(c) as usize, grid.chunk_start(e) as usize);
        if t > frames.len() {
            bail!("{} chunks need {t} frames, the window has {}", shots.len(), frames.len());
        }
        parts.push(if c == 0 {
            vae.encode(&video_tensor(&frames[s..t], &dev)?)?
        } else {
            let led: Vec<image::RgbImage> = std::iter::once(frames[s].clone()).chain(frames[s..t].iter().cloned()).collect();
            let z = vae.encode(&video_tensor(&led, &dev)?)?;
            let n = z.dim(2)?;
            z.narrow(2, 1, n - 1)?
        });
        c = e;
    }
    Ok(Tensor::cat(&parts, 2)?)
}

/// Encodes windows into shards of `per_shard` until `dir` holds `n` windows (resumable: full
/// shards already there are kept). Stories come from `seed`; ones that do not compile or are
/// shorter than `chunks` chunks are skipped. Returns the number of windows held.
pub fn build(dir: &Path, vae: &WanVae, n: usize, chunks: usize, seed: u64, per_shard: usize, mut progress: impl FnMut(usize)) -> Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut have = load_meta(dir)?.len();
    let mut shard = have / per_shard.max(1);
    let mut story_seed = seed.wrapping_mul(1_000_003).wrapping_add(have as u64 * 7);
    progress(have);
    while have < n {
        let (mut lat, mut meta) = (Vec::new(), Vec::new());
        while lat.len() < per_shard && have + lat.len() < n {
            story_seed += 1;
            let story = window_story(story_seed);
            let Ok(film) = cine_synth::screenplay::compile(&story) else { continue };
            let Some((frames, m)) = render_window(&story, &film, chunks)? else { continue };
            lat.push(encode_window(vae, &frames, &m.shots)?);
            meta.push(WindowMeta { cut_restarts: true, ..m });
            progress(have + lat.len());
        }
        let name = format!("shard-{shard:03}");
        let lat = Tensor::cat(&lat, 0)?;
        lat.save_safetensors("latents", dir.join(format!("{name}.safetensors")))?;
        std::fs::write(dir.join(format!("{name}.json")), serde_json::to_string(&meta)?)?;
        have += meta.len();
        shard += 1;
    }
    Ok(have)
}

fn shard_names(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(vec![]);
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .filter(|n| n.starts_with("shard-"))
        .filter(|n| dir.join(format!("{n}.safetensors")).exists())
        .collect();
    names.sort();
    Ok(names)
}

fn load_meta(dir: &Path) -> Result<Vec<WindowMeta>> {
    let mut out = Vec::new();
    for n in shard_names(dir)? {
        let p = dir.join(format!("{n}.json"));
        let m: Vec<WindowMeta> = serde_json::from_str(&std::fs::read_to_string(&p)?).with_context(|| format!("corrupt {}", p.display()))?;
        out.extend(m);
    }
    Ok(out)
}

/// All cached windows: latents `[n, 16, F, h, w]` and their metadata.
pub struct Dataset {
    pub latents: Tensor,
    pub meta: Vec<WindowMeta>,
}

impl Dataset {
    pub fn load(dir: &Path, dev: &Device) -> Result<Self> {
        let names = shard_names(dir)?;
        if names.is_empty() {
            bail!("no training windows in {} (they are built by `cine train base`)", dir.display());
        }
        let mut lat = Vec::new();
        let mut meta = Vec::new();
        for n in names {
            let p = dir.join(format!("{n}.safetensors"));
            let mut t = candle_core::safetensors::load(&p, dev).with_context(|| format!("reading {}", p.display()))?;
            let l = t.remove("latents").with_context(|| format!("{} has no `latents`", p.display()))?;
            let m: Vec<WindowMeta> = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{n}.json")))?)?;
            if l.dim(0)? != m.len() {
                bail!("{} holds {} windows but its json {}", p.display(), l.dim(0)?, m.len());
            }
            lat.push(l);
            meta.extend(m);
        }
        Ok(Self { latents: Tensor::cat(&lat, 0)?, meta })
    }

    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }
}

/// Every word the synthetic world's compiled screenplays use (prompts and captions of
/// `stories` training stories), for the tokenizer.
pub fn world_words(stories: usize, seed: u64) -> Vec<String> {
    let mut words = std::collections::BTreeSet::new();
    for s in cine_synth::training_stories(stories, seed).iter().chain((0..stories as u64).map(|i| window_story(seed ^ i)).collect::<Vec<_>>().iter()) {
        let Ok(film) = cine_synth::screenplay::compile(s) else { continue };
        for c in plan_chunks(&film) {
            words.extend(cine_model::t5::tokenizer::split_words(&prompt_text(&film.global_caption, &c.prompt)));
        }
    }
    words.into_iter().collect()
}

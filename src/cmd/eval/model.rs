//! The model as a [`VideoSource`]: film -> the renderer's schedule -> [`ModelGenerator`]
//! (text encoder -> causal DiT with the chosen memory policy -> streaming VAE) -> frames in
//! memory. Uses only the film, never the story's hidden details.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cine_renderer::budget::{self, Budget};
use cine_renderer::model_gen::{self, ModelGenerator, ModelParts, Sampler, BASE_DIT, FILES};
use cine_renderer::render::{run, RenderOptions};
use cine_renderer::{plan, FrameBuffer, FrameSink};
use cine_synth::{Story, VideoSource};
use cine_synth::source::RgbImage;

/// Which DiT and sampler, which memory, which budget.
pub struct ModelSettings {
    pub model: String,
    pub model_dir: Option<PathBuf>,
    /// `base` (many-step) or `distilled` (4-step).
    pub dit: String,
    pub steps: Option<usize>,
    /// `euler` or `renoise`; default: euler for base, renoise for distilled.
    pub sampler: Option<String>,
    pub memory: String,
    pub budget: Option<Budget>,
    pub random_weights: bool,
}


/// A model rendering films for `cine eval`.
pub struct ModelSource {
    gen: ModelGenerator,
    label: String,
    memory: String,
    budget: Option<Budget>,
    /// Stories done and in all, for the progress lines.
    pub done: usize,
    pub total: usize,
}

pub fn load(s: &ModelSettings) -> Result<ModelParts> {
    if s.random_weights {
        let words = ["a", "the", "walks", "jumps", "forest", "city", "beach", "red", "ball", "wide", "close", "shot"];
        return ModelParts::random(&s.model, 0, &words);
    }
    let file = match s.dit.as_str() {
        "distilled" => FILES[0],
        "base" => BASE_DIT,
        other => bail!("unknown --dit `{other}`; choose base or distilled"),
    };
    let dir = crate::cmd::render::model_dir(s.model_dir.as_ref());
    match dir {
        Some(dir) => ModelParts::load_dir_with(&s.model, &dir, file),
        None if s.dit == "distilled" => model_gen::builtin(&s.model).unwrap_or_else(|| {
            bail!("the model `{}` is not built into this binary; pass --model-dir DIR holding {}", s.model, FILES.join(", "))
        }),
        None => match model_gen::builtin_dir().filter(|_| s.model == "cine-tiny") {
            Some(dir) => ModelParts::load_dir_with(&s.model, dir, file),
            None => bail!("no model directory for the base DiT; pass --model-dir DIR holding {BASE_DIT} and {}", FILES[1..].join(", ")),
        },
    }
}

impl ModelSource {
    pub fn new(s: &ModelSettings, total: usize) -> Result<Self> {
        budget::policy(&s.memory, None)?;
        let mut parts = load(s)?;
        // Base: the distillation teacher's 17 Euler steps (4 student steps, 3 substeps
        // between them, 8 to the end); distilled: its 4 steps; --steps N: N even steps.
        match s.steps {
            Some(n) => parts.set_steps(n)?,
            None if s.dit == "base" => parts.set_teacher_steps(3, 8),
            None => parts.set_steps(4)?,
        }
        let steps = parts.gen_cfg.steps.len();
        let sampler = s.sampler.clone().unwrap_or_else(|| if s.dit == "base" { "euler".into() } else { "renoise".into() });
        parts.sampler = match sampler.as_str() {
            "euler" => Sampler::Euler,
            "renoise" => Sampler::Renoise,
            other => bail!("unknown sampler `{other}`; choose euler or renoise"),
        };
        let weights = if s.random_weights { "random".to_string() } else { s.dit.clone() };
        let weights = if sampler == "euler" { format!("{weights}-euler") } else { weights };
        let budget = match (&s.budget, s.memory.as_str()) {
            (_, "full") | (None, _) => String::new(),
            (Some(b), _) => format!("@{}", b.label()),
        };
        let label = format!("{}/{weights}-{steps} {}{budget}", s.model, s.memory);
        Ok(Self { gen: ModelGenerator::new(parts), label, memory: s.memory.clone(), budget: s.budget, done: 0, total })
    }
}

impl VideoSource for ModelSource {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn render(&mut self, film: &cine_ir::Film, story: &Story) -> Result<Vec<RgbImage>> {
        let t = Instant::now();
        anyhow::ensure!(
            film.model == self.gen.parts().name,
            "the film asks for model `{}`, this source is `{}`",
            film.model,
            self.gen.parts().name
        );
        let profile = cine_model::registry::profile(&film.model).with_context(|| format!("unknown model `{}`", film.model))?;
        let schedule = plan(film, &profile);
        let active = self.budget.map(|b| b.resolve(schedule.chunks.len())).filter(|_| self.memory != "full");
        self.gen.set_policy(budget::policy(&self.memory, active)?);
        let mut buf = FrameBuffer::default();
        {
            let mut sinks: Vec<&mut dyn FrameSink> = vec![&mut buf];
            run(&schedule, &mut self.gen, &mut sinks, &RenderOptions::default())?;
        }
        let frames: Vec<RgbImage> = buf
            .frames
            .into_iter()
            .map(|f| RgbImage::from_raw(f.width, f.height, f.data).context("frame buffer of the wrong size"))
            .collect::<Result<_>>()?;
        self.done += 1;
        let secs = t.elapsed().as_secs_f64();
        eoutln!(
            "[{}/{}] {}: {} shots, {} chunks, {} frames in {:.1} s ({:.2} frames/s), active memory {}, K/V peak {:.1} MiB",
            self.done,
            self.total,
            story.title,
            schedule.shots.len(),
            schedule.chunks.len(),
            frames.len(),
            secs,
            frames.len() as f64 / secs.max(1e-9),
            active.map_or("all".to_string(), |a| format!("{a} chunk{}", if a == 1 { "" } else { "s" })),
            self.gen.kv_peak_bytes() as f64 / (1 << 20) as f64
        );
        Ok(frames)
    }
}

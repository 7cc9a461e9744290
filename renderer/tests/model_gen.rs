//! The model generator (umT5 -> causal DiT -> streaming VAE) through the render loop, with
//! seeded random cine-tiny weights: this tests the wiring, not the quality of a trained model.

use cine_renderer::frame::{FrameSink, RgbFrame};
use cine_renderer::model_gen::{ModelGenerator, ModelParts};
use cine_renderer::cache::{shot_keys, RenderCache};
use cine_renderer::generator::ChunkGenerator;
use cine_renderer::render::{run, stream_info, RenderOptions, RenderStats};
use cine_renderer::sample::film;
use cine_renderer::schedule::plan;

#[derive(Default)]
struct Capture(Vec<RgbFrame>);

impl FrameSink for Capture {
    fn push(&mut self, _index: u32, frame: &RgbFrame) -> anyhow::Result<()> {
        self.0.push(frame.clone());
        Ok(())
    }
}

const WORDS: [&str; 8] = ["a", "red", "ball", "blue", "room", "green", "field", "the"];

fn render(gen: &mut ModelGenerator, f: &cine_ir::Film) -> Vec<RgbFrame> {
    let profile = cine_model::registry::profile("cine-tiny").unwrap();
    let mut cap = Capture::default();
    let s = plan(f, &profile);
    let stats = run(&s, gen, &mut [&mut cap], &RenderOptions::default()).unwrap();
    assert_eq!(stats.chunks_generated, s.chunks.len());
    cap.0
}

#[test]
fn model_generator_renders_seeded_frames_on_the_chunk_grid() {
    let mut gen = ModelGenerator::new(ModelParts::random("cine-tiny", 1, &WORDS).unwrap());
    // One 9-frame chunk, then a cut to a second shot of one chunk trimmed to 8 frames.
    let f = film("cine-tiny", 5, &[("a red ball", 9), ("a blue room", 8)]);
    let a = render(&mut gen, &f);
    assert_eq!(a.len(), 17);
    assert!(a.iter().all(|fr| (fr.width, fr.height) == (64, 64)));
    assert!(a[0].data.iter().any(|&v| v != a[0].data[0]), "frames are not flat");
    // Causal and seeded: another prompt for shot 2 leaves shot 1 bit-identical (a second
    // run of the same chunk) and changes shot 2.
    let mut h = f.clone();
    h.shots[1].prompt = "a green field".into();
    let c = render(&mut gen, &h);
    assert_eq!(c[..9], a[..9]);
    assert_ne!(c[9..], a[9..]);
    // Another seed changes the first chunk.
    let g = film("cine-tiny", 6, &[("a red ball", 9)]);
    assert_ne!(render(&mut gen, &g)[..], a[..9]);
}

#[test]
fn missing_model_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = ModelParts::load_dir("cine-tiny", dir.path()).err().unwrap();
    assert!(format!("{e:#}").contains("dit.safetensors"), "{e:#}");
    for f in cine_renderer::model_gen::FILES {
        std::fs::write(dir.path().join(f), b"garbage").unwrap();
    }
    let e = ModelParts::load_dir("cine-tiny", dir.path()).err().unwrap();
    assert!(format!("{e:#}").contains("dit.safetensors (the DiT) is corrupt"), "{e:#}");
}

#[test]
fn a_tokenizer_past_the_text_encoders_rows_is_refused_at_load() {
    // It failed at the first prompt, as "index-select invalid index 100061".
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/weights/cine-tiny");
    if !shipped.join("dit.safetensors").exists() {
        return eprintln!("SKIPPED: no shipped weights");
    }
    let dir = tempfile::tempdir().unwrap();
    for f in ["dit.safetensors", "vae.safetensors", "t5.safetensors"] {
        std::fs::copy(shipped.join(f), dir.path().join(f)).unwrap();
    }
    let mut tok: serde_json::Value = serde_json::from_slice(&std::fs::read(shipped.join("tokenizer.json")).unwrap()).unwrap();
    for id in tok["model"]["vocab"].as_object_mut().unwrap().values_mut() {
        *id = (id.as_u64().unwrap() + 100_000).into();
    }
    std::fs::write(dir.path().join("tokenizer.json"), serde_json::to_vec(&tok).unwrap()).unwrap();
    let e = format!("{:#}", ModelParts::load_dir("cine-tiny", dir.path()).err().unwrap());
    assert!(e.contains("tokenizer.json has token ids up to 1005") && e.contains("embedding has 4096 rows"), "{e}");
}

fn cached_render(gen: &mut ModelGenerator, f: &cine_ir::Film, cache: &RenderCache) -> (Vec<RgbFrame>, RenderStats) {
    let profile = cine_model::registry::profile("cine-tiny").unwrap();
    let mut cap = Capture::default();
    let opts = RenderOptions { cache: Some(cache.clone()), ..Default::default() };
    let stats = run(&plan(f, &profile), gen, &mut [&mut cap], &opts).unwrap();
    (cap.0, stats)
}

#[test]
fn model_renders_resume_from_the_cache_bit_for_bit() {
    let mut gen = ModelGenerator::new(ModelParts::random("cine-tiny", 2, &WORDS).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let cache = RenderCache::new(dir.path(), u64::MAX);
    // Three shots of one chunk each: 9 + 12 + 12 frames.
    let f = film("cine-tiny", 3, &[("a red ball", 9), ("a blue room", 12), ("the green field", 12)]);
    let (a, s) = cached_render(&mut gen, &f, &cache);
    assert_eq!((s.chunks_generated, s.shots_reused, a.len()), (3, 0, 33));
    assert_eq!(cache.usage().entries, 3, "a state is saved after every shot");

    // Drop the last shot's entry: shots 1-2 come from the cache, the restored state
    // (KV memory, noise stream, prompt K/V, VAE caches) must regenerate shot 3 exactly.
    let profile = cine_model::registry::profile("cine-tiny").unwrap();
    let schedule = plan(&f, &profile);
    let keys = shot_keys(&gen.id(), &stream_info(&schedule), &schedule);
    std::fs::remove_file(dir.path().join(format!("{}.entry", keys[2]))).unwrap();
    let (b, s) = cached_render(&mut gen, &f, &cache);
    assert_eq!((s.chunks_generated, s.shots_reused), (1, 2));
    assert!(a == b, "a resumed render differs from the cold one");

    // Edit the late shot: the prefix is reused and identical, one chunk is generated.
    let mut g = f.clone();
    g.shots[2].prompt = "a red ball in the green field".into();
    let (c, s) = cached_render(&mut gen, &g, &cache);
    assert_eq!((s.chunks_generated, s.shots_reused), (1, 2));
    assert!(c[..21] == a[..21], "the unchanged prefix differs");
    assert!(c[21..] != a[21..], "the edited shot did not change");
}

#[test]
fn euler_sampler_is_seeded_and_differs_from_renoise() {
    use cine_renderer::model_gen::Sampler;
    let mut parts = ModelParts::random("cine-tiny", 3, &WORDS).unwrap();
    parts.set_steps(2).unwrap();
    let mut gen = ModelGenerator::new(parts);
    let f = film("cine-tiny", 4, &[("a red ball", 9)]);
    let renoise = render(&mut gen, &f);
    let id = gen.id();
    let mut parts = ModelParts::random("cine-tiny", 3, &WORDS).unwrap();
    parts.set_steps(2).unwrap();
    parts.sampler = Sampler::Euler;
    let mut gen = ModelGenerator::new(parts);
    let euler = render(&mut gen, &f);
    assert_eq!(euler, render(&mut gen, &f), "same seed, same frames");
    assert_ne!(euler, renoise);
    assert_ne!(gen.id(), id, "the sampler is part of the cache key");
}

#[test]
fn the_teacher_schedule_refines_the_student_steps() {
    let mut parts = ModelParts::random("cine-tiny", 0, &WORDS).unwrap();
    parts.set_teacher_steps(3, 8);
    let s = &parts.gen_cfg.steps;
    assert_eq!((s.len(), parts.gen_cfg.shift), (17, 1.0));
    // The 4 student timesteps 1000, 937.5, 833.3, 625 (shift 5) are on it, every third.
    for (i, want) in [1000.0, 937.5, 833.333, 625.0].iter().enumerate() {
        assert!((s[3 * i] - want).abs() < 1e-3, "{s:?}");
    }
    assert!(s.windows(2).all(|w| w[1] < w[0]) && s[16] > 0.0, "{s:?}");
}

#[test]
fn a_recall_timed_mid_shot_changes_the_memory_from_its_chunk_on() {
    use cine_model::memory::{CamrConfig, MemoryPolicy};
    let mut gen = ModelGenerator::new(ModelParts::random("cine-tiny", 1, &WORDS).unwrap());
    // A tight memory, so what is pinned decides what the chunk sees: the shot's first chunk,
    // the previous one and one more, by relevance (or a pinned one).
    gen.set_policy(MemoryPolicy::Camr(CamrConfig { sinks: 0, shot_sink: true, window: 1, top_k: 1, bank: 16, decay: 0.9 }));
    // Shot a: film frames 0..21 (chunks of 9 and 12). Shot b: 21..93, six chunks from 21, 33, ...
    let plain = film("cine-tiny", 3, &[("a red ball", 21), ("a blue room", 72)]);
    let mut timed = plain.clone();
    timed.shots[1].recalls = vec![cine_ir::Recall::shot(0).from_frame(45)];
    let (a, b) = (render(&mut gen, &plain), render(&mut gen, &timed));
    assert_eq!(a.len(), 93);
    // (assert! instead of assert_eq!: a failure would print 93 frames.)
    assert!(a[..45] == b[..45], "before the recall starts the frames are the same");
    assert!(a[45..] != b[45..], "from its chunk on the pinned shot changes what the memory holds");
}

#[test]
fn a_model_directory_may_have_the_published_wan_layout() {
    use cine_renderer::model_gen::ModelFiles;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let touch = |p: &str| {
        std::fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
        std::fs::write(d.join(p), b"").unwrap();
    };
    let e = format!("{:#}", ModelFiles::find(d, None).unwrap_err());
    assert!(e.contains("is missing the DiT (dit.safetensors or self_forcing_dmd.pt") && e.contains("google/umt5-xxl/tokenizer.json)"), "{e}");
    for p in ["diffusion_pytorch_model.safetensors", "Wan2.1_VAE.pth", "models_t5_umt5-xxl-enc-bf16.pth", "google/umt5-xxl/tokenizer.json"] {
        touch(p);
    }
    let f = ModelFiles::find(d, None).unwrap();
    assert_eq!(f.all().map(|p| p.strip_prefix(d).unwrap().display().to_string()), ["diffusion_pytorch_model.safetensors", "Wan2.1_VAE.pth", "models_t5_umt5-xxl-enc-bf16.pth", "google/umt5-xxl/tokenizer.json"]);
    assert!(!f.small_safetensors(), "checkpoints are read from their paths");
    // A Self-Forcing generator beside the download is the DiT used (few-step and causal).
    touch("checkpoints/self_forcing_dmd.pt");
    assert_eq!(ModelFiles::find(d, None).unwrap().dit, d.join("checkpoints/self_forcing_dmd.pt"));
    let e = format!("{:#}", ModelParts::load_dir("cine-tiny", &d.join("nowhere")).err().unwrap());
    assert!(e.contains("does not exist"), "{e}");
}

#[test]
fn weights_loaded_from_their_paths_render_as_the_same_weights_read_whole() {
    let cine = &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/weights/cine-tiny");
    // cine-tiny's files under published names, loaded path by path (memory-mapped).
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [("dit.safetensors", "diffusion_pytorch_model.safetensors"), ("vae.safetensors", "Wan2.1_VAE.safetensors"), ("t5.safetensors", "models_t5_umt5-xxl-enc-bf16.safetensors"), ("tokenizer.json", "google/umt5-xxl/tokenizer.json")] {
        std::fs::create_dir_all(dir.path().join(to).parent().unwrap()).unwrap();
        std::fs::copy(cine.join(from), dir.path().join(to)).unwrap();
    }
    let files = cine_renderer::model_gen::ModelFiles::find(dir.path(), None).unwrap();
    let mapped = ModelParts::load_paths("cine-tiny", &files).unwrap();
    let whole = ModelParts::load_dir("cine-tiny", cine).unwrap();
    assert_ne!(mapped.weights_id, whole.weights_id);
    let f = film("cine-tiny", 3, &[("a keeper on a cliff", 9)]);
    assert!(render(&mut ModelGenerator::new(mapped), &f) == render(&mut ModelGenerator::new(whole), &f));
}

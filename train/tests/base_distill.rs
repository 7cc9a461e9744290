//! Base training and ODE-init distillation on tiny configs: losses fall on a fixed batch,
//! gradients reach the text encoder, `cine train base` resumes with its step count.

use candle_core::{Device, Tensor};
use cine_model::t5::{tokenizer, T5Config};
use cine_model::wan::{self, WanConfig};
use cine_train::base::{self, CHUNK_FRAMES};
use cine_train::data::{Dataset, WindowMeta};
use cine_train::distill::{self, Trajectories};
use cine_train::rollout::{rollout, teacher_steps, Sampler};
use cine_train::step::Forcing;
use cine_train::run_opts::RunOpts;
use cine_train::tiny::{self, Nets, Opt};
use rand::SeedableRng;

fn dit_cfg() -> WanConfig {
    WanConfig { text_len: 8, in_dim: 4, out_dim: 4, dim: 48, ffn_dim: 96, freq_dim: 32, text_dim: 32, num_heads: 2, num_layers: 2, ..WanConfig::cine_tiny() }
}

fn t5_cfg() -> T5Config {
    T5Config { vocab_size: 64, dim: 32, dim_attn: 32, dim_ffn: 64, num_heads: 2, num_layers: 1, text_len: 8, ..T5Config::cine_tiny() }
}

fn randn(seed: u64, shape: &[usize]) -> Tensor {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Tensor::from_vec(wan::randn_vec(&mut rng, shape.iter().product()), shape, &Device::Cpu).unwrap()
}

fn meta(chunks: usize) -> WindowMeta {
    let p = ["a red ball jumps in a forest", "a blue box walks in a city", "a red ball turns"];
    WindowMeta {
        story_seed: 1,
        prompts: (0..chunks).map(|c| p[c * 3 / chunks.max(1) % 3].to_string()).collect(),
        shots: (0..chunks).map(|c| c / 2).collect(),
        pins: (0..chunks).map(|c| if c >= 4 { vec![0] } else { vec![] }).collect(),
        cut_restarts: false,
    }
}

fn words() -> cine_model::t5::TextTokenizer {
    tokenizer::build_word_level(["a red ball jumps in forest blue box walks city turns"]).unwrap()
}

#[test]
fn base_steps_reduce_the_loss_on_a_fixed_batch_and_gradients_reach_t5() {
    let chunks = 4;
    let nets = Nets::build(&t5_cfg(), &dit_cfg(), 3, &Device::Cpu).unwrap();
    let tok = words();
    let ds = Dataset { latents: randn(1, &[1, 4, chunks * CHUNK_FRAMES, 4, 4]), meta: vec![meta(chunks)] };
    let loss = |nets: &Nets| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        base::loss_on(nets, &tok, &ds, 0, chunks, Forcing::Teacher, base::SHIFT, &mut rng).unwrap().0
    };
    let l0 = loss(&nets);
    let grads = l0.backward().unwrap();
    let t5_vars: Vec<_> = nets.vars.data().lock().unwrap().iter().filter(|(n, _)| n.starts_with("t5.")).map(|(_, v)| v.clone()).collect();
    assert!(!t5_vars.is_empty());
    let reached = t5_vars.iter().filter(|v| grads.get(v).is_some_and(|g| g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0)).count();
    assert!(reached * 2 > t5_vars.len(), "gradients reach {reached} of {} T5 tensors", t5_vars.len());

    let mut opt = Opt::new(nets.vars.all_vars(), 3e-3, 0, 1.0, 0.9).unwrap();
    let first = l0.to_scalar::<f32>().unwrap();
    for s in 0..12 {
        opt.step(&loss(&nets), s).unwrap();
    }
    let last = loss(&nets).to_scalar::<f32>().unwrap();
    assert!(last < 0.8 * first, "loss {first} -> {last}");
}

#[test]
fn ode_init_student_loss_decreases() {
    let chunks = 3;
    let dev = Device::Cpu;
    let (tvars, t5, _) = Nets::new(&t5_cfg(), &dit_cfg(), 2, true, &dev).unwrap();
    let t5 = t5.unwrap();
    drop(tvars);
    let tok = words();
    let teacher = wan::load_tensors(wan::random_weights(&dit_cfg(), 4, &dev).unwrap(), &dit_cfg(), candle_core::DType::F32, &dev, "random").unwrap();
    let m = meta(chunks);
    let text = tiny::encode_prompts(&t5, &tok, &m.prompts, &dev).unwrap();
    let student_t = distill::student_steps();
    let steps = teacher_steps(&student_t, 2, 3);
    assert_eq!(steps.len(), 3 * 2 + 3);
    let r = rollout(&teacher, &text, &m.shots, &m.pins, &steps, Sampler::Euler, &student_t, &base::policy(), (4, CHUNK_FRAMES, 4, 4), 1).unwrap();
    assert!(r.states.iter().all(|s| s.len() == 4));
    let per_k: Vec<Tensor> = (0..4).map(|k| Tensor::cat(&r.states.iter().map(|s| s[k].clone()).collect::<Vec<_>>(), 2).unwrap()).collect();
    let tr = Trajectories { x0: r.latents().unwrap(), states: Tensor::stack(&per_k, 1).unwrap(), meta: vec![m] };

    let (vars, _, student) = Nets::new(&t5_cfg(), &dit_cfg(), 5, false, &dev).unwrap();
    let loss = |seed: u64| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        distill::ode_loss(&student, &t5, &tok, &tr, 0, Forcing::Teacher, &mut rng).unwrap()
    };
    let first = loss(1).to_scalar::<f32>().unwrap();
    let mut opt = Opt::new(vars.all_vars(), 3e-3, 0, 1.0, 0.9).unwrap();
    for s in 0..12 {
        opt.step(&loss(1), s).unwrap();
    }
    let last = loss(1).to_scalar::<f32>().unwrap();
    assert!(last < 0.8 * first, "ODE-init loss {first} -> {last}");
}

#[test]
fn checkpoint_export_and_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let a = Nets::build(&t5_cfg(), &dit_cfg(), 1, &Device::Cpu).unwrap();
    tiny::export(&a.vars, "dit", &dir.path().join("dit.safetensors")).unwrap();
    // The exported DiT loads with the model crate's loader (official names, no prefix).
    let m = wan::load(&dir.path().join("dit.safetensors"), &dit_cfg(), None, candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(m.config(), &dit_cfg());
    let b = Nets::build(&t5_cfg(), &dit_cfg(), 2, &Device::Cpu).unwrap();
    tiny::load_into(&b.vars, "dit", &dir.path().join("dit.safetensors")).unwrap();
    let get = |n: &Nets| n.vars.data().lock().unwrap()["dit.head.head.weight"].as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(get(&a), get(&b));
    assert!(tiny::load_into(&b.vars, "t5", &dir.path().join("dit.safetensors")).is_err());
}

#[test]
fn base_run_resumes_with_its_step_count_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    let json = tokenizer::build_word_level_json(["a flat toy world of simple shapes"]).unwrap();
    std::fs::write(run_dir.join("tokenizer.json"), json).unwrap();
    let args = |steps: usize, resume: bool, export: bool| base::Args {
        steps,
        run_dir: run_dir.clone(),
        from: None,
        vae: dir.path().join("none.safetensors"),
        random_vae: true,
        windows: 1,
        data_only: false,
        chunks: 1,
        forcing: Forcing::Teacher,
        lr: 1e-3,
        warmup: 1,
        shift: base::SHIFT,
        freeze_t5: None,
        save_every: 1,
        root: dir.path().to_path_buf(),
        run: RunOpts { resume, export, out: dir.path().join("out"), ..RunOpts::default() },
    };
    base::run(args(2, false, false)).unwrap();
    assert!(base::run(args(1, false, false)).is_err(), "an existing checkpoint needs --resume");
    base::run(args(1, true, true)).unwrap();
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run_dir.join("base.state.json")).unwrap()).unwrap();
    assert_eq!(state["step"], 3);
    let (_, rows) = cine_train::log::read(&run_dir.join("loss.csv")).unwrap();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    for f in ["t5.safetensors", "dit-base.safetensors", "tokenizer.json"] {
        assert!(dir.path().join("out").join(f).exists(), "{f} exported");
    }
}

#[test]
fn cosine_decays_the_learning_rate_to_a_tenth_over_the_run() {
    let nets = Nets::build(&T5Config::cine_tiny(), &WanConfig::cine_tiny(), 0, &Device::Cpu).unwrap();
    let mut opt = Opt::new(nets.vars.all_vars(), 1e-3, 10, 1.0, 0.9).unwrap();
    assert!((opt.lr_at(4) - 5e-4).abs() < 1e-12, "warm-up");
    assert_eq!(opt.lr_at(500), 1e-3, "constant without --cosine");
    opt.cosine = Some((100, 300));
    assert_eq!(opt.lr_at(100), 1e-3);
    assert!((opt.lr_at(200) - 0.55e-3).abs() < 1e-9, "half way: {}", opt.lr_at(200));
    assert!((opt.lr_at(300) - 1e-4).abs() < 1e-12 && (opt.lr_at(400) - 1e-4).abs() < 1e-12);
}

#[test]
fn probe_teacher_forced_sampling_equals_the_kv_memory_rollout_on_one_chunk() {
    // One chunk has no context: the training forward's Euler sample and the generator's
    // chunk-by-chunk one start from the same noise and must agree.
    let nets = Nets::build(&t5_cfg(), &dit_cfg(), 5, &Device::Cpu).unwrap();
    let m = meta(1);
    let text = tiny::encode_prompts(&nets.t5, &words(), &m.prompts, &Device::Cpu).unwrap();
    let x0 = randn(8, &[1, 4, CHUNK_FRAMES, 4, 4]);
    let (r, tf, kv) = cine_train::probe::window(&nets.dit, &x0, &text, &m, 3).unwrap();
    let diff = (tf - kv).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(diff < 1e-4, "teacher-forced and KV-memory samples differ by {diff}");
    assert_eq!(r.x0_error.len(), cine_train::probe::LEVELS.len());
    assert!((r.teacher_forced - r.kv_memory).abs() < 1e-4);
}

#[test]
fn probe_copy_baseline_is_zero_on_a_still_window_and_not_on_a_moving_one() {
    let nets = Nets::build(&t5_cfg(), &dit_cfg(), 5, &Device::Cpu).unwrap();
    let m = meta(2);
    let text = tiny::encode_prompts(&nets.t5, &words(), &m.prompts, &Device::Cpu).unwrap();
    let still = randn(9, &[1, 4, 1, 4, 4]).repeat((1, 1, 2 * CHUNK_FRAMES, 1, 1)).unwrap();
    let (r, _, _) = cine_train::probe::window(&nets.dit, &still, &text, &m, 3).unwrap();
    assert!(r.copy_error < 1e-9, "copy error {}", r.copy_error);
    let moving = randn(9, &[1, 4, 2 * CHUNK_FRAMES, 4, 4]);
    let (r, _, _) = cine_train::probe::window(&nets.dit, &moving, &text, &m, 3).unwrap();
    assert!(r.copy_error > 0.5, "copy error {}", r.copy_error);
}

#[test]
fn probe_names_a_missing_model() {
    let dir = tempfile::tempdir().unwrap();
    let args = cine_train::probe::Args { model: dir.path().join("nope"), dit: None, data: dir.path().to_path_buf(), windows: 1, png: None, seed: 0 };
    let e = cine_train::probe::run(args).unwrap_err();
    assert!(format!("{e:#}").contains("t5.safetensors"), "{e:#}");
}

#[test]
fn window_latents_after_a_cut_do_not_depend_on_the_previous_shot() {
    let vae = cine_model::vae::WanVae::new_random(&cine_model::vae::VaeConfig::cine_tiny(), 4, 0.0, candle_core::DType::F32, &Device::Cpu).unwrap().0;
    let frame = |v: u8| image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([v, (x * 16) as u8, (y * 16) as u8]));
    // Chunks: shot 0 (9 frames), shot 1 (12 + 12 frames).
    let shots = [0, 1, 1];
    let second: Vec<image::RgbImage> = (0..24).map(|i| frame(100 + i as u8)).collect();
    let with_first = |v: u8| -> Vec<image::RgbImage> { (0..9).map(|_| frame(v)).chain(second.iter().cloned()).collect() };
    let a = cine_train::data::encode_window(&vae, &with_first(10), &shots).unwrap();
    let b = cine_train::data::encode_window(&vae, &with_first(250), &shots).unwrap();
    assert_eq!(a.dims(), &[1, 16, 9, 4, 4]);
    let diff = |x: &Tensor, y: &Tensor| (x - y).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(diff(&a.narrow(2, 0, 3).unwrap(), &b.narrow(2, 0, 3).unwrap()) > 1e-3, "the first shot's latents follow its frames");
    assert!(diff(&a.narrow(2, 3, 6).unwrap(), &b.narrow(2, 3, 6).unwrap()) < 1e-6, "the second shot's latents ignore the first shot");
    // One encode over the whole stream would carry the first shot into the second.
    let whole = |v: u8| vae.encode(&cine_train::data::video_tensor(&with_first(v), &Device::Cpu).unwrap()).unwrap();
    assert!(diff(&whole(10).narrow(2, 3, 6).unwrap(), &whole(250).narrow(2, 3, 6).unwrap()) > 1e-3);
}

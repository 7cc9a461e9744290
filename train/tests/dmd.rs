//! DMD on the student's own rollouts, on tiny random configs: the student's gradient reaches
//! only the student, the base stays frozen, the critic learns, `g` vanishes when the critic is
//! the real model, and `cine train dmd` resumes with its step count.

use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use cine_model::t5::{tokenizer, T5Config};
use cine_model::wan::{self, WanConfig};
use cine_train::base::CHUNK_FRAMES;
use cine_train::data::WindowMeta;
use cine_train::dmd::{self, Cond, Nets};
use cine_train::run_opts::RunOpts;
use cine_train::tiny::{self, Opt};
use rand::SeedableRng;

fn dit_cfg() -> WanConfig {
    WanConfig { text_len: 8, in_dim: 4, out_dim: 4, dim: 48, ffn_dim: 96, freq_dim: 32, text_dim: 32, num_heads: 2, num_layers: 2, ..WanConfig::cine_tiny() }
}

fn t5_cfg() -> T5Config {
    T5Config { vocab_size: 64, dim: 32, dim_attn: 32, dim_ffn: 64, num_heads: 2, num_layers: 1, text_len: 8, ..T5Config::cine_tiny() }
}

const SHAPE: (usize, usize, usize, usize) = (4, CHUNK_FRAMES, 4, 4);

fn meta(chunks: usize) -> WindowMeta {
    let p = ["a red ball jumps in a forest", "a blue box walks in a city", "a red ball turns"];
    WindowMeta {
        story_seed: 1,
        prompts: (0..chunks).map(|c| p[c % 3].to_string()).collect(),
        shots: (0..chunks).map(|c| c / 2).collect(),
        pins: (0..chunks).map(|c| if c >= 2 { vec![0] } else { vec![] }).collect(),
        cut_restarts: false,
    }
}

/// A base directory (t5, dit-base, a different student dit, tokenizer) and a data directory.
fn fixture(dir: &Path, chunks: usize) {
    let dev = Device::Cpu;
    let (vars, _, _) = tiny::Nets::new(&t5_cfg(), &dit_cfg(), 2, true, &dev).unwrap();
    tiny::export(&vars, "t5", &dir.join("t5.safetensors")).unwrap();
    let save = |seed: u64, name: &str| {
        let w = wan::random_weights(&dit_cfg(), seed, &dev).unwrap();
        candle_core::safetensors::save(&w, dir.join(name)).unwrap();
    };
    save(4, "dit-base.safetensors");
    save(5, "dit.safetensors");
    let json = tokenizer::build_word_level_json(["a red ball jumps in forest blue box walks city turns"]).unwrap();
    std::fs::write(dir.join("tokenizer.json"), json).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/shard-000.json"), serde_json::to_string(&vec![meta(chunks), meta(1)]).unwrap()).unwrap();
}

struct Setup {
    _dir: tempfile::TempDir,
    nets: Nets,
    text: Tensor,
    m: WindowMeta,
}

impl Setup {
    fn new(chunks: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path(), chunks);
        let nets = Nets::load(&dit_cfg(), &dir.path().join("dit-base.safetensors"), Some(&dir.path().join("dit.safetensors"))).unwrap();
        let t5 = cine_model::t5::T5Encoder::load(&dir.path().join("t5.safetensors"), &t5_cfg(), DType::F32, &Device::Cpu).unwrap();
        let tok = cine_model::t5::TextTokenizer::from_file(&dir.path().join("tokenizer.json")).unwrap();
        let m = meta(chunks);
        let text = tiny::encode_prompts(&t5, &tok, &m.prompts, &Device::Cpu).unwrap();
        Self { _dir: dir, nets, text, m }
    }

    fn cond(&self) -> Cond<'_> {
        Cond { text: &self.text, shots: &self.m.shots, pins: &self.m.pins }
    }
}

fn opts(critic_steps: usize) -> dmd::StepOpts {
    dmd::StepOpts { shape: SHAPE, critic_steps, exit: dmd::Exit::Window }
}

fn rng(seed: u64) -> rand_chacha::ChaCha8Rng {
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

fn values(vars: &candle_nn::VarMap, name: &str) -> Vec<f32> {
    vars.data().lock().unwrap()[name].as_tensor().flatten_all().unwrap().to_vec1().unwrap()
}

fn vars_of(vars: &candle_nn::VarMap) -> Vec<Var> {
    vars.all_vars()
}

fn nonzero(grads: &candle_core::backprop::GradStore, v: &Var) -> bool {
    grads.get(v).is_some_and(|g| g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0)
}

#[test]
fn student_gradient_reaches_only_the_student_and_the_base_stays_frozen() {
    let s = Setup::new(3);
    let c = s.cond();
    let gen = dmd::generate(&s.nets.student, &c, SHAPE, dmd::Exit::Chunk, &mut rng(1)).unwrap();
    assert_eq!(gen.x0.dims(), &[1, 4, 3 * CHUNK_FRAMES, 4, 4]);
    assert_eq!(gen.context.dims(), gen.x0.dims());
    // Perturb the critic so that g is not zero (at init critic == real).
    let mut copt = Opt::new(vars_of(&s.nets.critic_vars), 1e-2, 0, 1.0, 0.0).unwrap();
    copt.step(&dmd::critic_loss(&s.nets.critic, &gen.context, &gen.x0, &c, &mut rng(2)).unwrap(), 0).unwrap();
    let t = dmd::sample_t(&mut rng(3), 3);
    let noise = gen.x0.randn_like(0.0, 1.0).unwrap();
    let g = dmd::dmd_grad(&s.nets.real, &s.nets.critic, &gen.context, &gen.x0, &c, &t, &noise).unwrap();
    assert!(g.abs().unwrap().mean_all().unwrap().to_scalar::<f32>().unwrap() > 0.0);
    let loss = dmd::student_loss(&gen.x0, &g).unwrap();
    let grads = loss.backward().unwrap();
    let sv = vars_of(&s.nets.student_vars);
    let reached = sv.iter().filter(|v| nonzero(&grads, v)).count();
    assert!(reached * 2 > sv.len(), "gradients reach {reached} of {} student tensors", sv.len());
    assert!(vars_of(&s.nets.critic_vars).iter().all(|v| !nonzero(&grads, v)), "no gradient reaches the critic");

    // A full step changes student and critic, and not the real score.
    let probe = |n: &Nets| {
        let xt = gen.x0.detach().ones_like().unwrap();
        let w = cine_train::step::Window { x0: &gen.context, xt: &xt, t: &[500.0; 3], text: &s.text, shots: &s.m.shots, pins: &s.m.pins };
        cine_train::step::predict(&n.real, &w, cine_train::step::Forcing::Teacher, &cine_train::base::policy(), CHUNK_FRAMES).unwrap().0.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    };
    let (real0, st0, cr0) = (probe(&s.nets), values(&s.nets.student_vars, "dit.head.head.weight"), values(&s.nets.critic_vars, "dit.head.head.weight"));
    let mut sopt = Opt::new(vars_of(&s.nets.student_vars), 1e-3, 0, 1.0, 0.0).unwrap();
    dmd::train_step(&s.nets, &mut sopt, &mut copt, &c, &opts(1), 1, &mut rng(4)).unwrap();
    assert_eq!(probe(&s.nets), real0, "the base (real score) is frozen");
    assert_ne!(values(&s.nets.student_vars, "dit.head.head.weight"), st0);
    assert_ne!(values(&s.nets.critic_vars, "dit.head.head.weight"), cr0);
}

#[test]
fn student_loss_gradient_is_g_over_n() {
    let x0 = Var::from_tensor(&Tensor::arange(0f32, 12., &Device::Cpu).unwrap().reshape((1, 1, 3, 2, 2)).unwrap()).unwrap();
    let g = Tensor::arange(-6f32, 6., &Device::Cpu).unwrap().reshape((1, 1, 3, 2, 2)).unwrap();
    let loss = dmd::student_loss(x0.as_tensor(), &g).unwrap();
    let d = loss.backward().unwrap().get(&x0).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let want = (g / 12.0).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!(d.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6), "{d:?} vs {want:?}");
}

#[test]
fn dmd_gradient_is_zero_when_the_critic_is_the_real_model() {
    let s = Setup::new(3);
    let c = s.cond();
    let gen = dmd::generate(&s.nets.student, &c, SHAPE, dmd::Exit::Chunk, &mut rng(1)).unwrap();
    let t = dmd::sample_t(&mut rng(3), 3);
    let noise = gen.x0.randn_like(0.0, 1.0).unwrap();
    let g = |n: &Nets| dmd::dmd_grad(&n.real, &n.critic, &gen.context, &gen.x0, &c, &t, &noise).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!(g(&s.nets).iter().all(|&v| v == 0.0), "critic initialised from the base gives g = 0 exactly");
    let mut copt = Opt::new(vars_of(&s.nets.critic_vars), 1e-2, 0, 1.0, 0.0).unwrap();
    copt.step(&dmd::critic_loss(&s.nets.critic, &gen.context, &gen.x0, &c, &mut rng(2)).unwrap(), 0).unwrap();
    assert!(g(&s.nets).iter().any(|&v| v != 0.0), "a trained critic gives g != 0");
}

#[test]
fn critic_loss_falls_on_a_fixed_window_and_a_step_is_finite() {
    let s = Setup::new(3);
    let c = s.cond();
    let gen = dmd::generate(&s.nets.student, &c, SHAPE, dmd::Exit::Chunk, &mut rng(1)).unwrap();
    let x0 = gen.x0.detach();
    let loss = || dmd::critic_loss(&s.nets.critic, &gen.context, &x0, &c, &mut rng(9)).unwrap();
    let first = loss().to_scalar::<f32>().unwrap();
    let mut copt = Opt::new(vars_of(&s.nets.critic_vars), 3e-3, 0, 1.0, 0.0).unwrap();
    for step in 0..10 {
        copt.step(&loss(), step).unwrap();
    }
    let last = loss().to_scalar::<f32>().unwrap();
    assert!(last < 0.8 * first, "critic loss {first} -> {last}");

    let mut sopt = Opt::new(vars_of(&s.nets.student_vars), 1e-3, 0, 1.0, 0.0).unwrap();
    let st = dmd::train_step(&s.nets, &mut sopt, &mut copt, &c, &opts(2), 10, &mut rng(5)).unwrap();
    for v in [st.student_loss, st.critic_loss, st.g_abs, st.student_grad_norm, st.critic_grad_norm] {
        assert!(v.is_finite() && v > 0.0, "{st:?}");
    }
}

#[test]
fn dmd_run_resumes_with_its_step_count_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path(), 2);
    let args = |steps: usize, resume: bool, export: bool| dmd::Args {
        steps,
        run_dir: dir.path().join("run"),
        base: dir.path().to_path_buf(),
        student: None,
        data: dir.path().join("data"),
        chunks: 2,
        lr: 1e-4,
        critic_lr: 1e-4,
        critic_steps: 1,
        exit: dmd::Exit::Window,
        warmup: 1,
        save_every: 1,
        vae: dir.path().join("none.safetensors"),
        latent_hw: 4,
        run: RunOpts { resume, cosine: true, export, out: dir.path().join("out"), ..RunOpts::default() },
    };
    dmd::run_with(args(2, false, false), &t5_cfg(), &dit_cfg()).unwrap();
    assert!(dmd::run_with(args(1, false, false), &t5_cfg(), &dit_cfg()).is_err(), "an existing checkpoint needs --resume");
    let critic_before = std::fs::read(dir.path().join("run/dmd-critic.safetensors")).unwrap();
    // Resuming needs no student file: the checkpoint holds the student.
    std::fs::remove_file(dir.path().join("dit.safetensors")).unwrap();
    dmd::run_with(args(1, true, true), &t5_cfg(), &dit_cfg()).unwrap();
    assert_ne!(std::fs::read(dir.path().join("run/dmd-critic.safetensors")).unwrap(), critic_before, "the critic checkpoint advances");
    for stage in ["dmd-student", "dmd-critic"] {
        let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("run/{stage}.state.json"))).unwrap()).unwrap();
        assert_eq!(state["step"], 3, "{stage}");
    }
    let (cols, rows) = cine_train::log::read(&dir.path().join("run/loss.csv")).unwrap();
    assert_eq!(cols[..3], ["student_loss", "critic_loss", "g_abs"]);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(dir.path().join("run/loss.png").exists());
    let m = wan::load(&dir.path().join("out/dit.safetensors"), &dit_cfg(), None, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(m.config(), &dit_cfg());
    let bad = dmd::Args { chunks: 9, ..args(1, true, false) };
    let e = dmd::run_with(bad, &t5_cfg(), &dit_cfg()).unwrap_err().to_string();
    assert!(e.contains("no window of 9 chunks"), "{e}");
}

#[test]
fn student_x0_at_the_exit_step_reproduces_its_own_rollout() {
    let s = Setup::new(4);
    let c = s.cond();
    let steps = cine_train::distill::student_steps();
    let r = cine_train::rollout::rollout(&s.nets.student, &s.text, &s.m.shots, &s.m.pins, &steps, cine_train::rollout::Sampler::Renoise, &steps, &cine_train::base::policy(), SHAPE, 3).unwrap();
    let maxdiff = |g: &dmd::Generated| (&g.x0 - &g.context).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    let last = dmd::student_x0(&s.nets.student, &r, &[3; 4], &[steps[3]; 4], &c).unwrap();
    assert!(maxdiff(&last) < 1e-4, "teacher-forcing x0 vs the rollout's chunks: max diff {}", maxdiff(&last));
    let first = dmd::student_x0(&s.nets.student, &r, &[0; 4], &[steps[0]; 4], &c).unwrap();
    assert!(maxdiff(&first) > 1e-2, "from pure noise the x0 differs from the final chunks ({})", maxdiff(&first));
    assert!(dmd::student_x0(&s.nets.student, &r, &[0; 3], &[steps[0]; 3], &c).is_err());
    assert!(dmd::student_x0(&s.nets.student, &r, &[4; 4], &[steps[0]; 4], &c).is_err());
    // With one exit step per window, the student's x0 is the rollout's output at every exit step.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..6 {
        let g = dmd::generate(&s.nets.student, &c, SHAPE, dmd::Exit::Window, &mut rng(seed)).unwrap();
        assert!(maxdiff(&g) < 1e-4, "exit at t = {}: max diff {}", g.t[0], maxdiff(&g));
        assert!(g.t.iter().all(|&t| t == g.t[0]));
        seen.insert(g.t[0] as i64);
    }
    assert!(seen.len() >= 2, "exit steps drawn: {seen:?}");
}

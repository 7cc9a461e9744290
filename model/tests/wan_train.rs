//! The training forward of the causal DiT: per-chunk prompts, routed (CAMR) masks per layer,
//! teacher-forcing layout; each checked against the plain forward or chunked inference.

use candle_core::{DType, Device, Tensor};
use cine_model::memory::{BlockInfo, CamrConfig, KvMemory, MemoryPolicy};
use cine_model::wan::{block_causal_mask, is_causal, Path, TrainLayout, TrainRouter};

mod common;
use common::{max_abs_diff, model, randn, tiny};

fn scale(a: &Tensor) -> f32 {
    a.abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap().max(1.0)
}

#[test]
fn per_chunk_prompt_forward_equals_forward_train_when_prompts_agree() {
    let cfg = tiny();
    let m = model(&cfg, 1);
    let (chunks, cf, h, w) = (3, 2, 4, 4);
    let f = chunks * cf;
    let x = randn(2, &[1, cfg.in_dim, f, h, w]);
    let t = Tensor::new(&[[900f32, 900., 500., 500., 100., 100.]], &Device::Cpu).unwrap();
    let ctx = randn(3, &[1, cfg.text_len, cfg.text_dim]);
    let mask = block_causal_mask(f, cf, m.tokens_per_frame(h, w), DType::F32, &Device::Cpu).unwrap();
    let frames: Vec<usize> = (0..f).collect();
    let one = m.forward_train_at(&x, &t, &ctx, Some(&mask), &frames).unwrap();
    let same = ctx.repeat((chunks, 1, 1)).unwrap();
    let per_chunk = m.forward_train_at(&x, &t, &same, Some(&mask), &frames).unwrap();
    assert!(max_abs_diff(&one, &per_chunk) <= 1e-5 * scale(&one));
    // A different prompt for the last chunk changes that chunk only (block-causal).
    let other = Tensor::cat(&[&ctx, &ctx, &randn(4, &[1, cfg.text_len, cfg.text_dim])], 0).unwrap();
    let out = m.forward_train_at(&x, &t, &other, Some(&mask), &frames).unwrap();
    let head = |a: &Tensor| a.narrow(2, 0, 2 * cf).unwrap();
    let tail = |a: &Tensor| a.narrow(2, 2 * cf, cf).unwrap();
    assert!(max_abs_diff(&head(&one), &head(&out)) <= 1e-5 * scale(&one));
    assert!(max_abs_diff(&tail(&one), &tail(&out)) > 1e-3);
}

#[test]
fn routed_forward_with_covering_budget_equals_block_causal_forward() {
    let cfg = tiny();
    let m = model(&cfg, 5);
    let (chunks, cf, h, w) = (4, 2, 4, 4);
    let f = chunks * cf;
    let tpf = m.tokens_per_frame(h, w);
    let x = randn(6, &[1, cfg.in_dim, f, h, w]);
    let t = Tensor::new(&[[900f32, 900., 700., 700., 300., 300., 10., 10.]], &Device::Cpu).unwrap();
    let ctx = randn(7, &[chunks, cfg.text_len, cfg.text_dim]);
    let shots = vec![0, 0, 1, 1];
    let layout = TrainLayout::diffusion(shots, vec![vec![]; chunks], cf, tpf);
    let frames = layout.rope_frames(8);
    assert_eq!(frames, vec![0, 1, 2, 3, 12, 13, 14, 15]);
    let mask = block_causal_mask(f, cf, tpf, DType::F32, &Device::Cpu).unwrap();
    let plain = m.forward_train_at(&x, &t, &ctx, Some(&mask), &frames).unwrap();
    let covering = MemoryPolicy::Camr(CamrConfig { top_k: 16, ..CamrConfig::default() });
    let router = TrainRouter::new(layout.clone(), covering);
    let routed = m.forward_train_routed(&x, &t, &ctx, &frames, &router).unwrap();
    assert!(max_abs_diff(&plain, &routed) <= 1e-5 * scale(&plain));
    assert_eq!(router.stats().0, router.stats().1, "a covering budget keeps every past block");
    // A budget of one window block drops chunk 0 for chunk 3 (and chunk 2's shot sink is itself).
    let tight = MemoryPolicy::Camr(CamrConfig { sinks: 0, shot_sink: false, window: 1, top_k: 0, ..CamrConfig::default() });
    let router = TrainRouter::new(layout, tight);
    let routed = m.forward_train_routed(&x, &t, &ctx, &frames, &router).unwrap();
    assert!(max_abs_diff(&plain.narrow(2, 3 * cf, cf).unwrap(), &routed.narrow(2, 3 * cf, cf).unwrap()) > 1e-4);
    assert!(router.stats().0 < router.stats().1);
}

/// The routed training forward over clean chunks at t = 0 is what chunked inference computes
/// in its cache-writing passes under CAMR with a budget that excludes blocks: the same routing
/// decisions (per layer, from the same queries and keys) and the same outputs.
#[test]
fn routed_training_forward_equals_chunked_camr_inference() {
    let cfg = tiny();
    let m = model(&cfg, 9);
    let (chunks, cf, h, w) = (6, 2, 4, 4);
    let f = chunks * cf;
    let tpf = m.tokens_per_frame(h, w);
    let x = randn(10, &[1, cfg.in_dim, f, h, w]);
    let ctx = randn(11, &[1, cfg.text_len, cfg.text_dim]);
    let shots = vec![0, 0, 1, 1, 2, 2];
    let pins = vec![vec![], vec![], vec![], vec![], vec![0], vec![0]];
    let camr = CamrConfig { sinks: 1, shot_sink: true, window: 1, top_k: 1, bank: 16, decay: 0.9 };
    let policy = MemoryPolicy::Camr(camr);

    let text = m.encode_text(&ctx, Path::Fused).unwrap();
    let mut mem = KvMemory::new(policy.clone(), cfg.num_layers);
    mem.set_logging(true);
    let (mut rope, mut outs) = (0, vec![]);
    for c in 0..chunks {
        if c == 0 || shots[c] != shots[c - 1] {
            if c > 0 {
                rope += 8;
            }
            mem.begin_shot(c, pins[c].clone());
        }
        mem.begin_pass(c, 0, true);
        let xc = x.narrow(2, c * cf, cf).unwrap();
        let tc = Tensor::zeros((1, cf), DType::F32, &Device::Cpu).unwrap();
        outs.push(m.forward_chunk(&xc, &tc, &text, rope, &mut mem).unwrap());
        mem.commit(BlockInfo { id: c, shot: shots[c] }).unwrap();
        rope += cf;
    }
    let chunked = Tensor::cat(&outs, 2).unwrap();
    let log = mem.take_log();
    assert!(log.iter().any(|r| r.selected.len() < r.chunk), "the budget must exclude some block");

    let layout = TrainLayout::diffusion(shots, pins, cf, tpf);
    let router = TrainRouter::new(layout.clone(), policy);
    let t = Tensor::zeros((1, f), DType::F32, &Device::Cpu).unwrap();
    let routed = m.forward_train_routed(&x, &t, &ctx, &layout.rope_frames(8), &router).unwrap();
    let d = max_abs_diff(&chunked, &routed);
    assert!(d <= 1e-4 * scale(&chunked), "routed training vs chunked CAMR inference: {d}");
    let (kept, offered) = router.stats();
    let inf_kept: usize = log.iter().map(|r| r.selected.len()).sum();
    assert_eq!((kept, offered), (inf_kept, log.iter().map(|r| r.chunk).sum::<usize>()));
}

#[test]
fn teacher_layout_is_causal_and_noisy_chunks_see_clean_past_only() {
    let layout = TrainLayout::teacher(vec![0, 0, 1], vec![vec![]; 3], 3, 4);
    let all = MemoryPolicy::Full;
    let allowed = layout.allowed(&all, &[]);
    assert!(is_causal(&layout, &allowed));
    // Sequence: clean 0,1,2 then noisy 0,1,2. Noisy chunk 2 (row 5) sees clean 0, 1 and itself.
    assert_eq!(allowed[5], vec![true, true, false, false, false, true]);
    // Clean chunk 1 (row 1) sees clean 0 and itself.
    assert_eq!(allowed[1], vec![true, true, false, false, false, false]);
    assert_eq!(layout.rope_frames(8), vec![0, 1, 2, 3, 4, 5, 14, 15, 16, 0, 1, 2, 3, 4, 5, 14, 15, 16]);
}

//! CAMR routing on planted key blocks.

use candle_core::{Device, Tensor};
use cine_model::memory::{BlockInfo, CamrConfig, KvMemory, MemoryPolicy};
use cine_model::wan::{randn_vec, KvContext};
use rand::SeedableRng;

const H: usize = 2;
const T: usize = 8;
const D: usize = 16;

fn randn(rng: &mut rand_chacha::ChaCha8Rng, scale: f32) -> Tensor {
    let v: Vec<f32> = randn_vec(rng, H * T * D).into_iter().map(|x| x * scale).collect();
    Tensor::from_vec(v, (1, H, T, D), &Device::Cpu).unwrap()
}

/// Stores `blocks` as chunks 0.. of shot 0 (one layer).
fn fill(mem: &mut KvMemory, blocks: &[Tensor]) {
    for (i, k) in blocks.iter().enumerate() {
        mem.begin_pass(i, 0, true);
        mem.put(0, k, k).unwrap();
        mem.commit(BlockInfo { id: i, shot: 0 }).unwrap();
    }
}

#[test]
fn planted_relevant_old_block_is_routed_in_and_irrelevant_recent_one_is_not() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let dir = randn(&mut rng, 1.0).narrow(2, 0, 1).unwrap(); // one direction per head
    let q = (dir.broadcast_as((1, H, T, D)).unwrap() + randn(&mut rng, 0.1)).unwrap();
    // 8 blocks of weak noise; block 2 (old) aligned with the queries, block 6 (recent, just
    // outside the 1-block window) anti-aligned.
    let mut blocks: Vec<Tensor> = (0..8).map(|_| randn(&mut rng, 0.3)).collect();
    blocks[2] = (q.clone() * 2.0).unwrap();
    blocks[6] = (q.clone() * -2.0).unwrap();
    let camr = CamrConfig { sinks: 1, shot_sink: false, window: 1, top_k: 1, bank: 16, decay: 1.0 };
    let mut mem = KvMemory::new(MemoryPolicy::Camr(camr), 1);
    mem.set_logging(true);
    fill(&mut mem, &blocks);
    mem.begin_pass(8, 0, false);
    let past = mem.past(0, &q).unwrap();
    assert_eq!(past.len(), 3);
    assert!(past.iter().all(|(k, v)| k.dim(2).unwrap() == T && v.dim(2).unwrap() == T));
    let log = mem.take_log();
    assert_eq!(log[0].selected, vec![0, 2, 7]);
    let score = |id| log[0].scores.iter().find(|(b, _)| *b == id).unwrap().1;
    assert!(score(2) > score(6) && score(2) > score(5));

    // Sliding window with the same budget never sees block 2.
    let mut win = KvMemory::new(MemoryPolicy::SinkWindow { sinks: 1, window: 2, shot_sink: false }, 1);
    win.set_logging(true);
    fill(&mut win, &blocks);
    win.begin_pass(8, 0, false);
    win.past(0, &q).unwrap();
    assert_eq!(win.take_log()[0].selected, vec![0, 6, 7]);
}

#[test]
fn recall_pins_win_over_scores_and_the_bank_evicts_least_relevant() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let q = randn(&mut rng, 1.0);
    let mut blocks: Vec<Tensor> = (0..6).map(|_| randn(&mut rng, 0.3)).collect();
    blocks[3] = (q.clone() * 2.0).unwrap();
    let camr = CamrConfig { sinks: 1, shot_sink: false, window: 1, top_k: 1, bank: 2, decay: 1.0 };
    let mut mem = KvMemory::new(MemoryPolicy::Camr(camr), 1);
    mem.set_logging(true);
    // Chunk i's queries are `q`, so block 3 keeps scoring high while it ages.
    for (i, k) in blocks.iter().enumerate() {
        mem.begin_pass(i, 0, true);
        mem.past(0, &q).unwrap();
        mem.put(0, k, k).unwrap();
        mem.commit(BlockInfo { id: i, shot: i }).unwrap();
        assert!(mem.block_ids(0).len() <= 1 + 1 + 2);
    }
    let ids = mem.block_ids(0);
    assert!(ids.contains(&3), "the relevant block survives eviction: {ids:?}");
    assert_eq!(ids.len(), 4);
    // Pinning shot 1 (block 1, if still there) or else another: pins beat scores.
    let pinned = *ids.iter().find(|i| **i != 0 && **i != 3 && **i != 5).unwrap();
    mem.begin_shot(6, vec![pinned]);
    mem.begin_pass(6, 0, false);
    mem.past(0, &q).unwrap();
    assert_eq!(mem.take_log().last().unwrap().selected, vec![0, pinned, 5]);
}

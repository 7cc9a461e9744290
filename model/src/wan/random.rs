//! Seeded random weights in the official layout, for tests and benchmarks.

use std::collections::HashMap;

use candle_core::{Device, Result, Tensor};
use rand::{Rng, SeedableRng};

use super::{expected_tensors, WanConfig};

/// Standard-normal samples from a seeded ChaCha stream (Box-Muller).
pub fn randn_vec(rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = rng.gen::<f64>().max(1e-12);
        let u2: f64 = rng.gen();
        let r = (-2.0 * u1.ln()).sqrt();
        let a = 2.0 * std::f64::consts::PI * u2;
        out.push((r * a.cos()) as f32);
        out.push((r * a.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// Mean and standard deviation of tensor `name`: weights ~ N(0, 1/fan_in), biases and norms
/// std 0.1 (norm weights around 1), modulations ~ N(0, 1/dim).
fn init_scale(cfg: &WanConfig, name: &str, shape: &[usize]) -> (f32, f32) {
    let norm = name.contains("norm");
    let std = if norm || name.ends_with("bias") {
        0.1
    } else if name.contains("modulation") {
        1.0 / (cfg.dim as f32).sqrt()
    } else {
        1.0 / (shape[1..].iter().product::<usize>() as f32).sqrt()
    };
    (if norm && name.ends_with("weight") { 1.0 } else { 0.0 }, std)
}

/// Random f32 weights for every tensor of `cfg`: weights ~ N(0, 1/fan_in), biases and
/// modulations small, norm weights near 1. Deterministic in `seed`.
pub fn random_weights(cfg: &WanConfig, seed: u64, dev: &Device) -> Result<HashMap<String, Tensor>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = HashMap::new();
    for (name, shape) in expected_tensors(cfg) {
        let n: usize = shape.iter().product();
        let z = randn_vec(&mut rng, n);
        let (base, std) = init_scale(cfg, &name, &shape);
        let v: Vec<f32> = z.into_iter().map(|x| base + std * x).collect();
        out.insert(name, Tensor::from_vec(v, shape, dev)?);
    }
    Ok(out)
}

/// Random weights of `cfg` drawn on `dev` in `dtype` (candle's device RNG, not seeded): for
/// speed benchmarks at full scale, where host-side generation of ~1.4e9 values would dominate
/// start-up. Same scales as [`random_weights`].
pub fn random_weights_on_device(cfg: &WanConfig, dtype: candle_core::DType, dev: &Device) -> Result<HashMap<String, Tensor>> {
    let mut out = HashMap::new();
    for (name, shape) in expected_tensors(cfg) {
        let (base, std) = init_scale(cfg, &name, &shape);
        let t = Tensor::randn(base, std, shape, dev)?.to_dtype(dtype)?;
        out.insert(name, t);
    }
    Ok(out)
}

//! Shared by the DiT tests: a tiny config, seeded random weights and inputs, comparisons.

use candle_core::{DType, Device, Tensor};
use cine_model::wan::{self, WanConfig, WanModel};

pub fn tiny() -> WanConfig {
    WanConfig { text_len: 8, in_dim: 4, out_dim: 4, dim: 48, ffn_dim: 96, freq_dim: 32, text_dim: 32, num_heads: 2, num_layers: 2, ..WanConfig::cine_tiny() }
}

pub fn model(cfg: &WanConfig, seed: u64) -> WanModel {
    let dev = Device::Cpu;
    wan::load_tensors(wan::random_weights(cfg, seed, &dev).unwrap(), cfg, DType::F32, &dev, "random").unwrap()
}

pub fn randn(seed: u64, shape: &[usize]) -> Tensor {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = shape.iter().product();
    Tensor::from_vec(wan::randn_vec(&mut rng, n), shape, &Device::Cpu).unwrap()
}

pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap()
}

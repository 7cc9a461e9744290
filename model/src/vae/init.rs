//! Deterministic weight initialisation of a `VarMap` by tensor name (for training from scratch and tests).

use candle_core::{Result, Tensor};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Set every variable of `vm` from a seeded RNG: matrices/kernels ~ N(0, 1/fan_in), embeddings
/// ~ N(0, 1), norm scales (`gamma`, 1-D `weight`) = 1 + noise*N(0,1), biases = noise*N(0,1).
/// `noise = 0` gives the usual training init; tests use a small `noise` so every tensor matters.
pub fn randomize(vm: &VarMap, seed: u64, noise: f64) -> Result<()> {
    let data = vm.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for name in names {
        let var = &data[name];
        let dims = var.dims().to_vec();
        let n: usize = dims.iter().product();
        let mut normal = || -> f64 {
            let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
            let u2: f64 = rng.gen();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        };
        let leaf = name.rsplit('.').next().unwrap_or("");
        let is_norm = leaf == "gamma" || (leaf == "weight" && dims.len() == 1);
        let is_embedding = name.contains("embedding");
        let vals: Vec<f32> = (0..n)
            .map(|_| {
                let g = normal();
                let v = if is_norm {
                    1.0 + noise * g
                } else if leaf == "bias" {
                    noise * g
                } else if is_embedding {
                    g
                } else {
                    let fan_in: usize = dims.iter().skip(1).product::<usize>().max(1);
                    g / (fan_in as f64).sqrt()
                };
                v as f32
            })
            .collect();
        let t = Tensor::from_vec(vals, dims.as_slice(), var.device())?.to_dtype(var.dtype())?;
        var.set(&t)?;
    }
    Ok(())
}

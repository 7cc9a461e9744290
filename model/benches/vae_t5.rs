//! CPU latency of the cine-tiny VAE (streaming decode, encode) and umT5 encoder, random weights, f32.
//!
//!     cargo bench -p cine-model --bench vae_t5
//!     cargo bench -p cine-model --bench vae_t5 -- --chunks 20 --base-dim 16
//!     cargo bench -p cine-model --bench vae_t5 -- --weights model/weights/cine-tiny/vae.safetensors

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use cine_model::t5::{T5Config, T5Encoder};
use cine_model::vae::{StreamingDecoder, VaeConfig, WanVae};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let dev = Device::Cpu;
    let chunks = arg("--chunks", 10);
    let base = VaeConfig::cine_tiny();
    let cfg = VaeConfig { base_dim: arg("--base-dim", base.base_dim), ..base };
    let (vae, vm) = WanVae::new_random(&cfg, 1, 0.0, DType::F32, &dev)?;
    let params: usize = vm.all_vars().iter().map(|v| v.elem_count()).sum();
    let args: Vec<String> = std::env::args().collect();
    let weights = args.iter().position(|a| a == "--weights").and_then(|i| args.get(i + 1));
    let vae = match weights {
        // Trained weights (as the renderer loads them), else the random ones.
        Some(p) => WanVae::load(std::path::Path::new(p), &cfg, DType::F32, &dev)?,
        None => {
            // Through a file, as the renderer loads them: plain tensors, not training `Var`s
            // (with `Var` weights every op records its graph and keeps all intermediates alive).
            let tmp = std::env::temp_dir().join(format!("cine-vae-bench-{}.safetensors", std::process::id()));
            vm.save(&tmp)?;
            let bytes = std::fs::read(&tmp)?;
            std::fs::remove_file(&tmp).ok();
            drop(vae);
            WanVae::load_bytes(&bytes, &cfg, DType::F32, &dev)?
        }
    };
    let from = weights.map(String::as_str).unwrap_or("random weights");
    println!("cine-tiny VAE: base_dim {}, {} params ({from}), 64x64 video, 16x16x16 latents", cfg.base_dim, params);

    let mut dec = StreamingDecoder::new(&vae);
    println!("{:>6} {:>8} {:>10} {:>10}", "chunk", "frames", "ms", "video fps");
    let mut total = (0usize, 0f64);
    for i in 0..chunks {
        let z = Tensor::randn(0f32, 1f32, (1, 16, 3, 16, 16), &dev)?;
        let t0 = Instant::now();
        let frames = dec.decode_chunk(&z)?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let n = frames.dim(2)?;
        if i > 0 {
            total = (total.0 + n, total.1 + ms);
        }
        if i < 3 || i + 1 == chunks {
            println!("{:>6} {:>8} {:>10.1} {:>10.1}", i, n, ms, n as f64 / ms * 1e3);
        }
    }
    if chunks > 1 {
        println!("steady state: {:.1} ms per 12-frame chunk, {:.1} video fps", total.1 / (chunks - 1) as f64, total.0 as f64 / total.1 * 1e3);
    }

    let video = Tensor::rand(-1f32, 1f32, (1, 3, 33, 64, 64), &dev)?;
    let t0 = Instant::now();
    let z = vae.encode(&video)?;
    println!("encode 33 frames 64x64 -> {:?}: {:.1} ms", z.dims(), t0.elapsed().as_secs_f64() * 1e3);

    // For comparison: candle's own conv2d on the old layout of a full-resolution causal 3x3x3
    // conv (16 -> 16 channels, 12 frames, the 3 taps stacked on 48 input channels).
    let x = Tensor::randn(0f32, 1f32, (12, 48, 64, 64), &dev)?;
    let w = Tensor::randn(0f32, 1f32, (16, 48, 3, 3), &dev)?;
    x.conv2d(&w, 1, 1, 1, 1)?;
    let t0 = Instant::now();
    for _ in 0..5 {
        x.conv2d(&w, 1, 1, 1, 1)?;
    }
    let ms = t0.elapsed().as_secs_f64() * 1e3 / 5.0;
    let gmac = 12.0 * 64.0 * 64.0 * 16.0 * 48.0 * 9.0 / 1e9;
    println!("conv2d [12,48,64,64] * [16,48,3,3]: {ms:.1} ms ({:.1} GMAC/s)", gmac / ms * 1e3);

    let tcfg = T5Config::cine_tiny();
    let (enc, _) = T5Encoder::new_random(&tcfg, 2, DType::F32, &dev)?;
    let ids = Tensor::arange(0u32, tcfg.text_len as u32, &dev)?.unsqueeze(0)?;
    let mask = Tensor::ones((1, tcfg.text_len), DType::U8, &dev)?;
    enc.encode(&ids, &mask)?;
    let t0 = Instant::now();
    let reps = 20;
    for _ in 0..reps {
        enc.encode(&ids, &mask)?;
    }
    println!("umT5 cine-tiny encode 1x{} tokens: {:.2} ms", tcfg.text_len, t0.elapsed().as_secs_f64() * 1e3 / reps as f64);
    Ok(())
}

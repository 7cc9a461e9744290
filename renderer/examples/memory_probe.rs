//! Resident memory after each chunk of the DiT and of the streaming VAE, separately, to
//! catch growth: `cargo run --release -p cine-renderer --example memory_probe -- dit|vae|vae-file`
//! (random cine-tiny weights; `vae-file` loads model/weights/cine-tiny/vae.safetensors).
use candle_core::{Device, Tensor};
use cine_model::vae::StreamingDecoder;
use cine_model::wan::CausalGenerator;
use cine_renderer::model_gen::ModelParts;

fn rss() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let l = s.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    l.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}

fn main() -> anyhow::Result<()> {
    let parts = ModelParts::random("cine-tiny", 0, &["a", "b"])?;
    let which = std::env::args().nth(1).unwrap_or_default();
    if which == "dit" {
        let mut g = CausalGenerator::new(parts.dit.clone(), parts.gen_cfg.clone(), parts.policy.clone())?;
        g.set_prompt(&Tensor::zeros((1, 64, 128), candle_core::DType::F32, &Device::Cpu)?)?;
        for i in 0..10 {
            let _ = g.generate_chunk()?;
            println!("dit chunk {i}: rss {:.0} MiB, kv {:.1} MiB", rss(), g.memory().bytes() as f64 / 1048576.0);
        }
    } else {
        let vae = if which == "vae-file" {
            cine_model::vae::WanVae::load(std::path::Path::new("model/weights/cine-tiny/vae.safetensors"), parts.vae.config(), candle_core::DType::F32, &Device::Cpu)?
        } else {
            parts.vae.clone()
        };
        let mut d = StreamingDecoder::new(&vae);
        for i in 0..10 {
            let z = Tensor::randn(0f32, 1f32, (16, 3, 16, 16), &Device::Cpu)?;
            let _ = d.decode_chunk(&z)?;
            println!("vae chunk {i}: rss {:.0} MiB", rss());
        }
    }
    Ok(())
}

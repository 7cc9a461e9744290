//! Times the default model's stages per chunk with seeded random cine-tiny weights:
//! `cargo run -p cine-renderer --example model_timing`.
use std::time::Instant;

use candle_core::Device;
use cine_renderer::model_gen::ModelParts;
use cine_model::vae::StreamingDecoder;
use cine_model::wan::CausalGenerator;

fn main() -> anyhow::Result<()> {
    let p = ModelParts::random("cine-tiny", 1, &["a", "red", "ball"])?;
    let (ids, mask) = p.tokenizer.batch(&["a red ball"], p.t5.config().text_len, &Device::Cpu)?;
    let t = Instant::now();
    let emb = p.t5.encode(&ids, &mask)?;
    println!("text encoder: {:.3} s", t.elapsed().as_secs_f64());
    let mut gen = CausalGenerator::new(p.dit.clone(), p.gen_cfg.clone(), p.policy.clone())?;
    gen.set_prompt(&emb)?;
    let mut dec = StreamingDecoder::new(&p.vae);
    for i in 0..6 {
        let t = Instant::now();
        let z = gen.generate_chunk()?;
        let g = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let v = dec.decode_chunk(&z)?;
        println!("chunk {i}: DiT {g:.3} s, VAE decode {:.3} s -> {:?}", t.elapsed().as_secs_f64(), v.dims());
    }
    Ok(())
}

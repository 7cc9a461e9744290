//! The Wan VAE against diffusers' `AutoencoderKLWan` (fixtures from model/scripts/fixtures_vae_t5.py,
//! weights converted to the official `Wan2.1_VAE.pth` key names, loaded through `WanVae::load`).

use candle_core::{DType, Device, Tensor};
use cine_model::vae::{StreamingDecoder, VaeConfig, WanVae};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn rel_err(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let d = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    let m = b.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    d / m.max(1e-6)
}

fn check(file: &str, cfg: VaeConfig) {
    let path = fixture(file);
    let t = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    let vae = WanVae::load(&path, &cfg, DType::F32, &Device::Cpu).unwrap();
    let video = &t["fixture.video"];

    let (mu, logvar) = vae.encode_moments(video).unwrap();
    let e = rel_err(&mu, &t["fixture.mu"]);
    assert!(e < 1e-4, "{file}: encode mean rel err {e}");
    eprintln!("{file}: encode mean rel err {e}", e = e);
    let e = rel_err(&logvar, &t["fixture.logvar"]);
    assert!(e < 1e-4, "{file}: encode log-variance rel err {e}");
    eprintln!("{file}: encode log-variance rel err {e}", e = e);
    let e = rel_err(&vae.encode(video).unwrap(), &t["fixture.mu_normalized"]);
    assert!(e < 1e-4, "{file}: normalised latents rel err {e}");
    eprintln!("{file}: normalised latents rel err {e}", e = e);

    // diffusers decodes raw latents; ours take normalised ones.
    let latents = vae.normalize(&t["fixture.z"]).unwrap();
    let e = rel_err(&vae.decode(&latents).unwrap(), &t["fixture.decoded"]);
    assert!(e < 1e-4, "{file}: decode rel err {e}");
    eprintln!("{file}: decode rel err {e}", e = e);

    // The streaming decoder, fed chunk by chunk, gives the reference frames too.
    let mut dec = StreamingDecoder::new(&vae);
    let a = dec.decode_chunk(&latents.narrow(2, 0, 2).unwrap()).unwrap();
    let b = dec.decode_chunk(&latents.narrow(2, 2, 1).unwrap()).unwrap();
    let e = rel_err(&Tensor::cat(&[a, b], 2).unwrap(), &t["fixture.decoded"]);
    assert!(e < 1e-4, "{file}: streaming decode rel err {e}");
    eprintln!("{file}: streaming decode rel err {e}", e = e);
}

#[test]
fn wan21_topology_matches_diffusers() {
    let cfg = VaeConfig { base_dim: 4, num_res_blocks: 1, ..VaeConfig::wan21() };
    check("wan_vae_tiny.safetensors", cfg);
}

#[test]
fn cine_tiny_topology_matches_diffusers() {
    let cfg = VaeConfig { base_dim: 4, ..VaeConfig::cine_tiny() };
    check("wan_vae_cine_tiny.safetensors", cfg);
}

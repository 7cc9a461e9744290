//! Parity with diffusers' WanTransformer3DModel (fixture from model/scripts/fixtures_wan.py,
//! weights in the official Wan2.1 layout) and the loader's error messages.

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use cine_model::wan::{self, WanConfig};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Must match CFG in model/scripts/fixtures_wan.py.
fn parity_config() -> WanConfig {
    WanConfig { dim: 48, num_heads: 2, num_layers: 2, ffn_dim: 64, text_dim: 32, freq_dim: 32, in_dim: 16, out_dim: 16, text_len: 7, ..WanConfig::wan2_1_1_3b() }
}

fn fixture() -> HashMap<String, Tensor> {
    candle_core::safetensors::load(fixtures().join("wan_tiny.safetensors"), &Device::Cpu).unwrap()
}

fn rel_err(a: &Tensor, b: &Tensor) -> f32 {
    let m = |t: Tensor| t.abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap();
    m((a - b).unwrap()) / m(b.clone())
}

#[test]
fn matches_diffusers_wan_transformer() {
    let cfg = parity_config();
    let m = wan::load(&fixtures().join("wan_tiny.safetensors"), &cfg, None, DType::F32, &Device::Cpu).unwrap();
    let fx = fixture();
    let (x, ctx) = (&fx["fixture.x"], &fx["fixture.context"]);
    for case in ["scalar", "frames"] {
        let t = &fx[&format!("fixture.t_{case}")];
        let want = &fx[&format!("fixture.out_{case}")];
        let fused = m.forward(x, t, ctx, None).unwrap();
        let generic = m.forward_train(x, t, ctx, None).unwrap();
        let (ef, eg) = (rel_err(&fused, want), rel_err(&generic, want));
        eprintln!("{case}: rel err fused {ef:.2e}, generic {eg:.2e}");
        assert!(ef < 1e-4 && eg < 1e-4, "{case}: rel err fused {ef}, generic {eg}");
    }
}

#[test]
fn loads_self_forcing_style_pt_checkpoint() {
    let cfg = parity_config();
    let pt = fixtures().join("wan_tiny_sf.pt");
    let m = wan::load(&pt, &cfg, None, DType::F32, &Device::Cpu).unwrap();
    let fx = fixture();
    let out = m.forward(&fx["fixture.x"], &fx["fixture.t_frames"], &fx["fixture.context"], None).unwrap();
    assert!(rel_err(&out, &fx["fixture.out_frames"]) < 1e-4);
    // The (stand-in) EMA dict lacks the rest of the model: the error names the first missing tensor.
    let err = format!("{:#}", wan::load(&pt, &cfg, Some("generator_ema"), DType::F32, &Device::Cpu).unwrap_err());
    assert!(err.contains("missing tensor `model.patch_embedding.bias`"), "{err}");
}

#[test]
fn loading_errors_name_the_tensor() {
    let cfg = parity_config();
    let dev = Device::Cpu;
    let weights: HashMap<String, Tensor> = fixture().into_iter().filter(|(k, _)| !k.starts_with("fixture.")).collect();

    let mut missing = weights.clone();
    missing.remove("blocks.1.cross_attn.norm_k.weight");
    let err = format!("{:#}", wan::load_tensors(missing.clone(), &cfg, DType::F32, &dev, "test").unwrap_err());
    assert!(err.contains("missing tensor `blocks.1.cross_attn.norm_k.weight`"), "{err}");

    let mut bad = weights.clone();
    bad.insert("blocks.0.ffn.0.weight".into(), Tensor::zeros((65, 48), DType::F32, &dev).unwrap());
    let err = format!("{:#}", wan::load_tensors(bad, &cfg, DType::F32, &dev, "test").unwrap_err());
    assert!(err.contains("`blocks.0.ffn.0.weight`") && err.contains("[65, 48]") && err.contains("[64, 48]"), "{err}");

    // Integers of the right shape were cast to f32 and rendered noise.
    let mut ints = weights.clone();
    let shape = ints["blocks.0.ffn.0.weight"].dims().to_vec();
    ints.insert("blocks.0.ffn.0.weight".into(), Tensor::zeros(shape, DType::I64, &dev).unwrap());
    let err = format!("{:#}", wan::load_tensors(ints, &cfg, DType::F32, &dev, "test").unwrap_err());
    assert!(err.contains("`blocks.0.ffn.0.weight` in test is I64, not floating point"), "{err}");

    // Through a file, with a `model.` prefix, and a config that does not match.
    let dir = std::env::temp_dir().join(format!("cine-model-parity-wan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dit.safetensors");
    let prefixed: HashMap<String, Tensor> = missing.into_iter().map(|(k, v)| (format!("model.{k}"), v)).collect();
    candle_core::safetensors::save(&prefixed, &path).unwrap();
    let err = format!("{:#}", wan::load(&path, &cfg, None, DType::F32, &dev).unwrap_err());
    assert!(err.contains("missing tensor `model.blocks.1.cross_attn.norm_k.weight`") && err.contains("dit.safetensors"), "{err}");
    let big = WanConfig { num_layers: 3, ..cfg.clone() };
    let err = format!("{:#}", wan::load(&fixtures().join("wan_tiny.safetensors"), &big, None, DType::F32, &dev).unwrap_err());
    assert!(err.contains("missing tensor `blocks.2."), "{err}");
    let err = format!("{:#}", wan::load(&dir.join("none.safetensors"), &cfg, None, DType::F32, &dev).unwrap_err());
    assert!(err.contains("does not exist"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

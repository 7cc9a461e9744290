//! The umT5 encoder against transformers' `UMT5EncoderModel` (fixture from
//! model/scripts/fixtures_vae_t5.py, keys converted to the published Wan `.pth` layout).

use candle_core::{DType, Device, Tensor};
use cine_model::t5::{relative_bucket, T5Config, T5Encoder};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn tiny() -> T5Config {
    T5Config { vocab_size: 64, dim: 32, dim_attn: 32, dim_ffn: 48, num_heads: 4, num_layers: 2, text_len: 40, ..T5Config::cine_tiny() }
}

fn rel_err(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let d = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    let m = b.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    d / m.max(1e-6)
}

#[test]
fn umt5_matches_transformers_from_safetensors_and_pth() {
    let t = candle_core::safetensors::load(fixture("umt5_tiny.safetensors"), &Device::Cpu).unwrap();
    let (ids, mask, expect) = (&t["fixture.ids"], &t["fixture.mask"], &t["fixture.hidden"]);
    for file in ["umt5_tiny.safetensors", "umt5_tiny.pth"] {
        let enc = T5Encoder::load(&fixture(file), &tiny(), DType::F32, &Device::Cpu).unwrap();
        let out = enc.encode(ids, mask).unwrap();
        let e = rel_err(&out, expect);
        assert!(e < 1e-4, "{file}: last hidden state rel err {e}");
        eprintln!("{file}: last hidden state rel err {e}", e = e);
        // Padding rows are exactly zero.
        let pad = out.narrow(0, 1, 1).unwrap().narrow(1, 25, 15).unwrap();
        assert_eq!(pad.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap(), 0.0);
    }
}

#[test]
fn every_layer_uses_its_own_position_bias() {
    // Zeroing layer 1's bias table must change the output (a shared-bias encoder would not care).
    let path = fixture("umt5_tiny.safetensors");
    let mut t = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    let enc = T5Encoder::load(&path, &tiny(), DType::F32, &Device::Cpu).unwrap();
    let (ids, mask) = (t["fixture.ids"].clone(), t["fixture.mask"].clone());
    let key = "blocks.1.pos_embedding.embedding.weight";
    t.insert(key.into(), t[key].zeros_like().unwrap());
    let vb = candle_nn::VarBuilder::from_tensors(t, DType::F32, &Device::Cpu);
    let changed = T5Encoder::new(&tiny(), vb).unwrap();
    let e = rel_err(&changed.encode(&ids, &mask).unwrap(), &enc.encode(&ids, &mask).unwrap());
    assert!(e > 1e-3, "layer 1's bias had no effect ({e})");
}

#[test]
fn relative_buckets_follow_t5() {
    // Values of T5's bidirectional bucketing with 32 buckets, max distance 128.
    let b = |r| relative_bucket(r, 32, 128);
    assert_eq!((b(0), b(1), b(7), b(-1), b(-7)), (0, 17, 23, 1, 7));
    assert_eq!((b(8), b(12), b(16), b(32), b(64), b(127), b(1000)), (24, 25, 26, 28, 30, 31, 31));
    assert_eq!((b(-8), b(-16), b(-1000)), (8, 10, 15));
}

#[test]
fn missing_or_misshaped_tensors_are_named() {
    let path = fixture("umt5_tiny.safetensors");
    let wrong = T5Config { dim_ffn: 40, ..tiny() };
    let err = T5Encoder::load(&path, &wrong, DType::F32, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("blocks.0.ffn.gate.0.weight") && err.contains("umt5_tiny"), "{err}");
    let more = T5Config { num_layers: 3, ..tiny() };
    let err = T5Encoder::load(&path, &more, DType::F32, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("blocks.2.norm1.weight"), "{err}");
}

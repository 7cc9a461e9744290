//! Behaviour of the Wan VAE on tiny random configs (CPU, f32).

use candle_core::{DType, Device, Tensor};
use cine_model::vae::{StreamingDecoder, VaeConfig, WanVae};

/// A very small config with the cine-tiny shape of compression (4x spatial, 4x temporal).
fn tiny() -> VaeConfig {
    VaeConfig { base_dim: 8, ..VaeConfig::cine_tiny() }
}

fn rand(shape: &[usize], seed: u64) -> Tensor {
    // Deterministic pseudo-random values in [-1, 1].
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn max_rel_err(a: &Tensor, b: &Tensor) -> f32 {
    let d = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    let m = b.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    d / m.max(1e-6)
}

fn vae(cfg: &VaeConfig) -> WanVae {
    WanVae::new_random(cfg, 7, 0.1, DType::F32, &Device::Cpu).unwrap().0
}

#[test]
fn presets_have_the_documented_compression() {
    let w = VaeConfig::preset("wan2.1").unwrap();
    assert_eq!((w.spatial_factor(), w.temporal_factor(), w.z_dim, w.base_dim), (8, 4, 16, 96));
    let t = VaeConfig::preset("cine-tiny").unwrap();
    assert_eq!((t.spatial_factor(), t.temporal_factor(), t.z_dim), (4, 4, 16));
    assert_eq!(t.video_frames(3), 9);
    assert_eq!(t.video_frames(6), 21);
    assert!(VaeConfig::preset("nope").is_none());
}

#[test]
fn encode_and_decode_shapes() {
    let cfg = tiny();
    let v = vae(&cfg);
    let video = rand(&[1, 3, 9, 16, 16], 1);
    let z = v.encode(&video).unwrap();
    assert_eq!(z.dims(), &[1, 16, 3, 4, 4]);
    let out = v.decode(&z).unwrap();
    assert_eq!(out.dims(), &[1, 3, 9, 16, 16]);
    let lo = out.min_all().unwrap().to_scalar::<f32>().unwrap();
    let hi = out.max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(lo >= -1.0 && hi <= 1.0, "decode clamps to [-1, 1]: {lo}..{hi}");
    // A frame count that is not 1 + 4k is an error, not a panic.
    let err = v.encode(&rand(&[1, 3, 8, 16, 16], 2)).unwrap_err().to_string();
    assert!(err.contains("1 + 4k"), "{err}");
}

#[test]
fn streaming_decode_equals_whole_sequence_decode() {
    let cfg = tiny();
    let v = vae(&cfg);
    let z = rand(&[1, 16, 7, 4, 4], 3);
    let whole = v.decode(&z).unwrap();
    assert_eq!(whole.dim(2).unwrap(), 25);
    // Chunks of 3 latent frames (the generation grid), then a ragged tail; and frame by frame.
    for sizes in [vec![3, 3, 1], vec![1; 7], vec![2, 5]] {
        let mut dec = StreamingDecoder::new(&v);
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, n) in sizes.iter().enumerate() {
            let frames = dec.decode_chunk(&z.narrow(2, start, *n).unwrap()).unwrap();
            let expect = if i == 0 { 1 + 4 * (n - 1) } else { 4 * n };
            assert_eq!(frames.dim(2).unwrap(), expect, "chunk {i} of {sizes:?}");
            parts.push(frames);
            start += n;
        }
        let streamed = Tensor::cat(&parts, 2).unwrap();
        let err = max_rel_err(&streamed, &whole);
        assert!(err < 1e-5, "chunks {sizes:?}: rel err {err}");
    }
}

#[test]
fn decode_is_causal_and_encode_of_a_prefix_is_a_prefix() {
    let cfg = tiny();
    let v = vae(&cfg);
    let z = rand(&[1, 16, 4, 4, 4], 4);
    let full = v.decode(&z).unwrap();
    let prefix = v.decode(&z.narrow(2, 0, 2).unwrap()).unwrap();
    let err = max_rel_err(&prefix, &full.narrow(2, 0, 5).unwrap());
    assert!(err < 1e-5, "decode of a prefix differs: {err}");
    // Changing a later latent frame must change later frames only.
    let video = rand(&[1, 3, 9, 8, 8], 5);
    let a = v.encode(&video).unwrap();
    let b = v.encode(&video.narrow(2, 0, 5).unwrap()).unwrap();
    let err = max_rel_err(&b, &a.narrow(2, 0, 2).unwrap());
    assert!(err < 1e-5, "encode of a prefix differs: {err}");
}

#[test]
fn gradients_reach_every_weight() {
    let cfg = tiny();
    let (v, vm) = WanVae::new_random(&cfg, 11, 0.1, DType::F32, &Device::Cpu).unwrap();
    let video = rand(&[1, 3, 5, 8, 8], 6);
    let (mu, logvar) = v.encode_moments(&video).unwrap();
    let z = v.normalize(&mu).unwrap();
    let out = v.decode_raw_cached(&v.denormalize(&z).unwrap(), &mut Default::default()).unwrap();
    let loss = ((out - &video).unwrap().sqr().unwrap().mean_all().unwrap()
        + logvar.mean_all().unwrap())
    .unwrap();
    let grads = loss.backward().unwrap();
    let data = vm.data().lock().unwrap();
    let mut missing = Vec::new();
    for (name, var) in data.iter() {
        match grads.get(var.as_tensor()) {
            Some(g) if g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0 => {}
            _ => missing.push(name.clone()),
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "no gradient for {missing:?}");
}

#[test]
fn load_round_trip_and_clear_errors() {
    let cfg = tiny();
    let (v, vm) = WanVae::new_random(&cfg, 12, 0.1, DType::F32, &Device::Cpu).unwrap();
    let dir = std::env::temp_dir().join(format!("cine-vae-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vae.safetensors");
    vm.save(&path).unwrap();
    let loaded = WanVae::load(&path, &cfg, DType::F32, &Device::Cpu).unwrap();
    let z = rand(&[1, 16, 2, 4, 4], 8);
    assert_eq!(max_rel_err(&loaded.decode(&z).unwrap(), &v.decode(&z).unwrap()), 0.0);
    // The official key names.
    let names: Vec<String> = vm.data().lock().unwrap().keys().cloned().collect();
    for key in ["encoder.conv1.weight", "encoder.downsamples.0.residual.0.gamma", "encoder.downsamples.1.time_conv.weight",
        "encoder.middle.1.to_qkv.weight", "encoder.head.2.weight", "conv1.weight", "conv2.bias",
        "decoder.upsamples.2.time_conv.weight", "decoder.upsamples.2.resample.1.weight", "decoder.head.0.gamma"] {
        assert!(names.iter().any(|n| n == key), "missing {key}");
    }
    // A config that does not fit the file names the tensor.
    let wrong = VaeConfig { base_dim: 12, ..cfg.clone() };
    let err = WanVae::load(&path, &wrong, DType::F32, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("encoder.conv1.weight") && err.contains("shape"), "{err}");
    let err = WanVae::load(&dir.join("none.safetensors"), &cfg, DType::F32, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("none.safetensors"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unbatched_chunks_and_rgb8_frames() {
    let cfg = tiny();
    let v = vae(&cfg);
    let z = rand(&[16, 3, 4, 4], 9);
    let mut dec = StreamingDecoder::new(&v);
    let frames = dec.decode_chunk(&z).unwrap();
    assert_eq!(frames.dims(), &[3, 9, 16, 16]);
    assert_eq!(dec.latent_frames(), 3);
    let rgb = cine_model::vae::to_rgb8(&frames).unwrap();
    assert_eq!((rgb.len(), rgb[0].len()), (9, 16 * 16 * 3));
    // Pixel (0, 0) of frame 2, green channel.
    let g = frames.get(1).unwrap().get(2).unwrap().get(0).unwrap().get(0).unwrap().to_scalar::<f32>().unwrap();
    assert_eq!(rgb[2][1], ((g + 1.0) * 127.5).round() as u8);
    // Same bytes through the embedded-weights loader.
    let (_, vm) = WanVae::new_random(&cfg, 7, 0.1, DType::F32, &Device::Cpu).unwrap();
    let path = std::env::temp_dir().join(format!("cine-vae-bytes-{}.safetensors", std::process::id()));
    vm.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let v2 = WanVae::load_bytes(&bytes, &cfg, DType::F32, &Device::Cpu).unwrap();
    let again = StreamingDecoder::new(&v2).decode_chunk(&z).unwrap();
    assert_eq!(max_rel_err(&again, &frames), 0.0);
}

#[test]
fn stored_latent_stats_replace_the_configs() {
    let cfg = tiny();
    let (v, vm) = WanVae::new_random(&cfg, 13, 0.1, DType::F32, &Device::Cpu).unwrap();
    let mut tensors: std::collections::HashMap<String, Tensor> =
        vm.data().lock().unwrap().iter().map(|(k, v)| (k.clone(), v.as_tensor().clone())).collect();
    let mean: Vec<f32> = (0..16).map(|i| i as f32 * 0.1 - 0.5).collect();
    let std: Vec<f32> = (0..16).map(|i| 0.5 + i as f32 * 0.05).collect();
    tensors.insert("latents_mean".into(), Tensor::new(mean.as_slice(), &Device::Cpu).unwrap());
    tensors.insert("latents_std".into(), Tensor::new(std.as_slice(), &Device::Cpu).unwrap());
    let dir = std::env::temp_dir().join(format!("cine-vae-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vae.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for loaded in [
        WanVae::load(&path, &cfg, DType::F32, &Device::Cpu).unwrap(),
        WanVae::load_bytes(&bytes, &cfg, DType::F32, &Device::Cpu).unwrap(),
    ] {
        // normalise(mean) = 0 and denormalise(1) = mean + std, channel by channel
        let m = Tensor::new(mean.as_slice(), &Device::Cpu).unwrap().reshape((1, 16, 1, 1, 1)).unwrap();
        let zero = loaded.normalize(&m).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(zero.iter().all(|x| x.abs() < 1e-6), "{zero:?}");
        let one = Tensor::ones((1, 16, 1, 1, 1), DType::F32, &Device::Cpu).unwrap();
        let back = loaded.denormalize(&one).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let want: Vec<f32> = mean.iter().zip(&std).map(|(m, s)| m + s).collect();
        assert!(back.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6), "{back:?} vs {want:?}");
        // weights are the same, so decoding differs from the config-stat model only by the stats
        let z = rand(&[1, 16, 1, 2, 2], 3);
        assert!(max_rel_err(&loaded.decode(&z).unwrap(), &v.decode(&z).unwrap()) > 1e-3);
    }
    // Without stored stats the config's are used.
    vm.save(&path).unwrap();
    let plain = WanVae::load(&path, &cfg, DType::F32, &Device::Cpu).unwrap();
    let z = rand(&[1, 16, 1, 2, 2], 3);
    assert_eq!(max_rel_err(&plain.decode(&z).unwrap(), &v.decode(&z).unwrap()), 0.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn generic_path_matches_the_fast_cpu_path() {
    // f32 on CPU runs the im2col + fused-norm kernels; f64 runs the generic candle ops.
    let cfg = tiny();
    let fast = WanVae::new_random(&cfg, 21, 0.1, DType::F32, &Device::Cpu).unwrap().0;
    let generic = WanVae::new_random(&cfg, 21, 0.1, DType::F64, &Device::Cpu).unwrap().0;
    let video = rand(&[1, 3, 5, 16, 16], 4);
    let (mu, lv) = fast.encode_moments(&video).unwrap();
    let (mu64, lv64) = generic.encode_moments(&video.to_dtype(DType::F64).unwrap()).unwrap();
    let f32_of = |t: &Tensor| t.to_dtype(DType::F32).unwrap();
    assert!(max_rel_err(&mu, &f32_of(&mu64)) < 1e-4 && max_rel_err(&lv, &f32_of(&lv64)) < 1e-4);
    let z = rand(&[1, 16, 3, 4, 4], 5);
    let y = fast.decode(&z).unwrap();
    let y64 = generic.decode(&z.to_dtype(DType::F64).unwrap()).unwrap();
    assert!(max_rel_err(&y, &f32_of(&y64)) < 1e-4);
}

/// After a cut the decoder restarts: the new shot's frames do not depend on the last shot's
/// latents, and the chunk still gives `4 L` frames (its first latent frame decoded twice, the
/// extra frame dropped).
#[test]
fn decode_after_a_cut_forgets_the_last_shot() {
    let v = vae(&tiny());
    let shot = rand(&[1, 16, 3, 4, 4], 7);
    let mut outs = Vec::new();
    for seed in [1, 2] {
        let mut dec = StreamingDecoder::new(&v);
        let first = dec.decode_chunk(&rand(&[1, 16, 3, 4, 4], seed)).unwrap();
        assert_eq!(first.dim(2).unwrap(), 9);
        let cut = dec.decode_chunk_after_cut(&shot).unwrap();
        assert_eq!(cut.dim(2).unwrap(), 12);
        assert_eq!(dec.latent_frames(), 6);
        outs.push(cut);
    }
    assert!(max_rel_err(&outs[0], &outs[1]) < 1e-6, "the new shot depends on the old one");
    let fresh = v.decode(&Tensor::cat(&[&shot.narrow(2, 0, 1).unwrap(), &shot], 2).unwrap()).unwrap();
    assert!(max_rel_err(&outs[0], &fresh.narrow(2, 1, 12).unwrap()) < 1e-5);
    // Without a cut the same chunk carries the last shot's state: the outputs differ.
    let mut a = StreamingDecoder::new(&v);
    let mut b = StreamingDecoder::new(&v);
    a.decode_chunk(&rand(&[1, 16, 3, 4, 4], 1)).unwrap();
    b.decode_chunk(&rand(&[1, 16, 3, 4, 4], 2)).unwrap();
    let (ca, cb) = (a.decode_chunk(&shot).unwrap(), b.decode_chunk(&shot).unwrap());
    assert!(max_rel_err(&ca, &cb) > 1e-3);
    // At the start of a stream a cut is the ordinary first chunk.
    let mut c = StreamingDecoder::new(&v);
    assert_eq!(c.decode_chunk_after_cut(&shot).unwrap().dim(2).unwrap(), 9);
}

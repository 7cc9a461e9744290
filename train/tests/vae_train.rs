//! `cine train vae` on a tiny config: finite, decreasing loss on a fixed batch; resume continues.

use candle_core::Tensor;
use cine_model::vae::{VaeConfig, WanVae};
use cine_train::vae::{train_vae, Args, Trainer};
use cine_train::vae_data::Clips;

fn tiny() -> VaeConfig {
    VaeConfig { base_dim: 2, ..VaeConfig::cine_tiny() }
}

fn args(dir: &std::path::Path, steps: usize) -> Args {
    Args {
        steps,
        run_dir: dir.to_path_buf(),
        lr: 5e-3,
        seed: 3,
        batch: 1,
        frames: 5,
        stories: 2,
        val_stories: 1,
        warmup: 2,
        kl: 1e-6,
        save_every: 2,
        export: None,
        decoder_from: None,
        from: None,
        subject_weight: 0.0,
    }
}

#[test]
fn loss_is_finite_and_decreases_on_a_fixed_batch() {
    let clips = Clips::render(1, 5, 16).unwrap();
    let batch = clips.fixed_batch(1, 5, 1).unwrap();
    let mut tr = Trainer::new(&tiny(), 1, 1e-2, 1e-6).unwrap();
    let first = tr.step(&batch).unwrap();
    let mut last = first;
    for _ in 0..15 {
        last = tr.step(&batch).unwrap();
        assert!(last.loss.is_finite(), "loss {last:?}");
    }
    assert!(last.loss < 0.8 * first.loss, "loss did not decrease: {first:?} -> {last:?}");
}

#[test]
fn resume_continues_the_step_count_and_export_stores_latent_stats() {
    let dir = tempfile::tempdir().unwrap();
    let train = Clips::render(2, 5, 16).unwrap();
    let val = Clips::render(1, 6, 16).unwrap();
    let s = train_vae(&args(dir.path(), 3), &tiny(), &train, &val).unwrap();
    assert_eq!(s.step, 3);
    // A row logged after the checkpoint by an interrupted run is redone, not duplicated.
    let csv = dir.path().join("loss.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("4,9,9,9,9\n");
    std::fs::write(&csv, text).unwrap();
    let mut a = args(dir.path(), 5);
    let out = dir.path().join("vae.safetensors");
    a.export = Some(Some(out.clone()));
    let s = train_vae(&a, &tiny(), &train, &val).unwrap();
    assert_eq!(s.step, 5);
    let (_, rows) = cine_train::log::read(&dir.path().join("loss.csv")).unwrap();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);

    // The exported latent statistics are the ones the loaded VAE normalises with.
    let st = candle_core::safetensors::load(&out, &candle_core::Device::Cpu).unwrap();
    let (mean, std) = (st["latents_mean"].to_vec1::<f32>().unwrap(), st["latents_std"].to_vec1::<f32>().unwrap());
    assert_eq!((mean.len(), std.len()), (16, 16));
    assert!(std.iter().all(|s| *s > 0.0) && mean != VaeConfig::cine_tiny().latents_mean);
    let vae = WanVae::load(&out, &tiny(), candle_core::DType::F32, &candle_core::Device::Cpu).unwrap();
    let z = Tensor::zeros((1, 16, 1, 2, 2), candle_core::DType::F32, &candle_core::Device::Cpu).unwrap();
    let back = vae.denormalize(&z).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!((back[0] - mean[0]).abs() < 1e-6 && (back[4 * 15] - mean[15]).abs() < 1e-6);
}

#[test]
fn decoder_fine_tune_keeps_the_encoder_and_the_latent_stats() {
    let dir = tempfile::tempdir().unwrap();
    let train = Clips::render(2, 5, 16).unwrap();
    let val = Clips::render(1, 6, 16).unwrap();
    let base = dir.path().join("base.safetensors");
    let mut a = args(&dir.path().join("a"), 2);
    a.export = Some(Some(base.clone()));
    train_vae(&a, &tiny(), &train, &val).unwrap();

    let tuned = dir.path().join("tuned.safetensors");
    let mut b = args(&dir.path().join("b"), 3);
    b.decoder_from = Some(base.clone());
    b.export = Some(Some(tuned.clone()));
    train_vae(&b, &tiny(), &train, &val).unwrap();

    let dev = candle_core::Device::Cpu;
    let (x, y) = (candle_core::safetensors::load(&base, &dev).unwrap(), candle_core::safetensors::load(&tuned, &dev).unwrap());
    let same = |n: &str| x[n].flatten_all().unwrap().to_vec1::<f32>().unwrap() == y[n].flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let (mut enc, mut dec_changed) = (0, 0);
    for name in x.keys() {
        if name.starts_with("encoder.") || name.starts_with("conv1.") || name.starts_with("latents_") {
            assert!(same(name), "{name} changed in a decoder-only fine-tune");
            enc += 1;
        } else if name.starts_with("decoder.") && !same(name) {
            dec_changed += 1;
        }
    }
    assert!(enc > 4 && dec_changed > 4, "encoder tensors {enc}, changed decoder tensors {dec_changed}");
}

#[test]
fn body_weights_mark_cast_coloured_pixels_only() {
    use cine_synth::world::CharKind;
    let body = CharKind::ALL[0].style().body;
    // Pixel 0: a cast body colour; pixel 1: mid grey (no cast colour is grey).
    let px = |c: u8| c as f32 / 127.5 - 1.0;
    let data = vec![px(body[0]), px(128), px(body[1]), px(128), px(body[2]), px(128)];
    let video = Tensor::from_vec(data, (1, 3, 1, 1, 2), &candle_core::Device::Cpu).unwrap();
    let w: Vec<f32> = cine_train::vae_data::body_weights(&video, 7.0).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(w, vec![8.0, 1.0]);
}

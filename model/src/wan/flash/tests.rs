use candle_core::{DType, Device, Result, Tensor};
use rand::SeedableRng;

use super::{implementation, segmented_attention, KvSegment};
use crate::wan::layers::{attention, Path};
use crate::wan::randn_vec;

fn randn(rng: &mut rand_chacha::ChaCha8Rng, shape: (usize, usize, usize, usize)) -> Result<Tensor> {
    let n = shape.0 * shape.1 * shape.2 * shape.3;
    Tensor::from_vec(randn_vec(rng, n), shape, &Device::Cpu)
}

fn bits(t: &Tensor) -> Result<Vec<u32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?.iter().map(|x| x.to_bits()).collect())
}

fn max_diff(a: &Tensor, b: &Tensor) -> Result<f32> {
    (a - b)?.abs()?.flatten_all()?.max(0)?.to_scalar()
}

/// Plain loops in f64: row `i` (chunk `q0 + i / qcl`) attends to every key of every segment
/// with `chunk <= chunk(i)`; no visible key gives zeros.
fn naive(q: &Tensor, segs: &[(Tensor, Tensor, usize)], qcl: usize, q0: usize) -> Result<Tensor> {
    let (b, h, sq, d) = q.dims4()?;
    type Rows = Vec<Vec<Vec<Vec<f32>>>>; // [B][H][S][d]
    let qa: Rows = (0..b).map(|bi| q.get(bi)?.to_vec3::<f32>()).collect::<Result<_>>()?;
    let sa: Vec<(Rows, Rows, usize)> = segs
        .iter()
        .map(|(k, v, c)| {
            let k = (0..b).map(|bi| k.get(bi)?.to_vec3::<f32>()).collect::<Result<_>>()?;
            let v = (0..b).map(|bi| v.get(bi)?.to_vec3::<f32>()).collect::<Result<_>>()?;
            Ok((k, v, *c))
        })
        .collect::<Result<_>>()?;
    let scale = 1.0 / (d as f64).sqrt();
    let mut out = vec![0f32; b * h * sq * d];
    for bi in 0..b {
        for hi in 0..h {
            for i in 0..sq {
                let chunk = q0 + i / qcl;
                let mut logits = Vec::new();
                let mut vals = Vec::new();
                for (k, v, c) in &sa {
                    if *c > chunk {
                        continue;
                    }
                    for (kr, vr) in k[bi][hi].iter().zip(&v[bi][hi]) {
                        logits.push(kr.iter().zip(&qa[bi][hi][i]).map(|(a, b)| *a as f64 * *b as f64).sum::<f64>() * scale);
                        vals.push(vr);
                    }
                }
                if logits.is_empty() {
                    continue;
                }
                let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let w: Vec<f64> = logits.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = w.iter().sum();
                for j in 0..d {
                    let o: f64 = w.iter().zip(&vals).map(|(w, v)| w * v[j] as f64).sum::<f64>() / z;
                    out[((bi * h + hi) * sq + i) * d + j] = o as f32;
                }
            }
        }
    }
    Tensor::from_vec(out, (b, h, sq, d), &Device::Cpu)
}

#[test]
fn flash_reference_all_visible_is_attention_on_concatenated_kv_bit_for_bit() -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let q = randn(&mut rng, (2, 3, 9, 16))?;
    let kv: Vec<(Tensor, Tensor)> = [5, 7, 9].iter().map(|&n| Ok((randn(&mut rng, (2, 3, n, 16))?, randn(&mut rng, (2, 3, n, 16))?))).collect::<Result<_>>()?;
    // The chunk pass today: past blocks (chunks 0, 1) concatenated, then the chunk itself (2).
    let segs: Vec<KvSegment> = kv.iter().enumerate().map(|(i, (k, v))| KvSegment { k, v, chunk: i }).collect();
    let out = segmented_attention(&q, &segs, 9, 2)?;
    let pk = Tensor::cat(&[&kv[0].0, &kv[1].0], 2)?;
    let pv = Tensor::cat(&[&kv[0].1, &kv[1].1], 2)?;
    let k = Tensor::cat(&[&pk, &kv[2].0], 2)?;
    let v = Tensor::cat(&[&pv, &kv[2].1], 2)?;
    let want = attention(&q, &k, &v, None, Path::Fused)?;
    assert_eq!(bits(&out)?, bits(&want)?);
    // Later query chunks see the same segments: still exact.
    assert_eq!(bits(&segmented_attention(&q, &segs, 3, 5)?)?, bits(&want)?);
    Ok(())
}

#[test]
fn flash_reference_block_causal_matches_hand_built_mask_and_loops() -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let (b, h, d, qcl) = (1, 2, 8, 4);
    let q = randn(&mut rng, (b, h, 3 * qcl, d))?; // query chunks 1, 2, 3
    let long_k = randn(&mut rng, (b, h, 12, d))?;
    let long_v = randn(&mut rng, (b, h, 12, d))?;
    // Segment 0 is a narrow over dim 2 (strided view), as the memory may hand out.
    let mut segs = vec![(long_k.narrow(2, 3, 6)?, long_v.narrow(2, 3, 6)?, 0)];
    for (n, c) in [(4, 1), (4, 2), (4, 3), (5, 9)] {
        segs.push((randn(&mut rng, (b, h, n, d))?, randn(&mut rng, (b, h, n, d))?, c));
    }
    let view: Vec<KvSegment> = segs.iter().map(|(k, v, chunk)| KvSegment { k, v, chunk: *chunk }).collect();
    let out = segmented_attention(&q, &view, qcl, 1)?;

    // Hand-built additive mask over all keys, through the plain attention.
    let k = Tensor::cat(&segs.iter().map(|s| &s.0).collect::<Vec<_>>(), 2)?;
    let v = Tensor::cat(&segs.iter().map(|s| &s.1).collect::<Vec<_>>(), 2)?;
    let key_chunks: Vec<usize> = segs.iter().flat_map(|(k, _, c)| std::iter::repeat_n(*c, k.dim(2).unwrap())).collect();
    let mut mask = Vec::new();
    for i in 0..3 * qcl {
        let chunk = 1 + i / qcl;
        mask.extend(key_chunks.iter().map(|&c| if c <= chunk { 0f32 } else { f32::NEG_INFINITY }));
    }
    let mask = Tensor::from_vec(mask, (3 * qcl, key_chunks.len()), &Device::Cpu)?;
    let want = attention(&q, &k, &v, Some(&mask), Path::Fused)?;
    assert!(max_diff(&out, &want)? < 1e-6, "vs masked attention: {}", max_diff(&out, &want)?);
    let loops = naive(&q, &segs, qcl, 1)?;
    assert!(max_diff(&out, &loops)? < 1e-5, "vs loops: {}", max_diff(&out, &loops)?);
    // The mask matters: chunk-1 rows differ from full attention.
    let full = attention(&q, &k, &v, None, Path::Fused)?;
    assert!(max_diff(&out.narrow(2, 0, qcl)?, &full.narrow(2, 0, qcl)?)? > 1e-3);
    Ok(())
}

#[test]
fn flash_rows_without_visible_segment_are_zero() -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let q = randn(&mut rng, (1, 2, 6, 8))?;
    let (k1, v1) = (randn(&mut rng, (1, 2, 3, 8))?, randn(&mut rng, (1, 2, 3, 8))?);
    let (k2, v2) = (randn(&mut rng, (1, 2, 3, 8))?, randn(&mut rng, (1, 2, 3, 8))?);
    let segs = [KvSegment { k: &k1, v: &v1, chunk: 1 }, KvSegment { k: &k2, v: &v2, chunk: 2 }];
    // Query chunks 0 (rows 0..3, sees nothing) and 1 (rows 3..6, sees segment 1 only).
    let out = segmented_attention(&q, &segs, 3, 0)?;
    assert!(out.narrow(2, 0, 3)?.flatten_all()?.to_vec1::<f32>()?.iter().all(|&x| x == 0.0));
    let loops = naive(&q, &[(k1.clone(), v1.clone(), 1), (k2.clone(), v2.clone(), 2)], 3, 0)?;
    assert!(max_diff(&out, &loops)? < 1e-5);
    assert!(out.narrow(2, 3, 3)?.abs()?.sum_all()?.to_scalar::<f32>()? > 0.1);
    // No segment at all, or only empty ones: all zeros, q's shape and dtype.
    let empty = Tensor::zeros((1, 2, 0, 8), DType::F32, &Device::Cpu)?;
    for segs in [vec![], vec![KvSegment { k: &empty, v: &empty, chunk: 0 }]] {
        let out = segmented_attention(&q, &segs, 3, 0)?;
        assert_eq!(out.dims(), q.dims());
        assert_eq!(out.abs()?.sum_all()?.to_scalar::<f32>()?, 0.0);
    }
    Ok(())
}

#[test]
fn flash_shape_errors_are_errors() -> Result<()> {
    let z = |s: &[usize]| Tensor::zeros(s, DType::F32, &Device::Cpu);
    let q = z(&[1, 2, 4, 8])?;
    let k = z(&[1, 2, 5, 8])?;
    fn seg<'a>(k: &'a Tensor, v: &'a Tensor) -> [KvSegment<'a>; 1] {
        [KvSegment { k, v, chunk: 0 }]
    }
    assert!(segmented_attention(&z(&[2, 4, 8])?, &seg(&k, &k), 4, 0).is_err(), "3D q");
    assert!(segmented_attention(&q, &seg(&k, &k), 0, 0).is_err(), "q_chunk_len 0");
    assert!(segmented_attention(&q, &seg(&z(&[1, 2, 5, 4])?, &k), 4, 0).is_err(), "head dim");
    assert!(segmented_attention(&q, &seg(&z(&[1, 3, 5, 8])?, &k), 4, 0).is_err(), "heads");
    assert!(segmented_attention(&q, &seg(&k, &z(&[1, 2, 6, 8])?), 4, 0).is_err(), "k/v lengths");
    assert!(segmented_attention(&q, &seg(&k, &z(&[1, 2, 5])?), 4, 0).is_err(), "3D v");
    let kh = k.to_dtype(DType::F16)?;
    assert!(segmented_attention(&q, &seg(&kh, &kh), 4, 0).is_err(), "dtype");
    assert!(segmented_attention(&q, &seg(&k, &k), 4, 0).is_ok());
    Ok(())
}

#[test]
fn flash_cpu_uses_the_reference() -> Result<()> {
    let q = Tensor::zeros((1, 1, 4, 128), DType::BF16, &Device::Cpu)?;
    assert_eq!(implementation(&q), "reference");
    Ok(())
}

/// Runs the CUDA kernels against the f32 reference. Needs a CUDA GPU: on a `cuda` build without
/// one, `Device::new_cuda(0)` fails and so does this test.
#[cfg(feature = "cuda")]
#[test]
fn flash_cuda_self_check() -> Result<()> {
    let rows = super::self_check(&Device::new_cuda(0)?)?;
    for r in &rows {
        println!("{r}");
    }
    assert!(rows.iter().any(|r| r.kernel == "cuda-flash-wmma"), "the wmma kernel did not run");
    let bad: Vec<String> = rows.iter().filter(|r| !r.ok).map(|r| r.to_string()).collect();
    assert!(bad.is_empty(), "flash self-check failed:\n{}", bad.join("\n"));
    Ok(())
}

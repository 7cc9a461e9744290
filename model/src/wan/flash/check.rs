//! GPU self-check of the CUDA kernels against an f32 reference, with timings.
//!
//! Inputs are seeded random bf16 (`N(0, 1)`, so logits `q.k/sqrt(d)` are `~N(0, 1)` as after
//! Wan's q/k RMSNorm). The truth is the reference implementation run in f32 on the same
//! bf16-rounded inputs. Tolerance, for outputs `o = sum_j p_j v_j / sum_j p_j`:
//! - the WMMA kernel rounds each `p_j` to bf16 (relative error <= 2^-9) and normalises by the sum
//!   of the rounded weights, which moves `o` by at most `2 * 2^-9 * max|v|`; the final bf16
//!   rounding adds `2^-9 * |o| <= 2^-9 * max|v|`; f32 accumulation is far below that;
//! - the simple kernel only has the final rounding.
//!
//! So a correct kernel has `max_abs <= 1.5 * 2^-8 * max|v|`; we accept `max_abs <= 2^-7 * max|v|`
//! (a margin of 4/3) and `mean_abs <= 2^-9 * max|v|`. The bf16 `reference` row (today's CUDA
//! path, which also rounds the logits to bf16) is there for its time; it is judged against the
//! looser `2^-4 * max|v|`.

use candle_core::{Device, Result};

/// One (kernel, shape) result of [`self_check`].
#[derive(Debug, Clone)]
pub struct CheckRow {
    /// `cuda-flash-wmma` (O in shared memory), `cuda-flash-wmma-reg` (O in registers),
    /// `cuda-flash-simple` or `reference` (bf16, today's CUDA path).
    pub kernel: &'static str,
    pub shape: String,
    pub max_abs: f32,
    pub mean_abs: f32,
    /// Bound on `max_abs` for this row (see the module docs).
    pub tol: f32,
    pub ok: bool,
    /// Mean kernel time over the timed runs, synchronised, in milliseconds.
    pub ms: f64,
    /// Effective TFLOP/s: `4 * d` flops per (query row, visible key) pair over `ms`.
    pub tflops: f64,
}

impl std::fmt::Display for CheckRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<18} {:<58} max {:.2e} mean {:.2e} tol {:.2e} {:>4} {:>9.3} ms {:>7.2} TFLOP/s",
            self.kernel,
            self.shape,
            self.max_abs,
            self.mean_abs,
            self.tol,
            if self.ok { "ok" } else { "FAIL" },
            self.ms,
            self.tflops
        )
    }
}

/// Compares the CUDA kernels with the reference on seeded random inputs of several shapes
/// (d = 64 and 128, Sq not a multiple of the tile, several segments of different lengths, a
/// narrow()ed segment, block-causal with q_chunk_len < Sq, rows that see nothing, Sq = 4680
/// cases), bf16. One row per (kernel, shape). Needs the `cuda` feature and a CUDA device.
pub fn self_check(dev: &Device) -> Result<Vec<CheckRow>> {
    #[cfg(feature = "cuda")]
    {
        gpu::run(dev)
    }
    #[cfg(not(feature = "cuda"))]
    {
        candle_core::bail!("flash self-check on {:?}: cine-model was built without the `cuda` feature", dev.location())
    }
}

#[cfg(feature = "cuda")]
mod gpu {
    use std::time::Instant;

    use candle_core::{bail, DType, Device, Result, Tensor};

    use super::CheckRow;
    use crate::wan::flash::{attend_with, Kernel, KvSegment, WmmaO};

    /// A test shape: segments are `(len, chunk)`; `narrow` takes segment 0 as a narrow over
    /// dim 2 (offset 40) of a longer tensor; `bshd` stores K/V as `[B, S, H, d]` transposed to
    /// `[B, H, S, d]` (token stride `H * d`, as `heads()` in attention.rs gives); `grow` scales
    /// segment `i`'s keys by `1 + 3i` so the row maxima grow and the kernels must rescale.
    struct Case {
        name: &'static str,
        b: usize,
        h: usize,
        d: usize,
        sq: usize,
        q_chunk_len: usize,
        q_chunk0: usize,
        segs: Vec<(usize, usize)>,
        narrow: bool,
        bshd: bool,
        grow: bool,
    }

    fn cases() -> Vec<Case> {
        let c = |name, b, h, d, sq, q_chunk_len, q_chunk0, segs, narrow| Case { name, b, h, d, sq, q_chunk_len, q_chunk0, segs, narrow, bshd: false, grow: false };
        vec![
            c("d64 1 seg Sq=Sk=100 (partial tiles)", 1, 2, 64, 100, 100, 0, vec![(100, 0)], false),
            c("d128 3 segs 37+64+130, Sq=130, B=2", 2, 3, 128, 130, 130, 2, vec![(37, 0), (64, 1), (130, 2)], false),
            c("d128 narrow()ed seg 77 + 90, Sq=90", 1, 2, 128, 90, 90, 1, vec![(77, 0), (90, 1)], true),
            c("d64 block-causal qcl=48 Sq=144 (+ unseen seg)", 1, 2, 64, 144, 48, 1, vec![(50, 0), (48, 1), (48, 2), (48, 3), (20, 7)], false),
            c("d128 block-causal qcl=40 Sq=120, first chunk sees none", 2, 2, 128, 120, 40, 0, vec![(40, 1), (40, 2)], false),
            Case { bshd: true, ..c("d128 [B,S,H,d] K/V views, qcl=35 Sq=70", 2, 3, 128, 70, 35, 1, vec![(50, 0), (35, 1), (35, 2)], false) },
            Case { grow: true, ..c("d128 logits growing by segment (k x1, x4, x7)", 1, 2, 128, 80, 80, 0, vec![(64, 0), (64, 0), (70, 0)], false) },
            c("d128 H=4 Sq=4680 3 segs of 4680", 1, 4, 128, 4680, 4680, 2, vec![(4680, 0), (4680, 1), (4680, 2)], false),
            c("d128 H=12 Sq=4680 8 segs Sk=37440 (Wan-1.3B chunk)", 1, 12, 128, 4680, 4680, 7, (0..8).map(|i| (4680, i)).collect(), false),
        ]
    }

    pub(super) fn run(dev: &Device) -> Result<Vec<CheckRow>> {
        if !dev.is_cuda() {
            bail!("flash self-check needs a CUDA device, got {:?}", dev.location())
        }
        let mut rows = Vec::new();
        for (i, case) in cases().iter().enumerate() {
            dev.set_seed(1000 + i as u64)?;
            rows.extend(check_case(case, dev)?);
        }
        Ok(rows)
    }

    fn randn(shape: (usize, usize, usize, usize), dev: &Device) -> Result<Tensor> {
        Tensor::randn(0f32, 1f32, shape, dev)?.to_dtype(DType::BF16)
    }

    fn check_case(case: &Case, dev: &Device) -> Result<Vec<CheckRow>> {
        let (b, h, d) = (case.b, case.h, case.d);
        let q = randn((b, h, case.sq, d), dev)?;
        let mut kv = Vec::new();
        for (i, &(len, _)) in case.segs.iter().enumerate() {
            if case.bshd {
                kv.push((randn((b, len, h, d), dev)?.transpose(1, 2)?, randn((b, len, h, d), dev)?.transpose(1, 2)?));
            } else if i == 0 && case.narrow {
                let (k, v) = (randn((b, h, len + 60, d), dev)?, randn((b, h, len + 60, d), dev)?);
                kv.push((k.narrow(2, 40, len)?, v.narrow(2, 40, len)?));
            } else {
                kv.push((randn((b, h, len, d), dev)?, randn((b, h, len, d), dev)?));
            }
        }
        if case.grow {
            for (i, (k, _)) in kv.iter_mut().enumerate() {
                *k = (k.to_dtype(DType::F32)? * (1.0 + 3.0 * i as f64))?.to_dtype(DType::BF16)?;
            }
        }
        let segs: Vec<KvSegment> = kv.iter().zip(&case.segs).map(|((k, v), &(_, chunk))| KvSegment { k, v, chunk }).collect();
        // Truth: the reference in f32 on the same (bf16-rounded) inputs.
        let kv32: Vec<(Tensor, Tensor)> = kv.iter().map(|(k, v)| Ok((k.to_dtype(DType::F32)?, v.to_dtype(DType::F32)?))).collect::<Result<_>>()?;
        let segs32: Vec<KvSegment> = kv32.iter().zip(&case.segs).map(|((k, v), &(_, chunk))| KvSegment { k, v, chunk }).collect();
        let truth = attend_with(Kernel::Reference, WmmaO::Shared, &q.to_dtype(DType::F32)?, &segs32, case.q_chunk_len, case.q_chunk0)?;
        let vmax = kv32.iter().map(|(_, v)| v.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>()).try_fold(0f32, |a, x| x.map(|x| a.max(x)))?;
        let shape = format!("{} [B{b} H{h} d{d}]", case.name);
        let pairs: usize = (0..case.sq)
            .map(|i| case.segs.iter().filter(|s| s.1 <= case.q_chunk0 + i / case.q_chunk_len).map(|s| s.0).sum::<usize>())
            .sum();
        let flops = (4 * d * pairs * b * h) as f64;
        let mut rows = Vec::new();
        let runs = [
            (Kernel::Wmma, WmmaO::Shared, Kernel::Wmma.name()),
            (Kernel::Wmma, WmmaO::Registers, "cuda-flash-wmma-reg"),
            (Kernel::Simple, WmmaO::Shared, Kernel::Simple.name()),
            (Kernel::Reference, WmmaO::Shared, Kernel::Reference.name()),
        ];
        for (kernel, variant, name) in runs {
            // bf16 logits of up to ~20 nats are too coarse for the reference's bound; it is only
            // there for its time, and this case is about the kernels' rescaling.
            if !kernel.supports(&q) || (case.grow && kernel == Kernel::Reference) {
                continue;
            }
            let run = || attend_with(kernel, variant, &q, &segs, case.q_chunk_len, case.q_chunk0);
            let out = run()?; // also the warm-up (module load)
            let reps = 3;
            dev.synchronize()?;
            let t0 = Instant::now();
            for _ in 0..reps {
                run()?;
            }
            dev.synchronize()?;
            let ms = t0.elapsed().as_secs_f64() * 1e3 / reps as f64;
            let (max_abs, mean_abs) = errors(&out, &truth)?;
            let tol = vmax * if kernel == Kernel::Reference { 2f32.powi(-4) } else { 2f32.powi(-7) };
            let mean_tol = if kernel == Kernel::Reference { tol } else { vmax * 2f32.powi(-9) };
            let ok = max_abs.is_finite() && max_abs <= tol && mean_abs <= mean_tol;
            let tflops = flops / (ms * 1e-3) / 1e12;
            rows.push(CheckRow { kernel: name, shape: shape.clone(), max_abs, mean_abs, tol, ok, ms, tflops });
        }
        Ok(rows)
    }

    /// Max and mean absolute error; NaN/inf anywhere gives a NaN max.
    fn errors(out: &Tensor, truth: &Tensor) -> Result<(f32, f32)> {
        let diff: Vec<f32> = (out.to_dtype(DType::F32)? - truth)?.abs()?.flatten_all()?.to_vec1()?;
        let mut max = 0f32;
        let mut sum = 0f64;
        for &x in &diff {
            if !x.is_finite() {
                return Ok((f32::NAN, f32::NAN));
            }
            max = max.max(x);
            sum += x as f64;
        }
        Ok((max, (sum / diff.len().max(1) as f64) as f32))
    }
}

//! Fast CPU path of the VAE convolutions: a 3D im2col custom op (with its col2im backward)
//! followed by one batched matmul. candle's generic conv2d is slow for the small channel counts of
//! cine-tiny and its backward slower still; this keeps both passes on the gemm kernels.
//!
//! Input `[B, T, C, H, W]` (contiguous, f32, already padded in time) -> columns
//! `[B*T_out, C*kt*kh*kw, OH*OW]`, row index `((c*kt + t)*kh + y)*kw + x`, i.e. the order of a
//! weight `[out, in, kt, kh, kw]` flattened to `[out, in*kt*kh*kw]`.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor};

/// Geometry of one convolution (spatial padding symmetric, spatial stride on both axes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeom {
    pub kt: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_t: usize,
    pub stride_s: usize,
    pub pad_s: usize,
}

impl ConvGeom {
    fn out_dims(&self, t: usize, h: usize, w: usize) -> (usize, usize, usize) {
        let t_out = if t < self.kt { 0 } else { (t - self.kt) / self.stride_t + 1 };
        let oh = (h + 2 * self.pad_s).saturating_sub(self.kh) / self.stride_s + 1;
        let ow = (w + 2 * self.pad_s).saturating_sub(self.kw) / self.stride_s + 1;
        (t_out, oh, ow)
    }

    fn k(&self, c: usize) -> usize {
        c * self.kt * self.kh * self.kw
    }

    /// For output column `o` and kernel offset `d`: the input coordinate, if inside `[0, n)`.
    #[inline]
    fn src(&self, o: usize, d: usize, n: usize) -> Option<usize> {
        let i = (o * self.stride_s + d) as isize - self.pad_s as isize;
        (i >= 0 && (i as usize) < n).then_some(i as usize)
    }
}

/// Whether the fast path applies (CPU, f32).
pub(crate) fn fast_path(x: &Tensor) -> bool {
    x.device().is_cpu() && x.dtype() == DType::F32
}

/// Column buffers above this many f32 are split by frames: large allocations are mmapped and
/// page-faulted afresh on every call, smaller ones are reused from the heap and stay in cache.
const MAX_COL: usize = 1 << 20;

/// Conv of `x: [B, T, C, H, W]` with `weight: [out, C*kt*kh*kw]` and `bias: [out]`:
/// `[B, T_out, out, OH, OW]`. Differentiable in all three.
pub(crate) fn conv(x: &Tensor, weight: &Tensor, bias: &Tensor, g: ConvGeom) -> Result<Tensor> {
    let (b, t, c, h, w) = x.dims5()?;
    let (t_out, oh, ow) = g.out_dims(t, h, w);
    let per_frame = g.k(c) * oh * ow;
    let x = x.contiguous()?;
    // Output frames per piece, and the input frames they read.
    let step = (MAX_COL / per_frame.max(1)).clamp(1, t_out);
    if b > 1 && step < t_out {
        let ys = (0..b).map(|i| conv(&x.narrow(0, i, 1)?, weight, bias, g)).collect::<Result<Vec<_>>>()?;
        return Tensor::cat(&ys, 0);
    }
    let mut pieces = Vec::new();
    let mut n0 = 0;
    while n0 < t_out {
        let n = step.min(t_out - n0);
        let xin = if step == t_out { x.clone() } else { x.narrow(1, n0 * g.stride_t, (n - 1) * g.stride_t + g.kt)? };
        pieces.push(conv_piece(&xin, weight, bias, g, (b, n, oh, ow))?);
        n0 += n;
    }
    if pieces.len() == 1 {
        Ok(pieces.remove(0))
    } else {
        Tensor::cat(&pieces, 1)
    }
}

fn conv_piece(x: &Tensor, weight: &Tensor, bias: &Tensor, g: ConvGeom, dims: (usize, usize, usize, usize)) -> Result<Tensor> {
    let (b, t_out, oh, ow) = dims;
    let col = x.apply_op1(Im2Col(g))?; // [B*T_out, K, OH*OW]
    let out = weight.dim(0)?;
    let y = weight.broadcast_left(b * t_out)?.matmul(&col)?; // [B*T_out, out, OH*OW]
    let y = y.broadcast_add(&bias.reshape((1, out, 1))?)?;
    y.reshape((b, t_out, out, oh, ow))
}

/// Run `f(first_chunk_index, chunks)` over `chunk`-sized pieces of `out`, on up to candle's
/// thread count threads.
fn par_chunks(out: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    let n = out.len() / chunk.max(1);
    let threads = candle_core::utils::get_num_threads().min(n).max(1);
    if threads == 1 || out.len() < 1 << 16 {
        for (i, c) in out.chunks_mut(chunk).enumerate() {
            f(i, c)
        }
        return;
    }
    let per = n.div_ceil(threads);
    std::thread::scope(|s| {
        for (j, part) in out.chunks_mut(per * chunk).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (i, c) in part.chunks_mut(chunk).enumerate() {
                    f(j * per + i, c)
                }
            });
        }
    });
}

fn contiguous_f32<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [f32]> {
    let data = match s {
        CpuStorage::F32(d) => d,
        _ => candle_core::bail!("{what}: only f32 is supported"),
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&data[a..b]),
        None => candle_core::bail!("{what}: input must be contiguous"),
    }
}

struct Im2Col(ConvGeom);

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "vae-im2col3d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.0;
        let src = contiguous_f32(s, l, "im2col")?;
        let (b, t, c, h, w) = l.shape().dims5()?;
        let (t_out, oh, ow) = g.out_dims(t, h, w);
        if t_out == 0 {
            candle_core::bail!("causal conv needs at least {} frames, got {t}", g.kt)
        }
        let (k, hw) = (g.k(c), oh * ow);
        let mut out = vec![0f32; b * t_out * k * hw];
        par_chunks(&mut out, k * hw, |bn, dst| {
            let (bi, n) = (bn / t_out, bn % t_out);
            for ci in 0..c {
                for ti in 0..g.kt {
                    let frame = bi * t + n * g.stride_t + ti;
                    let plane = &src[(frame * c + ci) * h * w..][..h * w];
                    for y in 0..g.kh {
                        for x in 0..g.kw {
                            let row = ((ci * g.kt + ti) * g.kh + y) * g.kw + x;
                            let drow = &mut dst[row * hw..][..hw];
                            for oy in 0..oh {
                                let Some(iy) = g.src(oy, y, h) else { continue };
                                let srow = &plane[iy * w..][..w];
                                let d = &mut drow[oy * ow..][..ow];
                                if g.stride_s == 1 {
                                    // valid ox: 0 <= ox + x - pad < w
                                    let lo = g.pad_s.saturating_sub(x);
                                    let hi = (w + g.pad_s).saturating_sub(x).min(ow);
                                    if lo < hi {
                                        let s0 = lo + x - g.pad_s;
                                        d[lo..hi].copy_from_slice(&srow[s0..s0 + hi - lo]);
                                    }
                                } else {
                                    for (ox, v) in d.iter_mut().enumerate() {
                                        if let Some(ix) = g.src(ox, x, w) {
                                            *v = srow[ix];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((b * t_out, k, hw))))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let (b, t, c, h, w) = arg.dims5()?;
        let g = grad.contiguous()?.apply_op1_no_bwd(&Col2Im { g: self.0, b, t, c, h, w })?;
        Ok(Some(g))
    }
}

/// The adjoint of [`Im2Col`]: columns back to `[B, T, C, H, W]`, overlapping taps summed.
struct Col2Im {
    g: ConvGeom,
    b: usize,
    t: usize,
    c: usize,
    h: usize,
    w: usize,
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "vae-col2im3d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let Self { g, b, t, c, h, w } = *self;
        let src = contiguous_f32(s, l, "col2im")?;
        let (t_out, oh, ow) = g.out_dims(t, h, w);
        let (k, hw) = (g.k(c), oh * ow);
        if src.len() != b * t_out * k * hw {
            candle_core::bail!("col2im: gradient has {} values, expected {}", src.len(), b * t_out * k * hw)
        }
        let mut out = vec![0f32; b * t * c * h * w];
        for bi in 0..b {
            for n in 0..t_out {
                let col = &src[(bi * t_out + n) * k * hw..][..k * hw];
                for ci in 0..c {
                    for ti in 0..g.kt {
                        let frame = bi * t + n * g.stride_t + ti;
                        let plane = &mut out[(frame * c + ci) * h * w..][..h * w];
                        for y in 0..g.kh {
                            for x in 0..g.kw {
                                let row = ((ci * g.kt + ti) * g.kh + y) * g.kw + x;
                                let crow = &col[row * hw..][..hw];
                                for oy in 0..oh {
                                    let Some(iy) = g.src(oy, y, h) else { continue };
                                    let prow = &mut plane[iy * w..][..w];
                                    let cr = &crow[oy * ow..][..ow];
                                    for (ox, v) in cr.iter().enumerate() {
                                        if let Some(ix) = g.src(ox, x, w) {
                                            prow[ix] += v;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((b, t, c, h, w))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// Reference: the taps of each output frame stacked on channels, candle's conv2d.
    fn reference(x: &Tensor, w: &Tensor, b: &Tensor, g: ConvGeom) -> Result<Tensor> {
        let (bs, t, c, h, wd) = x.dims5()?;
        let (t_out, _, _) = g.out_dims(t, h, wd);
        let out = w.dim(0)?;
        let w4 = w.reshape((out, c * g.kt, g.kh, g.kw))?;
        let mut frames = Vec::new();
        for n in 0..t_out {
            let taps: Vec<Tensor> = (0..g.kt).map(|k| x.narrow(1, n * g.stride_t + k, 1)).collect::<Result<_>>()?;
            let xin = Tensor::cat(&taps, 1)?.reshape((bs, g.kt, c, h, wd))?.transpose(1, 2)?.reshape((bs, c * g.kt, h, wd))?;
            let y = xin.conv2d(&w4, g.pad_s, g.stride_s, 1, 1)?.broadcast_add(&b.reshape((1, out, 1, 1))?)?;
            frames.push(y.unsqueeze(1)?);
        }
        Tensor::cat(&frames, 1)
    }

    #[test]
    fn im2col_conv_matches_conv2d_values_and_gradients() {
        let dev = Device::Cpu;
        let geoms = [
            ConvGeom { kt: 3, kh: 3, kw: 3, stride_t: 1, stride_s: 1, pad_s: 1 },
            ConvGeom { kt: 3, kh: 1, kw: 1, stride_t: 2, stride_s: 1, pad_s: 0 },
            ConvGeom { kt: 1, kh: 3, kw: 3, stride_t: 1, stride_s: 2, pad_s: 0 },
        ];
        for g in geoms {
            let (c, out) = (3, 4);
            let x = Var::from_tensor(&Tensor::randn(0f32, 1., (2, 5, c, 6, 8), &dev).unwrap()).unwrap();
            let w = Var::from_tensor(&Tensor::randn(0f32, 1., (out, c * g.kt * g.kh * g.kw), &dev).unwrap()).unwrap();
            let b = Var::from_tensor(&Tensor::randn(0f32, 1., out, &dev).unwrap()).unwrap();
            let y = conv(&x, &w, &b, g).unwrap();
            let yr = reference(&x, &w, &b, g).unwrap();
            assert_eq!(y.dims(), yr.dims());
            let d = |a: &Tensor, b: &Tensor| -> f32 { (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar().unwrap() };
            assert!(d(&y, &yr) < 1e-4, "{g:?}");
            let r = Tensor::randn(0f32, 1., y.dims(), &dev).unwrap();
            let ga = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let gb = (&yr * &r).unwrap().sum_all().unwrap().backward().unwrap();
            for v in [&x, &w, &b] {
                assert!(d(ga.get(v).unwrap(), gb.get(v).unwrap()) < 1e-3, "grad {:?} {g:?}", v.dims());
            }
        }
    }
}

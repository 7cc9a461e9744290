//! Fused CPU kernel of the VAE's channel RMS norm (optionally followed by SiLU), with backward.
//! The generic version is eight tensor passes with strided reductions; at 64x64 they cost more
//! than the convolutions.
//!
//! `y = act(x / max(||x||_c, 1e-12) * gamma * sqrt(C))`, norm over channels of `[N, C, P]`.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// `x: [N, C, P]` contiguous f32, `gamma: [C]`.
pub(crate) fn rms_norm(x: &Tensor, gamma: &Tensor, scale: f64, silu: bool) -> Result<Tensor> {
    x.contiguous()?.apply_op2(&gamma.contiguous()?, RmsAct { scale: scale as f32, silu })
}

#[derive(Clone, Copy)]
struct RmsAct {
    scale: f32,
    silu: bool,
}

fn f32s<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(d), Some((a, b))) => Ok(&d[a..b]),
        _ => candle_core::bail!("vae rms norm: needs contiguous f32"),
    }
}

/// `1 / max(||x[n, :, p]||, eps)` for one `[C, P]` slab.
fn inv_norms(x: &[f32], c: usize, p: usize, r: &mut [f32]) {
    r.iter_mut().for_each(|v| *v = 0.0);
    for ci in 0..c {
        for (acc, v) in r.iter_mut().zip(&x[ci * p..][..p]) {
            *acc += v * v;
        }
    }
    r.iter_mut().for_each(|v| *v = 1.0 / v.sqrt().max(1e-12));
}

fn sigmoid(a: f32) -> f32 {
    1.0 / (1.0 + (-a).exp())
}

impl CustomOp2 for RmsAct {
    fn name(&self) -> &'static str {
        "vae-rms-norm-act"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (x, g) = (f32s(s1, l1)?, f32s(s2, l2)?);
        let (n, c, p) = l1.shape().dims3()?;
        let mut out = vec![0f32; n * c * p];
        let mut r = vec![0f32; p];
        for ni in 0..n {
            let xs = &x[ni * c * p..][..c * p];
            inv_norms(xs, c, p, &mut r);
            for ci in 0..c {
                let gs = g[ci] * self.scale;
                let (src, dst) = (&xs[ci * p..][..p], &mut out[(ni * c + ci) * p..][..p]);
                for ((d, v), ri) in dst.iter_mut().zip(src).zip(&r) {
                    let a = v * ri * gs;
                    *d = if self.silu { a * sigmoid(a) } else { a };
                }
            }
        }
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, g: &Tensor, _res: &Tensor, gy: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (n, c, p) = x.dims3()?;
        let both = x.apply_op2_no_bwd(&Tensor::cat(&[&gy.contiguous()?.flatten_all()?, g], 0)?, &RmsActBwd(*self))?;
        let gx = both.narrow(0, 0, n * c * p)?.reshape((n, c, p))?;
        let gg = both.narrow(0, n * c * p, c)?;
        Ok((Some(gx), Some(gg)))
    }
}

/// Backward: arg1 = x `[N, C, P]`, arg2 = `[gy (N*C*P); gamma (C)]` -> `[gx (N*C*P); ggamma (C)]`.
struct RmsActBwd(RmsAct);

impl CustomOp2 for RmsActBwd {
    fn name(&self) -> &'static str {
        "vae-rms-norm-act-bwd"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let RmsAct { scale, silu } = self.0;
        let x = f32s(s1, l1)?;
        let (n, c, p) = l1.shape().dims3()?;
        let rest = f32s(s2, l2)?;
        let (gy, g) = rest.split_at(n * c * p);
        let mut out = vec![0f32; n * c * p + c];
        let (gx, gg) = out.split_at_mut(n * c * p);
        let (mut r, mut dot) = (vec![0f32; p], vec![0f32; p]);
        let mut u = vec![0f32; c * p];
        for ni in 0..n {
            let base = ni * c * p;
            let xs = &x[base..][..c * p];
            inv_norms(xs, c, p, &mut r);
            dot.iter_mut().for_each(|v| *v = 0.0);
            for ci in 0..c {
                let gs = g[ci] * scale;
                let mut acc_g = 0f32;
                for q in 0..p {
                    let i = ci * p + q;
                    let nh = xs[i] * r[q];
                    let mut ga = gy[base + i];
                    if silu {
                        let a = nh * gs;
                        let sg = sigmoid(a);
                        ga *= sg * (1.0 + a * (1.0 - sg));
                    }
                    acc_g += ga * nh;
                    u[i] = ga * gs;
                    dot[q] += u[i] * nh;
                }
                gg[ci] += acc_g * scale;
            }
            for ci in 0..c {
                for q in 0..p {
                    let i = ci * p + q;
                    gx[base + i] = r[q] * (u[i] - xs[i] * r[q] * dot[q]);
                }
            }
        }
        Ok((CpuStorage::F32(out), Shape::from(n * c * p + c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn generic(x: &Tensor, g: &Tensor, scale: f64, silu: bool) -> Result<Tensor> {
        let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
        let y = x.broadcast_div(&norm)?.broadcast_mul(&(g.reshape((1, (), 1))? * scale)?)?;
        if silu { y.silu() } else { Ok(y) }
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar().unwrap()
    }

    #[test]
    fn fused_norm_matches_generic_values_and_gradients() {
        let dev = Device::Cpu;
        for silu in [false, true] {
            let x = Var::from_tensor(&Tensor::randn(0f32, 1., (3, 5, 7), &dev).unwrap()).unwrap();
            let g = Var::from_tensor(&Tensor::randn(1f32, 0.3, 5, &dev).unwrap()).unwrap();
            let r = Tensor::randn(0f32, 1., (3, 5, 7), &dev).unwrap();
            let a = rms_norm(&x, &g, 2.2, silu).unwrap();
            let b = generic(&x, &g, 2.2, silu).unwrap();
            assert!(max_diff(&a, &b) < 1e-5, "values, silu {silu}");
            let ga = (&a * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let gb = (&b * &r).unwrap().sum_all().unwrap().backward().unwrap();
            for v in [&x, &g] {
                let (da, db) = (ga.get(v).unwrap(), gb.get(v).unwrap());
                assert!(max_diff(da, db) < 1e-4, "grad {:?} silu {silu}: {}", v.dims(), max_diff(da, db));
            }
        }
    }
}

//! Segmented block-causal attention: the chunk's queries attend to several K/V segments (the
//! past blocks the memory hands out plus the chunk itself) without concatenating them and
//! without materialising the score matrix.
//!
//! Query token `i` belongs to chunk `q_chunk0 + i / q_chunk_len`; a segment is visible to it iff
//! `segment.chunk <= chunk(i)`. A query row that sees no key at all gets zeros.
//!
//! Implementations (see [`implementation`]):
//! - `reference`: concatenates the visible K/V, adds a block mask and calls
//!   [`super::layers::attention`] (fused path). Always used on CPU, and on CUDA for dtypes or head
//!   dims the kernels do not support. With every segment visible to every row it is exactly
//!   today's `attention(q, cat(k), cat(v), None)`.
//! - `cuda-flash-wmma`: FlashAttention-2 style kernel on bf16 tensor cores (`flash.cu`), bf16 and
//!   head dim 64 or 128, sm_80+.
//! - `cuda-flash-simple`: one warp per query row in f32, the slow fallback.
//!
//! `CINE_ATTN=wmma|simple|reference` (read once per process) overrides the default choice; a
//! kernel that does not support the inputs falls back to the reference. The wmma kernel comes
//! in two variants, output accumulator in shared memory (default) or in registers
//! (`CINE_FLASH_WMMA=reg`); [`self_check`] checks and times both.
//!
//! Checks: CPU tests in tests.rs; `emu/run.sh` runs flash.cu's kernels on the CPU (emulated
//! threads and wmma) against a double reference; `gpu-check.sh` runs everything on a GPU.

mod check;
#[cfg(feature = "cuda")]
mod cuda;
mod reference;
#[cfg(test)]
mod tests;

use candle_core::{bail, DType, Result, Tensor};
use std::io::Write as _;

pub use check::{self_check, CheckRow};

/// Keys/values of one segment `[B, H, Sk_i, d]` (last dim contiguous; any batch/head/token
/// strides that a `narrow` over dim 2 of a contiguous tensor gives), visible to query chunk
/// `c` iff `chunk <= c` (block-causal mask).
pub struct KvSegment<'a> {
    pub k: &'a Tensor,
    pub v: &'a Tensor,
    pub chunk: usize,
}

/// The implementations [`segmented_attention`] can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Wmma,
    Simple,
    Reference,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Wmma => "cuda-flash-wmma",
            Kernel::Simple => "cuda-flash-simple",
            Kernel::Reference => "reference",
        }
    }

    /// Whether this kernel can run `q` (device, dtype, head dim, built GPU arch).
    pub fn supports(self, q: &Tensor) -> bool {
        let d = q.dims().last().copied().unwrap_or(0);
        let cuda = cfg!(feature = "cuda") && q.device().is_cuda();
        match self {
            Kernel::Reference => true,
            Kernel::Simple => cuda && matches!(q.dtype(), DType::BF16 | DType::F16 | DType::F32) && (1..=256).contains(&d),
            Kernel::Wmma => cuda && wmma_arch() && q.dtype() == DType::BF16 && (d == 64 || d == 128),
        }
    }
}

/// bf16 WMMA needs sm_80+; the PTX is built for `CUDA_COMPUTE_CAP` (see build.rs).
fn wmma_arch() -> bool {
    #[cfg(feature = "cuda")]
    {
        cuda::COMPUTE_CAP >= 80
    }
    #[cfg(not(feature = "cuda"))]
    {
        false
    }
}

/// Where the wmma kernel keeps its output accumulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WmmaO {
    Shared,
    Registers,
}

/// `CINE_FLASH_WMMA=reg|smem`, read once (default smem).
fn wmma_variant() -> WmmaO {
    static V: std::sync::OnceLock<WmmaO> = std::sync::OnceLock::new();
    *V.get_or_init(|| match std::env::var("CINE_FLASH_WMMA").ok().as_deref() {
        Some("reg") => WmmaO::Registers,
        None | Some("") | Some("smem") => WmmaO::Shared,
        Some(other) => {
            let _ = writeln!(std::io::stderr(), "CINE_FLASH_WMMA={other:?} is not reg or smem; using smem");
            WmmaO::Shared
        }
    })
}

/// `CINE_ATTN`, read once. Unknown values are reported once and ignored.
fn requested() -> Option<Kernel> {
    static REQ: std::sync::OnceLock<Option<Kernel>> = std::sync::OnceLock::new();
    *REQ.get_or_init(|| match std::env::var("CINE_ATTN").ok().as_deref() {
        None | Some("") => None,
        Some("wmma") => Some(Kernel::Wmma),
        Some("simple") => Some(Kernel::Simple),
        Some("reference") => Some(Kernel::Reference),
        Some(other) => {
            let _ = writeln!(std::io::stderr(), "CINE_ATTN={other:?} is not one of wmma, simple, reference; using the default");
            None
        }
    })
}

/// The kernel [`segmented_attention`] runs for queries `q`.
pub fn choose(q: &Tensor) -> Kernel {
    let want = requested().unwrap_or(Kernel::Wmma);
    if want.supports(q) { want } else { Kernel::Reference }
}

/// Which implementation `segmented_attention` uses for these inputs (for the bench to print):
/// "cuda-flash-wmma", "cuda-flash-simple", or "reference".
pub fn implementation(q: &Tensor) -> &'static str {
    choose(q).name()
}

/// softmax(q k^T / sqrt(d)) v over all segments without concatenating them.
/// Query token `i` belongs to chunk `q_chunk0 + i / q_chunk_len`.
/// `q: [B, H, Sq, d]`, returns `[B, H, Sq, d]` in q's dtype; rows whose chunk sees no segment
/// are zeros.
pub fn segmented_attention(q: &Tensor, segs: &[KvSegment], q_chunk_len: usize, q_chunk0: usize) -> Result<Tensor> {
    segmented_attention_with(choose(q), q, segs, q_chunk_len, q_chunk0)
}

/// [`segmented_attention`] with an explicit kernel (errors if it does not support the inputs).
pub fn segmented_attention_with(kernel: Kernel, q: &Tensor, segs: &[KvSegment], q_chunk_len: usize, q_chunk0: usize) -> Result<Tensor> {
    attend_with(kernel, wmma_variant(), q, segs, q_chunk_len, q_chunk0)
}

fn attend_with(kernel: Kernel, variant: WmmaO, q: &Tensor, segs: &[KvSegment], q_chunk_len: usize, q_chunk0: usize) -> Result<Tensor> {
    validate(q, segs, q_chunk_len)?;
    if !kernel.supports(q) {
        bail!("segmented attention: kernel {} does not support q {:?} {:?} on {:?}", kernel.name(), q.dims(), q.dtype(), q.device().location())
    }
    match kernel {
        Kernel::Reference => reference::attend(q, segs, q_chunk_len, q_chunk0),
        #[cfg(feature = "cuda")]
        Kernel::Wmma | Kernel::Simple => cuda::attend(kernel, variant == WmmaO::Registers, q, segs, q_chunk_len, q_chunk0),
        #[cfg(not(feature = "cuda"))]
        Kernel::Wmma | Kernel::Simple => {
            let _ = variant;
            unreachable!("supports() is false without the cuda feature")
        }
    }
}

/// Shape, dtype and device checks shared by every implementation.
fn validate(q: &Tensor, segs: &[KvSegment], q_chunk_len: usize) -> Result<()> {
    let Ok((b, h, _, d)) = q.dims4() else {
        bail!("segmented attention: q must be [B, H, Sq, d], got {:?}", q.dims())
    };
    if q_chunk_len == 0 {
        bail!("segmented attention: q_chunk_len must be at least 1 (tokens per query chunk)")
    }
    for (i, s) in segs.iter().enumerate() {
        for (name, t) in [("k", s.k), ("v", s.v)] {
            let Ok((tb, th, _, td)) = t.dims4() else {
                bail!("segmented attention: segment {i} {name} must be [B, H, Sk, d], got {:?}", t.dims())
            };
            if (tb, th, td) != (b, h, d) {
                bail!("segmented attention: segment {i} {name} {:?} does not match q {:?} in B, H or d", t.dims(), q.dims())
            }
            if t.dtype() != q.dtype() {
                bail!("segmented attention: segment {i} {name} is {:?}, q is {:?}", t.dtype(), q.dtype())
            }
            if !t.device().same_device(q.device()) {
                bail!("segmented attention: segment {i} {name} is on {:?}, q on {:?}", t.device().location(), q.device().location())
            }
        }
        if s.k.dim(2)? != s.v.dim(2)? {
            bail!("segmented attention: segment {i} has {} keys but {} values", s.k.dim(2)?, s.v.dim(2)?)
        }
    }
    Ok(())
}

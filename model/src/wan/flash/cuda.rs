//! Launches the flash.cu kernels through candle's CUDA backend: a [`CustomOp1`] on `q` that holds
//! the segment tensors, reads their device pointers and layouts, uploads a small segment table
//! and launches `flash_wmma_d{64,128}` or `flash_simple_{bf16,f16,f32}`.

use candle_core::backend::BackendStorage;
use candle_core::cuda_backend::cudarc::driver::sys::CUfunction_attribute;
use candle_core::cuda_backend::cudarc::driver::{CudaSlice, CudaStream, DevicePtr, DeviceRepr, LaunchConfig, PushKernelArg, SyncOnDrop};
use candle_core::cuda_backend::{CudaDType, CudaStorageSlice, WrapErr};
use candle_core::{bail, CpuStorage, CudaDevice, CudaStorage, CustomOp1, Layout, Result, Shape, Storage, Tensor, WithDType};
use half::{bf16, f16};

use super::{Kernel, KvSegment};

const PTX: &str = include_str!(concat!(env!("OUT_DIR"), "/flash.ptx"));
const MODULE: &str = "cine_flash";
/// The GPU architecture the PTX was built for (`CUDA_COMPUTE_CAP`, see build.rs).
pub(super) const COMPUTE_CAP: u32 = parse_cap(env!("CINE_FLASH_COMPUTE_CAP"));
/// i64 words per segment in the table, `struct Seg` in flash.cu.
const SEG_WORDS: usize = 12;
/// Query rows per CTA of the wmma kernel (`BR`) and per block of the simple kernel.
const WMMA_ROWS: usize = 64;
const SIMPLE_ROWS: usize = 4;

const fn parse_cap(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0u32;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

/// Dynamic shared memory of `flash_wmma[_reg]_d{d}`: `Smem<D, REG_O>::BYTES` in flash.cu (K and
/// V tiles, per-warp scores and probabilities, the output accumulator or (`reg_o`) the Q tile,
/// a per-row factor).
pub(super) fn wmma_smem_bytes(d: usize, reg_o: bool) -> usize {
    let (br, bc, warps) = (WMMA_ROWS, 64, 4);
    let (ldk, lds, ldp, ldo) = (d + 8, bc + 4, bc + 8, d + 4);
    let o_or_q = if reg_o { br * ldk * 2 } else { warps * 16 * ldo * 4 };
    2 * bc * ldk * 2 + warps * 16 * lds * 4 + warps * 16 * ldp * 2 + o_or_q + br * 4
}

/// Runs `kernel` (Wmma or Simple; inputs validated and supported); `reg_o` picks the wmma
/// variant with the output accumulator in registers.
pub(super) fn attend(kernel: Kernel, reg_o: bool, q: &Tensor, segs: &[KvSegment], q_chunk_len: usize, q_chunk0: usize) -> Result<Tensor> {
    let (b, h, sq, _) = q.dims4()?;
    if b * h > 65535 || sq > i32::MAX as usize || q_chunk_len > i32::MAX as usize || q_chunk0 > i32::MAX as usize {
        bail!("segmented attention: B*H = {} (max 65535) or Sq/q_chunk_len/q_chunk0 too large for the CUDA kernels", b * h)
    }
    let q = loadable(kernel, q)?;
    let mut held = Vec::with_capacity(segs.len());
    for s in segs {
        if s.k.dim(2)? > 0 {
            held.push((loadable(kernel, s.k)?, loadable(kernel, s.v)?, s.chunk));
        }
    }
    q.apply_op1_no_bwd(&FlashOp { kernel, reg_o, segs: held, q_chunk_len, q_chunk0 })
}

/// The tensor itself if the kernel can read it in place: unit last-dim stride and, for the wmma
/// kernel's 16-byte loads, start offset and strides in multiples of 8 elements. Otherwise a fresh
/// contiguous copy (never the case for contiguous tensors or narrows of them along dim 2).
fn loadable(kernel: Kernel, t: &Tensor) -> Result<Tensor> {
    let l = t.layout();
    let st = l.stride();
    let unit = st[3] == 1 || t.dim(3)? == 1;
    let aligned = kernel != Kernel::Wmma || (l.start_offset() % 8 == 0 && st[..3].iter().all(|s| s % 8 == 0));
    if unit && aligned { Ok(t.clone()) } else { t.force_contiguous() }
}

struct FlashOp {
    kernel: Kernel,
    reg_o: bool,
    /// `(k, v, chunk)`, non-empty segments only.
    segs: Vec<(Tensor, Tensor, usize)>,
    q_chunk_len: usize,
    q_chunk0: usize,
}

impl CustomOp1 for FlashOp {
    fn name(&self) -> &'static str {
        "cine-flash-attention"
    }

    fn cpu_fwd(&self, _: &CpuStorage, _: &Layout) -> Result<(CpuStorage, Shape)> {
        bail!("the flash attention kernels are CUDA only (CPU uses the reference path)")
    }

    fn cuda_fwd(&self, qs: &CudaStorage, ql: &Layout) -> Result<(CudaStorage, Shape)> {
        let dev = qs.device().clone();
        let slice = match (&qs.slice, self.kernel) {
            (CudaStorageSlice::BF16(q), Kernel::Wmma | Kernel::Simple) => CudaStorageSlice::BF16(self.launch::<bf16>(q, ql, &dev)?),
            (CudaStorageSlice::F16(q), Kernel::Simple) => CudaStorageSlice::F16(self.launch::<f16>(q, ql, &dev)?),
            (CudaStorageSlice::F32(q), Kernel::Simple) => CudaStorageSlice::F32(self.launch::<f32>(q, ql, &dev)?),
            _ => bail!("segmented attention: kernel {} does not support {:?}", self.kernel.name(), qs.dtype()),
        };
        Ok((CudaStorage { slice, device: dev }, ql.shape().clone()))
    }
}

/// Device address (bytes, start offset included) of a segment tensor, plus cudarc's read guard,
/// to be dropped after the launch.
fn address<'a, T: CudaDType + 'a>(s: &'a Storage, l: &Layout, stream: &'a CudaStream) -> Result<(u64, SyncOnDrop<'a>)> {
    let Storage::Cuda(s) = s else { bail!("segmented attention: a K/V segment is not on the CUDA device") };
    let (ptr, read) = s.as_cuda_slice::<T>()?.device_ptr(stream);
    Ok((ptr + (l.start_offset() * std::mem::size_of::<T>()) as u64, read))
}

impl FlashOp {
    fn launch<T: CudaDType + DeviceRepr + WithDType>(&self, q: &CudaSlice<T>, ql: &Layout, dev: &CudaDevice) -> Result<CudaSlice<T>> {
        let (b, h, sq, d) = ql.shape().dims4()?;
        let Some((o1, o2)) = ql.contiguous_offsets() else { bail!("segmented attention: q must be contiguous") };
        if self.kernel == Kernel::Wmma && o1 % 8 != 0 {
            bail!("segmented attention: q start offset {o1} is not 16-byte aligned")
        }
        let q = q.slice(o1..o2);
        let stream = dev.cuda_stream();
        // Read locks on the segments' storage until the launch is queued. (If a segment shared
        // q's storage this would take a second read lock on it, which is fine for readers.)
        let locked: Vec<_> = self.segs.iter().map(|(k, v, c)| (k.storage_and_layout(), v.storage_and_layout(), *c)).collect();
        let mut table: Vec<i64> = Vec::with_capacity(SEG_WORDS * locked.len().max(1));
        let mut reads = Vec::with_capacity(2 * locked.len());
        for ((ks, kl), (vs, vl), chunk) in &locked {
            let (kp, kr) = address::<T>(ks, kl, &stream)?;
            let (vp, vr) = address::<T>(vs, vl, &stream)?;
            reads.push(kr);
            reads.push(vr);
            let (kst, vst) = (kl.stride(), vl.stride());
            let w = |x: usize| x as i64;
            table.extend([kp as i64, vp as i64, w(kl.dims()[2]), w(*chunk), w(kst[0]), w(kst[1]), w(kst[2]), w(vst[0]), w(vst[1]), w(vst[2]), 0, 0]);
        }
        let nseg = locked.len() as i32;
        if table.is_empty() {
            table.resize(SEG_WORDS, 0); // not read (nseg = 0); avoids a zero-length upload
        }
        let table = dev.clone_htod(&table)?;
        // SAFETY: every element is written by the kernel (each (b, h, row < Sq) exactly once).
        let out = unsafe { dev.alloc::<T>(b * h * sq * d)? };
        let (h32, sq32, qcl, qc0) = (h as i32, sq as i32, self.q_chunk_len as i32, self.q_chunk0 as i32);
        let scale = 1.0 / (d as f64).sqrt();
        match self.kernel {
            Kernel::Wmma => {
                let name = format!("flash_wmma{}_d{d}", if self.reg_o { "_reg" } else { "" });
                let func = dev.get_or_load_custom_func(&name, MODULE, PTX)?;
                let smem = wmma_smem_bytes(d, self.reg_o);
                func.set_attribute(CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem as i32).w()?;
                let cfg = LaunchConfig { grid_dim: (sq.div_ceil(WMMA_ROWS) as u32, (b * h) as u32, 1), block_dim: (128, 1, 1), shared_mem_bytes: smem as u32 };
                let scale_log2 = (scale * std::f64::consts::LOG2_E) as f32;
                let mut builder = func.builder();
                builder.arg(&q);
                builder.arg(&out);
                builder.arg(&table);
                candle_core::builder_arg!(builder, nseg, h32, sq32, qcl, qc0, scale_log2);
                // SAFETY: argument list matches `flash_wmma_d*` in flash.cu; pointers stay alive
                // (and read-locked) until the launch is queued on candle's stream.
                unsafe { builder.launch(cfg) }.w()?;
            }
            Kernel::Simple => {
                let name = match T::DTYPE {
                    candle_core::DType::BF16 => "flash_simple_bf16",
                    candle_core::DType::F16 => "flash_simple_f16",
                    _ => "flash_simple_f32",
                };
                let func = dev.get_or_load_custom_func(name, MODULE, PTX)?;
                let cfg = LaunchConfig { grid_dim: (sq.div_ceil(SIMPLE_ROWS) as u32, (b * h) as u32, 1), block_dim: (32 * SIMPLE_ROWS as u32, 1, 1), shared_mem_bytes: 0 };
                let (d32, scale) = (d as i32, scale as f32);
                let mut builder = func.builder();
                builder.arg(&q);
                builder.arg(&out);
                builder.arg(&table);
                candle_core::builder_arg!(builder, nseg, h32, sq32, d32, qcl, qc0, scale);
                // SAFETY: argument list matches `flash_simple_*` in flash.cu.
                unsafe { builder.launch(cfg) }.w()?;
            }
            Kernel::Reference => bail!("segmented attention: the reference is not a CUDA kernel"),
        }
        drop(reads);
        Ok(out)
    }
}

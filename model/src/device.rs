//! Picking the compute device and dtype from user-facing names.

use candle_core::{DType, Device};

/// Whether this build carries the CUDA backend (`--features cuda`).
pub const CUDA_BUILT: bool = cfg!(feature = "cuda");

/// `cpu`, `cuda` / `cuda:N`, or `auto` (the first GPU when built with CUDA and one is present,
/// else the CPU).
pub fn pick(name: &str) -> anyhow::Result<Device> {
    let ordinal = |s: &str| s.parse::<usize>().map_err(|_| anyhow::anyhow!("device `{name}`: `{s}` is not a GPU number (try `cuda:0`)"));
    match name {
        "cpu" => Ok(Device::Cpu),
        "auto" if CUDA_BUILT => Ok(Device::new_cuda(0).unwrap_or(Device::Cpu)),
        "auto" => Ok(Device::Cpu),
        _ if name == "cuda" || name.starts_with("cuda:") => {
            let n = if name == "cuda" { 0 } else { ordinal(&name[5..])? };
            anyhow::ensure!(CUDA_BUILT, "device `{name}`: this cine was built without CUDA; rebuild with `cargo build --release --features cuda` (see README, GPU section)");
            Device::new_cuda(n).map_err(|e| anyhow::anyhow!("device `{name}`: no usable GPU ({e})"))
        }
        _ => anyhow::bail!("unknown device `{name}`: use cpu, cuda, cuda:N or auto"),
    }
}

/// `f32`, `bf16`, `f16`, or `auto` (bf16 on a GPU, f32 on the CPU, where candle's bf16 matmul
/// converts to f32 anyway).
pub fn dtype(name: &str, dev: &Device) -> anyhow::Result<DType> {
    match name {
        "auto" => Ok(if dev.is_cpu() { DType::F32 } else { DType::BF16 }),
        "f32" => Ok(DType::F32),
        "bf16" if dev.is_cpu() => anyhow::bail!("dtype bf16 on the CPU: candle has no CPU bf16 matmul; use f32 (or f16 to try the half-precision path)"),
        "bf16" => Ok(DType::BF16),
        "f16" => Ok(DType::F16),
        _ => anyhow::bail!("unknown dtype `{name}`: use f32, bf16, f16 or auto"),
    }
}

/// Short name of a device for reports: `cpu` or `cuda:N`.
pub fn describe(dev: &Device) -> String {
    match dev.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_devices_and_bad_names_are_errors() {
        assert!(pick("cpu").unwrap().is_cpu());
        assert!(pick("auto").is_ok());
        assert!(pick("tpu").unwrap_err().to_string().contains("unknown device"));
        assert!(pick("cuda:x").is_err());
        if !CUDA_BUILT {
            assert!(pick("cuda").unwrap_err().to_string().contains("--features cuda"));
        }
        assert_eq!(dtype("auto", &Device::Cpu).unwrap(), DType::F32);
        assert!(dtype("int4", &Device::Cpu).is_err());
        assert!(dtype("bf16", &Device::Cpu).unwrap_err().to_string().contains("use f32"));
        assert_eq!(describe(&Device::Cpu), "cpu");
    }
}

/// Device memory figures of a GPU, bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuMemory {
    /// High-water mark of the default memory pool (candle allocates from it, stream-ordered)
    /// since the last [`reset_gpu_peak`].
    pub pool_peak: u64,
    /// Used on the whole device now (`total - free`, every process and context).
    pub device_used: u64,
    pub total: u64,
}

/// Memory figures of `dev`; `None` on the CPU (or without the `cuda` feature).
pub fn gpu_memory(dev: &Device) -> Option<GpuMemory> {
    #[cfg(feature = "cuda")]
    if let Device::Cuda(d) = dev {
        return cuda_mem::read(d).ok();
    }
    let _ = dev;
    None
}

/// Restarts the pool high-water mark of `dev` (no-op on the CPU).
pub fn reset_gpu_peak(dev: &Device) {
    #[cfg(feature = "cuda")]
    if let Device::Cuda(d) = dev {
        let _ = cuda_mem::reset(d);
    }
    let _ = dev;
}

#[cfg(feature = "cuda")]
mod cuda_mem {
    use candle_core::cuda::cudarc::driver::sys;
    use candle_core::cuda::CudaDevice;

    fn pool(d: &CudaDevice) -> Result<sys::CUmemoryPool, sys::CUresult> {
        let ctx = d.cuda_stream().context().clone();
        ctx.bind_to_thread().map_err(|e| e.0)?;
        let mut pool = std::ptr::null_mut();
        // SAFETY: plain driver query into a local out-pointer for a live context's device.
        let r = unsafe { sys::cuDeviceGetDefaultMemPool(&mut pool, ctx.cu_device()) };
        if r == sys::CUresult::CUDA_SUCCESS { Ok(pool) } else { Err(r) }
    }

    pub fn read(d: &CudaDevice) -> Result<super::GpuMemory, sys::CUresult> {
        let p = pool(d)?;
        let mut high: u64 = 0;
        // SAFETY: the attribute is a cuuint64_t written into a local.
        let r = unsafe { sys::cuMemPoolGetAttribute(p, sys::CUmemPool_attribute::CU_MEMPOOL_ATTR_USED_MEM_HIGH, &mut high as *mut u64 as *mut _) };
        if r != sys::CUresult::CUDA_SUCCESS {
            return Err(r);
        }
        let (free, total) = d.cuda_stream().context().mem_get_info().map_err(|e| e.0)?;
        Ok(super::GpuMemory { pool_peak: high, device_used: (total - free) as u64, total: total as u64 })
    }

    pub fn reset(d: &CudaDevice) -> Result<(), sys::CUresult> {
        let p = pool(d)?;
        let mut zero: u64 = 0;
        // SAFETY: resetting the high-water mark takes a zero cuuint64_t.
        let r = unsafe { sys::cuMemPoolSetAttribute(p, sys::CUmemPool_attribute::CU_MEMPOOL_ATTR_USED_MEM_HIGH, &mut zero as *mut u64 as *mut _) };
        if r == sys::CUresult::CUDA_SUCCESS { Ok(()) } else { Err(r) }
    }
}

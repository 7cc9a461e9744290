//! Reading weight files that may be malformed. candle's PyTorch pickle reader panics on
//! some damaged `.pth`/`.pt` files (an overflowing shift or multiply, an index past a short
//! tuple); a file is input, so that becomes an error naming it, never a crash.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Runs `f`, which reads `path`; a panic inside it is an error naming the file.
pub fn reading<T>(path: &Path, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    // The panic is reported as this error: keep the default hook from printing it too.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|p| {
        let why = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
        anyhow::bail!("{} is not a readable weights file: its reader failed on it ({why}); is it damaged or of another format?", path.display())
    })
}

/// A weights file given by path is a regular file: a FIFO would block the read forever,
/// a folder fails with an opaque I/O error.
pub fn regular_file(path: &Path) -> anyhow::Result<()> {
    let what = if !path.exists() { "does not exist" } else if !path.is_file() { "is not a regular file" } else { return Ok(()) };
    anyhow::bail!("weights file {} {what}", path.display())
}

/// Checks what a PyTorch checkpoint says about its tensors before any is read: each must
/// fit in its storage, and the storage in the file. A damaged header claiming a huge shape
/// would otherwise be allocated in full (64 GiB for one 5-element VAE weight) and abort.
pub fn check_pth(path: &Path, key: Option<&str>) -> anyhow::Result<()> {
    let pth = candle_core::pickle::PthTensors::new(path, key).map_err(|e| anyhow::anyhow!("reading {} as a PyTorch checkpoint: {e}", path.display()))?;
    check_tensors(path, &pth)
}

/// [`check_pth`] on a checkpoint already opened.
pub fn check_tensors(path: &Path, pth: &candle_core::pickle::PthTensors) -> anyhow::Result<()> {
    let file_bytes = std::fs::metadata(path).map(|m| m.len() as u128).unwrap_or(0);
    for (name, info) in pth.tensor_infos() {
        let l = &info.layout;
        let elems = l.shape().dims().iter().try_fold(1u128, |n, &d| n.checked_mul(d as u128));
        let end = elems.map(|n| n + l.start_offset() as u128);
        let stored = info.storage_size as u128 * info.dtype.size_in_bytes() as u128;
        if end.is_none_or(|e| e > info.storage_size as u128) || stored > file_bytes.max(1) * 64 {
            anyhow::bail!(
                "{}: tensor `{name}` claims shape {:?} at offset {} in a storage of {} elements, more than the file holds; is the file damaged?",
                path.display(),
                l.shape().dims(),
                l.start_offset(),
                info.storage_size
            );
        }
    }
    Ok(())
}

//! The reference implementation: concatenated K/V plus an additive block mask through
//! [`super::super::layers::attention`] (fused path), exactly today's numbers when every segment
//! is visible to every query row.

use candle_core::{DType, Result, Tensor};

use super::KvSegment;
use crate::wan::layers::{attention, Path};

/// Inputs are validated by the caller.
pub(super) fn attend(q: &Tensor, segs: &[KvSegment], q_chunk_len: usize, q_chunk0: usize) -> Result<Tensor> {
    let (b, h, sq, d) = q.dims4()?;
    let chunk_of = |i: usize| q_chunk0 + i / q_chunk_len;
    let segs: Vec<&KvSegment> = segs.iter().filter(|s| s.k.dim(2).map(|n| n > 0).unwrap_or(true)).collect();
    // Row chunks grow with the row index, so the rows that see nothing are a prefix [0, n0).
    let n0 = match segs.iter().map(|s| s.chunk).min() {
        None => sq,
        Some(c) if c <= q_chunk0 => 0,
        Some(c) => ((c - q_chunk0) * q_chunk_len).min(sq),
    };
    if n0 == sq {
        return Tensor::zeros((b, h, sq, d), q.dtype(), q.device());
    }
    let (first, last) = (chunk_of(n0), chunk_of(sq - 1));
    let vis: Vec<&KvSegment> = segs.into_iter().filter(|s| s.chunk <= last).collect();
    let k = Tensor::cat(&vis.iter().map(|s| s.k).collect::<Vec<_>>(), 2)?;
    let v = Tensor::cat(&vis.iter().map(|s| s.v).collect::<Vec<_>>(), 2)?;
    let qv = if n0 == 0 { q.clone() } else { q.narrow(2, n0, sq - n0)? };
    let mask = if vis.iter().all(|s| s.chunk <= first) {
        None
    } else {
        let rows: Vec<f32> = (n0..sq).map(|i| chunk_of(i) as f32).collect();
        let keys: Vec<f32> = vis.iter().flat_map(|s| std::iter::repeat_n(s.chunk as f32, s.k.dim(2).unwrap_or(0))).collect();
        Some(block_mask(&rows, &keys, q.dtype(), q.device())?)
    };
    let out = attention(&qv, &k, &v, mask.as_ref(), Path::Fused)?;
    if n0 == 0 {
        Ok(out)
    } else {
        Tensor::cat(&[&Tensor::zeros((b, h, n0, d), q.dtype(), q.device())?, &out], 2)
    }
}

/// Additive mask `[rows, keys]`: 0 where the key's chunk <= the row's chunk, -inf elsewhere.
/// Chunk ids travel as f32 (exact below 2^24).
fn block_mask(rows: &[f32], keys: &[f32], dtype: DType, dev: &candle_core::Device) -> Result<Tensor> {
    let (nr, nk) = (rows.len(), keys.len());
    let rows = Tensor::from_slice(rows, (nr, 1), dev)?.broadcast_as((nr, nk))?;
    let keys = Tensor::from_slice(keys, (1, nk), dev)?.broadcast_as((nr, nk))?;
    let zero = Tensor::zeros((nr, nk), dtype, dev)?;
    let ninf = Tensor::full(f32::NEG_INFINITY, (nr, nk), dev)?.to_dtype(dtype)?;
    keys.le(&rows)?.where_cond(&zero, &ninf)
}

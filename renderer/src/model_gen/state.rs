//! [`ModelGenerator`] snapshots for the render cache: one safetensors blob holding the DiT
//! generator's tensors (KV memory, prompt K/V, re-cache history) and the streaming VAE's
//! feature caches, with a small JSON record (counters, noise-stream position, relevance
//! scores, shot map) in its `__metadata__` under `cine`.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use super::ModelGenerator;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Record {
    version: u32,
    generator: serde_json::Value,
    decoder: serde_json::Value,
    caption: String,
    shots: Vec<usize>,
    pending_cut: bool,
    pending_prompt: Option<String>,
    kv_peak: usize,
}

impl ModelGenerator {
    /// The whole generation state as bytes; `None` before `start`.
    pub(super) fn save(&self) -> Result<Option<Vec<u8>>> {
        let (Some(gen), Some(dec)) = (self.gen.as_ref(), self.dec.as_ref()) else { return Ok(None) };
        let mut tensors = HashMap::new();
        let generator = serde_json::to_value(gen.save_state(&mut tensors))?;
        let decoder = serde_json::to_value(dec.save_state(&mut tensors))?;
        let record = Record {
            version: VERSION,
            generator,
            decoder,
            caption: self.caption.clone(),
            shots: self.shots.clone(),
            pending_cut: self.pending_cut,
            pending_prompt: self.pending_prompt.clone(),
            kv_peak: self.kv_peak,
        };
        Ok(Some(write_safetensors(&tensors, &serde_json::to_string(&record)?)?))
    }

    /// Reloads [`Self::save`]'s bytes into a started generator.
    pub(super) fn load(&mut self, bytes: &[u8]) -> Result<()> {
        let meta = read_metadata(bytes).context("the saved model state is not a safetensors blob")?;
        let record: Record = serde_json::from_str(&meta).context("the saved model state has a bad record")?;
        if record.version != VERSION {
            bail!("saved model state version {} (this build reads {VERSION})", record.version);
        }
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).context("reading the saved model tensors")?;
        let (Some(gen), Some(dec)) = (self.gen.as_mut(), self.dec.as_mut()) else {
            bail!("restore before start: the model generator has no stream")
        };
        gen.load_state(&serde_json::from_value(record.generator)?, &tensors)?;
        dec.load_state(&serde_json::from_value(record.decoder)?, &tensors)?;
        self.caption = record.caption;
        self.shots = record.shots;
        self.pending_cut = record.pending_cut;
        self.pending_prompt = record.pending_prompt;
        self.kv_peak = record.kv_peak;
        Ok(())
    }
}

/// safetensors layout: u64 LE header length, JSON header (names -> dtype, shape, byte range;
/// `__metadata__`), raw little-endian data. f32 only (the CPU models run in f32).
pub(crate) fn write_safetensors(tensors: &HashMap<String, Tensor>, meta: &str) -> Result<Vec<u8>> {
    let mut names: Vec<&String> = tensors.keys().collect();
    names.sort();
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::json!({ "cine": meta }));
    let mut data: Vec<u8> = Vec::new();
    for n in names {
        let t = &tensors[n];
        if t.dtype() != DType::F32 {
            bail!("cannot save tensor `{n}` of dtype {:?} (only f32 states are cached)", t.dtype());
        }
        let start = data.len();
        for v in t.flatten_all()?.to_vec1::<f32>()? {
            data.extend_from_slice(&v.to_le_bytes());
        }
        header.insert(
            n.clone(),
            serde_json::json!({ "dtype": "F32", "shape": t.dims(), "data_offsets": [start, data.len()] }),
        );
    }
    let mut h = serde_json::to_vec(&serde_json::Value::Object(header))?;
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + h.len() + data.len());
    out.extend_from_slice(&(h.len() as u64).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&data);
    Ok(out)
}

fn read_metadata(bytes: &[u8]) -> Result<String> {
    let n = u64::from_le_bytes(bytes.get(..8).context("too short")?.try_into()?) as usize;
    let header: serde_json::Value = serde_json::from_slice(bytes.get(8..8 + n).context("truncated header")?)?;
    let meta = header.get("__metadata__").and_then(|m| m.get("cine")).and_then(|m| m.as_str());
    Ok(meta.context("no `cine` metadata")?.to_string())
}

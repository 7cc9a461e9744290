//! Loading Wan DiT weights from safetensors or PyTorch `.pt` files, with a check that names
//! the first missing or mis-shaped tensor before anything is built.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use super::{WanConfig, WanModel};

/// Every tensor the DiT reads, with its shape, in the official Wan2.1 layout.
pub fn expected_tensors(cfg: &WanConfig) -> Vec<(String, Vec<usize>)> {
    let d = cfg.dim;
    let [pt, ph, pw] = cfg.patch_size;
    let mut v: Vec<(String, Vec<usize>)> = vec![
        ("patch_embedding.weight".into(), vec![d, cfg.in_dim, pt, ph, pw]),
        ("patch_embedding.bias".into(), vec![d]),
        ("text_embedding.0.weight".into(), vec![d, cfg.text_dim]),
        ("text_embedding.0.bias".into(), vec![d]),
        ("text_embedding.2.weight".into(), vec![d, d]),
        ("text_embedding.2.bias".into(), vec![d]),
        ("time_embedding.0.weight".into(), vec![d, cfg.freq_dim]),
        ("time_embedding.0.bias".into(), vec![d]),
        ("time_embedding.2.weight".into(), vec![d, d]),
        ("time_embedding.2.bias".into(), vec![d]),
        ("time_projection.1.weight".into(), vec![6 * d, d]),
        ("time_projection.1.bias".into(), vec![6 * d]),
    ];
    for i in 0..cfg.num_layers {
        let p = format!("blocks.{i}");
        for attn in ["self_attn", "cross_attn"] {
            for l in ["q", "k", "v", "o"] {
                v.push((format!("{p}.{attn}.{l}.weight"), vec![d, d]));
                v.push((format!("{p}.{attn}.{l}.bias"), vec![d]));
            }
            if cfg.qk_norm {
                v.push((format!("{p}.{attn}.norm_q.weight"), vec![d]));
                v.push((format!("{p}.{attn}.norm_k.weight"), vec![d]));
            }
        }
        if cfg.cross_attn_norm {
            v.push((format!("{p}.norm3.weight"), vec![d]));
            v.push((format!("{p}.norm3.bias"), vec![d]));
        }
        v.push((format!("{p}.ffn.0.weight"), vec![cfg.ffn_dim, d]));
        v.push((format!("{p}.ffn.0.bias"), vec![cfg.ffn_dim]));
        v.push((format!("{p}.ffn.2.weight"), vec![d, cfg.ffn_dim]));
        v.push((format!("{p}.ffn.2.bias"), vec![d]));
        v.push((format!("{p}.modulation"), vec![1, 6, d]));
    }
    let out = pt * ph * pw * cfg.out_dim;
    v.push(("head.head.weight".into(), vec![out, d]));
    v.push(("head.head.bias".into(), vec![out]));
    v.push(("head.modulation".into(), vec![1, 2, d]));
    v
}

/// Finds the key prefix (`""`, or `model.` in Self-Forcing checkpoints) and checks every
/// expected tensor is present with the right shape. Returns the prefix.
pub fn check_tensors(shapes: &HashMap<String, Vec<usize>>, cfg: &WanConfig, source: &str) -> Result<String> {
    let anchor = "patch_embedding.weight";
    let prefix = if shapes.contains_key(anchor) {
        String::new()
    } else {
        let mut found: Vec<&String> = shapes.keys().filter(|k| k.ends_with(anchor)).collect();
        found.sort();
        match found.first() {
            Some(k) => k[..k.len() - anchor.len()].to_string(),
            None => {
                let mut some: Vec<&String> = shapes.keys().collect();
                some.sort();
                some.truncate(5);
                bail!("missing tensor `{anchor}` in {source}: this does not look like a Wan2.1 DiT checkpoint ({} tensors, e.g. {:?}); diffusers-format files must be converted to the official names", shapes.len(), some)
            }
        }
    };
    for (name, shape) in expected_tensors(cfg) {
        let full = format!("{prefix}{name}");
        match shapes.get(&full) {
            None => bail!("missing tensor `{full}` (expected shape {shape:?}) in {source}; the config has {} layers, dim {}: check the config matches the checkpoint", cfg.num_layers, cfg.dim),
            Some(s) if *s != shape => bail!("tensor `{full}` in {source} has shape {s:?}, expected {shape:?} for the config (dim {}, ffn_dim {}, text_dim {}, freq_dim {}): check the config matches the checkpoint", cfg.dim, cfg.ffn_dim, cfg.text_dim, cfg.freq_dim),
            Some(_) => {}
        }
    }
    Ok(prefix)
}

fn build(vb: VarBuilder, prefix: &str, cfg: &WanConfig, source: &str) -> Result<WanModel> {
    let vb = match prefix.strip_suffix('.') {
        Some(p) => vb.pp(p),
        None => vb,
    };
    WanModel::new(cfg, vb).with_context(|| format!("building the DiT from {source}"))
}

/// Loads a DiT from a `.safetensors` file or a PyTorch `.pt`/`.pth` file. For `.pt` files
/// holding several state dicts (Self-Forcing: `{"generator": ..., "generator_ema": ...}`),
/// `pt_key` picks one; `None` tries `generator`, then the top level. A `model.` (or any) key
/// prefix is detected and stripped.
pub fn load(path: &Path, cfg: &WanConfig, pt_key: Option<&str>, dtype: DType, dev: &Device) -> Result<WanModel> {
    crate::untrusted::reading(path, || load_file(path, cfg, pt_key, dtype, dev))
}

fn load_file(path: &Path, cfg: &WanConfig, pt_key: Option<&str>, dtype: DType, dev: &Device) -> Result<WanModel> {
    let source = path.display().to_string();
    crate::untrusted::regular_file(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "safetensors" {
        // Safety: the file is memory-mapped read-only; it must not change while loaded.
        let st = unsafe { candle_core::safetensors::MmapedSafetensors::new(path) }.with_context(|| format!("reading {source} as safetensors"))?;
        let shapes = st.tensors().into_iter().map(|(n, v)| (n, v.shape().to_vec())).collect();
        let prefix = check_tensors(&shapes, cfg, &source)?;
        let dtypes = st.tensors().into_iter().filter_map(|(n, v)| Some((n, DType::try_from(v.dtype()).ok()?))).collect();
        check_floats(&dtypes, &prefix, cfg, &source)?;
        build(VarBuilder::from_backend(Box::new(st), dtype, dev.clone()), &prefix, cfg, &source)
    } else {
        let pth = match pt_key {
            Some(k) => candle_core::pickle::PthTensors::new(path, Some(k)).with_context(|| format!("reading `{k}` from {source} as a PyTorch checkpoint"))?,
            None => match candle_core::pickle::PthTensors::new(path, Some("generator")) {
                Ok(p) if !p.tensor_infos().is_empty() => p,
                _ => candle_core::pickle::PthTensors::new(path, None).with_context(|| format!("reading {source} as a PyTorch checkpoint (.pt/.pth) or safetensors"))?,
            },
        };
        crate::untrusted::check_tensors(path, &pth)?;
        let shapes = pth.tensor_infos().iter().map(|(n, i)| (n.clone(), i.layout.shape().dims().to_vec())).collect();
        let prefix = check_tensors(&shapes, cfg, &source)?;
        let dtypes = pth.tensor_infos().iter().map(|(n, i)| (n.clone(), i.dtype)).collect();
        check_floats(&dtypes, &prefix, cfg, &source)?;
        build(VarBuilder::from_backend(Box::new(pth), dtype, dev.clone()), &prefix, cfg, &source)
    }
}

/// Loads a DiT from safetensors bytes (e.g. weights embedded with `include_bytes!`).
pub fn load_bytes(bytes: &[u8], cfg: &WanConfig, dtype: DType, dev: &Device) -> Result<WanModel> {
    let ts: HashMap<String, Tensor> = candle_core::safetensors::load_buffer(bytes, dev).context("reading DiT safetensors bytes")?;
    load_tensors(ts, cfg, dtype, dev, "the DiT's weights")
}

/// Builds a DiT from named tensors (official names, optional prefix).
pub fn load_tensors(ts: HashMap<String, Tensor>, cfg: &WanConfig, dtype: DType, dev: &Device, source: &str) -> Result<WanModel> {
    let shapes = ts.iter().map(|(n, t)| (n.clone(), t.dims().to_vec())).collect();
    let prefix = check_tensors(&shapes, cfg, source)?;
    check_floats(&ts.iter().map(|(n, t)| (n.clone(), t.dtype())).collect(), &prefix, cfg, source)?;
    build(VarBuilder::from_tensors(ts, dtype, dev), &prefix, cfg, source)
}

/// The DiT's weights are floating point: integer or byte tensors of the right shape were
/// cast to f32 and rendered noise without a word.
fn check_floats(dtypes: &HashMap<String, DType>, prefix: &str, cfg: &WanConfig, source: &str) -> Result<()> {
    for (name, _) in expected_tensors(cfg) {
        let full = format!("{prefix}{name}");
        if let Some(d) = dtypes.get(&full).filter(|d| !d.is_float()) {
            bail!("tensor `{full}` in {source} is {d:?}, not floating point: this is not a DiT checkpoint's weight");
        }
    }
    Ok(())
}

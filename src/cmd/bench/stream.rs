//! `cine bench --config NAME`: the streaming generation loop at a model's real scale: a
//! text-conditioned causal DiT with KV memory (CAMR, window or full), the few-step sampler, a
//! cut and a prompt switch every `--shot-seconds`, streaming VAE decode and the copy of the
//! frames to the host. Weights from files when given, else random (speed does not depend on
//! the values). The text encoder is not run: prompts are random embeddings of its output shape.

use std::time::Instant;

use anyhow::Context;
use candle_core::{DType, Device, Tensor};
use cine_model::memory::{CamrConfig, MemoryPolicy};
use cine_model::vae::{to_rgb8, StreamingDecoder, VaeConfig, WanVae};
use cine_model::wan::{CausalGenerator, GeneratorConfig, WanConfig, WanModel};
use cine_model::{device, timing};
use serde::Serialize;

use super::Args;

/// Video frames per second of the Wan2.1 family (and of the published FPS figures).
const FPS: f64 = 16.0;

/// What one run measured (also written as JSON with `--json`).
#[derive(Debug, Serialize)]
pub struct Report {
    pub config: String,
    pub weights: String,
    pub device: String,
    pub dtype: String,
    pub attention: String,
    pub size: (usize, usize),
    pub steps: usize,
    pub memory: String,
    pub chunks: usize,
    pub frames: usize,
    pub seconds_of_video: f64,
    pub wall_s: f64,
    pub fps: f64,
    /// The warm-up chunks before the stream (kernel loading included).
    pub warmup_s: f64,
    pub first_chunk_s: f64,
    pub start_chunk_s: f64,
    pub end_chunk_s: f64,
    pub chunk_s: Vec<f64>,
    pub kv_bytes_end: usize,
    pub gpu_pool_peak_bytes: Option<u64>,
    pub gpu_device_used_bytes: Option<u64>,
    pub host_peak_rss_bytes: Option<u64>,
    /// `(stage, seconds per chunk)` over the profiled chunks (synchronised timers).
    pub split: Vec<(String, f64)>,
    pub profiled_chunks: usize,
}

fn parse_size(s: &str) -> anyhow::Result<(usize, usize)> {
    let (w, h) = s.split_once('x').with_context(|| format!("--size `{s}`: write WIDTHxHEIGHT, e.g. 832x480"))?;
    let p = |v: &str| v.trim().parse::<usize>().with_context(|| format!("--size `{s}`: `{v}` is not a number"));
    Ok((p(w)?, p(h)?))
}

fn policy(name: &str, blocks: usize, bank: usize) -> anyhow::Result<MemoryPolicy> {
    Ok(match name {
        "full" => MemoryPolicy::Full,
        "window" => MemoryPolicy::Window { window: blocks },
        // Same active budget as the window: 1 sink + shot sink + 2 recent + the rest retrieved.
        "camr" => MemoryPolicy::Camr(CamrConfig { window: 2, top_k: blocks.saturating_sub(4).max(1), bank, ..CamrConfig::default() }),
        _ => anyhow::bail!("--memory `{name}`: use camr, window or full"),
    })
}

fn vae_config(name: &str) -> anyhow::Result<VaeConfig> {
    cine_model::registry::vae_config(name).ok_or_else(|| anyhow::anyhow!("--config `{name}`: use wan2.1-1.3b (alias self-forcing) or cine-tiny"))
}

fn load_dit(args: &Args, cfg: &WanConfig, dtype: DType, dev: &Device) -> anyhow::Result<(WanModel, String)> {
    match &args.weights {
        Some(p) => Ok((cine_model::wan::load(p, cfg, None, dtype, dev)?, p.display().to_string())),
        None => {
            let ts = cine_model::wan::random_weights_on_device(cfg, dtype, dev)?;
            Ok((cine_model::wan::load_tensors(ts, cfg, dtype, dev, "random weights")?, "random (speed does not depend on the values)".into()))
        }
    }
}

fn load_vae(args: &Args, cfg: &VaeConfig, dtype: DType, dev: &Device) -> anyhow::Result<WanVae> {
    match &args.vae_weights {
        Some(p) => WanVae::load(p, cfg, dtype, dev),
        None => {
            // Rebuild from detached copies: the VarMap's variables would make every decode
            // record an autograd graph.
            let (_, vars) = WanVae::new_random(cfg, 0, 0.0, dtype, dev)?;
            let ts = vars.data().lock().map_err(|_| anyhow::anyhow!("VAE init lock poisoned"))?.iter().map(|(k, v)| (k.clone(), v.as_tensor().detach())).collect();
            Ok(WanVae::new(cfg, candle_nn::VarBuilder::from_tensors(ts, dtype, dev))?)
        }
    }
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

/// Runs the stream and returns what it measured; prints progress lines to stderr.
pub fn measure(args: &Args, config: &str) -> anyhow::Result<Report> {
    let cfg = WanConfig::preset(config).with_context(|| format!("--config `{config}`: use wan2.1-1.3b (alias self-forcing) or cine-tiny"))?;
    let vcfg = vae_config(config)?;
    let (w, h) = parse_size(&args.size)?;
    let sf = vcfg.spatial_factor();
    let ph = cfg.patch_size[1] * sf;
    anyhow::ensure!(w > 0 && h > 0 && w % ph == 0 && h % ph == 0, "--size {w}x{h}: width and height must be multiples of {ph} for {config}");
    anyhow::ensure!(args.steps > 0, "--steps must be at least 1");
    anyhow::ensure!(args.seconds > 0.0 && args.seconds <= 86_400.0, "--seconds must be more than 0 and at most 86400 (a day of video)");
    let dev = device::pick(&args.device)?;
    let dtype = device::dtype(&args.dtype, &dev)?;
    let chunk_frames = 3;
    let tf = vcfg.temporal_factor();
    // The first chunk decodes to 1 + tf*(L-1) frames, every later one to tf*L.
    let target = (args.seconds * FPS).round() as usize;
    let first = 1 + tf * (chunk_frames - 1);
    let chunks = 1 + target.saturating_sub(first).div_ceil(tf * chunk_frames);
    let every = |secs: f64| if secs > 0.0 { ((secs * FPS) / (tf * chunk_frames) as f64).round().max(1.0) as usize } else { usize::MAX };
    let (shot_chunks, prompt_chunks) = (every(args.shot_seconds), every(args.prompt_seconds));

    let t_load = Instant::now();
    let (dit, weights) = load_dit(args, &cfg, dtype, &dev)?;
    let vae = load_vae(args, &vcfg, dtype, &dev)?;
    dev.synchronize()?;
    eoutln!("loaded {config} ({weights}) on {} in {:.1} s", device::describe(&dev), t_load.elapsed().as_secs_f64());
    let gcfg = GeneratorConfig { chunk_frames, latent_height: h / sf, latent_width: w / sf, steps: cine_model::wan::schedule::even_steps(args.steps), recache_chunks: args.recache, ..GeneratorConfig::default() };
    let prompt = |dev: &Device| Tensor::randn(0f32, 1f32, (1, 64, cfg.text_dim), dev)?.to_dtype(dtype);
    // Warm-up: one chunk on a throwaway stream loads (and JIT-compiles) the device kernels, which
    // the published first-chunk latencies leave out too.
    let t_warm = Instant::now();
    for _ in 0..args.warmup {
        let mut g = CausalGenerator::new(dit.clone(), gcfg.clone(), policy(&args.memory, args.blocks, args.bank)?)?;
        g.set_prompt(&prompt(&dev)?)?;
        to_rgb8(&StreamingDecoder::new(&vae).decode_chunk(&g.generate_chunk()?)?)?;
    }
    dev.synchronize()?;
    let warmup_s = t_warm.elapsed().as_secs_f64();
    let mut gen = CausalGenerator::new(dit, gcfg, policy(&args.memory, args.blocks, args.bank)?)?;
    let mut dec = StreamingDecoder::new(&vae);
    device::reset_gpu_peak(&dev);
    let mut times = Vec::with_capacity(chunks);
    let mut frames = 0;
    let profiled = args.profile_chunks;
    let step = |i: usize, gen: &mut CausalGenerator, dec: &mut StreamingDecoder| -> candle_core::Result<usize> {
        let cut = i > 0 && i % shot_chunks == 0;
        if i == 0 || cut {
            gen.begin_shot(vec![]);
        }
        if i == 0 || cut || i % prompt_chunks == 0 {
            let text = prompt(&dev)?;
            timing::time("prompt switch", &dev, || gen.set_prompt(&text))?;
        }
        let latents = timing::time("DiT", &dev, || gen.generate_chunk())?;
        let video = timing::time("VAE decode", &dev, || if cut { dec.decode_chunk_after_cut(&latents) } else { dec.decode_chunk(&latents) })?;
        let rgb = timing::time("to host", &dev, || to_rgb8(&video))?;
        Ok(rgb.len())
    };
    // The stream, then `profiled` more chunks with synchronised stage timers (not in the FPS).
    for i in 0..chunks + profiled {
        if i == chunks {
            timing::take();
            timing::enable(true);
        }
        let t = Instant::now();
        let n = step(i, &mut gen, &mut dec)?;
        dev.synchronize()?;
        let dt = t.elapsed().as_secs_f64();
        if i < chunks {
            frames += n;
            times.push(dt);
        }
        let kv = gen.memory().bytes() as f64 / (1 << 20) as f64;
        if i >= chunks {
            eoutln!("profiled chunk {}/{profiled}: {dt:.3} s, kv {kv:.0} MiB", i + 1 - chunks);
        } else if i % (chunks / 10).max(1) == 0 || i + 1 == chunks {
            eoutln!("chunk {:>4}/{chunks}: {dt:.3} s, {n} frames, kv {kv:.0} MiB", i + 1);
        }
    }
    timing::enable(false);
    let wall: f64 = times.iter().sum();
    let split_raw = timing::take();
    let mem = device::gpu_memory(&dev);
    let k = 5.min(times.len());
    let start = if times.len() > 1 { mean(&times[1..(1 + k).min(times.len())]) } else { times[0] };
    Ok(Report {
        config: config.into(),
        weights,
        device: device::describe(&dev),
        dtype: format!("{dtype:?}").to_lowercase(),
        attention: cine_model::wan::flash::implementation(&Tensor::zeros((1, 1, 1, cfg.head_dim()), dtype, &dev)?).into(),
        size: (w, h),
        steps: args.steps,
        memory: format!("{} ({} past blocks)", args.memory, if args.memory == "full" { "all".into() } else { args.blocks.to_string() }),
        chunks: times.len(),
        frames,
        seconds_of_video: frames as f64 / FPS,
        wall_s: wall,
        fps: frames as f64 / wall.max(1e-9),
        warmup_s,
        first_chunk_s: times[0],
        start_chunk_s: start,
        end_chunk_s: mean(&times[times.len() - k..]),
        chunk_s: times,
        kv_bytes_end: gen.memory().bytes(),
        gpu_pool_peak_bytes: mem.map(|m| m.pool_peak),
        gpu_device_used_bytes: mem.map(|m| m.device_used),
        host_peak_rss_bytes: cine_synth::suite::peak_mib().map(|m| (m * 1024.0 * 1024.0) as u64),
        split: split_raw.iter().map(|s| (s.name.to_string(), s.secs / profiled.max(1) as f64)).collect(),
        profiled_chunks: profiled,
    })
}

/// Prints a report as the lines `cine bench` shows.
pub fn print(r: &Report) {
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    outln!("{} at {}x{}, {} steps, memory {}, {} on {} (attention: {}), weights: {}", r.config, r.size.0, r.size.1, r.steps, r.memory, r.dtype, r.device, r.attention, r.weights);
    outln!(
        "{} chunks, {} frames ({:.1} s of video at {FPS} fps) in {:.2} s: {:.2} FPS ({:.2}x real time)",
        r.chunks, r.frames, r.seconds_of_video, r.wall_s, r.fps, r.fps / FPS
    );
    outln!(
        "first chunk {:.3} s (latency to the first frames, after a {:.2} s warm-up; no text encoder); per chunk: start {:.3} s, end {:.3} s",
        r.first_chunk_s, r.warmup_s, r.start_chunk_s, r.end_chunk_s
    );
    let mut mem = format!("kv memory at the end {:.1} MiB", mib(r.kv_bytes_end as u64));
    if let Some(p) = r.gpu_pool_peak_bytes {
        mem += &format!("; GPU peak {:.0} MiB (pool high-water)", mib(p));
    }
    if let Some(u) = r.gpu_device_used_bytes {
        mem += &format!(", device used now {:.0} MiB", mib(u));
    }
    if let Some(h) = r.host_peak_rss_bytes {
        mem += &format!("; host peak RSS {:.0} MiB", mib(h));
    }
    outln!("{mem}");
    if r.profiled_chunks > 0 {
        let total: f64 = r.split.iter().filter(|s| !s.0.contains("attention") && s.0 != "memory routing").map(|s| s.1).sum();
        let parts: Vec<String> = r.split.iter().map(|(n, s)| format!("{n} {:.3} s ({:.0}%)", s, 100.0 * s / total.max(1e-12))).collect();
        outln!("where the time goes (per chunk, last {} chunks, synchronised; attention and routing are also counted in DiT and prompt switch): {}", r.profiled_chunks, parts.join(", "));
    }
}

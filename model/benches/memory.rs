//! Per-chunk latency and peak resident memory of chunked generation under the memory
//! policies (full cache, sliding window, CAMR): the cine-tiny DiT (random weights) on an 8x8
//! latent (32x32 video, 48 tokens per 3-frame chunk) so that 200 full-cache chunks finish in
//! minutes on 2 cores; CPU f32, 4 denoising steps + 1 cache pass per chunk.
//!
//!     cargo bench -p cine-model --bench memory                 # 200 chunks
//!     cargo bench -p cine-model --bench memory -- --chunks 50 --latent 16
//!
//! Each policy runs in its own child process so the peak RSS (VmHWM) is its own.

use std::process::Command;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use cine_model::memory::{CamrConfig, MemoryPolicy};
use cine_model::wan::{self, CausalGenerator, GeneratorConfig, WanConfig};

const CHECKPOINTS: [usize; 4] = [1, 10, 50, 200];

fn policies() -> Vec<(&'static str, MemoryPolicy)> {
    vec![
        ("full", MemoryPolicy::Full),
        // Same active budget as CAMR below: 6 past blocks.
        ("window-6", MemoryPolicy::Window { window: 6 }),
        ("camr", MemoryPolicy::Camr(CamrConfig { sinks: 1, shot_sink: false, window: 2, top_k: 3, bank: 16, decay: 0.9 })),
    ]
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time (user + system) of this process in ms, from /proc (10 ms ticks).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`: state is field 3; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (ticks(14) + ticks(15)) * 10.0
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn generator(name: &str, latent: usize) -> anyhow::Result<CausalGenerator> {
    let (_, policy) = policies().into_iter().find(|(n, _)| *n == name).ok_or_else(|| anyhow::anyhow!("unknown policy {name}"))?;
    let cfg = WanConfig::cine_tiny();
    let dev = Device::Cpu;
    let dit = wan::load_tensors(wan::random_weights(&cfg, 0, &dev)?, &cfg, DType::F32, &dev, "random")?;
    let gcfg = GeneratorConfig { latent_height: latent, latent_width: latent, ..GeneratorConfig::for_model("cine-tiny").unwrap() };
    let mut g = CausalGenerator::new(dit, gcfg, policy)?;
    let text = Tensor::randn(0f32, 1.0, (cfg.text_len, cfg.text_dim), &dev)?;
    g.set_prompt(&text)?;
    Ok(g)
}

/// Child: generate `chunks` chunks under one policy; print `mem` lines (peak RSS, KV bytes,
/// blocks held) at the checkpoints.
fn memory_run(name: &str, chunks: usize, latent: usize) -> anyhow::Result<()> {
    let mut g = generator(name, latent)?;
    for c in 1..=chunks {
        g.generate_chunk()?;
        if CHECKPOINTS.contains(&c) || c == chunks {
            let kv = g.memory().bytes() as f64 / (1024.0 * 1024.0);
            println!("mem\t{name}\t{c}\t{:.1}\t{kv:.2}\t{}", peak_rss_mb(), g.memory().block_ids(0).len());
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let chunks: usize = arg("--chunks").and_then(|s| s.parse().ok()).unwrap_or(200);
    let latent: usize = arg("--latent").and_then(|s| s.parse().ok()).unwrap_or(8);
    if let Some(p) = arg("--policy") {
        return memory_run(&p, chunks, latent);
    }
    // Memory: one child process per policy, so each peak RSS is its own.
    let exe = std::env::current_exe()?;
    let mut mem = std::collections::HashMap::new();
    for (name, _) in policies() {
        let out = Command::new(&exe).args(["--policy", name, "--chunks", &chunks.to_string(), "--latent", &latent.to_string()]).output()?;
        if !out.status.success() {
            anyhow::bail!("{name} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        for line in String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("mem\t")) {
            let f: Vec<String> = line.split('\t').map(String::from).collect();
            mem.insert((f[1].clone(), f[2].clone()), f[3..].to_vec());
        }
    }
    // Latency: the policies interleaved chunk by chunk in this process, so that load from
    // other processes hits them alike.
    let mut gens = policies().iter().map(|(n, _)| Ok((*n, generator(n, latent)?, Vec::new(), Vec::new()))).collect::<anyhow::Result<Vec<_>>>()?;
    let mut rows = Vec::new();
    for c in 1..=chunks {
        for (name, g, times, cpu) in gens.iter_mut() {
            let (t0, c0) = (Instant::now(), cpu_ms());
            g.generate_chunk()?.sum_all()?.to_scalar::<f32>()?;
            times.push(t0.elapsed().as_secs_f64() * 1e3);
            cpu.push(cpu_ms() - c0);
            if CHECKPOINTS.contains(&c) || c == chunks {
                let from = c.saturating_sub(9);
                let mut last = times[from..].to_vec();
                last.sort_by(f64::total_cmp);
                let cpu_mean = cpu[from..].iter().sum::<f64>() / (c - from) as f64;
                rows.push((name.to_string(), c, last[last.len() / 2], cpu_mean));
            }
        }
    }
    let tokens = 3 * (latent / 2) * (latent / 2);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    println!("cine-tiny DiT (dim 128, 4 layers, random weights), {latent}x{latent} latent, {tokens} tokens/chunk, CPU f32, RAYON_NUM_THREADS={threads}");
    println!("ms/chunk = wall-clock median of the last <= 9 chunks up to that point (4 steps + cache pass; policies");
    println!("interleaved chunk by chunk); cpu ms = mean process CPU time over the same chunks (insensitive to other load)");
    println!("{:<10} {:>7} {:>10} {:>8} {:>13} {:>8} {:>7}", "policy", "chunks", "ms/chunk", "cpu ms", "peak RSS MB", "KV MB", "blocks");
    rows.sort_by_key(|r| (policies().iter().position(|p| p.0 == r.0), r.1));
    for (name, c, ms, cpu) in rows {
        let m = mem.get(&(name.clone(), c.to_string())).cloned().unwrap_or_else(|| vec!["?".into(); 3]);
        println!("{:<10} {:>7} {:>10.1} {:>8.1} {:>13} {:>8} {:>7}", name, c, ms, cpu, m[0], m[1], m[2]);
    }
    Ok(())
}

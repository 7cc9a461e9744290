//! `cine cache`: inspect and clean the incremental render cache.

use std::path::PathBuf;

use cine_renderer::cache::{self, RenderCache};

/// Arguments of `cine cache`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// Cache directory (default: $CINE_CACHE_DIR, else ~/.cache/cine).
    #[arg(long, global = true)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum Action {
    /// Show where the cache is and how big.
    Info,
    /// Remove entries: all of them, or the least recently used beyond `--max-mb`.
    Clean {
        /// Keep the cache under this many MiB instead of emptying it.
        #[arg(long)]
        max_mb: Option<u64>,
    },
}

pub fn run(args: Args) -> i32 {
    let dir = args.cache_dir.unwrap_or_else(cache::default_dir);
    if dir.is_file() {
        eoutln!("error: the render cache {} is a file, not a folder", dir.display());
        return 2;
    }
    let c = RenderCache::new(dir.clone(), u64::MAX);
    match args.action {
        Action::Info => {
            let u = c.usage();
            outln!("{}: {} entries, {:.1} MiB", dir.display(), u.entries, u.bytes as f64 / (1 << 20) as f64);
            0
        }
        Action::Clean { max_mb } => {
            if !cache::is_cache_dir(&dir) {
                eoutln!("error: {} holds files that are not cache entries; not touching it", dir.display());
                return 2;
            }
            let before = c.usage();
            match c.evict(max_mb.map(|m| m.saturating_mul(1 << 20)).unwrap_or(0)) {
                Ok(n) => {
                    let after = c.usage();
                    outln!(
                        "removed {n} entries ({:.1} MiB) from {}",
                        (before.bytes - after.bytes) as f64 / (1 << 20) as f64,
                        dir.display()
                    );
                    0
                }
                Err(e) => {
                    eoutln!("error: {e:#}");
                    2
                }
            }
        }
    }
}

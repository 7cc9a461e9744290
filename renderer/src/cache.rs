//! The incremental render cache: content-addressed generation states at shot boundaries.
//!
//! An entry is keyed by the generator's id (model and weights), the stream settings (seed,
//! size, global caption) and the chunk plans of every shot up to and including shot `k`;
//! it holds the generator's state right after shot `k` and shot `k`'s frames. A render
//! looks entries up shot by shot from the start: the longest run of hits is reused (frames
//! read back, state restored) and generation resumes after it. Editing shot `k` changes the
//! keys of shot `k` and later only, so shots before `k` are never regenerated.
//! The directory is bounded: after each write the least recently used entries go until
//! the total size fits.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::frame::RgbFrame;
use crate::generator::StreamInfo;
use crate::schedule::Schedule;

const MAGIC: &[u8] = b"CINE-CACHE-1\n";
const EXT: &str = "entry";

/// Default size bound: 2 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// A cache directory with a size bound.
#[derive(Debug, Clone)]
pub struct RenderCache {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

/// What a cache entry holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub state: Vec<u8>,
    pub frames: Vec<RgbFrame>,
}

/// How an entry being written is named until it is complete (`put`).
const TEMP_PREFIX: &str = ".tmp";
/// How long a half-written entry may go untouched before it counts as left by a killed process.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Serialize, Deserialize)]
struct Header {
    key: String,
    width: u32,
    height: u32,
    frames: usize,
    state_len: usize,
}

/// Size and count of a cache directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub entries: usize,
    pub bytes: u64,
}

/// The cache directory used when none is given: `$CINE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/cine`, else `~/.cache/cine`, else `.cine-cache`.
pub fn default_dir() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("CINE_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("cine")))
        .or_else(|| env("HOME").map(|p| p.join(".cache").join("cine")))
        .unwrap_or_else(|| PathBuf::from(".cine-cache"))
}

/// Cache keys of every shot boundary of a schedule: `keys[k]` covers shots `0..=k`.
pub fn shot_keys(generator_id: &str, info: &StreamInfo, schedule: &Schedule) -> Vec<String> {
    let mut h = Sha256::new();
    h.update(b"cine-render-cache/1\0");
    h.update(generator_id.as_bytes());
    h.update(b"\0");
    h.update(serde_json::to_vec(&(info.seed, info.width, info.height, &info.global_caption)).unwrap_or_default());
    (0..schedule.shots.len())
        .map(|k| {
            for c in schedule.shot_chunks(k) {
                h.update(serde_json::to_vec(c).unwrap_or_default());
            }
            let digest = h.clone().finalize();
            digest.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}

impl RenderCache {
    pub fn new(dir: impl Into<PathBuf>, max_bytes: u64) -> Self {
        Self { dir: dir.into(), max_bytes }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{EXT}"))
    }

    /// Reads an entry; a missing or unreadable entry is a miss (a corrupt one is removed).
    pub fn get(&self, key: &str) -> Option<Entry> {
        let path = self.path(key);
        let bytes = fs::read(&path).ok()?;
        match decode(key, &bytes) {
            Some(e) => {
                // Mark as recently used for eviction.
                if let Ok(f) = fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(std::time::SystemTime::now());
                }
                Some(e)
            }
            None => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Writes an entry atomically, then evicts old entries beyond the size bound.
    pub fn put(&self, key: &str, entry: &Entry) -> Result<()> {
        if self.dir.is_file() {
            anyhow::bail!("{} is a file, not a folder", self.dir.display());
        }
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create the render cache {}", self.dir.display()))?;
        let (w, h) = entry.frames.first().map(|f| (f.width, f.height)).unwrap_or((0, 0));
        let header = serde_json::to_vec(&Header {
            key: key.to_string(),
            width: w,
            height: h,
            frames: entry.frames.len(),
            state_len: entry.state.len(),
        })?;
        let mut tmp = tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(&self.dir)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&(header.len() as u64).to_le_bytes())?;
        tmp.write_all(&header)?;
        tmp.write_all(&entry.state)?;
        for f in &entry.frames {
            tmp.write_all(&f.data)?;
        }
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        self.evict(self.max_bytes)?;
        Ok(())
    }

    /// Size and number of entries.
    pub fn usage(&self) -> Usage {
        let files = self.files();
        Usage { entries: files.len(), bytes: files.iter().map(|f| f.1).sum() }
    }

    /// Removes least recently used entries until the cache holds at most `max` bytes.
    /// Returns how many were removed.
    pub fn evict(&self, max: u64) -> Result<usize> {
        self.remove_stale_temps();
        let mut files = self.files();
        files.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        let mut removed = 0;
        for (path, size, _) in files {
            if total <= max {
                break;
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                // Another process evicted it first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
            }
            total -= size;
            removed += 1;
        }
        Ok(removed)
    }

    /// Removes every entry.
    pub fn clean(&self) -> Result<usize> {
        self.evict(0)
    }

    /// Removes entries a killed process left half-written (`TEMP_PREFIX`): an entry is
    /// written in seconds, so one untouched for ten minutes is no one's.
    fn remove_stale_temps(&self) {
        let Ok(rd) = fs::read_dir(&self.dir) else { return };
        let stale = |m: fs::Metadata| m.modified().ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > STALE_TEMP);
        for e in rd.filter_map(|e| e.ok()) {
            if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) && e.metadata().is_ok_and(|m| m.is_file() && stale(m)) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    fn files(&self) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let Ok(rd) = fs::read_dir(&self.dir) else { return Vec::new() };
        rd.filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == EXT))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((e.path(), m.len(), m.modified().ok()?))
            })
            .collect()
    }
}

fn decode(key: &str, bytes: &[u8]) -> Option<Entry> {
    let rest = bytes.strip_prefix(MAGIC)?;
    // Every size is checked: a damaged entry is a miss, never an overflow.
    let n = usize::try_from(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?)).ok()?;
    let body = rest.get(8..)?;
    let header: Header = serde_json::from_slice(body.get(..n)?).ok()?;
    if header.key != key || header.width == 0 || header.height == 0 {
        return None;
    }
    let body = &body[n..];
    let state = body.get(..header.state_len)?.to_vec();
    let fsize = (header.width as usize).checked_mul(header.height as usize)?.checked_mul(3)?;
    let pix = &body[header.state_len..];
    if Some(pix.len()) != fsize.checked_mul(header.frames) {
        return None;
    }
    let frames = pix
        .chunks_exact(fsize)
        .take(header.frames)
        .map(|d| RgbFrame { width: header.width, height: header.height, data: d.to_vec() })
        .collect();
    Some(Entry { state, frames })
}

/// True when `dir` looks like a render cache (or does not exist): `cine cache clean` checks
/// this before deleting.
pub fn is_cache_dir(dir: &Path) -> bool {
    let Ok(rd) = fs::read_dir(dir) else { return true };
    rd.filter_map(|e| e.ok()).all(|e| {
        let p = e.path();
        p.extension().is_some_and(|x| x == EXT) || p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(TEMP_PREFIX))
    })
}

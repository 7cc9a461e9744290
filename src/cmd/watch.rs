//! `cine render --watch`: the files a film is made of, and waiting until one of them changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// The files a render reads: the screenplay, the project files it uses and `cine.toml`
/// (found by compiling it, as the render does); an IR JSON file alone.
pub fn files_of(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    if path.extension().is_some_and(|e| e == "cine") {
        files.extend(super::compile(path).sources.into_iter().filter_map(|s| s.path));
        files.extend(cine_compiler::Config::find(&cine_compiler::project_root(path)));
    }
    // The screenplay itself comes back from the compile, canonical: keep each file once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    files
}

type Stamp = Vec<Option<(SystemTime, u64)>>;

fn stamp(files: &[PathBuf]) -> Stamp {
    files.iter().map(|f| std::fs::metadata(f).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))).collect()
}

/// Blocks until one of the files changes (or appears, or goes), polling; a change is taken
/// once it has been still for a moment, so a save in several writes renders once. False when
/// Ctrl-C arrived instead.
pub fn wait(files: &[PathBuf], interrupt: &AtomicBool) -> bool {
    let before = stamp(files);
    let tick = Duration::from_millis(200);
    loop {
        if interrupt.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(tick);
        let now = stamp(files);
        if now != before {
            std::thread::sleep(tick);
            if stamp(files) == now {
                return true;
            }
        }
    }
}

//! Batch rendering helpers: finding scripts, sharding, and JSON / JUnit reports.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// `--shard i/n`: this runner takes every script whose position in the sorted list is
/// `i - 1` modulo `n` (1-based `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s.split_once('/').ok_or_else(|| format!("shard `{s}` is not of the form i/n, e.g. 1/4"))?;
        let (i, n): (usize, usize) = (
            i.trim().parse().map_err(|_| format!("bad shard index in `{s}`"))?,
            n.trim().parse().map_err(|_| format!("bad shard count in `{s}`"))?,
        );
        if n == 0 || i == 0 || i > n {
            return Err(format!("shard `{s}` must satisfy 1 <= i <= n"));
        }
        Ok(Shard { index: i, count: n })
    }
}

impl Shard {
    /// The scripts of this shard, from a sorted list.
    pub fn select<T: Clone>(&self, sorted: &[T]) -> Vec<T> {
        sorted.iter().enumerate().filter(|(k, _)| k % self.count == self.index - 1).map(|(_, t)| t.clone()).collect()
    }
}

/// The screenplays a batch argument names, sorted: a directory (its `.cine` files, not
/// recursive), a glob over file names (`*` and `?` in the last path component), or a file.
pub fn find_scripts(arg: &str) -> Result<Vec<PathBuf>> {
    let path = Path::new(arg);
    let mut found: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .with_context(|| format!("cannot read the directory {arg}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "cine"))
            .collect()
    } else if arg.contains(['*', '?']) {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let pattern = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if dir.to_string_lossy().contains(['*', '?']) {
            bail!("`{arg}`: wildcards are supported in the file name only");
        }
        let implicit = path.parent().is_none_or(|p| p.as_os_str().is_empty());
        std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the directory {}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| wildcard(&pattern, &e.file_name().to_string_lossy()))
            .map(|e| if implicit { PathBuf::from(e.file_name()) } else { e.path() })
            .filter(|p| p.is_file())
            .collect()
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        bail!("`{arg}` is not a directory, a file or a glob");
    };
    found.sort();
    Ok(found)
}

/// The screenplays of several batch arguments (as [`find_scripts`]), sorted, each once. An
/// argument that names no screenplay is an error: a mistyped folder or glob must not pass as
/// an empty, green batch. Two scripts with the same file name would write the same
/// `<name>.mp4`, so that is refused too.
pub fn find_all(args: &[String]) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for arg in args {
        let found = find_scripts(arg)?;
        if found.is_empty() {
            bail!("`{arg}` names no `.cine` file");
        }
        all.extend(found);
    }
    all.sort();
    let mut seen = std::collections::HashSet::new();
    all.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    let mut by_stem: std::collections::BTreeMap<String, &PathBuf> = Default::default();
    for p in &all {
        let stem = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        if let Some(first) = by_stem.insert(stem.clone(), p) {
            bail!("{} and {} would both be written as {stem}.mp4; render them in separate batches (or rename one)", first.display(), p.display());
        }
    }
    Ok(all)
}

/// Matches `*` (any run) and `?` (one character).
pub fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// One script's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobReport {
    pub script: String,
    pub output: Option<String>,
    pub ok: bool,
    pub error: Option<String>,
    pub frames: u32,
    pub chunks: usize,
    pub chunks_generated: usize,
    pub shots_reused: usize,
    /// The screenplay's warnings (`cine lint` shows them).
    #[serde(default)]
    pub warnings: usize,
    pub seconds: f64,
}

/// The whole batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchReport {
    pub shard: String,
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub seconds: f64,
    pub jobs: Vec<JobReport>,
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || c >= ' ')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

impl BatchReport {
    /// JUnit XML: one test case per script.
    pub fn junit(&self) -> String {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s += &format!(
            "<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3}\">\n  <testsuite name=\"cine batch {}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">\n",
            self.total, self.failed, self.seconds, xml(&self.shard), self.total, self.failed, self.seconds
        );
        for j in &self.jobs {
            s += &format!("    <testcase classname=\"cine.render\" name=\"{}\" time=\"{:.3}\"", xml(&j.script), j.seconds);
            match &j.error {
                Some(e) => {
                    let first = e.lines().last().unwrap_or("render failed");
                    s += &format!(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", xml(first), xml(e));
                }
                None => s += " />\n",
            }
        }
        s += "  </testsuite>\n</testsuites>\n";
        s
    }
}

/// Runs `job` on every script with `jobs` threads (0: one per core). A job that fails or
/// panics is reported as failed; the others go on. Reports come back in input order.
pub fn run_all<F>(scripts: &[PathBuf], jobs: usize, job: F) -> Result<Vec<JobReport>>
where
    F: Fn(&Path) -> JobReport + Sync,
{
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("cannot start the batch threads")?;
    Ok(pool.install(|| {
        scripts
            .par_iter()
            .map(|p| {
                let t0 = std::time::Instant::now();
                // After Ctrl-C no job starts (one from the cache would still be written).
                if crate::interrupt::requested() {
                    return JobReport::failed(p, "not run: the batch was interrupted".into(), 0.0);
                }
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(p))).unwrap_or_else(|e| {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panic".into());
                    JobReport::failed(p, format!("internal error (panic): {msg}"), t0.elapsed().as_secs_f64())
                })
            })
            .collect()
    }))
}

impl JobReport {
    pub fn failed(script: &Path, error: String, seconds: f64) -> Self {
        JobReport {
            script: script.display().to_string(),
            output: None,
            ok: false,
            error: Some(error),
            frames: 0,
            chunks: 0,
            chunks_generated: 0,
            shots_reused: 0,
            warnings: 0,
            seconds,
        }
    }
}

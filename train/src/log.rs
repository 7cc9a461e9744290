//! The CSV loss log: one row per logged step, appended so that resumed runs keep history.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// An append-only CSV of `step,<column>...` rows.
pub struct LossLog {
    path: PathBuf,
    columns: Vec<String>,
    file: File,
}

impl LossLog {
    /// Opens (or creates) the log. An existing log must have the same columns.
    pub fn open(path: &Path, columns: &[&str]) -> Result<Self> {
        let header = std::iter::once("step")
            .chain(columns.iter().copied())
            .collect::<Vec<_>>()
            .join(",");
        let exists = path.exists() && std::fs::metadata(path)?.len() > 0;
        if exists {
            let first = BufReader::new(File::open(path)?).lines().next().transpose()?;
            if first.as_deref() != Some(header.as_str()) {
                bail!(
                    "loss log {} has columns {:?}, expected {header:?}; move it away to start a new run",
                    path.display(),
                    first.unwrap_or_default()
                );
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open loss log {}", path.display()))?;
        if !exists {
            writeln!(file, "{header}")?;
        }
        let columns = columns.iter().map(|c| c.to_string()).collect();
        Ok(Self { path: path.to_path_buf(), columns, file })
    }

    /// Appends one row; `values` are in the order of the columns.
    pub fn row(&mut self, step: usize, values: &[f64]) -> Result<()> {
        if values.len() != self.columns.len() {
            bail!("loss log row has {} values for {} columns", values.len(), self.columns.len());
        }
        let vals: Vec<String> = values.iter().map(|v| format!("{v:.6}")).collect();
        writeln!(self.file, "{step},{}", vals.join(","))?;
        self.file.flush()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads a loss log back: column names and rows of (step, values).
pub fn read(path: &Path) -> Result<(Vec<String>, Vec<(usize, Vec<f64>)>)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read loss log {}", path.display()))?;
    let mut lines = text.lines();
    let header = lines.next().context("empty loss log")?;
    let columns: Vec<String> = header.split(',').skip(1).map(String::from).collect();
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let mut parts = line.split(',');
        let step = parts
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("{}:{}: bad step", path.display(), n + 2))?;
        let vals: Vec<f64> = parts.map(|p| p.parse().unwrap_or(f64::NAN)).collect();
        rows.push((step, vals));
    }
    Ok((columns, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_across_reopen_and_rejects_other_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("loss.csv");
        LossLog::open(&p, &["loss"]).unwrap().row(1, &[0.5]).unwrap();
        LossLog::open(&p, &["loss"]).unwrap().row(2, &[0.25]).unwrap();
        let (cols, rows) = read(&p).unwrap();
        assert_eq!(cols, vec!["loss"]);
        assert_eq!(rows, vec![(1, vec![0.5]), (2, vec![0.25])]);
        assert!(LossLog::open(&p, &["other"]).is_err());
    }
}

//! The project config file, `cine.toml`: lint levels and limits.
//!
//! ```toml
//! [lints]
//! short-shot = "allow"     # allow | warn | deny
//! unused-cast = "deny"
//!
//! [limits]
//! max_seconds = 120        # film-too-long fires above this
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::Level;

/// The file name looked for in the screenplay's folder and its parents.
pub const CONFIG_FILE: &str = "cine.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Lint name (without `cine::`) to level.
    #[serde(default)]
    pub lints: BTreeMap<String, Level>,
    #[serde(default)]
    pub limits: Limits,
    /// Where the config came from and its text, for diagnostics about it.
    #[serde(skip)]
    pub source: Option<(PathBuf, String)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Longest film in seconds (`film-too-long`).
    pub max_seconds: Option<f64>,
}

impl Config {
    /// Parses a config file's text. The error says what is wrong, in the words of toml.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|e| e.to_string())
    }

    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut c = Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        c.source = Some((path.to_path_buf(), text));
        Ok(c)
    }

    /// Finds `cine.toml` in `dir` or its parents; returns its folder (the project root) too.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        let mut cur = Some(dir);
        while let Some(d) = cur {
            let p = d.join(CONFIG_FILE);
            if p.is_file() {
                return Some(p);
            }
            cur = d.parent();
        }
        None
    }
}

//! The project config file, `cine.toml`: lint levels and limits.
//!
//! ```toml
//! [lints]
//! short-shot = "allow"     # allow | warn | deny
//! "cine::unused-cast" = "deny"   # the full code works too
//!
//! [limits]
//! max_seconds = 120        # film-too-long fires above this
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::{Level, Rule};

/// The file name looked for in the screenplay's folder and its parents.
pub const CONFIG_FILE: &str = "cine.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Lint name as written (`short-shot` or `cine::short-shot`, with where the key is in
    /// the file) to level; [`Config::level`] looks a rule up under either.
    #[serde(default)]
    pub lints: BTreeMap<toml::Spanned<String>, Level>,
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
    #[serde(default, deserialize_with = "positive_seconds")]
    pub max_seconds: Option<f64>,
}

/// A number of seconds above zero: `-5` or `nan` would make every film too long, or none.
fn positive_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v > 0.0 {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!("max_seconds must be a number of seconds above zero, like 120 (not {v})")))
    }
}

/// Why a `cine.toml` cannot be used: what toml says, and where in the file when it can tell.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text; `None` when it could not be read.
    pub text: Option<String>,
    pub message: String,
    pub span: Option<Range<usize>>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl Config {
    /// Parses a config file's text. The error says what is wrong, in the words of toml.
    pub fn parse(text: &str) -> Result<Config, String> {
        let c = toml::from_str::<Config>(text).map_err(|e| e.to_string())?;
        c.check().map_err(|(message, _)| message)?;
        Ok(c)
    }

    /// The level cine.toml gives a rule, under its name or its full code.
    pub fn level(&self, rule: Rule) -> Option<Level> {
        self.lints.get(rule.name()).or_else(|| self.lints.get(rule.code().as_str())).copied()
    }

    /// A lint named both ways (`short-shot` and `cine::short-shot`) is an error: which level
    /// would win is not for the order of the file to decide.
    fn check(&self) -> Result<(), (String, Range<usize>)> {
        for key in self.lints.keys() {
            let Some(bare) = key.get_ref().strip_prefix("cine::") else { continue };
            if self.lints.contains_key(bare) {
                return Err((format!("`{bare}` and `{}` are the same lint; give its level once", key.get_ref()), key.span()));
            }
        }
        Ok(())
    }

    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |text: Option<String>, message: String, span| ConfigError { path: path.to_path_buf(), text, message, span };
        let text = std::fs::read_to_string(path).map_err(|e| err(None, format!("cannot read it: {e}"), None))?;
        let mut c = toml::from_str::<Config>(&text).map_err(|e| err(Some(text.clone()), e.message().trim().to_string(), e.span()))?;
        c.check().map_err(|(message, span)| err(Some(text.clone()), message, Some(span)))?;
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

//! Memory policies at a given active-memory budget, so that policies compare fairly.
//!
//! The budget is the number of past KV blocks (one block = one generated chunk) a chunk may
//! attend to. Every bounded policy gets at most that many: `window` = the `B` most recent;
//! `sink-window` = the video's first chunk + the shot's first chunk + the `B - 2` most recent;
//! `camr` = first chunk + shot's first chunk + a local window + the top-k routed blocks of its
//! bank, `B` in all. When sinks and window overlap (early in a shot) fewer blocks are active.
//! `full` has no bound (the reference). CAMR also holds a bank of inactive candidates
//! (`max(16, 3B)` blocks per layer), which costs memory but not attention time.

use anyhow::{bail, Result};
use cine_model::memory::{CamrConfig, MemoryPolicy};

/// A budget in chunks, or a fraction of a film's longest history (its chunk count - 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    Chunks(usize),
    Fraction(f64),
}

impl Budget {
    /// `8` (chunks) or `25%`.
    pub fn parse(s: &str) -> Result<Budget> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            match p.trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v <= 100.0 => return Ok(Budget::Fraction(v / 100.0)),
                _ => bail!("budget `{s}`: a percentage must be in (0, 100], e.g. `25%`"),
            }
        }
        match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(Budget::Chunks(n)),
            _ => bail!("budget `{s}`: give a number of chunks (>= 1) or a percentage such as `25%`"),
        }
    }

    /// Active blocks for a film of `chunks` chunks (its last chunk has `chunks - 1` past blocks).
    pub fn resolve(self, chunks: usize) -> usize {
        match self {
            Budget::Chunks(n) => n,
            Budget::Fraction(f) => ((chunks.saturating_sub(1) as f64 * f).ceil() as usize).max(1),
        }
    }

    pub fn label(self) -> String {
        match self {
            Budget::Chunks(n) => format!("{n}"),
            Budget::Fraction(f) => format!("{}%", (f * 100.0 * 1000.0).round() / 1000.0),
        }
    }
}

/// Policy names accepted by [`policy`].
pub const POLICIES: [&str; 4] = ["full", "window", "sink-window", "camr"];

/// The policy `name` with at most `active` past blocks attended per chunk (ignored by `full`;
/// `None` gives the model's defaults).
pub fn policy(name: &str, active: Option<usize>) -> Result<MemoryPolicy> {
    let Some(b) = active else {
        return MemoryPolicy::by_name(name)
            .ok_or_else(|| anyhow::anyhow!("unknown memory policy `{name}`; choose {}", POLICIES.join(", ")));
    };
    let b = b.max(1);
    Ok(match name {
        "full" => MemoryPolicy::Full,
        "window" => MemoryPolicy::Window { window: b },
        "sink-window" | "sink_window" => match b {
            1 => MemoryPolicy::Window { window: 1 },
            2 => MemoryPolicy::SinkWindow { sinks: 1, window: 1, shot_sink: false },
            _ => MemoryPolicy::SinkWindow { sinks: 1, window: b - 2, shot_sink: true },
        },
        "camr" => {
            let (sinks, shot_sink) = match b {
                1 | 2 => (0, false),
                3 => (1, false),
                _ => (1, true),
            };
            let rest = b - sinks - shot_sink as usize;
            // A local window of max(2, B/4), leaving at least one routed block when B allows.
            let window = (b / 4).max(2).min(rest.saturating_sub(1)).max(1);
            let top_k = rest - window;
            MemoryPolicy::Camr(CamrConfig { sinks, shot_sink, window, top_k, bank: (3 * b).max(16), ..CamrConfig::default() })
        }
        _ => bail!("unknown memory policy `{name}`; choose {}", POLICIES.join(", ")),
    })
}

/// Most past blocks a policy lets one chunk attend to (`None`: unbounded).
pub fn max_active(p: &MemoryPolicy) -> Option<usize> {
    match p {
        MemoryPolicy::Full => None,
        MemoryPolicy::Window { window } => Some(*window),
        MemoryPolicy::SinkWindow { sinks, window, shot_sink } => Some(sinks + window + *shot_sink as usize),
        MemoryPolicy::Camr(c) => Some(c.sinks + c.window + c.top_k + c.shot_sink as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_and_resolve() {
        assert_eq!(Budget::parse("8").unwrap(), Budget::Chunks(8));
        assert_eq!(Budget::parse("25%").unwrap(), Budget::Fraction(0.25));
        assert!(Budget::parse("0").is_err() && Budget::parse("150%").is_err() && Budget::parse("x").is_err());
        // 41 chunks: the last one has 40 past blocks; 25% = 10.
        assert_eq!(Budget::Fraction(0.25).resolve(41), 10);
        assert_eq!(Budget::Fraction(0.25).resolve(1), 1);
        assert_eq!(Budget::Chunks(5).resolve(100), 5);
    }

    #[test]
    fn bounded_policies_share_the_budget() {
        for b in 1..40 {
            for name in ["window", "sink-window", "camr"] {
                let p = policy(name, Some(b)).unwrap();
                assert_eq!(max_active(&p), Some(b), "{name} at {b}: {p:?}");
            }
        }
        assert_eq!(max_active(&policy("full", Some(3)).unwrap()), None);
        let MemoryPolicy::Camr(c) = policy("camr", Some(7)).unwrap() else { panic!() };
        assert_eq!((c.sinks, c.shot_sink, c.window, c.top_k), (1, true, 2, 3));
        assert!(policy("lru", Some(3)).is_err());
    }
}

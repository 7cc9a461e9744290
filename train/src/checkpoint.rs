//! Resumable checkpoints: the trainable variables as safetensors plus a small `state.json`.
//!
//! Optimizer moments are not saved (candle's AdamW keeps them private): a resumed run restarts
//! them, which costs a few warm-up steps and nothing else.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

/// Progress of one training stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub stage: String,
    pub step: usize,
    pub seed: u64,
    /// Wall-clock seconds spent in this stage over all runs.
    pub seconds: f64,
}

/// A stage's run directory: `<dir>/<stage>.safetensors` and `<dir>/<stage>.state.json`.
pub struct Checkpoint {
    weights: PathBuf,
    state: PathBuf,
}

impl Checkpoint {
    pub fn new(dir: &Path, stage: &str) -> Self {
        Self {
            weights: dir.join(format!("{stage}.safetensors")),
            state: dir.join(format!("{stage}.state.json")),
        }
    }

    pub fn weights(&self) -> &Path {
        &self.weights
    }

    /// Loads the variables and state when a checkpoint exists; `None` for a fresh start.
    pub fn resume(&self, vars: &mut VarMap) -> Result<Option<State>> {
        if !self.weights.exists() {
            return Ok(None);
        }
        vars.load(&self.weights)
            .with_context(|| format!("cannot resume from {}", self.weights.display()))?;
        let state = match std::fs::read_to_string(&self.state) {
            Ok(s) => serde_json::from_str(&s)
                .with_context(|| format!("corrupt {}", self.state.display()))?,
            Err(_) => State::default(),
        };
        Ok(Some(state))
    }

    /// Saves atomically (temp file + rename), so an interrupted save keeps the previous one.
    pub fn save(&self, vars: &VarMap, state: &State) -> Result<()> {
        if let Some(dir) = self.weights.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.weights.with_extension("safetensors.tmp");
        vars.save(&tmp)?;
        std::fs::rename(&tmp, &self.weights)?;
        let tmp = self.state.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(state)?)?;
        std::fs::rename(&tmp, &self.state)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Tensor};

    #[test]
    fn save_then_resume_restores_values_and_step() {
        let dir = tempfile::tempdir().unwrap();
        let ck = Checkpoint::new(dir.path(), "vae");
        let vars = VarMap::new();
        let v = vars.get((2, 3), "w", candle_nn::Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        let target = Tensor::arange(0f32, 6., &Device::Cpu).unwrap().reshape((2, 3)).unwrap();
        vars.data().lock().unwrap()["w"].set(&target).unwrap();
        drop(v);
        let st = State { stage: "vae".into(), step: 42, seed: 7, seconds: 1.5 };
        ck.save(&vars, &st).unwrap();

        let mut fresh = VarMap::new();
        fresh.get((2, 3), "w", candle_nn::Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(ck.resume(&mut fresh).unwrap(), Some(st));
        let got = fresh.data().lock().unwrap()["w"].as_tensor().to_vec2::<f32>().unwrap();
        assert_eq!(got, target.to_vec2::<f32>().unwrap());
        assert_eq!(Checkpoint::new(dir.path(), "other").resume(&mut fresh).unwrap(), None);
    }
}

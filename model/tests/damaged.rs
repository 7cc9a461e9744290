//! Damaged PyTorch checkpoints (`model/scripts/fixtures_damaged.py`) are errors that name
//! the file: candle's pickle reader panicked on some, and one claimed a 64 GiB tensor.

use std::path::PathBuf;

use candle_core::{DType, Device};
use cine_model::t5::{T5Config, T5Encoder};
use cine_model::vae::{VaeConfig, WanVae};
use cine_model::wan::{self, WanConfig};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn damaged_checkpoints_are_errors_naming_the_file() {
    let dev = Device::Cpu;
    for (name, says) in [("damaged_shape.pth", "claims shape [131072, 131072]"), ("damaged_rebuild.pth", "its reader failed on it"), ("damaged_long.pt", "its reader failed on it")] {
        let path = fixture(name);
        let errors = [
            WanVae::load(&path, &VaeConfig::cine_tiny(), DType::F32, &dev).err().map(|e| format!("{e:#}")),
            T5Encoder::load(&path, &T5Config::cine_tiny(), DType::F32, &dev).err().map(|e| format!("{e:#}")),
            wan::load(&path, &WanConfig::cine_tiny(), None, DType::F32, &dev).err().map(|e| format!("{e:#}")),
        ];
        for (part, e) in ["vae", "t5", "dit"].iter().zip(errors) {
            let e = e.unwrap_or_else(|| panic!("{name} loaded as the {part}"));
            assert!(e.contains(name), "{part} {name}: {e}");
            // The DiT checks tensor names against its config before it reads anything.
            assert!(e.contains(says) || (*part == "dit" && e.contains("tensor")), "{part} {name}: {e}");
        }
    }
}

//! Shared helpers for the compiler tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cine_compiler::{compile, Compiled, Config, Options};
use cine_ir::ModelProfile;

/// A stand-in for `cine_model::registry::profile` with the cine-tiny chunk grid.
pub fn tiny(name: &str) -> Option<ModelProfile> {
    match name {
        "cine-tiny" => Some(ModelProfile {
            name: name.into(),
            chunk_frames: 12,
            frame_granularity: 4,
            max_prompt_tokens: 64,
            vocabulary: None,
            frame_size: Some((64, 64)),
        }),
        // cine-tiny's grid, rendering at any size (as a model that follows the screenplay).
        "any-size" => Some(ModelProfile { frame_size: None, ..tiny("cine-tiny")? }),
        "vocab-model" => Some(ModelProfile {
            name: name.into(),
            chunk_frames: 12,
            frame_granularity: 4,
            max_prompt_tokens: 64,
            vocabulary: Some(["wide", "shot", "a", "pier", "man", "walks"].iter().map(|s| s.to_string()).collect()),
            frame_size: None,
        }),
        _ => None,
    }
}

pub fn opts() -> Options {
    Options { profile: Some(tiny), root: None, ..Default::default() }
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Compiles with the tiny profile and a config.
pub fn check(src: &str, config: &Config) -> Compiled {
    compile("test.cine", src, None, &opts(), config)
}

/// The codes of a compile's diagnostics, in order.
pub fn codes(c: &Compiled) -> Vec<String> {
    c.diagnostics.iter().map(|d| d.rule.code()).collect()
}

/// xorshift64*: small, seeded, good enough to drive mutations.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

//! Tokenizer building/loading and the umT5 encoder's behaviour on cine-tiny shapes.

use candle_core::{DType, Device};
use cine_model::t5::tokenizer::{build_word_level, build_word_level_json, split_words, words_of_cine_dir};
use cine_model::t5::{T5Config, T5Encoder, TextTokenizer};
use std::path::PathBuf;

#[test]
fn word_level_tokenizer_round_trip() {
    let words = ["Alice", "walks", "into", "the", "kitchen", "worm's-eye view", "kitchen"];
    let json = build_word_level_json(words).unwrap();
    let tok = TextTokenizer::from_bytes(json.as_bytes()).unwrap();
    // 3 special tokens + alice, walks, into, the, kitchen, worm, ', s, -, eye, view
    assert_eq!(tok.vocab_size(), 14);
    assert_eq!(build_word_level_json(words.iter().rev().copied()).unwrap(), json, "deterministic");
    let ids = tok.ids("ALICE walks into the garden").unwrap();
    let unk = tok.inner().token_to_id("<unk>").unwrap();
    let eos = tok.inner().token_to_id("</s>").unwrap();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[4], unk, "unknown word");
    assert_eq!(ids[5], eos, "end of sequence appended");
    assert_eq!(ids[0], tok.inner().token_to_id("alice").unwrap());
    assert!(tok.words().contains(&"kitchen".to_string()));
    assert!(!tok.words().contains(&"<pad>".to_string()));
}

#[test]
fn batch_pads_and_truncates_to_text_len() {
    let tok = build_word_level(["a", "b", "c"]).unwrap();
    let (ids, mask) = tok.batch(&["a b", "a b c a b c"], 4, &Device::Cpu).unwrap();
    let ids: Vec<Vec<u32>> = ids.to_vec2().unwrap();
    let mask: Vec<Vec<u8>> = mask.to_vec2().unwrap();
    let (a, b, c, eos) = (3, 4, 5, 1);
    assert_eq!(ids, vec![vec![a, b, eos, 0], vec![a, b, c, eos]]);
    assert_eq!(mask, vec![vec![1, 1, 1, 0], vec![1, 1, 1, 1]]);
}

#[test]
fn splits_like_the_whitespace_pre_tokenizer() {
    assert_eq!(split_words("Over-the-shoulder, 30°!"), ["over", "-", "the", "-", "shoulder", ",", "30", "°!"]);
}

#[test]
fn stdlib_vocabulary_builds_a_tokenizer() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    let words = words_of_cine_dir(&dir).unwrap();
    assert!(!words.is_empty());
    let tok = build_word_level(words.iter().map(String::as_str)).unwrap();
    assert!(tok.vocab_size() < T5Config::cine_tiny().vocab_size, "fits the cine-tiny embedding");
    let unk = tok.inner().token_to_id("<unk>").unwrap();
    let ids = tok.ids("low angle").unwrap();
    assert!(ids.iter().all(|&i| i != unk), "stdlib words are known: {ids:?}");
}

#[test]
fn cine_tiny_encoder_shapes_masking_and_gradients() {
    let cfg = T5Config::cine_tiny();
    let (enc, vm) = T5Encoder::new_random(&cfg, 3, DType::F32, &Device::Cpu).unwrap();
    let tok = build_word_level(["a", "red", "door", "opens", "slowly"]).unwrap();
    let (ids, mask) = tok.batch(&["a red door opens", "a door"], cfg.text_len, &Device::Cpu).unwrap();
    let out = enc.encode(&ids, &mask).unwrap();
    assert_eq!(out.dims(), &[2, cfg.text_len, cfg.dim]);
    // Padding does not leak into real tokens: the short prompt alone gives the same states.
    let (ids1, mask1) = tok.batch(&["a door"], 8, &Device::Cpu).unwrap();
    let alone = enc.encode(&ids1, &mask1).unwrap();
    let d = (out.narrow(0, 1, 1).unwrap().narrow(1, 0, 8).unwrap() - &alone).unwrap();
    assert!(d.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() < 1e-4);
    // Gradients reach every weight that the used tokens touch.
    let loss = out.sqr().unwrap().mean_all().unwrap();
    let grads = loss.backward().unwrap();
    let data = vm.data().lock().unwrap();
    for (name, var) in data.iter() {
        let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("no gradient for {name}"));
        let s = g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(s > 0.0, "zero gradient for {name}");
    }
}

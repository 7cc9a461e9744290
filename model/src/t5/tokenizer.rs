//! Text tokenization through the `tokenizers` crate (a `tokenizer.json`), with fixed-length
//! padding as Wan does, and a builder for the small word-level tokenizer of cine-tiny.

use anyhow::{Context, Result};
use candle_core::{Device, Tensor};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::Path;
use tokenizers::Tokenizer;

/// Special tokens of the word-level tokenizer, in id order (the umT5 convention: pad 0, eos 1, unk 2).
pub const SPECIAL_TOKENS: [&str; 3] = ["<pad>", "</s>", "<unk>"];

/// A tokenizer plus the pad id; turns prompts into `[B, text_len]` ids and masks.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    pad_id: u32,
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextTokenizer({} tokens)", self.vocab_size())
    }
}

impl TextTokenizer {
    /// Load a `tokenizer.json` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let inner = Tokenizer::from_file(path)
            .map_err(|e| anyhow::anyhow!("reading tokenizer {}: {e}", path.display()))?;
        Ok(Self::wrap(inner))
    }

    /// Parse `tokenizer.json` content (e.g. embedded with `include_bytes!`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let inner = Tokenizer::from_bytes(bytes).map_err(|e| anyhow::anyhow!("parsing tokenizer.json: {e}"))?;
        Ok(Self::wrap(inner))
    }

    fn wrap(inner: Tokenizer) -> Self {
        let pad_id = inner.token_to_id("<pad>").unwrap_or(0);
        Self { inner, pad_id }
    }

    /// The underlying `tokenizers::Tokenizer`.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Ids of one prompt with the end-of-sequence token, not padded.
    pub fn ids(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self.inner.encode(text, true).map_err(|e| anyhow::anyhow!("tokenizing {text:?}: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Prompts -> `(ids [B, text_len] u32, mask [B, text_len] u8)`: truncated to `text_len`
    /// (keeping the end-of-sequence token last, as HF truncation does) and padded with `<pad>`.
    pub fn batch(&self, texts: &[&str], text_len: usize, device: &Device) -> Result<(Tensor, Tensor)> {
        let mut ids = Vec::with_capacity(texts.len() * text_len);
        let mut mask = Vec::with_capacity(texts.len() * text_len);
        for t in texts {
            let mut v = self.ids(t)?;
            if v.len() > text_len {
                let last = *v.last().unwrap_or(&self.pad_id);
                v.truncate(text_len);
                if let Some(x) = v.last_mut() {
                    *x = last;
                }
            }
            mask.extend(std::iter::repeat_n(1u8, v.len()).chain(std::iter::repeat_n(0u8, text_len - v.len())));
            ids.extend(v.iter().copied().chain(std::iter::repeat_n(self.pad_id, text_len - v.len())));
        }
        let shape = (texts.len(), text_len);
        Ok((Tensor::from_vec(ids, shape, device)?, Tensor::from_vec(mask, shape, device)?))
    }

    /// Words of the vocabulary (special tokens excluded), sorted by id.
    pub fn words(&self) -> Vec<String> {
        let mut v: Vec<(String, u32)> = self.inner.get_vocab(false).into_iter().collect();
        v.sort_by_key(|(_, id)| *id);
        v.into_iter().map(|(w, _)| w).filter(|w| !SPECIAL_TOKENS.contains(&w.as_str())).collect()
    }
}

/// The words of `text` as the word-level tokenizer sees them: lowercase runs of letters, digits
/// and `_`, and runs of punctuation (the `Whitespace` pre-tokenizer's `\w+|[^\w\s]+`).
pub fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_word: Option<bool> = None;
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_whitespace() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur_word = None;
            continue;
        }
        let is_word = ch.is_alphanumeric() || ch == '_';
        if cur_word.is_some_and(|w| w != is_word) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur_word = Some(is_word);
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Build a word-level `tokenizer.json` (lowercasing, whitespace/punctuation split, `</s>`
/// appended) from a word list: ids 0..3 are `<pad>`, `</s>`, `<unk>`, then the distinct words
/// (split like the tokenizer splits text) in sorted order, so the result is deterministic.
pub fn build_word_level_json<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<String> {
    let set: BTreeSet<String> = words.into_iter().flat_map(split_words).collect();
    let mut vocab = Map::new();
    for (i, s) in SPECIAL_TOKENS.iter().enumerate() {
        vocab.insert((*s).into(), json!(i));
    }
    for w in set.iter().filter(|w| !SPECIAL_TOKENS.contains(&w.as_str())) {
        let id = vocab.len();
        vocab.insert(w.clone(), json!(id));
    }
    let added: Vec<Value> = SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({"id": i, "content": s, "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": true})
        })
        .collect();
    let seq = |id: &str| json!({"Sequence": {"id": id, "type_id": 0}});
    let eos = json!({"SpecialToken": {"id": "</s>", "type_id": 0}});
    let doc = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [seq("A"), eos.clone()],
            "pair": [seq("A"), eos.clone(), seq("B"), eos],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": false},
        "model": {"type": "WordLevel", "vocab": Value::Object(vocab), "unk_token": "<unk>"}
    });
    let text = serde_json::to_string_pretty(&doc)?;
    // Make sure the tokenizers crate accepts what we wrote.
    Tokenizer::from_bytes(text.as_bytes()).map_err(|e| anyhow::anyhow!("built tokenizer does not load: {e}"))?;
    Ok(text)
}

/// [`build_word_level_json`] as a ready tokenizer.
pub fn build_word_level<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<TextTokenizer> {
    TextTokenizer::from_bytes(build_word_level_json(words)?.as_bytes())
}

/// Words of every `.cine` file under `dir` (comments included: they are plain English too).
pub fn words_of_cine_dir(dir: &Path) -> Result<Vec<String>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cine"))
        .collect();
    files.sort();
    let mut words = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        words.extend(split_words(&text));
    }
    Ok(words)
}

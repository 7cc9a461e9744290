//! Known models and what the compiler needs to know about them.

use cine_ir::ModelProfile;

use crate::vae::VaeConfig;
use crate::wan::{GeneratorConfig, WanConfig};

/// Video frames per latent frame after the first (the Wan VAE's temporal compression).
pub const VAE_TEMPORAL: u32 = 4;

/// The profile of a model by name, `None` when the name is unknown. The chunk grid follows
/// the DiT geometry: a chunk of 3 latent frames is 12 video frames (the first chunk 9,
/// since latent frame 0 encodes one video frame); frame counts come in multiples of 4.
pub fn profile(name: &str) -> Option<ModelProfile> {
    let dit = WanConfig::preset(name)?;
    let gen = GeneratorConfig::for_model(name)?;
    let vae = vae_config(name)?;
    Some(ModelProfile {
        name: name.into(),
        chunk_frames: gen.chunk_frames as u32 * VAE_TEMPORAL,
        frame_granularity: VAE_TEMPORAL,
        // The tokenizer appends an end token.
        max_prompt_tokens: dit.text_len.saturating_sub(1) as u32,
        vocabulary: vocabulary(name),
        // The latent grid is fixed per model; the VAE upsamples it.
        frame_size: Some((gen.latent_width as u32 * vae.spatial_factor() as u32, gen.latent_height as u32 * vae.spatial_factor() as u32)),
    })
}

/// The words a model saw in training: cine-tiny's come from its committed tokenizer.json
/// (special tokens left out); open-vocabulary models have none.
pub fn vocabulary(name: &str) -> Option<Vec<String>> {
    match name {
        "cine-tiny" => tiny_vocabulary(),
        _ => None,
    }
}

#[cfg(cine_tiny_tokenizer)]
fn tiny_vocabulary() -> Option<Vec<String>> {
    static WORDS: std::sync::OnceLock<Option<Vec<String>>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| words_of_tokenizer(include_str!(env!("CINE_TINY_TOKENIZER")))).clone()
}

#[cfg(not(cine_tiny_tokenizer))]
fn tiny_vocabulary() -> Option<Vec<String>> {
    None
}

/// The non-special words of a word-level `tokenizer.json`, sorted.
pub fn words_of_tokenizer(json: &str) -> Option<Vec<String>> {
    let doc: serde_json::Value = serde_json::from_str(json).ok()?;
    let vocab = doc.get("model")?.get("vocab")?.as_object()?;
    let special = |w: &str| w.starts_with('<') && w.ends_with('>');
    let mut words: Vec<String> = vocab.keys().filter(|w| !special(w)).cloned().collect();
    words.sort();
    Some(words)
}

/// The VAE of a known model.
pub fn vae_config(name: &str) -> Option<VaeConfig> {
    match name {
        "cine-tiny" => Some(VaeConfig::cine_tiny()),
        "wan2.1-1.3b" | "self-forcing" => Some(VaeConfig::wan21()),
        _ => None,
    }
}

/// DiT and sampler settings of a known model.
pub fn model_configs(name: &str) -> Option<(WanConfig, GeneratorConfig)> {
    Some((WanConfig::preset(name)?, GeneratorConfig::for_model(name)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_follow_the_chunk_grid() {
        let p = profile("cine-tiny").unwrap();
        assert_eq!((p.chunk_frames, p.frame_granularity, p.max_prompt_tokens), (12, 4, 63));
        assert_eq!(profile("wan2.1-1.3b").unwrap().max_prompt_tokens, 511);
        assert_eq!(p.frame_size, Some((64, 64)));
        assert_eq!(profile("wan2.1-1.3b").unwrap().frame_size, Some((832, 480)));
        assert!(profile("nope").is_none());
        assert!(profile("wan2.1-1.3b").unwrap().vocabulary.is_none());
    }

    #[test]
    fn vocabulary_is_the_tokenizers_words_without_specials() {
        let json = crate::t5::tokenizer::build_word_level_json(["a lighthouse keeper", "storm"]).unwrap();
        let words = words_of_tokenizer(&json).unwrap();
        assert_eq!(words, ["a", "keeper", "lighthouse", "storm"]);
        assert!(words_of_tokenizer("not json").is_none());
    }
}

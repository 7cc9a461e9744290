//! Known models and what the compiler needs to know about them.

use cine_ir::ModelProfile;

use crate::wan::{GeneratorConfig, WanConfig};

/// Video frames per latent frame after the first (the Wan VAE's temporal compression).
pub const VAE_TEMPORAL: u32 = 4;

/// The profile of a model by name, `None` when the name is unknown. The chunk grid follows
/// the DiT geometry: a chunk of 3 latent frames is 12 video frames (the first chunk 9,
/// since latent frame 0 encodes one video frame); frame counts come in multiples of 4.
pub fn profile(name: &str) -> Option<ModelProfile> {
    let dit = WanConfig::preset(name)?;
    let gen = GeneratorConfig::for_model(name)?;
    Some(ModelProfile {
        name: name.into(),
        chunk_frames: gen.chunk_frames as u32 * VAE_TEMPORAL,
        frame_granularity: VAE_TEMPORAL,
        max_prompt_tokens: dit.text_len as u32,
        // cine-tiny's word list comes from its tokenizer.json once the text encoder ships it.
        vocabulary: None,
    })
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
        assert_eq!((p.chunk_frames, p.frame_granularity, p.max_prompt_tokens), (12, 4, 64));
        assert_eq!(profile("wan2.1-1.3b").unwrap().max_prompt_tokens, 512);
        assert!(profile("nope").is_none());
    }
}

//! Known models and what the compiler needs to know about them.

use cine_ir::ModelProfile;

/// The profile of a model by name, `None` when the name is unknown.
pub fn profile(name: &str) -> Option<ModelProfile> {
    match name {
        // Placeholder numbers until the model work fixes the tiny geometry.
        "cine-tiny" => Some(ModelProfile {
            name: name.into(),
            chunk_frames: 12,
            frame_granularity: 4,
            max_prompt_tokens: 64,
            vocabulary: None,
        }),
        "wan2.1-1.3b" | "self-forcing" => Some(ModelProfile {
            name: name.into(),
            chunk_frames: 12,
            frame_granularity: 4,
            max_prompt_tokens: 512,
            vocabulary: None,
        }),
        _ => None,
    }
}

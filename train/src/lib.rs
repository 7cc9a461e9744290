//! Training of the default model: VAE, text encoder, causal base model, few-step distillation

//! `cine train`: the stages that build the default model, each resumable.

use clap::Subcommand;

/// Arguments of `cine train`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    stage: Stage,
}

#[derive(Subcommand)]
enum Stage {
    /// Train the VAE for reconstruction on frames of the synthetic world.
    Vae(cine_train::vae::Args),
    /// Train the text encoder and the causal base DiT on multi-shot stories.
    Base(cine_train::base::Args),
    /// Distill the base model into a few-step causal generator.
    Distill(cine_train::distill::Args),
    /// Distribution Matching Distillation of the few-step student on its own rollouts.
    Dmd(cine_train::dmd::Args),
    /// Measure how well a DiT denoises its training windows (x0 error per noise level,
    /// teacher-forced vs KV-memory sampling).
    Probe(cine_train::probe::Args),
}

pub fn run(args: Args) -> i32 {
    let result = match args.stage {
        Stage::Vae(a) => cine_train::vae::run(a),
        Stage::Base(a) => cine_train::base::run(a),
        Stage::Distill(a) => cine_train::distill::run(a),
        Stage::Dmd(a) => cine_train::dmd::run(a),
        Stage::Probe(a) => cine_train::probe::run(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eoutln!("error: {e:#}");
            1
        }
    }
}

//! `cine train vae` (being built).

/// Arguments of `cine train vae`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cine train vae` is not built yet")
}

//! `cine train distill` (being built).

/// Arguments of `cine train distill`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cine train distill` is not built yet")
}

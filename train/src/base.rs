//! `cine train base` (being built).

/// Arguments of `cine train base`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cine train base` is not built yet")
}

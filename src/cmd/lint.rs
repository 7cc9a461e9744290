//! `cine lint`.

/// Arguments of `cine lint`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    super::not_yet("lint")
}

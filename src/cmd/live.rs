//! `cine live`.

/// Arguments of `cine live`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    super::not_yet("live")
}

//! One module per subcommand. Each exposes `Args` (clap) and `run(Args) -> i32` (exit code).

pub mod batch;
pub mod bench;
pub mod cache;
pub mod eval;
pub mod fmt;
pub mod import;
pub mod lint;
pub mod live;
pub mod plan;
pub mod render;
pub mod train;

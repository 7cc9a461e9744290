//! `cine`: compile screenplays to video.
//!
//! Each subcommand lives in its own file under `cmd/`. Exit codes: 0 success, 1 the input
//! has errors (lint errors, failed renders), 2 usage or internal error.

/// `print!` for a command's results: a closed pipe (`cine plan f.cine | head`) ends the
/// command quietly (exit 0) instead of panicking; another write error exits 2.
macro_rules! out {
    ($($t:tt)*) => { $crate::cmd::write_stdout(format_args!($($t)*)) };
}

/// `println!` likewise.
macro_rules! outln {
    () => { out!("\n") };
    ($($t:tt)*) => { out!("{}\n", format_args!($($t)*)) };
}

/// `eprint!` for progress, messages and diagnostics: a stderr that has gone away (`cine batch
/// 2>&1 | tee log` with tee killed) is ignored, so the work and its outputs go on.
macro_rules! eout {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stderr(), $($t)*); }};
}

/// `eprintln!` likewise.
macro_rules! eoutln {
    () => { eout!("\n") };
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stderr(), $($t)*); }};
}

mod cmd;

use clap::{CommandFactory, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cine", version, about = "Compile screenplays to video with a causal video model")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a project: cine.toml, a starter screenplay and an out/ folder.
    New(cmd::new::Args),
    /// Check a screenplay and report diagnostics.
    Lint(cmd::lint::Args),
    /// Serve diagnostics, hover, completion and navigation to editors (LSP over stdio).
    Lsp(cmd::lsp::Args),
    /// Print the compiled IR and the chunk schedule the renderer will run.
    Plan(cmd::plan::Args),
    /// Format screenplays canonically.
    Fmt(cmd::fmt::Args),
    /// Convert a Fountain script, HoloCine or LongLive prompt files into a screenplay.
    Import(cmd::import::Args),
    /// Render a screenplay to an MP4 file.
    Render(cmd::render::Args),
    /// Render many screenplays, in parallel and in shards, with a report.
    Batch(cmd::batch::Args),
    /// Generate continuously and take directions from stdin.
    #[command(after_help = cmd::live::DIRECTIONS)]
    Live(cmd::live::Args),
    /// Manage the incremental render cache.
    Cache(cmd::cache::Args),
    /// Score renders or a model on the synthetic benchmark.
    Eval(cmd::eval::Args),
    /// Train the default model's parts.
    Train(cmd::train::Args),
    /// Measure generation speed and memory.
    Bench(cmd::bench::Args),
    /// Print a completion script for bash, zsh, fish, elvish or PowerShell.
    #[command(after_help = COMPLETIONS)]
    Completions(cmd::completions::Args),
}

const COMPLETIONS: &str = "Install, for example:
  bash: cine completions bash > ~/.local/share/bash-completion/completions/cine
  zsh:  cine completions zsh > ~/.zfunc/_cine   (with fpath+=~/.zfunc before compinit)
  fish: cine completions fish > ~/.config/fish/completions/cine.fish";

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::New(a) => cmd::new::run(a),
        Command::Lint(a) => cmd::lint::run(a),
        Command::Lsp(a) => cmd::lsp::run(a),
        Command::Plan(a) => cmd::plan::run(a),
        Command::Fmt(a) => cmd::fmt::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Render(a) => cmd::render::run(a),
        Command::Batch(a) => cmd::batch::run(a),
        Command::Live(a) => cmd::live::run(a),
        Command::Cache(a) => cmd::cache::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Completions(a) => cmd::completions::run(a, &mut Cli::command()),
    };
    std::process::exit(code);
}

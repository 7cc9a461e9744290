//! `cine completions`: a shell's completion script, generated from the CLI's own definition,
//! so it always knows every subcommand and option of this build.

/// Arguments of `cine completions`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell to write the script for.
    pub shell: clap_complete::Shell,
}

/// Writes the script for `cli` (the whole `cine` command) to stdout.
pub fn run(args: Args, cli: &mut clap::Command) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, cli, "cine", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    0
}

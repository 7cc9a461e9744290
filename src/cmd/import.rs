//! `cine import`: HoloCine multi-shot prompts, LongLive JSONL prompt lists and Fountain
//! screenplays to a screenplay (which compiles to the same IR as any other).

use std::path::PathBuf;

use cine_compiler::import::{fountain, holocine, longlive, Target};
use cine_compiler::report::{render, Format};

/// Arguments of `cine import`.
#[derive(clap::Args)]
pub struct Args {
    /// The source format: `holocine` (text or JSON), `longlive` (JSONL) or `fountain`
    /// (a Fountain screenplay: scenes, sets, cast, shots and dialogue as `say` lines).
    #[arg(value_parser = ["holocine", "longlive", "fountain"])]
    pub from: String,
    /// The file to convert.
    pub input: PathBuf,
    /// Write the screenplay here instead of stdout (an existing file is kept unless --force).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Model the screenplay targets (its frame steps round the shot lengths).
    #[arg(long, default_value = "cine-tiny")]
    pub model: String,
    /// Frame rate of the screenplay (1 to 240).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,
    /// Title (default: a Fountain title page's `Title`, else the input file's name).
    #[arg(long)]
    pub title: Option<String>,
    /// LongLive: which line of the JSONL file (0-based; default 0).
    #[arg(long)]
    pub line: Option<usize>,
    /// LongLive: switch frames in latent frames, e.g. `--switch 21,42` (overrides the file).
    #[arg(long, value_delimiter = ',')]
    pub switch: Option<Vec<u64>>,
    /// LongLive: total length in latent frames.
    #[arg(long)]
    pub latent_frames: Option<u64>,
}

pub fn run(args: Args) -> i32 {
    // The LongLive options mean nothing to the other formats: say so rather than ignore them.
    if args.from != "longlive" {
        let given = [("--line", args.line.is_some()), ("--switch", args.switch.is_some()), ("--latent-frames", args.latent_frames.is_some())];
        let given: Vec<&str> = given.iter().filter(|(_, g)| *g).map(|(o, _)| *o).collect();
        if !given.is_empty() {
            let (what, are) = if given.len() == 1 { ("an option", "is") } else { ("options", "are") };
            eoutln!("error: {} {are} {what} of `cine import longlive`; {} input has no such setting", given.join(", "), args.from);
            return 2;
        }
    }
    if let Some(p) = args.out.as_ref().filter(|p| p.is_dir()) {
        eoutln!("error: --out {} is a directory; give the screenplay's file name, like {}", p.display(), p.join("film.cine").display());
        return 2;
    }
    // Not even with --force: the source would be lost.
    if let Some(p) = args.out.as_ref().filter(|p| same_file(p, &args.input)) {
        eoutln!("error: --out {} is the file being imported; choose another --out", p.display());
        return 2;
    }
    // An imported screenplay is a source the writer goes on editing: never replace one silently.
    if let Some(p) = args.out.as_ref().filter(|p| !args.force && p.exists()) {
        eoutln!("error: {} already exists; pass --force to replace it, or choose another --out", p.display());
        return 2;
    }
    let input = match std::fs::read_to_string(&args.input) {
        Ok(t) => t,
        Err(e) => {
            eoutln!("error: cannot read {}: {e}", args.input.display());
            return 2;
        }
    };
    let granularity = cine_model::registry::profile(&args.model).map_or(4, |p| p.frame_granularity);
    let title = args.title.clone().unwrap_or_else(|| {
        args.input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported".into())
    });
    let target = Target { title, model: args.model.clone(), fps: args.fps, granularity };
    let result = match args.from.as_str() {
        "holocine" => holocine::import(&input, &target),
        "fountain" => fountain::import(&input, &target, args.title.is_some()),
        _ => {
            let opts = longlive::Options { line: args.line.unwrap_or(0), switches: args.switch.clone(), total_latent: args.latent_frames };
            longlive::import(&input, &opts, &target)
        }
    };
    let text = match result {
        Ok(t) => t,
        Err(e) => {
            eoutln!("error: cannot import {}: {e}", args.input.display());
            return 1;
        }
    };
    // The result must compile; model limits it breaks (prompt length) are shown as warnings.
    let opts = super::compile_options(None);
    // Line numbers are in the generated text: name it as the --out file, or as what it is.
    let name = args.out.as_ref().map_or_else(|| "<imported>".to_string(), |p| p.display().to_string());
    let out = cine_compiler::compile(&name, &text, None, &opts, &Default::default());
    if !out.diagnostics.is_empty() {
        eout!("{}", render(Format::Human, &out.diagnostics, &out.sources));
    }
    match &args.out {
        Some(p) => {
            if let Err(e) = super::write_output(p, &text) {
                eoutln!("error: cannot write {}: {e}", p.display());
                return 2;
            }
        }
        None => out!("{text}"),
    }
    if out.errors > 0 {
        1
    } else {
        0
    }
}

/// Whether two paths name the same existing file.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

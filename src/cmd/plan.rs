//! `cine plan`: compiles a screenplay and prints the film IR the renderer will run.

use std::path::PathBuf;

use cine_compiler::report::{render_totals, Format};
use cine_ir::{Film, ModelProfile, RecallTarget};

/// Arguments of `cine plan`.
#[derive(clap::Args)]
pub struct Args {
    /// The screenplay to plan, or a film IR (`.json`: a plan, or a `live --record` file).
    pub file: PathBuf,
    /// Output: `json` (the IR, deterministic) or `human` (a readable summary).
    #[arg(long, default_value = "json", value_parser = ["json", "human"])]
    pub format: String,
    /// Project root that `use` paths are confined to (default: the folder holding
    /// cine.toml, else the screenplay's folder).
    #[arg(long, value_parser = super::parse_root)]
    pub root: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    // A film IR (a `live --record` file, or an earlier plan) is shown as it is, checked.
    if args.file.extension().is_some_and(|e| e == "json") {
        return match super::render::load_film(&args.file) {
            Ok(film) => show(&args, film),
            Err(e) => e.report(),
        };
    }
    let root = args.root.clone().unwrap_or_else(|| cine_compiler::project_root(&args.file));
    let opts = super::compile_options(Some(root));
    let out = cine_compiler::compile_file(&args.file, &opts, None);
    if let Some(d) = out.read_error() {
        eoutln!("error: {}", d.message);
        return 2;
    }
    if !out.diagnostics.is_empty() {
        eout!("{}", render_totals(Format::Human, &out.diagnostics, &out.sources, out.totals()));
    }
    let Some(film) = out.film else {
        eoutln!("error: {} has {} error(s); no plan", args.file.display(), out.errors);
        return 1;
    };
    show(&args, film)
}

/// Prints the plan of a film in the format asked for.
fn show(args: &Args, film: Film) -> i32 {
    let profile = cine_model::registry::profile(&film.model);
    match args.format.as_str() {
        "human" => out!("{}", human(&film, profile.as_ref())),
        _ => {
            let mut v = match serde_json::to_value(&film) {
                Ok(v) => v,
                Err(e) => {
                    eoutln!("error: cannot serialise the plan: {e}");
                    return 2;
                }
            };
            if let (Some(p), Some(obj)) = (&profile, v.as_object_mut()) {
                if let Some(s) = schedule(&film, p) {
                    obj.insert("schedule".into(), s);
                }
            }
            match serde_json::to_string_pretty(&v) {
                Ok(s) => outln!("{s}"),
                Err(e) => {
                    eoutln!("error: cannot serialise the plan: {e}");
                    return 2;
                }
            }
        }
    }
    0
}

/// The chunk schedule the renderer will run, added to the JSON under `"schedule"` (the
/// rest of the object is the IR, so it still reads as a `cine_ir::Film`).
fn schedule(film: &Film, profile: &ModelProfile) -> Option<serde_json::Value> {
    serde_json::to_value(cine_renderer::schedule::plan(film, profile)).ok()
}

/// A readable summary of the film.
fn human(film: &Film, profile: Option<&ModelProfile>) -> String {
    let mut s = String::new();
    let secs = |f: u32| f as f64 / film.fps.max(1) as f64;
    let sched = profile.map(|p| cine_renderer::schedule::plan(film, p));
    // Where a shot's prompt changes reach the model (they snap to chunk boundaries).
    let effect = |shot: &cine_ir::Shot, k: usize| -> Option<String> {
        Some(match sched.as_ref()?.change_chunks(shot).get(k).copied().flatten() {
            Some(c) => format!(" (from frame {}, chunk {})", c.film_start, c.index),
            None => " (no chunk takes it: it never reaches the model)".to_string(),
        })
    };
    s += &format!(
        "{}: {} frames ({:.2}s) at {} fps, {}x{}, seed {}, model {}\n",
        film.title, film.total_frames, film.seconds(), film.fps, film.width, film.height, film.seed, film.model
    );
    if let Some(p) = profile {
        let sched = cine_renderer::schedule::plan(film, p);
        let cuts = sched.chunks.iter().filter(|c| c.cut).count();
        let switches = sched.chunks.iter().filter(|c| c.prompt_changed && !c.cut).count();
        s += &format!(
            "{} chunk generations of {} frames (first {}), {cuts} at shot cuts, {switches} prompt switches, frame steps of {}\n",
            sched.chunks.len(), sched.grid.chunk_frames, sched.grid.first_chunk_frames, p.frame_granularity
        );
    }
    if !film.global_caption.is_empty() {
        s += &format!("caption: {}\n", film.global_caption);
    }
    for scene in &film.scenes {
        let when: Vec<&str> = [scene.time_of_day.as_deref(), scene.mood.as_deref()].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect();
        s += &format!("\nscene {} at {}{}\n", scene.index + 1, scene.set, if when.is_empty() { String::new() } else { format!(" ({})", when.join(", ")) });
        for &i in &scene.shots {
            let shot = &film.shots[i];
            let end = shot.start_frame + shot.frames;
            let framing: Vec<&str> = [shot.size.as_deref(), shot.angle.as_deref()].into_iter().flatten().collect();
            s += &format!(
                "  shot {} [{}..{}) {:.2}s {} camera {}",
                shot.label, shot.start_frame, end, secs(shot.frames), framing.join(" "), shot.camera.name
            );
            if !shot.camera.params.is_empty() {
                let p: Vec<String> = shot.camera.params.iter().map(|(k, v)| format!("{k} {v}")).collect();
                s += &format!("({})", p.join(", "));
            }
            s += &format!(" -> {}", shot.transition.kind);
            if shot.transition.frames > 0 {
                s += &format!(" {}f", shot.transition.frames);
            }
            s += &format!("\n    prompt: {}\n", shot.prompt);
            for (k, e) in shot.events.iter().enumerate() {
                s += &format!("    at frame {}{}: {}\n", e.frame, effect(shot, k).unwrap_or_default(), e.prompt);
            }
            for l in &shot.lines {
                s += &format!(
                    "    line [{:.2}s..{:.2}s) {}: {}\n",
                    secs(l.start_frame),
                    secs(l.start_frame + l.frames),
                    l.speaker,
                    l.text.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
            // Shots by label, as `--shots` and the screenplay name them (not IR indexes).
            let labels = |shots: &[usize]| shots.iter().filter_map(|&i| film.shots.get(i)).map(|s| s.label.as_str()).collect::<Vec<_>>().join(", ");
            for r in &shot.recalls {
                let from = r.from_frame.map_or(String::new(), |f| format!(" from frame {f}"));
                s += &match &r.target {
                    RecallTarget::Shot { shot } => format!("    recall shot {}{from}\n", film.shots[*shot].label),
                    RecallTarget::Cast { name, shots } => format!("    recall cast {name} (seen in {}){from}\n", labels(shots)),
                    RecallTarget::Set { name, shots } => format!("    recall set {name} (seen in {}){from}\n", labels(shots)),
                };
            }
        }
    }
    s
}

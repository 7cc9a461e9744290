//! `cine lint --explain`: what each rule checks, with a screenplay that breaks it and the
//! same screenplay fixed. The examples are compiled when shown (and in the tests), so the
//! diagnostic printed is always the one the compiler gives today.

use crate::rules::Rule;

/// A screenplay that triggers a rule and the same screenplay fixed.
#[derive(Debug, Clone)]
pub struct Example {
    pub bad: String,
    pub good: String,
}

const BASE: &str = "cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {\n  shot a {\n    duration 2s\n    subjects mara\n  }\n}\n";

/// The base film with a second shot `b` holding these lines.
fn with(shot_lines: &str) -> String {
    format!("cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {{\n  shot a {{\n    duration 2s\n    subjects mara\n  }}\n  shot b {{\n{shot_lines}  }}\n}}\n")
}

fn pair(bad: String, good: String) -> Option<Example> {
    Some(Example { bad, good })
}

fn shots(bad: &str, good: &str) -> Option<Example> {
    pair(with(bad), with(good))
}

fn header(bad: &str, good: &str) -> Option<Example> {
    pair(format!("{bad}\n{BASE}"), format!("{good}\n{BASE}"))
}

/// The example of a rule; `None` for rules about files (`use`, reading, encoding) and
/// cine.toml limits, which a single text cannot show.
pub fn example(rule: Rule) -> Option<Example> {
    let say = |line: &str| format!("    duration 2s\n    subjects mara\n    say mara{line}\n");
    match rule {
        Rule::Syntax => header("title Harbor", "title \"Harbor\""),
        Rule::UndefinedCast => shots("    duration 2s\n    subjects maar\n", "    duration 2s\n    subjects mara\n"),
        Rule::UndefinedSet => pair(BASE.replace("scene pier", "scene peir"), BASE.into()),
        Rule::UndefinedShot => shots("    duration 2s\n    recall shot z\n", "    duration 2s\n    recall shot a\n"),
        Rule::RecallForward => pair(
            BASE.replace("subjects mara\n", "subjects mara\n    recall shot b\n").replace("  }\n}\n", "  }\n  shot b {\n    duration 2s\n  }\n}\n"),
            with("    duration 2s\n    recall shot a\n"),
        ),
        Rule::DuplicateName => header("cast mara \"another\"", ""),
        Rule::DuplicateProperty => shots("    duration 2s\n    size wide\n    size close_up\n", "    duration 2s\n    size wide\n"),
        Rule::UnknownEntry => shots("    duration 2s\n    size wdie\n", "    duration 2s\n    size wide\n"),
        Rule::UnknownParam => shots("    duration 2s\n    camera pan_left(sped: slow)\n", "    duration 2s\n    camera pan_left(speed: slow)\n"),
        Rule::BadValue => header("fps 0", "fps 16"),
        Rule::MissingDuration => shots("    size wide\n", "    duration 1s\n    size wide\n"),
        Rule::UnknownModule => header("use stlyes", "use styles"),
        Rule::NoShots => pair("title \"Empty\"\n".into(), BASE.into()),
        Rule::UnusedCast => header("cast ben \"a boy\"", ""),
        Rule::UnusedSet => header("set shed \"a shed\"", ""),
        Rule::EmptyScene => pair(format!("{BASE}scene pier {{\n}}\n"), BASE.into()),
        Rule::ShortShot => shots("    duration 8f\n", "    duration 12f\n"),
        Rule::FrameRounding => shots("    duration 1.1s\n", "    duration 1.25s\n"),
        Rule::EventOutsideShot => shots("    duration 2s\n    at 2.5s: \"rain\"\n", "    duration 2s\n    at 1.5s: \"rain\"\n"),
        Rule::LateChange => shots("    duration 2.25s\n    at 2s: \"rain\"\n", "    duration 2.25s\n    at 1.75s: \"rain\"\n"),
        Rule::LineOutsideShot => shots(&say(" at 2s: \"Too late.\""), &say(" at 1s: \"Too late.\"")),
        Rule::SpeakerOffScreen => shots("    duration 2s\n    say mara: \"Over here.\"\n", &say(": \"Over here.\"")),
        Rule::FastLine => shots(&say(" at 1s: \"The ferry never comes on time on a day like this one\""), &say(" at 1s: \"Not today.\"")),
        Rule::OverlappingLines => {
            let bad = "    duration 2s\n    subjects mara\n    say mara for 1.5s: \"Look.\"\n    say mara at 1s: \"There.\"\n";
            shots(bad, &bad.replace("for 1.5s", "for 1s"))
        }
        Rule::TransitionClipped => pair(
            BASE.replace("    subjects mara\n", "    subjects mara\n    transition dissolve(frames: 3s)\n").replace("  }\n}\n", "  }\n  shot b {\n    duration 2s\n  }\n}\n"),
            BASE.replace("    subjects mara\n", "    subjects mara\n    transition dissolve(frames: 1s)\n").replace("  }\n}\n", "  }\n  shot b {\n    duration 2s\n  }\n}\n"),
        ),
        Rule::PromptTooLong => {
            let long = "word ".repeat(70);
            shots(&format!("    duration 2s\n    action \"{long}\"\n"), "    duration 2s\n    action \"a short action\"\n")
        }
        Rule::RecallUnseen => pair(
            "cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\nscene pier {\n  shot a {\n    duration 2s\n    recall cast mara\n  }\n}\n".into(),
            with("    duration 2s\n    recall cast mara\n"),
        ),
        Rule::ModelResolution => header("resolution 256x128", "resolution 64x64"),
        Rule::UnknownModel => header("model sora-9", "model cine-tiny"),
        Rule::UnknownLint => header("cast ben \"a boy\" // cine:allow(unused-kast)", "cast ben \"a boy\" // cine:allow(unused-cast)"),
        Rule::UnknownWord => {
            let src = "set pier \"a wooden pier\"\nscene pier {\n  shot {\n    duration 1s\n    size wide\n    action \"the boat rocks\"\n  }\n}\n";
            pair(src.replace("the boat rocks", "the boat meanders"), src.into())
        }
        Rule::NotUtf8 | Rule::Io | Rule::BadConfig | Rule::FilmTooLong | Rule::UseOutsideProject | Rule::UseNotFound | Rule::UseCycle | Rule::UseTooDeep | Rule::UseInvalid => None,
    }
}

/// The lines the fix changes: (removed, added), each line as in the file.
pub fn diff(e: &Example) -> (Vec<&str>, Vec<&str>) {
    let (bad, good): (Vec<&str>, Vec<&str>) = (e.bad.lines().collect(), e.good.lines().collect());
    let head = bad.iter().zip(&good).take_while(|(a, b)| a == b).count();
    let tail = bad[head..].iter().rev().zip(good[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    (bad[head..bad.len() - tail].to_vec(), good[head..good.len() - tail].to_vec())
}

/// The one-line summary of every rule: code, whether it is a lint, default level, what it checks.
pub fn table() -> String {
    let mut out = String::new();
    for r in Rule::ALL {
        let kind = if r.is_lint() { format!("lint, {}", r.default_level().name()) } else { "error".to_string() };
        out.push_str(&format!("{:<22} {:<12} {}\n", r.name(), kind, r.doc()));
    }
    out
}

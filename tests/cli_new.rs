//! Getting started: `cine new` (a project that lints clean and renders) and
//! `cine completions` (shell scripts that really complete).

use std::path::Path;
use std::process::{Command, Output};

fn cine_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(dir).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_new_project_lints_clean_formats_and_renders() {
    for model in ["cine-tiny", "wan2.1-1.3b"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = cine_in(tmp.path(), &["new", "Night Walk", "--model", model]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        // The template compiled without a single diagnostic (it prints any it gets).
        assert!(out.stderr.is_empty(), "{model}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("cine render night_walk.cine -o out/night_walk.mp4"), "{}", text(&out.stdout));
        let proj = tmp.path().join("Night Walk");
        for f in ["night_walk.cine", "cine.toml", ".gitignore"] {
            assert!(proj.join(f).is_file(), "{f} missing");
        }
        // Exactly what the printed hints say, run in the project folder.
        let lint = cine_in(&proj, &["lint", ".", "--deny", "warnings"]);
        assert_eq!(lint.status.code(), Some(0), "{model}: {}", text(&lint.stderr));
        assert!(text(&lint.stderr).contains("1 file: 0 errors, 0 warnings"), "{}", text(&lint.stderr));
        assert_eq!(cine_in(&proj, &["fmt", "--check", "."]).status.code(), Some(0), "the template is not formatted");
        let plan = cine_in(&proj, &["plan", "night_walk.cine"]);
        let film: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
        assert_eq!(film["title"], "Night Walk");
        assert_eq!(film["model"], model);
        assert_eq!(film["shots"].as_array().unwrap().len(), 4, "{film}");
        // What the starter shows off: a prompt change inside a shot and a memory recall.
        let shots = film["shots"].as_array().unwrap();
        assert!(shots.iter().any(|s| !s["events"].as_array().unwrap().is_empty()), "{film}");
        assert!(shots.iter().any(|s| !s["recalls"].as_array().unwrap().is_empty()), "{film}");
        let render = cine_in(&proj, &["render", "night_walk.cine", "-o", "out/night_walk.mp4", "--generator", "procedural", "--no-cache", "-q"]);
        assert_eq!(render.status.code(), Some(0), "{}", text(&render.stderr));
        assert!(std::fs::metadata(proj.join("out/night_walk.mp4")).unwrap().len() > 1000);
    }
}

#[test]
fn existing_files_are_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("film");
    std::fs::create_dir(&proj).unwrap();
    std::fs::write(proj.join("cine.toml"), "# mine\n").unwrap();
    let out = cine_in(tmp.path(), &["new", "film"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already has cine.toml: nothing was written"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(proj.join("cine.toml")).unwrap(), "# mine\n");
    assert!(!proj.join("film.cine").exists() && !proj.join(".gitignore").exists() && !proj.join("out").exists());

    // A folder that is already a repository keeps its .gitignore; `.` names the folder.
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join(".gitignore"), "target/\n").unwrap();
    let out = cine_in(&repo, &["new", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(repo.join(".gitignore")).unwrap(), "target/\n");
    assert!(repo.join("repo.cine").is_file() && repo.join("out").is_dir());

    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let out = cine_in(tmp.path(), &["new", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is a file, not a folder"), "{}", text(&out.stderr));
}

#[test]
fn titles_are_quoted_and_must_be_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let title = r#"The "Big" \ {model}"#;
    assert_eq!(cine_in(tmp.path(), &["new", "p", "--title", title]).status.code(), Some(0));
    let plan = cine_in(&tmp.path().join("p"), &["plan", "p.cine"]);
    let film: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(film["title"], title);
    let out = cine_in(tmp.path(), &["new", "q", "--title", "two\nlines"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.path().join("q").exists());
}

/// Runs bash's completion function on a command line and returns the candidates.
fn complete_bash(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let cmd = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; _cine cine '{}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words[cword]
    );
    let out = Command::new("bash").arg("-c").arg(&cmd).current_dir(script.parent().unwrap()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completion_knows_commands_options_and_values() {
    let tmp = tempfile::tempdir().unwrap();
    let out = cine_in(tmp.path(), &["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = tmp.path().join("cine.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    assert_eq!(complete_bash(&script, &["cine", "ren"]), ["render"]);
    assert_eq!(complete_bash(&script, &["cine", "render", "--sho"]), ["--shots"]);
    assert_eq!(complete_bash(&script, &["cine", "render", "--generator", ""]), ["model", "procedural"]);
    assert_eq!(complete_bash(&script, &["cine", "lint", "--format", "s"]), ["sarif"]);
    // Rule names, not the files of the folder.
    std::fs::write(tmp.path().join("fast.txt"), "").unwrap();
    assert_eq!(complete_bash(&script, &["cine", "lint", "--explain", "fast"]), ["fast-line"]);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = cine_in(tmp.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("render"), "{shell}");
    }
    assert_eq!(cine_in(tmp.path(), &["completions", "tcsh"]).status.code(), Some(2));
}

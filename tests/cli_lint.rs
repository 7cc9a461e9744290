//! `cine lint`: exit codes, formats, config levels, all bundled screenplays clean.

use std::path::Path;
use std::process::{Command, Output};

fn cine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const WARNS: &str = "set pier \"a pier\"\nset unused \"x\"\nscene pier {\n  shot {\n    duration 2s\n  }\n}\n";
const ERRS: &str = "cast mara \"a fisherwoman\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects maar\n    size wdie\n  }\n}\n";

fn write(dir: &Path, name: &str, body: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn bundled_screenplays_are_clean() {
    let out = cine(&["lint", "--deny", "warnings", "screenplays"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("0 errors, 0 warnings"), "{}", text(&out.stderr));
}

#[test]
fn errors_exit_1_with_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.cine", ERRS.as_bytes());
    let out = cine(&["lint", &f]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for want in ["cine::undefined-cast", "did you mean `mara`?", "cine::unknown-entry", "did you mean `wide`?", "bad.cine:6:14", "2 errors"] {
        assert!(err.contains(want), "missing {want} in\n{err}");
    }
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "warn.cine", WARNS.as_bytes());
    let out = cine(&["lint", &f]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("cine::unused-set"));
    assert_eq!(cine(&["lint", "--deny", "warnings", &f]).status.code(), Some(1));
}

#[test]
fn config_file_sets_levels() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "warn.cine", WARNS.as_bytes());
    write(dir.path(), "cine.toml", b"[lints]\nunused-set = \"deny\"\n");
    assert_eq!(cine(&["lint", &f]).status.code(), Some(1));
    write(dir.path(), "cine.toml", b"[lints]\nunused-set = \"allow\"\n");
    let out = cine(&["lint", "--deny", "warnings", &f]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    write(dir.path(), "cine.toml", b"[limits]\nmax_seconds = 1\n");
    let out = cine(&["lint", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cine::film-too-long"));
}

#[test]
fn json_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.cine", ERRS.as_bytes());
    let out = cine(&["lint", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 2);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "cine::undefined-cast");
    assert_eq!(d["location"]["line"], 6);
    let start = d["location"]["start"].as_u64().unwrap() as usize;
    assert_eq!(&ERRS[start..start + 4], "maar");
    let out = cine(&["lint", "--format", "sarif", &f]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "cine::undefined-cast");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 6);
}

#[test]
fn unreadable_and_usage_errors_exit_2() {
    assert_eq!(cine(&["lint", "no/such/file.cine"]).status.code(), Some(2));
    assert_eq!(cine(&["lint"]).status.code(), Some(2));
    assert_eq!(cine(&["lint", "--format", "xml", "screenplays"]).status.code(), Some(2));
    // A mistyped --root is refused, not reported as an error in every `use`.
    for (root, says) in [("no/such/folder", "as the project root"), ("README.md", "is a file")] {
        for cmd in ["lint", "plan"] {
            let out = cine(&[cmd, "--root", root, "screenplays/harbor.cine"]);
            assert_eq!(out.status.code(), Some(2), "{cmd} --root {root}");
            assert!(text(&out.stderr).contains(says) && !text(&out.stderr).contains("cine::"), "{}", text(&out.stderr));
        }
    }
}

/// A folder is walked once: hidden entries are skipped and a symlink back up the tree is
/// not followed round (it used to lint every file 41 times, until the path was too long).
#[cfg(unix)]
#[test]
fn a_folder_walk_skips_hidden_entries_and_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.cine", WARNS.as_bytes());
    std::fs::create_dir_all(dir.path().join("sub/.hidden")).unwrap();
    write(&dir.path().join("sub"), "b.cine", WARNS.as_bytes());
    write(&dir.path().join("sub"), ".#b.cine", ERRS.as_bytes()); // an editor's lock file
    write(&dir.path().join("sub/.hidden"), "c.cine", ERRS.as_bytes());
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
    let out = cine(&["lint", dir.path().to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("2 files: 0 errors, 2 warnings"), "{err}");
    let fmt = cine(&["fmt", "--check", dir.path().to_str().unwrap()]);
    assert!(!text(&fmt.stdout).contains("up/") && !text(&fmt.stderr).contains("up/"), "{}{}", text(&fmt.stdout), text(&fmt.stderr));
    // A folder with no screenplay is a mistake (a renamed folder in CI), not a clean run.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for cmd in ["lint", "fmt"] {
        let out = cine(&[cmd, dir.path().join("empty").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(text(&out.stderr).contains("there is no `.cine` file in"), "{}", text(&out.stderr));
    }
    // Named on the command line, a hidden file is checked.
    let hidden = dir.path().join("sub/.hidden/c.cine");
    assert_eq!(cine(&["lint", hidden.to_str().unwrap()]).status.code(), Some(1));
}

/// A cine.toml that cannot be used is reported in cine.toml, at the bad value.
#[test]
fn a_bad_cine_toml_points_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.cine", WARNS.as_bytes());
    write(dir.path(), "cine.toml", b"[lint]\nshort-shot = \"allow\"\n");
    let out = cine(&["lint", &f]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cine::bad-config") && err.contains("unknown field `lint`") && err.contains("cine.toml:1:2"), "{err}");
    assert!(!err.contains("a.cine:1:1"), "{err}");
}

#[test]
fn non_utf8_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "latin1.cine", b"title \"caf\xe9\"\n");
    let out = cine(&["lint", &f]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cine::not-utf8") && err.contains("offset 10"), "{err}");
}

/// The prompt-too-long lint counts tokens exactly as the word-level tokenizer splits text.
#[test]
fn the_compilers_token_count_is_the_tokenizers() {
    for text in ["A quiet harbor. Wide shot, low angle.", "worm's-eye view, 2.5", "  ...!?  the end", "snake_case and ünïcode"] {
        let words = cine_model::t5::tokenizer::split_words(text);
        assert_eq!(cine_compiler::prompt::count_tokens(text), words.len(), "{text:?}: {words:?}");
    }
}

#[test]
fn fix_applies_every_suggestion_and_reports_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let body = ERRS.replace("    size wdie\n", "    size wdie\n    camera pan_lfet(speeed: slow)\n");
    let f = write(dir.path(), "bad.cine", body.as_bytes());
    let out = cine(&["lint", "--fix", &f]);
    let err = text(&out.stderr);
    for want in ["bad.cine:6:14: `maar` -> `mara`", "bad.cine:7:10: `wdie` -> `wide`", "`pan_lfet` -> `pan_left`", "`speeed` -> `speed`", "0 errors"] {
        assert!(err.contains(want), "missing {want} in\n{err}");
    }
    assert_eq!(out.status.code(), Some(0), "{err}");
    let fixed = std::fs::read_to_string(&f).unwrap();
    assert_eq!(fixed, body.replace("maar", "mara").replace("wdie", "wide").replace("pan_lfet", "pan_left").replace("speeed", "speed"));
    let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["bad.cine"], "no temporary file left");
    // Nothing to fix: the file is not touched; errors without a suggestion stay errors.
    let g = write(dir.path(), "other.cine", b"set pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects zzzzzz\n  }\n}\n");
    let before = std::fs::metadata(&g).unwrap().modified().unwrap();
    let out = cine(&["lint", "--fix", &g]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stderr).contains("fixed"), "{}", text(&out.stderr));
    assert_eq!(std::fs::metadata(&g).unwrap().modified().unwrap(), before);
    // A removal is listed as one; a read-only file is refused and nothing is listed as fixed.
    let twice = write(dir.path(), "twice.cine", b"cast mara \"a fisherwoman\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara, mara\n  }\n}\n");
    let mut perms = std::fs::metadata(&twice).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&twice, perms.clone()).unwrap();
    let out = cine(&["lint", "--fix", &twice]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("the file is read-only") && !text(&out.stderr).contains("fixed"), "{}", text(&out.stderr));
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&twice, perms).unwrap();
    let out = cine(&["lint", "--fix", &twice]);
    assert!(text(&out.stderr).contains("twice.cine:6:18: removed `, mara`"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.cine", ERRS.as_bytes());
    let out = cine(&["lint", "--format", "github", &f]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let want = format!("::error file={f},line=6,col=14,endLine=6,endColumn=18,title=cine%3A%3Aundefined-cast::no cast member is named `maar`%0Ahelp: did you mean `mara`?");
    assert_eq!(lines[0], want);
    let out = cine(&["lint", "--format", "github", &write(dir.path(), "warn.cine", WARNS.as_bytes())]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("::warning file="), "{}", text(&out.stdout));
}

#[test]
fn stdin_is_checked_as_the_named_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cast.cine"), "cast mara \"a fisherwoman\"\n").unwrap();
    let name = dir.path().join("film.cine");
    let run = |text: &str, extra: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
            .args(["lint", "-", "--stdin-name", name.to_str().unwrap()])
            .args(extra)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    // The unsaved text uses a file next to the name it is checked as (which does not exist).
    let good = "use \"cast.cine\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
    let out = run(good, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&good.replace("subjects mara", "subjects maar"), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["location"]["file"], name.display().to_string());
    assert_eq!(v["diagnostics"][0]["location"]["line"], 6);
    let out = run(good, &["--fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot fix stdin"), "{}", text(&out.stderr));
}

#[test]
fn explain_lists_every_rule_and_shows_each_example_with_todays_diagnostic() {
    let all = cine(&["lint", "--explain"]);
    assert_eq!(all.status.code(), Some(0), "{}", text(&all.stderr));
    let table = text(&all.stdout);
    for r in cine_compiler::Rule::ALL {
        assert!(table.lines().any(|l| l.starts_with(&format!("{} ", r.name())) && l.contains(r.doc())), "{} missing from\n{table}", r.name());
    }
    // Every example, compiled with the real model registry (cine-tiny's vocabulary for
    // unknown-word), shows its own rule's diagnostic and a fix.
    for r in cine_compiler::Rule::ALL {
        let out = cine(&["lint", "--explain", r.name()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(shown.starts_with(&r.code()), "{shown}");
        if cine_compiler::explain::example(*r).is_some() {
            assert!(shown.matches(&r.code()).count() >= 2, "the example does not trigger {}:\n{shown}", r.code());
            assert!(shown.lines().any(|l| l.starts_with("+ ") || l.starts_with("- ")), "no fix shown:\n{shown}");
        }
    }
    let fast = text(&cine(&["lint", "--explain", "cine::fast-line"]).stdout);
    assert!(fast.contains("lint, warn by default") && fast.contains("characters a second") && fast.contains("+     say mara at 1s: \"Not today.\""), "{fast}");
    let typo = cine(&["lint", "--explain", "fast-lien"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("did you mean `fast-line`?"), "{}", text(&typo.stderr));
}

#[test]
fn every_format_counts_columns_in_characters() {
    let dir = tempfile::tempdir().unwrap();
    // `size` starts at character 17 of line 5 (byte 19: `é` is two bytes).
    let f = write(dir.path(), "my film é.cine", "set pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    action \"éé\" size wide\n  }\n}\n".as_bytes());
    let human = text(&cine(&["lint", &f]).stderr);
    assert!(human.contains("my film é.cine:5:17]"), "{human}");
    let json: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "json", &f]).stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["location"]["column"], 17);
    assert!(text(&cine(&["lint", "--format", "github", &f]).stdout).contains(",line=5,col=17,"));
    let sarif: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "sarif", &f]).stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let loc = &run["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startColumn"], 17);
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with("/my%20film%20%C3%A9.cine"), "{uri}");
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    // Editors hide it: `size` is at 1:1, as without it (it was 1:2). Byte offsets still count it.
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bom.cine", b"\xef\xbb\xbfsize wide\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n  }\n}\n");
    let human = text(&cine(&["lint", &f]).stderr);
    assert!(human.contains("bom.cine:1:1]"), "{human}");
    let json: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "json", &f]).stdout).unwrap();
    let loc = &json["diagnostics"][0]["location"];
    assert_eq!((&loc["column"], &loc["end_column"], &loc["start"]), (&serde_json::json!(1), &serde_json::json!(5), &serde_json::json!(3)), "{loc}");
    assert!(text(&cine(&["lint", "--format", "github", &f]).stdout).contains(",line=1,col=1,endLine=1,endColumn=5,"));
    let sarif: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "sarif", &f]).stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"], 1);
}

#[test]
fn a_list_cut_at_the_limit_says_so_and_the_counts_cover_everything() {
    // 1500 problems in one file: 1000 are listed; the summary counted only those, in silence.
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..1500).map(|i| format!("    subjects nobody{i}\n")).collect();
    let f = write(dir.path(), "many.cine", format!("set pier \"a pier\"\nscene pier {{\n  shot {{\n    duration 2s\n{lines}  }}\n}}\n").as_bytes());
    let note = "500 more diagnostics not shown: cine reports at most 1000 per file";
    let human = text(&cine(&["lint", &f]).stderr);
    assert!(human.contains(&format!("note: {note}")) && human.ends_with("1 file: 1500 errors, 0 warnings\n"), "{}", &human[human.len() - 300..]);
    let json: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "json", &f]).stdout).unwrap();
    assert_eq!((json["diagnostics"].as_array().unwrap().len(), &json["errors"], &json["omitted"]), (1000, &serde_json::json!(1500), &serde_json::json!(500)));
    let sarif: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "sarif", &f]).stdout).unwrap();
    let said = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap_or_default().to_string();
    assert!(said.starts_with(note), "{said}");
    let github = text(&cine(&["lint", "--format", "github", &f]).stdout);
    assert!(github.lines().last().unwrap_or_default().starts_with(&format!("::warning title=cine::{note}")), "{github:.300}");
    // An ordinary report has no such key.
    let clean: serde_json::Value = serde_json::from_slice(&cine(&["lint", "--format", "json", &write(dir.path(), "warn.cine", WARNS.as_bytes())]).stdout).unwrap();
    assert!(clean.get("omitted").is_none(), "{clean}");
}

/// `cine lint` with stdin fed `input`.
fn lint_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine"))
        .arg("lint")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The process may refuse before reading; a closed pipe is then fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_in_another_encoding_or_misused() {
    let out = lint_stdin(&["-", "--stdin-name", "film.cine"], b"\xff\xfe title");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cine::not-utf8") && text(&out.stderr).contains("film.cine is not UTF-8 text: invalid byte 0xff at offset 0"), "{}", text(&out.stderr));
    let harbor = std::fs::read("screenplays/harbor.cine").unwrap();
    let twice = lint_stdin(&["-", "-"], &harbor);
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice.stderr).contains("`-` is given 2 times; stdin can be read once"), "{}", text(&twice.stderr));
    let unnamed = lint_stdin(&["--stdin-name", "x.cine", "screenplays/harbor.cine"], b"");
    assert_eq!(unnamed.status.code(), Some(2));
    assert!(text(&unnamed.stderr).contains("no `-` is given"), "{}", text(&unnamed.stderr));
}

#[test]
fn fix_corrects_a_misspelt_lint_in_a_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "s.cine", b"set pier \"a pier\"\nscene pier {\n  shot {\n    duration 8f // cine:allow(frame-rounding, short-shott)\n  }\n}\n");
    let out = cine(&["lint", "--fix", &f]);
    let err = text(&out.stderr);
    assert!(err.contains("`short-shott` -> `short-shot`"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(std::fs::read_to_string(&f).unwrap().contains("// cine:allow(frame-rounding, short-shot)\n"));
    assert!(err.contains("0 errors, 0 warnings"), "the fixed suppression silences short-shot: {err}");
}

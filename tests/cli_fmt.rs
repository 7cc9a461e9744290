//! `cine fmt`: rewrites in place, `--check` for CI, stdin, refuses broken files.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cine")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

const MESSY: &str = "// a film\ntitle   \"A\"\nset p \"a pier\" // the pier\n\n\n\nscene p {\n\nshot x {\nduration 2.50s\n  camera pan_left( speed:slow )\n}\n}\n";

#[test]
fn bundled_files_pass_check() {
    let out = cine(&["fmt", "--check", "screenplays", "stdlib"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn check_then_format_then_check() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("messy.cine");
    std::fs::write(&f, MESSY).unwrap();
    let p = f.to_str().unwrap();
    let out = cine(&["fmt", "--check", p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("messy.cine"));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), MESSY, "--check must not write");
    assert_eq!(cine(&["fmt", p]).status.code(), Some(0));
    let once = std::fs::read_to_string(&f).unwrap();
    assert!(once.contains("// a film") && once.contains("set p \"a pier\" // the pier"));
    assert!(once.contains("    duration 2.5s\n    camera pan_left(speed: slow)\n"), "{once}");
    assert_eq!(cine(&["fmt", "--check", p]).status.code(), Some(0));
    assert_eq!(cine(&["fmt", p]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), once, "idempotent");
}

#[test]
fn broken_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.cine");
    std::fs::write(&f, "scene p {\n  shot {\n").unwrap();
    let out = cine(&["fmt", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never closed"));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "scene p {\n  shot {\n");
}

#[test]
fn stdin_to_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cine")).args(["fmt", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(MESSY.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("// a film\ntitle \"A\"\n"));
}

#[test]
fn check_of_stdin_lists_it_and_prints_no_text() {
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cine")).arg("fmt").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait_with_output().unwrap()
    };
    let messy = run(&["--check", "-"], MESSY);
    assert_eq!((messy.status.code(), String::from_utf8_lossy(&messy.stdout).as_ref()), (Some(1), "<stdin>\n"));
    let clean = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/screenplays/harbor.cine")).unwrap();
    let ok = run(&["--check", "-"], &clean);
    assert_eq!((ok.status.code(), ok.stdout.len()), (Some(0), 0));
    let twice = run(&["-", "-"], MESSY);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("stdin can be read once"));
}

#[test]
fn rewriting_keeps_links_permissions_and_read_only_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let messy = "set pier \"a pier\"\nscene pier {\nshot {\nduration 2s\n}\n}\n";
    let target = dir.path().join("real.cine");
    std::fs::write(&target, messy).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.cine");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = cine(&["fmt", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "set pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n  }\n}\n");
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
    let ro = dir.path().join("ro.cine");
    std::fs::write(&ro, messy).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = cine(&["fmt", ro.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), messy, "a read-only file is left alone");
}

#[test]
fn a_bad_file_is_reported_and_the_others_still_formatted() {
    // A non-UTF-8 file is an error in the file, as for `cine lint` (exit 1, not 2), and it
    // used to stop the run: files after it in the folder were left unformatted.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.cine"), b"title \"caf\xe9\"\n").unwrap();
    std::fs::write(dir.path().join("b.cine"), MESSY).unwrap();
    let out = cine(&["fmt", dir.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cine::not-utf8") && err.contains("invalid byte 0xe9 at offset 10"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("a.cine")).unwrap(), b"title \"caf\xe9\"\n");
    assert!(std::fs::read_to_string(dir.path().join("b.cine")).unwrap().contains("\nscene p {\n  shot x {\n"));
}

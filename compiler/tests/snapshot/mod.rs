//! A small snapshot helper: compares text with `tests/snapshots/<name>.snap`.
//! Run with `CINE_BLESS=1` to write or update snapshots (then review and commit them).

use std::path::PathBuf;

pub fn assert_snapshot(name: &str, actual: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let path = dir.join(format!("{name}.snap"));
    if std::env::var_os("CINE_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(e) => e,
        Err(_) => {
            let new = dir.join(format!("{name}.snap.new"));
            let _ = std::fs::write(&new, actual);
            panic!("no snapshot {}; wrote {} (run with CINE_BLESS=1 to accept)", path.display(), new.display());
        }
    };
    if expected != actual {
        let new = dir.join(format!("{name}.snap.new"));
        let _ = std::fs::write(&new, actual);
        panic!("snapshot {name} differs; the new output is in {}\n--- expected\n{expected}\n--- actual\n{actual}", new.display());
    }
}

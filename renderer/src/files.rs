//! Small file helpers shared by the writers.

use std::path::Path;

use anyhow::{ensure, Result};

/// Checks, before any work, that a file can be written at `path`: its directory exists and
/// it is not itself a directory. `example` names a file for the hint (`film.mp4`). Returns
/// the directory (`.` for a bare file name), where a temporary file for it belongs.
pub fn check_output<'a>(path: &'a Path, example: &str) -> Result<&'a Path> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // A file where a folder should be: the parent, or a folder above it.
    let file = dir.ancestors().find(|a| a.is_file());
    if let Some(f) = file {
        anyhow::bail!("cannot write {}: {} is a file, not a folder", path.display(), f.display());
    }
    ensure!(dir.is_dir(), "cannot write {}: the directory {} does not exist; create it first", path.display(), dir.display());
    ensure!(!path.is_dir(), "cannot write {}: it is a directory; give a file name, e.g. {}", path.display(), path.join(example).display());
    // `cine batch --report *.cine` would otherwise turn the first screenplay into a report.
    let screenplay = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("cine"));
    ensure!(!screenplay, "cannot write {}: `.cine` names a screenplay, and no output of cine is one; give another name, e.g. {}", path.display(), path.with_file_name(example).display());
    Ok(dir)
}

/// Checks that `path` ends in `.ext` (any case): cine writes that format whatever the name
/// says, and `film.avi` holding an MP4 (or `board.jpg` a PNG) misleads players and viewers.
pub fn check_extension(path: &Path, ext: &str, what: &str) -> Result<()> {
    let ok = path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext));
    ensure!(ok, "cannot write {}: cine writes {what} files; name it {}", path.display(), path.with_extension(ext).display());
    Ok(())
}

/// The temporary file an output is written to before it is renamed into place: hidden,
/// beside it, named after it (`.film.mp4.XXXXXX.part`), so what a killed process leaves says
/// whose it was.
pub fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".part").tempfile_in(dir)
}

/// Temporary files are private (0600); a finished video is readable like any new file.
pub fn readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    let _ = path;
}

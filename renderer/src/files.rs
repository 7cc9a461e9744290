//! Small file helpers shared by the writers.

use std::path::Path;

/// Temporary files are private (0600); a finished video is readable like any new file.
pub fn readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    let _ = path;
}

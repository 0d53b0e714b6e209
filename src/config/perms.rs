//! File modes of inputs: a file holding a secret key that others can read earns a warning
//! naming the fix. (reimage's own files are kept private by `fsio::state`.)

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A warning when `path` (holding a secret key) can be read or written by group or others.
pub fn loose_secret_file(path: &Path) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o077 == 0 {
        return None;
    }
    Some(format!(
        "WARNING: {} holds a secret key and is readable by other users (mode {:o}); \
         fix it with `chmod 600 {}`",
        path.display(),
        mode & 0o777,
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files_others_can_read_are_warned_about() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("credentials");
        std::fs::write(&path, b"{}").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(loose_secret_file(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let w = loose_secret_file(&path).expect("warned");
        assert!(w.contains("644") && w.contains("chmod 600"), "{w}");
        assert_eq!(loose_secret_file(&tmp.path().join("missing")), None);
    }
}

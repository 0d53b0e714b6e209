//! File modes: what reimage creates is private to the user (files 0600, directories 0700),
//! and a file holding a secret key that others can read earns a warning naming the fix.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Create `dir` and its missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Write `bytes` to `path` through a temporary file created 0600, then rename it in place,
/// so a reader never sees half a file and nobody else can read it.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    // An older file may have been created with looser bits: mode() only applies on create.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(tmp, path)
}

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
    fn private_files_and_dirs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("a/b/cache.json");
        write_private(&path, b"{}").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(loose_secret_file(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let w = loose_secret_file(&path).expect("warned");
        assert!(w.contains("644") && w.contains("chmod 600"), "{w}");
        assert_eq!(loose_secret_file(&tmp.path().join("missing")), None);
    }
}

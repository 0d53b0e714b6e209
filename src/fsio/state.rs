//! reimage's own files (journal, audit log, log, project cache, lock files): in a directory
//! only the user can write, never opened through a symlink, never a FIFO or a device,
//! created 0600 and tightened to 0600 when found looser. A whole-file rewrite goes
//! through a temporary file created exclusively under a fresh name beside the target, so
//! a link planted at a predictable name cannot redirect it.

use super::read::open_regular;
use super::{FileError, FileKind, Problem};
use std::fs::{DirBuilder, File, Metadata, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Create `dir` (and its parents) 0700 when missing; refuse it when group or others can
/// write to it. A symlinked directory is followed: where state lives is the user's choice.
pub fn private_dir(dir: &Path) -> Result<(), FileError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| FileError::new(dir, FileKind::StateDir, Problem::Io(e)))?;
    check_dir(dir)
}

/// Refuse a state directory group or others can write to (anyone who can write there
/// can swap reimage's files).
pub(super) fn check_dir(dir: &Path) -> Result<(), FileError> {
    let fail = |problem| FileError::new(dir, FileKind::StateDir, problem);
    let meta = std::fs::metadata(dir).map_err(|e| fail(Problem::Io(e)))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(fail(Problem::LooseDir(mode)));
    }
    Ok(())
}

/// Open a state file for appending (created 0600 in a private directory).
pub fn open_append(path: &Path, kind: FileKind) -> Result<File, FileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let (file, meta) = open_regular(
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            // No FIFO may block the open; no symlink may redirect it.
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY),
        path,
        kind,
    )?;
    tighten(&file, path, kind, &meta)?;
    Ok(file)
}

/// A state file others can read or write is made 0600 (said in the log), or refused when
/// that fails (another account owns it).
fn tighten(file: &File, path: &Path, kind: FileKind, meta: &Metadata) -> Result<(), FileError> {
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    match file.set_permissions(Permissions::from_mode(0o600)) {
        Ok(()) => {
            tracing::warn!(
                "the {} {} had mode {mode:o} (others could read or write it): made it 600",
                kind.label(),
                path.display()
            );
            Ok(())
        }
        Err(error) => Err(FileError::new(
            path,
            kind,
            Problem::LooseFile { mode, error },
        )),
    }
}

/// Replace `path` with `bytes`: written to a new file created exclusively (`O_EXCL`, so
/// never through a planted link) under a unique name in the same directory, fsynced,
/// renamed over `path`, then the directory fsynced. A reader sees the old file or the new
/// one, never half of one.
pub fn replace(path: &Path, kind: FileKind, bytes: &[u8]) -> Result<(), FileError> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    private_dir(dir)?;
    let (tmp, mut file) = create_temporary(dir, path, kind)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::new(path, kind, Problem::Io(e)));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| FileError::new(dir, FileKind::StateDir, Problem::Io(e)))
}

/// `.NAME.PID.RANDOM.tmp` beside `path`, created new; a name taken is tried again.
fn create_temporary(dir: &Path, path: &Path, kind: FileKind) -> Result<(PathBuf, File), FileError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!(
            ".{name}.{}.{:016x}.tmp",
            std::process::id(),
            rand::random::<u64>()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(FileError::new(tmp, kind, Problem::Io(e))),
        }
    }
    let e = last.unwrap_or_else(|| std::io::Error::other("no free temporary name"));
    Err(FileError::new(path, kind, Problem::Io(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_dirs_are_created_private_and_loose_files_tightened() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("a/b/audit.log");
        let mut f = open_append(&path, FileKind::AuditLog).expect("open");
        f.write_all(b"x\n").expect("write");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).expect("chmod");
        open_append(&path, FileKind::AuditLog).expect("reopen");
        assert_eq!(mode(&path), 0o600, "tightened");
        replace(&path, FileKind::ProjectCache, b"{}").expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"{}");
        assert_eq!(mode(&path), 0o600);
        let left: Vec<_> = std::fs::read_dir(tmp.path().join("a/b"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    }

    #[test]
    fn a_directory_others_can_write_is_refused_with_the_fix() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("state");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, Permissions::from_mode(0o775)).expect("chmod");
        let e = open_append(&dir.join("jobs.jsonl"), FileKind::Journal).expect_err("loose");
        assert!(
            e.to_string()
                .contains(&format!("`chmod 700 {}`", dir.display())),
            "{e}"
        );
        assert!(!dir.join("jobs.jsonl").exists(), "nothing created there");
        std::fs::write(dir.join("projects.json"), "{}").expect("planted");
        let e = crate::fsio::read(&dir.join("projects.json"), FileKind::ProjectCache)
            .expect_err("not read from there");
        assert!(matches!(e.problem, Problem::LooseDir(_)), "{e}");
    }

    #[test]
    fn a_symlink_is_never_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "precious").expect("write");
        let link = tmp.path().join("audit.log");
        std::os::unix::fs::symlink(&victim, &link).expect("link");
        let e = open_append(&link, FileKind::AuditLog).expect_err("a link");
        assert!(matches!(e.problem, Problem::Symlink), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    }
}

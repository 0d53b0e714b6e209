//! The one bounded reader: a regular file, at most its kind's cap, into a buffer that is
//! wiped when dropped (user data and credentials are secrets).

use super::{FileError, FileKind, Problem};
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use zeroize::Zeroizing;

/// Read the whole file, refusing anything but a regular file and anything over the cap.
pub fn read(path: &Path, kind: FileKind) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let fail = |problem| FileError::new(path, kind, problem);
    let (file, meta) = open(path, kind)?;
    let bytes = read_capped(&file, meta.len(), kind.cap()).map_err(|e| fail(Problem::Io(e)))?;
    if bytes.len() as u64 > kind.cap() {
        return Err(fail(Problem::TooLarge));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_text(path: &Path, kind: FileKind) -> Result<Zeroizing<String>, FileError> {
    let mut bytes = read(path, kind)?;
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(FileError::new(path, kind, Problem::NotUtf8))
        }
    }
}

/// A missing file is `None`; every other problem stays an error.
pub fn if_exists<T>(result: Result<T, FileError>) -> Result<Option<T>, FileError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_missing() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Open for reading without blocking (a FIFO with no writer would block the open
/// forever), then check the opened descriptor: only a regular file is read. State files
/// are never opened through a symlink, nor read from a directory others can write.
fn open(path: &Path, kind: FileKind) -> Result<(File, Metadata), FileError> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if kind.is_state() {
        flags |= libc::O_NOFOLLOW;
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            super::state::check_dir(dir)?;
        }
    }
    open_regular(
        OpenOptions::new().read(true).custom_flags(flags),
        path,
        kind,
    )
}

/// Open with `options`, then check the opened descriptor (not the path, which may change
/// meanwhile): only a regular file is kept; anything else is named in the error.
pub(super) fn open_regular(
    options: &OpenOptions,
    path: &Path,
    kind: FileKind,
) -> Result<(File, Metadata), FileError> {
    let file = options.open(path).map_err(|e| open_error(path, kind, e))?;
    let meta = file
        .metadata()
        .map_err(|e| FileError::new(path, kind, Problem::Io(e)))?;
    if !meta.is_file() {
        let what = what(meta.file_type());
        return Err(FileError::new(path, kind, Problem::NotRegular(what)));
    }
    Ok((file, meta))
}

/// The error of a failed open: a symlink refused by `O_NOFOLLOW`, a FIFO without a
/// reader (`ENXIO` for a non-blocking write open), a directory opened for writing.
fn open_error(path: &Path, kind: FileKind, e: std::io::Error) -> FileError {
    let problem = match e.raw_os_error() {
        _ if e.kind() == std::io::ErrorKind::NotFound => Problem::Missing,
        Some(libc::ELOOP) if kind.is_state() => Problem::Symlink,
        Some(libc::ENXIO | libc::EISDIR) => match std::fs::symlink_metadata(path) {
            Ok(m) if !m.is_file() => Problem::NotRegular(what(m.file_type())),
            _ => Problem::Io(e),
        },
        _ => Problem::Io(e),
    };
    FileError::new(path, kind, problem)
}

fn what(t: FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "something else"
    }
}

/// Read at most `cap + 1` bytes (one more than allowed tells "too large" from "exactly at
/// the cap"). The buffer grows by hand: a reallocation would leave a copy of a secret in
/// freed memory.
fn read_capped(file: &File, size_hint: u64, cap: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    let first = usize::try_from(size_hint.saturating_add(1))
        .unwrap_or(limit)
        .min(limit);
    let mut buf = Zeroizing::new(Vec::with_capacity(first));
    let mut reader = file.take(limit as u64);
    loop {
        if buf.len() == buf.capacity() {
            let grown = buf
                .capacity()
                .saturating_mul(2)
                .clamp(buf.len() + 1, limit.max(buf.len() + 1));
            let mut bigger = Zeroizing::new(Vec::with_capacity(grown));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        let filled = buf.len();
        let room = buf.capacity() - filled;
        buf.resize(filled + room, 0);
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(buf);
            }
            Ok(n) => buf.truncate(filled + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(filled),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn reads_regular_files_up_to_the_cap() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("data");
        let cap = FileKind::UserData.cap() as usize;
        for len in [0, 1, 4095, 4096, 4097, cap - 1, cap] {
            std::fs::write(&path, vec![b'x'; len]).expect("write");
            assert_eq!(read(&path, FileKind::UserData).expect("read").len(), len);
        }
        std::fs::write(&path, vec![b'x'; cap + 1]).expect("write");
        let e = read(&path, FileKind::UserData).expect_err("over the cap");
        assert!(matches!(e.problem, Problem::TooLarge), "{e}");
        assert!(e.to_string().contains("48 KiB"), "{e}");
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = read(dir.path(), FileKind::Config).expect_err("a directory");
        assert!(e.to_string().contains("is a directory"), "{e}");
        let e = read(Path::new("/dev/zero"), FileKind::CaFile).expect_err("a device");
        assert!(e.to_string().contains("character device"), "{e}");
        let e = read(&dir.path().join("nope"), FileKind::Config).expect_err("missing");
        assert!(e.is_missing());
        assert!(
            if_exists(read(&dir.path().join("nope"), FileKind::Config))
                .expect("missing is fine")
                .is_none()
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking_on_the_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let e = read(&fifo, FileKind::UserData).expect_err("a FIFO");
        assert!(e.to_string().contains("FIFO"), "{e}");
    }

    #[test]
    fn state_files_are_not_read_through_a_symlink_inputs_are() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("target");
        std::fs::write(&target, "x").expect("write");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert_eq!(
            &*read_text(&link, FileKind::Config).expect("dotfile link"),
            "x"
        );
        let e = read(&link, FileKind::Journal).expect_err("state link");
        assert!(matches!(e.problem, Problem::Symlink), "{e}");
        assert!(e.to_string().contains("rm "), "{e}");
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("bin");
        std::fs::write(&path, [0xff, 0xfe]).expect("write");
        let e = read_text(&path, FileKind::Config).expect_err("not utf-8");
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }
}

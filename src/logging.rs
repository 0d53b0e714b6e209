//! Logging. The TUI logs to a file under the state directory, never to stdout or stderr,
//! which belong to the full screen; the scriptable commands log to stderr, since stdout
//! carries their data. The file is capped: past `MAX_BYTES` at
//! start it is moved to `reimage.log.1` (one old generation kept).

use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

const MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Start logging to `path`. `level` (from `--log-level`) wins over `RUST_LOG`; the default
/// is `info` for reimage and `warn` for the libraries under it.
pub fn init(path: &Path, level: Option<&str>) -> std::io::Result<()> {
    // lstat: a link is not followed to a size, and open_append refuses it with the fix.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() > MAX_BYTES) {
        let _ = std::fs::rename(path, path.with_extension("log.1"));
    }
    let file = crate::fsio::state::open_append(path, crate::fsio::FileKind::Log)
        .map_err(std::io::Error::other)?;
    let filter = match level {
        Some(l) => EnvFilter::try_new(format!("warn,reimage={l}")),
        None => {
            EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new("warn,reimage=info"))
        }
    }
    .map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("bad log level: {e}"),
        )
    })?;
    // A second init (tests, or a subcommand that starts the TUI) keeps the first one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(())
}

/// Scriptable commands: tracing to stderr at `level` (default `warn`), stdout is for data.
pub fn init_stderr(level: Option<&str>) {
    let filter =
        EnvFilter::try_new(level.unwrap_or("warn")).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

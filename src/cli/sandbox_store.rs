//! The built-in sandbox's servers and jobs, kept across restarts in the cache directory
//! (`sandbox.json`, 0600, never through a link): the sandbox the TUI opens unasked, the
//! one `--sandbox` opens, and `reimage sandbox --keep-state`. Written before each change
//! is answered, so a job the journal holds is never unknown to the next sandbox. A file
//! that cannot be read is a warning and a fresh start, never a failure.

use super::CliError;
use crate::config::{Env, Paths};
use crate::fsio::FileKind;
use crate::safe_text::escape;
use crate::sandbox::{Sandbox, SandboxArgs, SandboxConfig, Snapshot};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The stored state, if any, for a sandbox to start from; a warning when it is unusable.
pub(super) fn load(path: &Path) -> (Option<Arc<Snapshot>>, Option<String>) {
    let bytes = match crate::fsio::if_exists(crate::fsio::read(path, FileKind::SandboxState)) {
        Ok(None) => return (None, None),
        Ok(Some(b)) => b,
        Err(e) => return (None, Some(damaged(path, &e.to_string()))),
    };
    match serde_json::from_slice::<Snapshot>(&bytes) {
        Ok(s) => (Some(Arc::new(s)), None),
        Err(e) => (None, Some(damaged(path, &e.to_string()))),
    }
}

fn damaged(path: &Path, why: &str) -> String {
    format!(
        "WARNING: the sandbox state {} cannot be used ({}): the sandbox starts afresh and \
         replaces it at the first change",
        path.display(),
        escape(why)
    )
}

/// Start a sandbox from `config`, restored from `path` when it holds a usable state, and
/// keep its state there. Warnings (an unusable file) go to `notices`.
pub(super) async fn start_kept(
    config: SandboxConfig,
    path: &Path,
    notices: &mut Vec<String>,
) -> Result<Sandbox, crate::sandbox::SandboxError> {
    let (restore, warning) = load(path);
    notices.extend(warning);
    let restoring = restore.is_some();
    let sandbox = match crate::sandbox::start(SandboxConfig {
        restore,
        ..config.clone()
    })
    .await
    {
        // Readable JSON with contents no sandbox can take: start afresh.
        Err(crate::sandbox::SandboxError::Config(e)) if restoring => {
            notices.push(damaged(path, &e));
            crate::sandbox::start(config).await?
        }
        other => other?,
    };
    sandbox.keep_state(keeper(path.to_path_buf()));
    Ok(sandbox)
}

/// Writes each state that differs from the last one written; a failure is logged once per
/// kind of failure, and the sandbox goes on.
fn keeper(path: PathBuf) -> crate::sandbox::StateKeeper {
    let last: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    Arc::new(move |snap: &Snapshot| {
        let Ok(bytes) = serde_json::to_vec(snap) else {
            return;
        };
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if *last == bytes {
            return;
        }
        match crate::fsio::state::replace(&path, FileKind::SandboxState, &bytes) {
            Ok(()) => *last = bytes,
            Err(e) => tracing::warn!("cannot keep the sandbox state: {e}"),
        }
    })
}

/// `reimage sandbox`: serve; with `--keep-state` from and to the stored state; with
/// `--reset`, remove the stored state and exit.
pub async fn run_sandbox(args: SandboxArgs, env: &Env) -> Result<(), CliError> {
    let sandbox_error = |e: crate::sandbox::SandboxError| CliError::Usage(e.to_string());
    if !args.reset && !args.keep_state {
        return crate::sandbox::serve_cli(args).await.map_err(sandbox_error);
    }
    let path = Paths::from_env(env)?.sandbox_state();
    if args.reset {
        return reset(&path);
    }
    let (restore, warning) = load(&path);
    if let Some(w) = warning {
        eprintln!("reimage: {w}");
    }
    let config = SandboxConfig {
        restore,
        ..args.try_config().map_err(sandbox_error)?
    };
    crate::sandbox::serve(config, |sandbox| sandbox.keep_state(keeper(path.clone())))
        .await
        .map_err(sandbox_error)
}

/// Remove the stored state; a link or a directory there is left alone and said.
fn reset(path: &Path) -> Result<(), CliError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no sandbox state at {}", path.display());
            Ok(())
        }
        Err(e) => Err(CliError::Io(e)),
        Ok(m) if !m.is_file() => Err(CliError::Usage(format!(
            "{} is not a file reimage wrote: remove it yourself (rm -r)",
            path.display()
        ))),
        Ok(_) => {
            std::fs::remove_file(path)?;
            println!(
                "removed the sandbox state {}: the next sandbox starts from the default inventory",
                path.display()
            );
            Ok(())
        }
    }
}

//! Every file reimage reads or keeps, opened so that a hostile path cannot hang it, fill
//! its memory or redirect a write.
//!
//! - Inputs (config.toml, credentials, regions.yaml, the CA file, user data, the journal,
//!   the project cache, KooCLI's config) are read by [`read`]: opened non-blocking (a FIFO
//!   cannot stall the open), checked to be a regular file on the opened descriptor, and
//!   read up to a cap per kind of file. Symlinks are followed for what the user points
//!   reimage at (dotfiles are often links), never for reimage's own state.
//! - State (journal, audit log, log, project cache, lock files) goes through [`state`]:
//!   never through a symlink, in a directory only the user can write, files 0600, and
//!   whole-file rewrites through a fresh, exclusively created temporary file.

mod read;
pub mod state;

pub use read::{if_exists, read, read_text};

use std::fmt;
use std::path::PathBuf;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// What a file is to reimage: decides its size cap, whether a symlink is followed, and
/// how errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
    KooCli,
    Regions,
    CaFile,
    UserData,
    Journal,
    DamagedJournal,
    RolloutJournal,
    /// A plan written by `reimage plan --out` (holds no secret).
    PlanFile,
    /// `--servers-from`: server ids or names, one a line.
    ServerList,
    Lock,
    AuditLog,
    Log,
    ProjectCache,
    SandboxState,
    StateDir,
}

impl FileKind {
    /// Most bytes read from a file of this kind. A little above anything valid: user data
    /// is at most 32 KB, so its base64 text (with line breaks) fits within 48 KiB.
    pub fn cap(self) -> u64 {
        match self {
            Self::UserData => 48 * KIB,
            Self::Credentials => 64 * KIB,
            Self::Config | Self::KooCli | Self::Regions | Self::ProjectCache => MIB,
            // The default inventory's servers and jobs take tens of KB.
            Self::SandboxState => 16 * MIB,
            Self::CaFile => 4 * MIB,
            // Compacted at every start; thousands of jobs fit in a few MB.
            Self::Journal | Self::DamagedJournal | Self::RolloutJournal => 64 * MIB,
            // A 64 KB body for each of a thousand servers.
            Self::PlanFile => 128 * MIB,
            Self::ServerList => 4 * MIB,
            Self::Lock | Self::AuditLog | Self::Log | Self::StateDir => 0,
        }
    }

    /// How errors name the file.
    pub fn label(self) -> &'static str {
        match self {
            Self::Config => "config file",
            Self::Credentials => "credentials file",
            Self::KooCli => "KooCLI config file",
            Self::Regions => "regions file",
            Self::CaFile => "CA file",
            Self::UserData => "user data file",
            Self::Journal => "job journal",
            Self::DamagedJournal => "file of damaged journal lines",
            Self::RolloutJournal => "rollout journal",
            Self::PlanFile => "plan file",
            Self::ServerList => "server list",
            Self::Lock => "lock file",
            Self::AuditLog => "audit log",
            Self::Log => "log file",
            Self::ProjectCache => "project cache",
            Self::SandboxState => "sandbox state",
            Self::StateDir => "state directory",
        }
    }

    /// reimage's own files: never opened through a symlink, kept 0600.
    pub fn is_state(self) -> bool {
        matches!(
            self,
            Self::Journal
                | Self::DamagedJournal
                | Self::RolloutJournal
                | Self::Lock
                | Self::AuditLog
                | Self::Log
                | Self::ProjectCache
                | Self::SandboxState
                | Self::StateDir
        )
    }

    /// Said after the size limit when a file is too large.
    fn limit_note(self) -> &'static str {
        match self {
            Self::UserData => {
                ": user data is at most 32 KB, at most 32768 bytes before base64 encoding \
                 (gzip it if it is text)"
            }
            Self::Journal | Self::RolloutJournal => "; move it aside and reimage starts a new one",
            _ => "",
        }
    }
}

/// What is wrong with a file.
#[derive(Debug)]
pub enum Problem {
    Missing,
    /// Not a regular file: names what it is ("a FIFO (named pipe)", "a directory").
    NotRegular(&'static str),
    TooLarge,
    /// A state file that is a symbolic link.
    Symlink,
    NotUtf8,
    /// A state directory group or others can write to (its mode).
    LooseDir(u32),
    /// A state file others can read or write, whose mode could not be tightened.
    LooseFile {
        mode: u32,
        error: std::io::Error,
    },
    Io(std::io::Error),
}

/// A file reimage cannot use, with what is wrong and how to fix it.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub kind: FileKind,
    pub problem: Problem,
}

impl FileError {
    pub fn new(path: impl Into<PathBuf>, kind: FileKind, problem: Problem) -> Self {
        FileError {
            path: path.into(),
            kind,
            problem,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self.problem, Problem::Missing)
    }
}

/// `1 MiB`, `48 KiB`.
fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes / KIB)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, label) = (self.path.display(), self.kind.label());
        if let Problem::LooseDir(mode) = self.problem {
            return write!(
                f,
                "the {label} {path} can be written by group or others (mode {mode:o}), so \
                 another account could redirect reimage's files: fix it with `chmod 700 {path}`"
            );
        }
        let verb = if self.kind.is_state() { "use" } else { "read" };
        write!(f, "cannot {verb} the {label} {path}: ")?;
        match &self.problem {
            Problem::Missing => f.write_str("it does not exist"),
            Problem::NotRegular(what) if self.kind.is_state() => write!(
                f,
                "it is {what}, not a regular file: move it away and reimage creates a new one"
            ),
            Problem::NotRegular(what) => write!(
                f,
                "it is {what}, not a regular file: give the path of a regular file"
            ),
            Problem::TooLarge => write!(
                f,
                "it is larger than {}, the limit for a {label}{}",
                size(self.kind.cap()),
                self.kind.limit_note()
            ),
            Problem::Symlink => write!(
                f,
                "it is a symbolic link, and reimage never follows a link for its own files: \
                 remove the link (`rm {path}`)"
            ),
            Problem::NotUtf8 => f.write_str("it is not UTF-8 text; save it as UTF-8"),
            Problem::LooseFile { mode, error } => write!(
                f,
                "group or others can read or write it (mode {mode:o}) and reimage cannot make \
                 it private ({error}): fix it with `chmod 600 {path}` as its owner"
            ),
            Problem::Io(e) => write!(f, "{e}"),
            Problem::LooseDir(_) => Ok(()),
        }
    }
}

impl std::error::Error for FileError {}

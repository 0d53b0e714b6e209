//! The job journal: `jobs.jsonl`, one JSON event a line, appended and fsynced.
//!
//! A job id is written here before the UI reports a submission as done, so quitting,
//! `kill -9` or a dropped SSH link loses nothing: on start the journal is replayed and the
//! unfinished jobs are polled again. Several reimage processes may share the file: every
//! write and the compaction happen under an exclusive lock on a sibling `.lock` file, and a
//! writer that finds the journal replaced by a compaction reopens it before appending.
//! Two processes following one job record each state once: under the lock, a state the
//! journal already has for the job (or any state after its end) is not appended again.
//! A damaged line (a crash mid-write, a hand edit, a newer reimage) is skipped with a
//! warning and never destroyed: compaction moves it to `jobs.damaged.jsonl`.
//! The files are opened through `fsio` (never through a symlink, never a FIFO).

use super::record::{JobRecord, TrackedState, now_rfc3339};
use crate::fsio::{self, FileError, FileKind, state};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "cannot use the job journal {path}: {source}. Check the directory exists and is writable, or set REIMAGE_HOME to another place"
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] FileError),
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Entry {
    Submitted(Box<JobRecord>),
    Update {
        job_id: String,
        state: TrackedState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fail_reason: Option<String>,
        at: String,
    },
    Dismissed {
        job_id: String,
        at: String,
    },
}

/// What a replay found.
#[derive(Debug, Default)]
pub struct Replay {
    /// Every job still in the journal (not dismissed), in submission order.
    pub jobs: Vec<JobRecord>,
    /// One warning per line that could not be read.
    pub warnings: Vec<String>,
}

impl Replay {
    /// The jobs that still need polling.
    pub fn unfinished(&self) -> impl Iterator<Item = &JobRecord> {
        self.jobs.iter().filter(|j| !j.state.is_final())
    }
}

/// What a compaction did.
#[derive(Debug, Default)]
pub struct Compaction {
    /// Finished jobs older than the limit, left out.
    pub dropped: usize,
    /// Lines that could not be read, moved to the damaged-lines file.
    pub moved: usize,
    /// The one warning to show when lines were moved: the files, the count, the first line.
    pub warning: Option<String>,
}

pub struct Journal {
    path: PathBuf,
    lock_path: PathBuf,
    file: Mutex<File>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The journal's lines folded into the latest state of each job.
struct Fold {
    replay: Replay,
    /// Lines folded into no job (unreadable, or about a job never submitted), as found.
    damaged: Vec<Vec<u8>>,
}

fn fold(path: &Path, bytes: &[u8]) -> Fold {
    let mut order: Vec<String> = Vec::new();
    let mut jobs: HashMap<String, JobRecord> = HashMap::new();
    let mut warnings = Vec::new();
    let mut damaged = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = match serde_json::from_slice::<Entry>(line) {
            Err(e) => Some(format!("skipped an unreadable record ({e})")),
            Ok(Entry::Submitted(rec)) => {
                let rec = *rec;
                if !jobs.contains_key(&rec.job_id) {
                    order.push(rec.job_id.clone());
                }
                jobs.insert(rec.job_id.clone(), rec);
                None
            }
            Ok(Entry::Update {
                job_id,
                state,
                error_code,
                fail_reason,
                at,
            }) => match jobs.get_mut(&job_id) {
                Some(rec) => {
                    rec.state = state;
                    rec.error_code = error_code;
                    rec.fail_reason = fail_reason;
                    rec.updated_at = at;
                    None
                }
                None => Some(format!(
                    "update for job {job_id} that was never submitted here"
                )),
            },
            // A dismissal of a job compacted away meanwhile: nothing to keep.
            Ok(Entry::Dismissed { job_id, .. }) => {
                jobs.remove(&job_id);
                None
            }
        };
        if let Some(problem) = problem {
            warnings.push(format!("{} line {}: {problem}", path.display(), n + 1));
            damaged.push(line.to_vec());
        }
    }
    let jobs = order
        .into_iter()
        .filter_map(|id| jobs.remove(&id))
        .collect();
    Fold {
        replay: Replay { jobs, warnings },
        damaged,
    }
}

/// The state, error code and reason the journal last recorded for `job_id`, if any.
/// This runs before every update, so it reads from the end and parses only lines that
/// name the job: the newest one about it decides.
fn recorded(bytes: &[u8], job_id: &str) -> Option<Recorded> {
    for line in bytes.rsplit(|b| *b == b'\n') {
        let Some(text) = std::str::from_utf8(line)
            .ok()
            .filter(|t| t.contains(job_id))
        else {
            continue;
        };
        match serde_json::from_str::<Entry>(text) {
            Ok(Entry::Submitted(rec)) if rec.job_id == job_id => {
                return Some((rec.state, rec.error_code, rec.fail_reason));
            }
            Ok(Entry::Update {
                job_id: id,
                state,
                error_code,
                fail_reason,
                ..
            }) if id == job_id => return Some((state, error_code, fail_reason)),
            Ok(Entry::Dismissed { job_id: id, .. }) if id == job_id => return None,
            _ => {}
        }
    }
    None
}

type Recorded = (TrackedState, Option<String>, Option<String>);

/// Whether the journal's bytes already hold an entry (then it is not appended).
type Known<'a> = dyn Fn(&[u8]) -> bool + 'a;

impl Journal {
    /// Open (or create) the journal at `path` and replay it.
    pub fn open(path: impl Into<PathBuf>) -> Result<(Journal, Replay), JournalError> {
        let path = path.into();
        let file = state::open_append(&path, FileKind::Journal)?;
        let lock_path = path.with_extension("jsonl.lock");
        let journal = Journal {
            path,
            lock_path,
            file: Mutex::new(file),
        };
        // Taking the lock once checks the lock file too, before anything relies on it.
        let replay = {
            let _guard = journal.lock()?;
            journal.replay()?
        };
        Ok((journal, replay))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where compaction moves the lines it cannot read: `jobs.damaged.jsonl` beside it.
    pub fn damaged_path(&self) -> PathBuf {
        self.path.with_extension("damaged.jsonl")
    }

    /// Read the whole journal and fold its events into the latest state of each job.
    pub fn replay(&self) -> Result<Replay, JournalError> {
        Ok(fold(&self.path, &self.read()?).replay)
    }

    fn read(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, JournalError> {
        Ok(fsio::read(&self.path, FileKind::Journal)?)
    }

    /// Append a submitted job; returns only once the line is on disk.
    pub fn record_submitted(&self, rec: &JobRecord) -> Result<(), JournalError> {
        self.append(&Entry::Submitted(Box::new(rec.clone())), None)
            .map(drop)
    }

    /// Append a state change; returns only once the line is on disk. Returns `false` when
    /// the journal already had it (another process following the same job wrote it first)
    /// or the job had already ended there: then nothing is written.
    pub fn record_update(
        &self,
        job_id: &str,
        state: TrackedState,
        error_code: Option<&str>,
        fail_reason: Option<&str>,
    ) -> Result<bool, JournalError> {
        self.record_update_at(job_id, state, error_code, fail_reason, &now_rfc3339())
    }

    /// [`Journal::record_update`], the change dated `at` (RFC 3339): a job's end as the
    /// service says it ended.
    pub fn record_update_at(
        &self,
        job_id: &str,
        state: TrackedState,
        error_code: Option<&str>,
        fail_reason: Option<&str>,
        at: &str,
    ) -> Result<bool, JournalError> {
        let entry = Entry::Update {
            job_id: job_id.to_string(),
            state,
            error_code: error_code.map(str::to_string),
            fail_reason: fail_reason.map(str::to_string),
            at: at.to_string(),
        };
        let new: Recorded = (
            state,
            error_code.map(str::to_string),
            fail_reason.map(str::to_string),
        );
        let known = move |bytes: &[u8]| match recorded(bytes, job_id) {
            Some(last) => last.0.is_final() || last == new,
            None => false,
        };
        self.append(&entry, Some(&known))
    }

    /// Forget a finished job (the user dismissed it).
    pub fn record_dismissed(&self, job_id: &str) -> Result<(), JournalError> {
        self.append(
            &Entry::Dismissed {
                job_id: job_id.to_string(),
                at: now_rfc3339(),
            },
            None,
        )
        .map(drop)
    }

    fn lock(&self) -> Result<File, JournalError> {
        let lock = state::open_append(&self.lock_path, FileKind::Lock)?;
        lock.lock().map_err(io_err(&self.lock_path))?;
        Ok(lock)
    }

    /// Append `entry` under the lock, unless `skip` says the journal already has it.
    fn append(&self, entry: &Entry, skip: Option<&Known<'_>>) -> Result<bool, JournalError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| JournalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        let _guard = self.lock()?;
        if let Some(skip) = skip
            && skip(&self.read()?)
        {
            return Ok(false);
        }
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A compaction by another process may have replaced the file: follow it.
        let current = std::fs::symlink_metadata(&self.path).ok().map(|m| m.ino());
        let ours = file.metadata().map_err(io_err(&self.path))?.ino();
        if current != Some(ours) {
            *file = state::open_append(&self.path, FileKind::Journal)?;
        }
        file.write_all(&line).map_err(io_err(&self.path))?;
        file.sync_data().map_err(io_err(&self.path))?;
        Ok(true)
    }

    /// Rewrite the journal with one `submitted` line per job kept: every unfinished job,
    /// and finished ones updated less than `keep_finished` ago. Lines it cannot read are
    /// appended to [`Journal::damaged_path`] first, never dropped.
    pub fn compact(&self, keep_finished: std::time::Duration) -> Result<Compaction, JournalError> {
        let _guard = self.lock()?;
        let Fold { replay, damaged } = fold(&self.path, &self.read()?);
        let cutoff = OffsetDateTime::now_utc() - keep_finished;
        let (keep, drop): (Vec<_>, Vec<_>) = replay.jobs.into_iter().partition(|j| {
            !j.state.is_final()
                || OffsetDateTime::parse(&j.updated_at, &Rfc3339).map_or(true, |t| t >= cutoff)
        });
        let mut compaction = Compaction {
            dropped: drop.len(),
            ..Compaction::default()
        };
        if !damaged.is_empty() {
            self.move_damaged(&damaged)?;
            compaction.moved = damaged.len();
            compaction.warning = Some(format!(
                "{} damaged line(s) of {} moved to {} (kept there, not deleted); the first: {}",
                damaged.len(),
                self.path.display(),
                self.damaged_path().display(),
                replay.warnings.first().map(String::as_str).unwrap_or("")
            ));
        }
        let mut bytes = Vec::new();
        for rec in keep {
            serde_json::to_writer(&mut bytes, &Entry::Submitted(Box::new(rec)))
                .map_err(|e| io_err(&self.path)(std::io::Error::other(e)))?;
            bytes.push(b'\n');
        }
        state::replace(&self.path, FileKind::Journal, &bytes)?;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        *file = state::open_append(&self.path, FileKind::Journal)?;
        Ok(compaction)
    }

    /// Append the damaged lines, as they were, to the damaged-lines file (fsynced before
    /// the journal loses them).
    fn move_damaged(&self, lines: &[Vec<u8>]) -> Result<(), JournalError> {
        let path = self.damaged_path();
        let mut out = state::open_append(&path, FileKind::DamagedJournal)?;
        let mut bytes = Vec::new();
        for line in lines {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        out.write_all(&bytes).map_err(io_err(&path))?;
        out.sync_data().map_err(io_err(&path))
    }
}

//! The job journal: `jobs.jsonl`, one JSON event a line, appended and fsynced.
//!
//! A job id is written here before the UI reports a submission as done, so quitting,
//! `kill -9` or a dropped SSH link loses nothing: on start the journal is replayed and the
//! unfinished jobs are polled again. Several reimage processes may share the file: every
//! write and the compaction happen under an exclusive lock on a sibling `.lock` file, and a
//! writer that finds the journal replaced by a compaction reopens it before appending.
//! A damaged line (a crash mid-write, a hand edit) is skipped with a warning.

use super::record::{JobRecord, TrackedState, now_rfc3339};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
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

/// Open for appending, creating the file 0600 (and its directory 0700) if needed.
fn open_append(path: &Path) -> Result<File, JournalError> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err(dir))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))
}

impl Journal {
    /// Open (or create) the journal at `path` and replay it.
    pub fn open(path: impl Into<PathBuf>) -> Result<(Journal, Replay), JournalError> {
        let path = path.into();
        let file = open_append(&path)?;
        let lock_path = path.with_extension("jsonl.lock");
        let journal = Journal {
            path,
            lock_path,
            file: Mutex::new(file),
        };
        let replay = journal.replay()?;
        Ok((journal, replay))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the whole journal and fold its events into the latest state of each job.
    pub fn replay(&self) -> Result<Replay, JournalError> {
        let file = File::open(&self.path).map_err(io_err(&self.path))?;
        let mut order: Vec<String> = Vec::new();
        let mut jobs: HashMap<String, JobRecord> = HashMap::new();
        let mut warnings = Vec::new();
        for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(io_err(&self.path))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let entry = match serde_json::from_slice::<Entry>(&line) {
                Ok(e) => e,
                Err(e) => {
                    warnings.push(format!(
                        "{} line {}: skipped an unreadable record ({e})",
                        self.path.display(),
                        n + 1
                    ));
                    continue;
                }
            };
            match entry {
                Entry::Submitted(rec) => {
                    let rec = *rec;
                    if !jobs.contains_key(&rec.job_id) {
                        order.push(rec.job_id.clone());
                    }
                    jobs.insert(rec.job_id.clone(), rec);
                }
                Entry::Update {
                    job_id,
                    state,
                    error_code,
                    fail_reason,
                    at,
                } => match jobs.get_mut(&job_id) {
                    Some(rec) => {
                        rec.state = state;
                        rec.error_code = error_code;
                        rec.fail_reason = fail_reason;
                        rec.updated_at = at;
                    }
                    None => warnings.push(format!(
                        "{} line {}: update for job {job_id} that was never submitted here",
                        self.path.display(),
                        n + 1
                    )),
                },
                Entry::Dismissed { job_id, .. } => {
                    jobs.remove(&job_id);
                }
            }
        }
        let jobs = order
            .into_iter()
            .filter_map(|id| jobs.remove(&id))
            .collect();
        Ok(Replay { jobs, warnings })
    }

    /// Append a submitted job; returns only once the line is on disk.
    pub fn record_submitted(&self, rec: &JobRecord) -> Result<(), JournalError> {
        self.append(&Entry::Submitted(Box::new(rec.clone())))
    }

    /// Append a state change; returns only once the line is on disk.
    pub fn record_update(
        &self,
        job_id: &str,
        state: TrackedState,
        error_code: Option<&str>,
        fail_reason: Option<&str>,
    ) -> Result<(), JournalError> {
        self.append(&Entry::Update {
            job_id: job_id.to_string(),
            state,
            error_code: error_code.map(str::to_string),
            fail_reason: fail_reason.map(str::to_string),
            at: now_rfc3339(),
        })
    }

    /// Forget a finished job (the user dismissed it).
    pub fn record_dismissed(&self, job_id: &str) -> Result<(), JournalError> {
        self.append(&Entry::Dismissed {
            job_id: job_id.to_string(),
            at: now_rfc3339(),
        })
    }

    fn lock(&self) -> Result<File, JournalError> {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&self.lock_path)
            .map_err(io_err(&self.lock_path))?;
        lock.lock().map_err(io_err(&self.lock_path))?;
        Ok(lock)
    }

    fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| JournalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        let _guard = self.lock()?;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A compaction by another process may have replaced the file: follow it.
        let current = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        let ours = file.metadata().map_err(io_err(&self.path))?.ino();
        if current != Some(ours) {
            *file = open_append(&self.path)?;
        }
        file.write_all(&line).map_err(io_err(&self.path))?;
        file.sync_data().map_err(io_err(&self.path))?;
        Ok(())
    }

    /// Rewrite the journal with one `submitted` line per job kept: every unfinished job,
    /// and finished ones updated less than `keep_finished` ago. Returns how many jobs
    /// were dropped.
    pub fn compact(&self, keep_finished: std::time::Duration) -> Result<usize, JournalError> {
        let _guard = self.lock()?;
        let replay = self.replay()?;
        let cutoff = OffsetDateTime::now_utc() - keep_finished;
        let (keep, drop): (Vec<_>, Vec<_>) = replay.jobs.into_iter().partition(|j| {
            !j.state.is_final()
                || OffsetDateTime::parse(&j.updated_at, &Rfc3339).map_or(true, |t| t >= cutoff)
        });
        let tmp = self.path.with_extension("jsonl.tmp");
        {
            let mut out = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io_err(&tmp))?;
            for rec in keep {
                let mut line =
                    serde_json::to_vec(&Entry::Submitted(Box::new(rec))).map_err(|e| {
                        JournalError::Io {
                            path: tmp.clone(),
                            source: std::io::Error::other(e),
                        }
                    })?;
                line.push(b'\n');
                out.write_all(&line).map_err(io_err(&tmp))?;
            }
            out.sync_all().map_err(io_err(&tmp))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io_err(&self.path))?;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        *file = open_append(&self.path)?;
        Ok(drop.len())
    }
}

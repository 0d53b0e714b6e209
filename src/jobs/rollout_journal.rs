//! The rollout journal: `rollouts.jsonl` beside `jobs.jsonl`, one JSON event a line,
//! appended and fsynced through `fsio::state` (no symlink, 0600). The order of the events
//! of one server is what makes `--resume` safe: `sending` is on disk before the request
//! leaves; `sent`, `throttled`, `refused` or `unknown` after it; `ended` once its job
//! ended and the server was read again. A rollout ends `finished`, `halted` or
//! `abandoned`.

use super::journal::JournalError;
use super::record::now_rfc3339;
use super::rollout::{Outcome, Progress, Rollout, RolloutStart};
use crate::fsio::{self, FileKind, state};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Entry {
    Started(Box<RolloutStart>),
    Sending {
        rollout: String,
        server_id: String,
        at: String,
    },
    Sent {
        rollout: String,
        server_id: String,
        job_id: String,
        at: String,
    },
    Throttled {
        rollout: String,
        server_id: String,
        at: String,
    },
    Refused {
        rollout: String,
        server_id: String,
        reason: String,
        at: String,
    },
    Unknown {
        rollout: String,
        server_id: String,
        reason: String,
        at: String,
    },
    Ended {
        rollout: String,
        server_id: String,
        job_id: String,
        outcome: Outcome,
        #[serde(default)]
        detail: String,
        at: String,
    },
    Halted {
        rollout: String,
        reason: String,
        at: String,
    },
    Finished {
        rollout: String,
        at: String,
    },
    /// Steered to stop (`x` in the TUI): nothing more was sent; not resumed.
    Abandoned {
        rollout: String,
        at: String,
    },
}

impl Entry {
    /// The rollout, the server (if any), the progress it sets (if any) and the time.
    fn apply(self, rollouts: &mut HashMap<String, Rollout>, order: &mut Vec<String>) -> bool {
        use Entry::*;
        let (rollout, at) = match &self {
            Started(s) => {
                if !rollouts.contains_key(&s.id) {
                    order.push(s.id.clone());
                }
                rollouts.insert(s.id.clone(), Rollout::new((**s).clone()));
                return true;
            }
            Sending { rollout, at, .. }
            | Sent { rollout, at, .. }
            | Throttled { rollout, at, .. }
            | Refused { rollout, at, .. }
            | Unknown { rollout, at, .. }
            | Ended { rollout, at, .. }
            | Halted { rollout, at, .. }
            | Finished { rollout, at }
            | Abandoned { rollout, at } => (rollout.clone(), at.clone()),
        };
        let Some(r) = rollouts.get_mut(&rollout) else {
            return false;
        };
        r.updated_at = at;
        let (server, progress) = match self {
            Started(_) => return true,
            Halted { reason, .. } => {
                r.halted = Some(reason);
                return true;
            }
            Finished { .. } => {
                r.finished = true;
                return true;
            }
            Abandoned { .. } => {
                r.abandoned = true;
                return true;
            }
            Sending { server_id, .. } => (server_id, Progress::Sending),
            Sent {
                server_id, job_id, ..
            } => (server_id, Progress::Sent { job_id }),
            Throttled { server_id, .. } => (server_id, Progress::NotSent),
            Refused {
                server_id, reason, ..
            } => (server_id, Progress::Refused { reason }),
            Unknown {
                server_id, reason, ..
            } => (server_id, Progress::Unknown { reason }),
            Ended {
                server_id,
                job_id,
                outcome,
                detail,
                ..
            } => (
                server_id,
                Progress::Ended {
                    job_id,
                    outcome,
                    detail,
                },
            ),
        };
        r.progress.insert(server, progress);
        true
    }
}

/// Every rollout of the journal, in the order they started, and a warning per line that
/// could not be read.
pub fn fold(path: &Path, bytes: &[u8]) -> (Vec<Rollout>, Vec<String>) {
    let mut rollouts = HashMap::new();
    let mut order = Vec::new();
    let mut warnings = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = match serde_json::from_slice::<Entry>(line) {
            Err(e) => Some(format!("skipped an unreadable record ({e})")),
            Ok(entry) => (!entry.apply(&mut rollouts, &mut order))
                .then(|| "an event of a rollout that never started here".to_string()),
        };
        if let Some(p) = problem {
            warnings.push(format!("{} line {}: {p}", path.display(), n + 1));
        }
    }
    let list = order
        .into_iter()
        .filter_map(|id| rollouts.remove(&id))
        .collect();
    (list, warnings)
}

pub struct RolloutJournal {
    path: PathBuf,
    file: Mutex<File>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl RolloutJournal {
    /// Open (or create) the journal at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<RolloutJournal, JournalError> {
        let path = path.into();
        let file = state::open_append(&path, FileKind::RolloutJournal)?;
        Ok(RolloutJournal {
            path,
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every rollout, folded, with the warnings of lines that could not be read.
    pub fn read_all(&self) -> Result<(Vec<Rollout>, Vec<String>), JournalError> {
        let bytes = fsio::read(&self.path, FileKind::RolloutJournal)?;
        Ok(fold(&self.path, &bytes))
    }

    /// Held while a process drives the rollout: a second `--resume` of it is refused
    /// instead of sending its servers twice. Released when dropped (or the process dies).
    pub fn claim(&self, id: &str) -> Result<Option<File>, JournalError> {
        let lock_path = self.lock_path(id);
        let lock = state::open_append(&lock_path, FileKind::Lock)?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(lock)),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(&lock_path)(e)),
        }
    }

    fn lock_path(&self, id: &str) -> PathBuf {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        dir.join(format!("rollout-{id}.lock"))
    }

    /// Let go of a rollout; an ended one (finished, halted, abandoned) also loses its lock
    /// file, as no one drives it again (a resume reads the journal again once it holds
    /// the lock).
    pub fn release(&self, rollout: &Rollout, lock: File) {
        if rollout.is_ended() {
            let _ = std::fs::remove_file(self.lock_path(&rollout.start.id));
        }
        drop(lock);
    }

    fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line =
            serde_json::to_vec(entry).map_err(|e| io_err(&self.path)(std::io::Error::other(e)))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line).map_err(io_err(&self.path))?;
        file.sync_data().map_err(io_err(&self.path))
    }

    pub fn started(&self, start: &RolloutStart) -> Result<(), JournalError> {
        self.append(&Entry::Started(Box::new(start.clone())))
    }

    /// Where one server of `rollout` stands now, on disk when this returns: `Sending`
    /// before its request leaves, then what came of it. A throttled request (not applied)
    /// is `NotSent` again and journaled as `throttled`.
    pub fn step(
        &self,
        rollout: &str,
        server_id: &str,
        progress: &Progress,
    ) -> Result<(), JournalError> {
        let (rollout, server_id, at) = (rollout.to_string(), server_id.to_string(), now_rfc3339());
        self.append(&match progress.clone() {
            Progress::NotSent => Entry::Throttled {
                rollout,
                server_id,
                at,
            },
            Progress::Sending => Entry::Sending {
                rollout,
                server_id,
                at,
            },
            Progress::Sent { job_id } => Entry::Sent {
                rollout,
                server_id,
                job_id,
                at,
            },
            Progress::Refused { reason } => Entry::Refused {
                rollout,
                server_id,
                reason,
                at,
            },
            Progress::Unknown { reason } => Entry::Unknown {
                rollout,
                server_id,
                reason,
                at,
            },
            Progress::Ended {
                job_id,
                outcome,
                detail,
            } => Entry::Ended {
                rollout,
                server_id,
                job_id,
                outcome,
                detail,
                at,
            },
        })
    }

    pub fn halted(&self, rollout: &str, reason: &str) -> Result<(), JournalError> {
        self.append(&Entry::Halted {
            rollout: rollout.into(),
            reason: reason.into(),
            at: now_rfc3339(),
        })
    }

    pub fn finished(&self, rollout: &str) -> Result<(), JournalError> {
        self.append(&Entry::Finished {
            rollout: rollout.into(),
            at: now_rfc3339(),
        })
    }

    pub fn abandoned(&self, rollout: &str) -> Result<(), JournalError> {
        self.append(&Entry::Abandoned {
            rollout: rollout.into(),
            at: now_rfc3339(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::model::ServerKind;
    use crate::jobs::record::JobOperation;
    use crate::jobs::rollout::{ServerRef, new_id};

    fn start(id: &str) -> RolloutStart {
        let s = |id: &str| ServerRef {
            id: id.into(),
            name: format!("n-{id}"),
            kind: ServerKind::Ecs,
            expect_image: "img".into(),
        };
        RolloutStart {
            id: id.into(),
            created_at: now_rfc3339(),
            region: "r".into(),
            project_id: "p".into(),
            operation: JobOperation::ChangeOs,
            image_id: "img".into(),
            image_name: "Ubuntu".into(),
            login: "password".into(),
            waves_spec: "1,100%".into(),
            max_failures: "0".into(),
            waves: vec![vec![s("a")], vec![s("b"), s("c"), s("d")]],
            source: serde_json::json!({"keypair": null}),
        }
    }

    #[test]
    fn a_request_without_an_answer_stays_unknown_and_throttled_ones_go_again() {
        let tmp = tempfile::tempdir().expect("tmp");
        let j = RolloutJournal::open(tmp.path().join("rollouts.jsonl")).expect("open");
        j.started(&start("r1")).expect("start");
        let step = |server: &str, p: Progress| j.step("r1", server, &p).expect("w");
        let job_a = || "job-a".to_string();
        step("a", Progress::Sending);
        step("a", Progress::Sent { job_id: job_a() });
        let ended = Progress::Ended {
            job_id: job_a(),
            outcome: Outcome::Success,
            detail: String::new(),
        };
        step("a", ended);
        step("b", Progress::Sending);
        // Throttled: not applied, to send again.
        step("b", Progress::NotSent);
        step("c", Progress::Sending);
        let (all, warnings) = j.read_all().expect("read");
        assert!(warnings.is_empty(), "{warnings:?}");
        let r = &all[0];
        assert_eq!(r.state_label(), "open");
        assert!(matches!(r.progress_of("a"), Progress::Ended { .. }));
        assert_eq!(r.progress_of("b"), &Progress::NotSent, "a 429 sends again");
        assert_eq!(
            r.progress_of("c"),
            &Progress::Sending,
            "its answer was lost"
        );
        assert!(r.progress_of("c").was_sent());
        assert_eq!(r.progress_of("d"), &Progress::NotSent);
        assert_eq!(r.total(), 4);
        j.abandoned("r1").expect("w");
        let (all, _) = j.read_all().expect("read");
        assert_eq!(all[0].state_label(), "abandoned");
        assert!(all[0].is_ended());
        let mode = std::fs::metadata(j.path()).expect("meta");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
        let held = j.claim("r1").expect("claim").expect("free");
        assert!(j.claim("r1").expect("claim").is_none(), "claimed once");
        drop(held);
    }

    #[test]
    fn damaged_lines_and_strangers_are_warnings() {
        let (list, warnings) = fold(
            Path::new("x"),
            b"garbage\n{\"event\":\"finished\",\"rollout\":\"nope\",\"at\":\"t\"}\n",
        );
        assert!(list.is_empty());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(new_id().starts_with('r'));
    }
}

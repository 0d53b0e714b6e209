//! What a rollout is: its start (id, waves, servers, image, login mode, what rebuilds its
//! requests; never a secret) and where each of its servers stands. Kept in the rollout
//! journal (`rollout_journal.rs`): `rollouts.jsonl` beside `jobs.jsonl`.
//!
//! A rollout is journaled when it starts (its id, waves, servers, image, login mode and
//! what rebuilds its requests, never a secret), then per server: `sending` is on disk
//! before the request leaves, and `sent` (with the job id), `throttled` (429: not
//! applied, sent again later), `refused` or `unknown` after it. A `sending` with nothing
//! after it is a request whose answer was lost with the process: its outcome is unknown,
//! and it is never sent again. So a resume after `kill -9` sends each server at most once
//! and skips none that were never sent.

use super::record::JobOperation;
use crate::cloud::model::ServerKind;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use super::rollout_journal::{RolloutJournal, fold};

/// A server of a rollout, as named when it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRef {
    pub id: String,
    pub name: String,
    pub kind: ServerKind,
    /// The image it shows once its job succeeded (the target, or its own on a reinstall).
    pub expect_image: String,
}

/// What the journal keeps of a rollout when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutStart {
    pub id: String,
    pub created_at: String,
    pub region: String,
    pub project_id: String,
    pub operation: JobOperation,
    /// The image the servers go to (a reinstall: empty, each keeps its own).
    pub image_id: String,
    pub image_name: String,
    /// How the new systems are logged into: named, never the secret.
    pub login: String,
    /// `--waves` and `--max-failures` as given.
    pub waves_spec: String,
    pub max_failures: String,
    pub waves: Vec<Vec<ServerRef>>,
    /// What rebuilds the requests on resume: the command's flags or the plan file (the
    /// driver's own format; never a secret).
    pub source: serde_json::Value,
}

/// How a sent server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Success,
    Fail,
    Lost,
    TimedOut,
    PendingPayment,
    /// The job ended SUCCESS, but the server does not show the new image.
    ImageNotShown,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::Fail => "FAIL",
            Outcome::Lost => "LOST",
            Outcome::TimedOut => "TIMED_OUT",
            Outcome::PendingPayment => "PENDING_PAYMENT",
            Outcome::ImageNotShown => "SUCCESS, but the new image is not shown",
        }
    }
}

/// Where one server of a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    NotSent,
    /// On disk before the request left; with nothing after it, its outcome is unknown.
    Sending,
    Sent {
        job_id: String,
    },
    /// The service refused it: nothing was applied.
    Refused {
        reason: String,
    },
    /// Sent, and no answer came back: it may have been applied. Never sent again.
    Unknown {
        reason: String,
    },
    Ended {
        job_id: String,
        outcome: Outcome,
        detail: String,
    },
}

impl Progress {
    pub fn was_sent(&self) -> bool {
        !matches!(self, Progress::NotSent)
    }

    /// Nothing more will happen to it in this rollout.
    pub fn is_concluded(&self) -> bool {
        matches!(
            self,
            Progress::Refused { .. } | Progress::Unknown { .. } | Progress::Ended { .. }
        )
    }

    pub fn is_failure(&self) -> bool {
        match self {
            Progress::Refused { .. } | Progress::Unknown { .. } => true,
            Progress::Ended { outcome, .. } => *outcome != Outcome::Success,
            _ => false,
        }
    }

    /// For reports: the outcome in a few words.
    pub fn label(&self) -> String {
        match self {
            Progress::NotSent => "not sent".into(),
            Progress::Sending => "unknown, check it (sent when reimage stopped)".into(),
            Progress::Sent { .. } => "sent, job open".into(),
            Progress::Refused { reason } => format!("refused: {reason}"),
            Progress::Unknown { reason } => format!("unknown, check it: {reason}"),
            Progress::Ended {
                outcome, detail, ..
            } if detail.is_empty() => outcome.label().to_string(),
            Progress::Ended {
                outcome, detail, ..
            } => format!("{} {detail}", outcome.label()),
        }
    }

    pub fn job_id(&self) -> Option<&str> {
        match self {
            Progress::Sent { job_id } | Progress::Ended { job_id, .. } => Some(job_id),
            _ => None,
        }
    }
}

/// A rollout folded from the journal.
#[derive(Debug, Clone)]
pub struct Rollout {
    pub start: RolloutStart,
    /// By server id; a server without an entry was not sent.
    pub progress: HashMap<String, Progress>,
    pub halted: Option<String>,
    pub finished: bool,
    /// Steered to stop: nothing more was sent, and it is not resumed.
    pub abandoned: bool,
    pub updated_at: String,
}

impl Rollout {
    /// A rollout just journaled as started: nothing sent yet.
    pub fn new(start: RolloutStart) -> Rollout {
        Rollout {
            updated_at: start.created_at.clone(),
            start,
            progress: HashMap::new(),
            halted: None,
            finished: false,
            abandoned: false,
        }
    }

    pub fn progress_of(&self, server_id: &str) -> &Progress {
        self.progress.get(server_id).unwrap_or(&Progress::NotSent)
    }

    /// Every server with its wave (1-based), in order.
    pub fn servers(&self) -> impl Iterator<Item = (usize, &ServerRef, &Progress)> {
        self.start
            .waves
            .iter()
            .enumerate()
            .flat_map(move |(w, wave)| {
                wave.iter()
                    .map(move |s| (w + 1, s, self.progress_of(&s.id)))
            })
    }

    pub fn total(&self) -> usize {
        self.start.waves.iter().map(Vec::len).sum()
    }

    pub fn failures(&self) -> usize {
        self.servers().filter(|(_, _, p)| p.is_failure()).count()
    }

    /// `finished`, `halted`, `abandoned` or `open` (interrupted, paused or running).
    pub fn state_label(&self) -> &'static str {
        if self.finished {
            "finished"
        } else if self.halted.is_some() {
            "halted"
        } else if self.abandoned {
            "abandoned"
        } else {
            "open"
        }
    }

    /// Finished, halted or abandoned: no one drives it again.
    pub fn is_ended(&self) -> bool {
        self.finished || self.halted.is_some() || self.abandoned
    }
}

/// A fresh rollout id: the UTC time and 16 random bits, e.g. `r20261202-141530-3f9a`.
pub fn new_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "r{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u16>()
    )
}

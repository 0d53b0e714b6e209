//! Everything that can happen to the TUI arrives as one [`Msg`]: terminal events, timer
//! ticks, signals, and the results of commands run by the caller's effects.

use crate::cloud::model::{Image, JobStatus, Keypair, Server, ServerKind};
use crossterm::event::{KeyEvent, MouseEvent};
use std::time::Duration;

use super::HeaderInfo;

/// A listing the TUI asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Servers(ServerKind),
    Images,
    Keypairs,
}

impl Resource {
    pub fn label(self) -> &'static str {
        match self {
            Resource::Servers(ServerKind::Ecs) => "ECS servers",
            Resource::Servers(ServerKind::Bms) => "BMS servers",
            Resource::Images => "images",
            Resource::Keypairs => "key pairs",
        }
    }
}

/// A job as the Jobs pane shows it; sent by the job tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    /// Stable local id (the job id once the cloud has answered).
    pub key: String,
    pub job_id: Option<String>,
    pub server_id: String,
    pub server_name: String,
    pub kind: ServerKind,
    /// What was asked, e.g. `change OS v2`, `reinstall BMS`, `stop`.
    pub operation: String,
    /// `true` while the request is being sent (no job id yet): quitting then asks first.
    pub submitting: bool,
    pub status: JobStatus,
    /// `LOST` or `TIMED_OUT`: reimage stopped following the job; shown instead of `status`.
    pub gave_up: Option<&'static str>,
    pub elapsed: Duration,
    /// Progress or failure text, e.g. `rebuild_spawning` or `none or multiple passwords`;
    /// the pane shows `error_code` before it.
    pub detail: String,
    pub error_code: Option<String>,
}

/// The details of a job the Jobs pane shows below its row. Sent as what one poll said
/// (empty fields: nothing new); the pane adds it to what it keeps
/// ([`JobsPane::note_progress`](super::panes::jobs::JobsPane::note_progress)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobProgress {
    /// [`JobView::key`] of the job.
    pub key: String,
    /// Local time of the last answered poll, `HH:MM:SS`.
    pub last_poll: Option<String>,
    /// The last failed poll, when the one after has not answered yet.
    pub poll_error: Option<String>,
    /// The full failure text and the hint for its code.
    pub fail_reason: Option<String>,
    pub hint: Option<String>,
    /// One line per sub job: `SUCCESS server-id` or `FAIL server-id Ecs.0100 reason`.
    pub sub_jobs: Vec<String>,
}

/// One input to [`App::update`](super::App::update).
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press (repeats and releases are ignored).
    Key(KeyEvent),
    /// Bracketed paste: goes to the focused text input, if any.
    Paste(String),
    Mouse(MouseEvent),
    /// The terminal was resized (or re-attached: the screen is repainted in full).
    Resize(u16, u16),
    /// Timer tick, sent only while something animates (spinner, toast expiry).
    Tick,
    /// SIGHUP/SIGTERM/SIGINT/SIGQUIT or input closed: leave now, without asking.
    QuitSignal,
    /// One page of a server listing. `done` marks the last page of `kind` for `generation`.
    ServersLoaded {
        kind: ServerKind,
        generation: u64,
        page: Vec<Server>,
        done: bool,
    },
    ImagesLoaded {
        generation: u64,
        images: Vec<Image>,
    },
    KeypairsLoaded {
        generation: u64,
        keypairs: Vec<Keypair>,
    },
    /// A listing failed; the last good rows stay and say how old they are.
    LoadFailed {
        what: Resource,
        generation: u64,
        error: String,
        hint: Option<String>,
    },
    /// The whole list of tracked jobs (e.g. replayed from the journal).
    JobsReplaced(Vec<JobView>),
    /// One job changed (or appeared).
    JobUpdated(JobView),
    /// What the last poll of a job said beyond its row: sub jobs, hint, poll time.
    JobProgress(JobProgress),
    /// A tracked job reached its final state: toast it (and ring the bell when `bell`).
    JobEnded {
        key: String,
        bell: bool,
    },
    /// One server re-read (after its job changed): replaces its row.
    ServerUpdated(Box<Server>),
    /// The connection made at start is up: the header now says where it points.
    Connected(HeaderInfo),
    /// The caller switched profile or region: new header, everything reloads.
    ContextChanged(HeaderInfo),
    /// An error not tied to a listing (e.g. a failed profile switch).
    Error {
        error: String,
        hint: Option<String>,
    },
    /// Something worth a short note, e.g. "copied".
    Info(String),
    /// The caller's IAM user id, or why it could not be found.
    UserIdLoaded(Result<String, String>),
    /// What `Command::ReadUserData` read: the file's bytes, or why it could not be read.
    UserDataRead {
        id: u64,
        result: Result<crate::ops::UserData, String>,
    },
    /// A rollout changed (or appeared).
    RolloutUpdated(RolloutView),
    /// How a `Command::Submit` or `Command::StopServer` went.
    Submitted {
        key: String,
        outcome: SubmitOutcome,
    },
}

/// Where a rollout stands, as the Jobs pane shows it; sent by the rollout task on every
/// change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutView {
    /// The key of the `Command::StartRollout` that started it (empty for one replayed
    /// from the journal).
    pub key: String,
    /// Its id in rollouts.jsonl; empty when it could not start.
    pub id: String,
    /// What it does, e.g. `change OS to Ubuntu 22.04` or `reinstall OS`.
    pub operation: String,
    /// The wave sent last (1-based; 0 before the first) and how many there are.
    pub wave: usize,
    pub waves: usize,
    pub state: RolloutState,
    /// Every server, in rollout order.
    pub servers: Vec<RolloutServer>,
}

/// How a rollout goes as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutState {
    Running,
    /// `p` was pressed: the current wave goes on; the next is not sent.
    Pausing,
    /// Waiting for `r` before the next wave.
    Paused,
    /// Past its failure budget: nothing more is sent (the reason).
    Halted(String),
    /// `x`: nothing more is sent.
    Abandoned,
    /// Stopped on a lost link or when reimage stopped; `reimage apply --resume ID`
    /// goes on (the reason).
    Interrupted(String),
    Finished,
    /// It could not start: nothing was sent (the reason).
    NotStarted(String),
}

/// One server of a rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutServer {
    pub server_id: String,
    pub name: String,
    /// 1-based.
    pub wave: usize,
    /// The job it was sent as, once accepted: [`JobView::key`] of its row.
    pub job_id: Option<String>,
    pub stage: ServerStage,
}

/// Where one server of a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerStage {
    /// Not sent (yet, or ever: see the rollout's state).
    Waiting,
    /// Sent; its job has not ended.
    Running,
    /// Its job ended SUCCESS and the server shows the image.
    Ok,
    /// Refused, failed, or the image not shown (why).
    Failed(String),
    /// Sent without an answer: it may have been applied; never sent again (why).
    Unknown(String),
}

/// The answer to one submitted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Accepted; the job is journaled and tracked.
    Accepted { job_id: String },
    /// The service said no: nothing was changed.
    Rejected { error: String, hint: Option<String> },
    /// Sent, but no answer came back: it may have been applied. Never resent.
    Unknown { error: String, hint: Option<String> },
}

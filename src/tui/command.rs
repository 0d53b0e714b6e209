//! What [`App::update`](super::App::update) asks the outside world to do. The run loop
//! handles the terminal-side ones itself ([`Command::is_local`]) and hands the rest to the
//! caller's effects, which reply with [`Msg`](super::Msg)s.

use super::msg::{RolloutServer, RolloutState, RolloutView, ServerStage};
use crate::cloud::model::ServerKind;
use crate::ops::{ApplyLine, Plan};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// List servers of `kind`, sending `Msg::ServersLoaded` page by page (`done` on the
    /// last) or `Msg::LoadFailed`, both tagged with `generation`.
    LoadServers {
        kind: ServerKind,
        generation: u64,
    },
    LoadImages {
        generation: u64,
    },
    LoadKeypairs {
        generation: u64,
    },
    /// Switch region, then send `Msg::ContextChanged` (or `Msg::Error`).
    SwitchRegion(String),
    /// Switch profile, then send `Msg::ContextChanged` (or `Msg::Error`).
    SwitchProfile(String),
    /// Send one change/reinstall request, once (never retried); journal its job before
    /// telling the TUI, then track it. Reply: `Msg::JobUpdated` then `Msg::Submitted`.
    Submit(Box<Submission>),
    /// Send these requests as one rollout, wave after wave (the form with several servers):
    /// journal it, send each request once, follow its jobs, halt past the failure budget.
    /// Reply: `Msg::RolloutUpdated` on every change (the first names its id, or says why
    /// it could not start), `Msg::JobUpdated` for each job it sends.
    StartRollout(Box<RolloutOrder>),
    /// `p`, `r` or `x` on a rollout row of the Jobs pane. Reply: `Msg::RolloutUpdated`.
    SteerRollout {
        id: String,
        steer: Steer,
    },
    /// Stop one server (ECS soft stop, BMS hard stop), tracked like an OS job.
    /// Reply: `Msg::JobUpdated` then `Msg::Submitted`.
    StopServer {
        key: String,
        /// An ECS stops `HARD` (power off) rather than `SOFT`; a BMS always does.
        hard: bool,
        kind: ServerKind,
        server_id: String,
        server_name: String,
    },
    /// Ask IAM who the caller is (sent as `userid` with a key pair). Reply:
    /// `Msg::UserIdLoaded`.
    LoadUserId,
    /// Read the user-data file named in the form, off the UI task (`path` as typed: `~/`
    /// is left to the reader). Reply: `Msg::UserDataRead` with the same `id`.
    ReadUserData {
        id: u64,
        path: String,
    },
    /// Poll these jobs now (`r` in the Jobs pane).
    PollJobs(Vec<String>),
    /// Forget a finished job: journal the dismissal, stop following it (`d`).
    DismissJob(String),
    /// Local: ring the terminal bell (a job ended and `[jobs] bell = true`).
    Bell,
    /// Local: write the text to the clipboard with OSC 52.
    CopyToClipboard(String),
    /// Local: repaint the whole screen (resize, re-attach, Ctrl-L).
    RepaintAll,
    /// Local: leave the TUI.
    Quit,
}

impl Command {
    /// Handled by the run loop, never passed to the effects.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Command::CopyToClipboard(_) | Command::RepaintAll | Command::Quit | Command::Bell
        )
    }
}

/// A rollout the form asks for: every request, in rollout order (wave 1 first), and the
/// same request as `reimage apply` flags (its waves and failure budget, and what a
/// resume plans again from). The plans hold the password; `Debug` is masked.
#[derive(Debug, Clone)]
pub struct RolloutOrder {
    /// The key the TUI follows it by until the effects name its id.
    pub key: String,
    pub plans: Vec<Plan>,
    /// For each plan, the image id its server shows once done (a reinstall: its own).
    pub expect_images: Vec<String>,
    pub line: ApplyLine,
}

impl RolloutOrder {
    /// What it does, e.g. `change OS to Ubuntu 22.04` or `reinstall OS`.
    pub fn operation(&self) -> String {
        match (&self.line.image_id, self.plans.first()) {
            (Some(_), Some(p)) => format!("change OS to {}", p.to_image),
            (Some(id), None) => format!("change OS to {id}"),
            (None, _) => "reinstall OS".to_string(),
        }
    }

    /// The rollout before anything was sent: every server waiting in its wave.
    pub fn waiting(&self) -> RolloutView {
        let waves = self.line.waves.split(&self.plans);
        let servers = waves
            .iter()
            .enumerate()
            .flat_map(|(w, wave)| {
                wave.iter().map(move |p| RolloutServer {
                    server_id: p.server_id.clone(),
                    name: p.server_name.clone(),
                    wave: w + 1,
                    job_id: None,
                    stage: ServerStage::Waiting,
                })
            })
            .collect();
        RolloutView {
            key: self.key.clone(),
            id: String::new(),
            operation: self.operation(),
            wave: 0,
            waves: waves.len(),
            state: RolloutState::Running,
            servers,
        }
    }
}

/// Same key, bodies and flags: the same rollout as far as the TUI can tell.
impl PartialEq for RolloutOrder {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.line == other.line
            && self.expect_images == other.expect_images
            && self.plans.len() == other.plans.len()
            && self
                .plans
                .iter()
                .zip(&other.plans)
                .all(|(a, b)| a.path == b.path && a.masked_body() == b.masked_body())
    }
}

impl Eq for RolloutOrder {}

/// What a key on a rollout row asks of it. A sent job is never cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steer {
    /// `p`: send no further wave once the current one has ended.
    Pause,
    /// `r`: go on with the next wave.
    Resume,
    /// `x`: send nothing more; the jobs already sent are followed to their end.
    Abandon,
}

/// One planned request, with the key the TUI follows it by until the job id is known.
/// The plan holds the password; its `Debug` is masked and it is dropped once sent.
#[derive(Clone)]
pub struct Submission {
    pub key: String,
    pub plan: Plan,
}

impl fmt::Debug for Submission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Submission")
            .field("key", &self.key)
            .field("plan", &self.plan)
            .finish()
    }
}

/// Same key, path and (masked) body: the same request as far as the TUI can tell.
impl PartialEq for Submission {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.plan.path == other.plan.path
            && self.plan.masked_body() == other.plan.masked_body()
    }
}

impl Eq for Submission {}

//! The TUI's effects: what they own (the connection, the journal, the audit log, the job
//! poller, the bounds on requests in flight) and how they are built. Commands are routed
//! in `tui_dispatch`, the connection is made in `tui_link`, listings run in
//! `tui_listings`, jobs are wired in `tui_jobs`, rollouts driven in `tui_rollouts`.

use super::connect::Connected;
use super::submit;
use super::tui_link::Link;
use super::tui_listings::Listings;
use crate::cloud::Client;
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::pacing::JobSettings;
use crate::jobs::poller::{JobEvent, PollerHandle};
use crate::jobs::record::JobRecord;
use crate::jobs::rollout::RolloutJournal;
use crate::tui::{Command, Msg, Steer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Semaphore, watch};

/// Change/reinstall/stop requests in flight at once (bulk actions), unless
/// `bulk_concurrency` in config.toml says otherwise.
pub const DEFAULT_SUBMIT_CONCURRENCY: usize = 4;

/// How the effects reach the cloud.
pub enum Start {
    /// Already connected, acting as this account (tests).
    Up(Box<Connected>, Actor),
    /// Connect in the background on the first command that needs the cloud.
    Later(Box<Resolved>),
}

/// What the effects are built from.
pub struct EffectsParts {
    /// The flags and environment a profile or region switch re-resolves with.
    pub global: GlobalArgs,
    pub env: Env,
    pub start: Start,
    pub journal: Arc<Journal>,
    /// The journal's jobs, resumed on the first server listing.
    pub replay: Vec<JobRecord>,
    pub job_settings: JobSettings,
    pub audit_log: AuditLog,
    /// Change/reinstall/stop requests in flight at once (at least 1).
    pub submit_concurrency: usize,
}

/// Runs the TUI's commands on the client; owns the journal, the audit log and the job
/// poller.
pub struct TuiEffects {
    pub(super) state: Arc<EffectsState>,
}

/// What the effects share across commands and with the tasks they start: the connection
/// (made in the background, replaced on a profile or region switch), the listings in
/// flight and the job machinery.
pub(super) struct EffectsState {
    pub(super) global: GlobalArgs,
    pub(super) env: Env,
    pub(super) current: RwLock<Option<Connected>>,
    pub(super) link: Mutex<Link>,
    pub(super) listings: Listings,
    pub(super) journal: Arc<Journal>,
    pub(super) poller: RwLock<Option<PollerHandle>>,
    /// Jobs replayed from the journal, handed to the TUI and the poller on the first load.
    pub(super) replay: Vec<JobRecord>,
    /// `[jobs]` of config.toml: poller pacing, limits, bell.
    pub(super) job_settings: JobSettings,
    pub(super) audit_log: AuditLog,
    /// Who acts, in the audit log: the account of the first connection.
    pub(super) actor: OnceLock<Actor>,
    /// Bounds the change/reinstall/stop requests sent at once.
    pub(super) submits: Arc<Semaphore>,
    /// The same bound inside each wave of a rollout.
    pub(super) submit_concurrency: usize,
    /// The rollouts this reimage drives, by id: where their steering goes.
    pub(super) rollouts: Mutex<HashMap<String, watch::Sender<Steer>>>,
    /// The rollout tasks, each handed every event of the job poller.
    pub(super) job_watchers: Mutex<Vec<UnboundedSender<JobEvent>>>,
    /// rollouts.jsonl beside the job journal, opened on first use.
    pub(super) rollout_journal: Mutex<Option<Arc<RolloutJournal>>>,
}

impl TuiEffects {
    pub fn new(parts: EffectsParts) -> Self {
        let actor = OnceLock::new();
        let (current, link) = match parts.start {
            Start::Up(connected, who) => {
                let _ = actor.set(who);
                (Some(*connected), Link::Up)
            }
            Start::Later(resolved) => (None, Link::Idle(resolved)),
        };
        TuiEffects {
            state: Arc::new(EffectsState {
                global: parts.global,
                env: parts.env,
                current: RwLock::new(current),
                link: Mutex::new(link),
                listings: Listings::default(),
                journal: parts.journal,
                poller: RwLock::new(None),
                replay: parts.replay,
                job_settings: parts.job_settings,
                audit_log: parts.audit_log,
                actor,
                submits: Arc::new(Semaphore::new(parts.submit_concurrency.max(1))),
                submit_concurrency: parts.submit_concurrency.max(1),
                rollouts: Mutex::default(),
                job_watchers: Mutex::default(),
                rollout_journal: Mutex::default(),
            }),
        }
    }
}

impl crate::tui::Effects for TuiEffects {
    fn run(&self, cmd: Command, tx: UnboundedSender<Msg>) {
        EffectsState::run(&self.state, cmd, tx);
    }
}

impl EffectsState {
    /// Stop the in-process sandbox, if any, once nothing talks to it any more.
    pub(super) fn shutdown_sandbox(&self) {
        if let Ok(mut current) = self.current.write()
            && let Some(sandbox) = current.as_mut().and_then(|c| c.sandbox.take())
        {
            sandbox.shutdown();
        }
    }

    pub(super) fn client(&self) -> Option<Client> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().map(|c| c.client.clone())
    }

    pub(super) fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn poller(&self) -> Option<PollerHandle> {
        self.poller.read().ok().and_then(|p| p.clone())
    }

    pub(super) fn audit(&self) -> (AuditLog, Actor) {
        (
            self.audit_log.clone(),
            self.actor.get().cloned().unwrap_or_default(),
        )
    }

    /// Where a submitted job goes: journal, audit log, poller, and the bound on requests
    /// in flight.
    pub(super) fn sink(&self) -> submit::Sink {
        submit::Sink {
            journal: self.journal.clone(),
            audit: self.audit(),
            poller: self.poller(),
            permits: self.submits.clone(),
        }
    }
}

//! Rollouts in the TUI: `Command::StartRollout` journals a rollout and drives it with the
//! driver of `apply` (`rollout.rs`), its jobs followed by the TUI's one poller (so they
//! are rows of the Jobs pane like any job), its progress sent as `Msg::RolloutUpdated`;
//! `Command::SteerRollout` pauses, resumes or abandons it; on the first listing the
//! journal's rollouts that did not finish are shown.

use super::apply_rollout::{Flags, Source, operation_of, request_of, rollouts_beside};
use super::rollout::{self, Driver, Ended, Face, Follow, Request};
use super::tui_effects::EffectsState;
use super::tui_jobs::job_view;
use crate::cloud::Client;
use crate::jobs::poller::JobEvent;
use crate::jobs::record::{JobRecord, now_rfc3339};
use crate::jobs::rollout::{Outcome, Progress, Rollout, RolloutJournal, RolloutStart, ServerRef};
use crate::safe_text::escape;
use crate::tui::{
    Msg, RolloutOrder, RolloutServer, RolloutState, RolloutView, ServerStage, Steer,
};
use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::watch;

/// What an open rollout of the journal says it is, shown when reimage starts.
fn resume_hint(id: &str) -> String {
    format!("reimage stopped while it ran; go on with `reimage apply --resume {id}`")
}

/// A rollout ready to drive: journaled, claimed, its requests built.
struct Started {
    rollout: Rollout,
    requests: HashMap<String, Request>,
    claim: File,
    journal: Arc<RolloutJournal>,
}

impl EffectsState {
    /// `Command::StartRollout`: refused (nothing sent) when the client is read-only or a
    /// server has an open job; else journaled and driven in the background.
    pub(super) fn start_rollout(
        self: &Arc<Self>,
        client: Client,
        order: RolloutOrder,
        tx: UnboundedSender<Msg>,
    ) {
        self.ensure_poller(&client, &tx);
        let key = order.key.clone();
        let operation = operation_text(&order);
        let waiting = not_started(&order);
        let started = match self.journal_start(&client, order) {
            Ok(started) => started,
            Err(why) => {
                let view = RolloutView {
                    key,
                    id: String::new(),
                    operation,
                    wave: 0,
                    waves: waiting.len(),
                    state: RolloutState::NotStarted(why),
                    servers: waiting.into_iter().flatten().collect(),
                };
                let _ = tx.send(Msg::RolloutUpdated(view));
                return;
            }
        };
        let id = started.rollout.start.id.clone();
        let (steer_tx, steer_rx) = watch::channel(Steer::Resume);
        self.rollouts_driven().insert(id, steer_tx);
        // Subscribed before the first request leaves: no event of its jobs is missed.
        let (events_tx, events) = mpsc::unbounded_channel();
        self.job_watchers().push(events_tx);
        let face = TuiFace {
            key,
            operation,
            tx,
            steer: steer_rx.clone(),
            wave: Mutex::new(0),
        };
        face.send(&started.rollout, RolloutState::Running);
        tokio::spawn(self.clone().drive(client, started, face, events, steer_rx));
    }

    /// Check, build and journal the rollout (`started`), holding its claim.
    fn journal_start(&self, client: &Client, order: RolloutOrder) -> Result<Started, String> {
        client
            .ensure_writable("a rollout")
            .map_err(|e| e.to_string())?;
        let RolloutOrder {
            plans,
            expect_images,
            line,
            ..
        } = order;
        let Some(first) = plans.first() else {
            return Err("no server to send to".into());
        };
        if expect_images.len() != plans.len() {
            return Err("the order names an image to expect for each server".into());
        }
        let open = self.journal.replay().map_err(|e| e.to_string())?;
        if let Some(busy) = open
            .unfinished()
            .find(|j| plans.iter().any(|p| p.server_id == j.server_id))
        {
            return Err(format!(
                "server {} has an open job {} in the journal: nothing was sent; follow it \
                 to its end first",
                escape(&busy.server_name),
                escape(&busy.job_id)
            ));
        }
        let journal = self.rollout_journal().map_err(|e| e.to_string())?;
        let image_id = line.image_id.clone().unwrap_or_default();
        let source = Source::Flags(Flags::of_line(&line, first.user_data_shown.is_some()));
        let mut servers = Vec::new();
        for (plan, expect) in plans.iter().zip(&expect_images) {
            servers.push(ServerRef {
                id: plan.server_id.clone(),
                name: plan.server_name.clone(),
                kind: plan.kind,
                expect_image: expect.clone(),
            });
        }
        let ctx = client.context();
        let start = RolloutStart {
            id: crate::jobs::rollout::new_id(),
            created_at: now_rfc3339(),
            region: ctx.region.clone(),
            project_id: ctx.project_id.clone(),
            operation: operation_of(first.op),
            image_name: if image_id.is_empty() {
                String::new()
            } else {
                first.to_image.clone()
            },
            image_id,
            login: crate::jobs::submitted::login_mode(first),
            waves_spec: line.waves.to_string(),
            max_failures: line.max_failures.to_string(),
            waves: line.waves.split(&servers),
            source: serde_json::to_value(&source).map_err(|e| e.to_string())?,
        };
        let claim = journal
            .claim(&start.id)
            .map_err(|e| e.to_string())?
            .ok_or("the new rollout id is taken; start it again")?;
        journal.started(&start).map_err(|e| e.to_string())?;
        // The plans (and the password in them) go into the requests, dropped once sent.
        let requests = plans
            .into_iter()
            .map(|p| (p.server_id.clone(), request_of(p)))
            .collect();
        let rollout = Rollout {
            start,
            progress: HashMap::new(),
            halted: None,
            finished: false,
            abandoned: false,
            updated_at: now_rfc3339(),
        };
        Ok(Started {
            rollout,
            requests,
            claim,
            journal,
        })
    }

    /// The rollout task: drive it to its end, say how it ended, let go of it.
    async fn drive(
        self: Arc<Self>,
        client: Client,
        started: Started,
        face: TuiFace,
        events: mpsc::UnboundedReceiver<JobEvent>,
        steer: watch::Receiver<Steer>,
    ) {
        let Started {
            mut rollout,
            requests,
            claim,
            journal,
        } = started;
        let id = rollout.start.id.clone();
        let ended = match self.poller() {
            None => Err("the job poller is not running".to_string()),
            Some(poller) => {
                let d = Driver {
                    client: &client,
                    journal: &journal,
                    jobs: self.journal.clone(),
                    audit: self.audit(),
                    concurrency: self.submit_concurrency,
                    max_failures: rollout.start.max_failures.parse().unwrap_or_default(),
                    face: &face,
                };
                let follow = Follow { poller, events };
                rollout::drive(&d, &mut rollout, requests, follow, steer)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        let state = match ended {
            Ok(Ended::Finished) => RolloutState::Finished,
            Ok(Ended::Halted(reason)) => RolloutState::Halted(reason),
            Ok(Ended::Abandoned) => RolloutState::Abandoned,
            Ok(Ended::Interrupted(why)) | Err(why) => RolloutState::Interrupted(format!(
                "{why}; nothing more was sent: go on with `reimage apply --resume {id}`"
            )),
        };
        face.send(&rollout, state);
        self.rollouts_driven().remove(&id);
        journal.release(&rollout, claim);
    }

    /// `Command::SteerRollout`: to the rollout's task, if this reimage drives it.
    pub(super) fn steer_rollout(&self, id: &str, steer: Steer, tx: &UnboundedSender<Msg>) {
        let sent = self
            .rollouts_driven()
            .get(id)
            .is_some_and(|s| s.send(steer).is_ok());
        if !sent {
            let _ = tx.send(Msg::Error {
                error: format!("rollout {} is not driven by this reimage", escape(id)),
                hint: Some(format!(
                    "an interrupted rollout goes on with `reimage apply --resume {}`",
                    escape(id)
                )),
            });
        }
    }

    /// Every poller event, also to each rollout task still listening.
    pub(super) fn hand_to_rollouts(&self, ev: &JobEvent) {
        let mut watchers = self.job_watchers();
        if !watchers.is_empty() {
            watchers.retain(|w| w.send(ev.clone()).is_ok());
        }
    }

    /// On the first listing: each rollout of this region and project that did not finish
    /// (halted, abandoned, or open: interrupted when reimage stopped).
    pub(super) fn replay_rollouts(&self, client: &Client, tx: &UnboundedSender<Msg>) {
        let ctx = client.context();
        let all = match self.rollout_journal().and_then(|j| j.read_all()) {
            Ok((all, _)) => all,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the rollout journal");
                return;
            }
        };
        let driven = self.rollouts_driven();
        for r in all.iter().filter(|r| {
            !r.finished
                && r.start.region == ctx.region
                && r.start.project_id == ctx.project_id
                && !driven.contains_key(&r.start.id)
        }) {
            let state = match (&r.halted, r.abandoned) {
                (Some(reason), _) => RolloutState::Halted(reason.clone()),
                (None, true) => RolloutState::Abandoned,
                (None, false) => RolloutState::Interrupted(resume_hint(&r.start.id)),
            };
            let wave = r
                .servers()
                .filter(|(_, _, p)| p.was_sent())
                .map(|(w, _, _)| w)
                .max()
                .unwrap_or(0);
            let _ = tx.send(Msg::RolloutUpdated(view(String::new(), r, wave, state)));
        }
    }

    fn rollout_journal(&self) -> Result<Arc<RolloutJournal>, crate::jobs::journal::JournalError> {
        let mut slot = self.rollout_journal.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = slot.as_ref() {
            return Ok(j.clone());
        }
        let j = Arc::new(RolloutJournal::open(rollouts_beside(self.journal.path()))?);
        *slot = Some(j.clone());
        Ok(j)
    }

    fn rollouts_driven(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<Steer>>> {
        self.rollouts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn job_watchers(&self) -> std::sync::MutexGuard<'_, Vec<UnboundedSender<JobEvent>>> {
        self.job_watchers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The TUI's face of a rollout: each change as a `Msg::RolloutUpdated`, each accepted job
/// as its row.
struct TuiFace {
    key: String,
    operation: String,
    tx: UnboundedSender<Msg>,
    steer: watch::Receiver<Steer>,
    /// The wave sent last.
    wave: Mutex<usize>,
}

impl TuiFace {
    fn send(&self, r: &Rollout, state: RolloutState) {
        let wave = *self.wave.lock().unwrap_or_else(|p| p.into_inner());
        let mut v = view(self.key.clone(), r, wave, state);
        v.operation = self.operation.clone();
        let _ = self.tx.send(Msg::RolloutUpdated(v));
    }
}

impl Face for TuiFace {
    fn say(&self, line: &str) {
        tracing::info!(key = %self.key, "rollout: {line}");
    }

    fn changed(&self, r: &Rollout, wave: usize, paused: bool) {
        *self.wave.lock().unwrap_or_else(|p| p.into_inner()) = wave;
        let state = match (paused, *self.steer.borrow()) {
            (true, _) => RolloutState::Paused,
            (false, Steer::Pause) => RolloutState::Pausing,
            (false, _) => RolloutState::Running,
        };
        self.send(r, state);
    }

    fn accepted(&self, rec: &JobRecord) {
        let _ = self.tx.send(Msg::JobUpdated(job_view(rec)));
    }
}

/// How the Jobs pane shows a rollout.
fn view(key: String, r: &Rollout, wave: usize, state: RolloutState) -> RolloutView {
    let operation = if r.start.image_name.is_empty() {
        "reinstall OS".to_string()
    } else {
        format!("change OS to {}", r.start.image_name)
    };
    RolloutView {
        key,
        id: r.start.id.clone(),
        operation,
        wave,
        waves: r.start.waves.len(),
        state,
        servers: r
            .servers()
            .map(|(wave, s, p)| RolloutServer {
                server_id: s.id.clone(),
                name: s.name.clone(),
                wave,
                job_id: p.job_id().map(str::to_string),
                stage: stage(p),
            })
            .collect(),
    }
}

/// Where a server stands, as the Jobs pane names it.
pub(super) fn stage(p: &Progress) -> ServerStage {
    match p {
        Progress::NotSent => ServerStage::Waiting,
        Progress::Sending | Progress::Sent { .. } => ServerStage::Running,
        Progress::Ended {
            outcome: Outcome::Success,
            ..
        } => ServerStage::Ok,
        Progress::Ended { .. } | Progress::Refused { .. } => ServerStage::Failed(p.label()),
        Progress::Unknown { reason } => ServerStage::Unknown(reason.clone()),
    }
}

fn operation_text(order: &RolloutOrder) -> String {
    match (&order.line.image_id, order.plans.first()) {
        (Some(_), Some(p)) => format!("change OS to {}", p.to_image),
        (Some(id), None) => format!("change OS to {id}"),
        (None, _) => "reinstall OS".to_string(),
    }
}

/// The servers of an order that could not start, by wave, every one waiting.
fn not_started(order: &RolloutOrder) -> Vec<Vec<RolloutServer>> {
    let plans: Vec<&crate::ops::Plan> = order.plans.iter().collect();
    order
        .line
        .waves
        .split(&plans)
        .into_iter()
        .enumerate()
        .map(|(w, wave)| {
            wave.into_iter()
                .map(|p| RolloutServer {
                    server_id: p.server_id.clone(),
                    name: p.server_name.clone(),
                    wave: w + 1,
                    job_id: None,
                    stage: ServerStage::Waiting,
                })
                .collect()
        })
        .collect()
}

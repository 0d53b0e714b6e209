//! Rollouts in the TUI: `Command::StartRollout` journals a rollout and drives it with the
//! driver of `apply` (`rollout.rs`), its jobs followed by the TUI's one poller (so they
//! are rows of the Jobs pane like any job), its progress sent as `Msg::RolloutUpdated`;
//! `Command::SteerRollout` pauses, resumes or abandons it; on the first listing the
//! journal's rollouts that did not finish are shown.

use super::apply_rollout::{Flags, Source, request_of, rollouts_beside};
use super::rollout::{self, Driver, Ended, Face, Follow, Request};
use super::tui_effects::EffectsState;
use super::tui_jobs::job_view;
use crate::cloud::Client;
use crate::jobs::poller::JobEvent;
use crate::jobs::record::{JobRecord, now_rfc3339};
use crate::jobs::rollout::{Outcome, Progress, Rollout, RolloutJournal, RolloutStart, ServerRef};
use crate::safe_text::escape;
use crate::tui::{Msg, RolloutOrder, RolloutServer, RolloutState, RolloutView, ServerStage, Steer};
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
        let waiting = order.waiting();
        let (key, operation) = (waiting.key.clone(), waiting.operation.clone());
        let started = match self.journal_start(&client, order) {
            Ok(started) => started,
            Err(why) => {
                let view = RolloutView {
                    state: RolloutState::NotStarted(why),
                    ..waiting
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
        let source = Source::Flags(Flags::of_line(&line));
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
            operation: first.op.into(),
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
        let rollout = Rollout::new(start);
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
        let mut slot = self
            .rollout_journal
            .lock()
            .unwrap_or_else(|p| p.into_inner());
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
        // Abandoned at once: nothing more is sent, while the sent jobs are followed on.
        let state = match (paused, *self.steer.borrow()) {
            (_, Steer::Abandon) => RolloutState::Abandoned,
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

#[cfg(test)]
mod tests {
    use crate::cli::{Connected, EffectsParts, Start, TuiEffects};
    use crate::cloud::ImageQuery;
    use crate::cloud::model::ServerKind;
    use crate::config::{Env, GlobalArgs};
    use crate::jobs::audit::{Actor, AuditLog};
    use crate::jobs::journal::Journal;
    use crate::jobs::pacing::JobSettings;
    use crate::ops::{self, ApplyLine, Entries, Input, LoginMode, Operation};
    use crate::sandbox::faults::{FaultSpec, Faults};
    use crate::sandbox::{Sandbox, SandboxConfig};
    use crate::tui::{
        Command, Effects, Msg, RolloutOrder, RolloutState, RolloutView, ServerStage, Steer,
    };
    use std::collections::HashSet;
    use std::time::Duration;
    use tokio::sync::mpsc::UnboundedReceiver;

    const PASSWORD: &str = "Str0ng!Pass9";
    /// Stopped Linux ECS servers that take a reinstall with a password, by id.
    const SERVERS: [&str; 3] = [
        "a6bfe467-7569-5842-9abd-15e54e3eeb55", // web-03
        "797c2177-e9c8-5e1f-a2ac-2a500e4e0402", // gitlab-runner-01
        "e1f7f239-eaf1-5c5c-adf4-5a5ba065efe8", // db-replica-1
    ];

    struct Rig {
        sandbox: Sandbox,
        effects: TuiEffects,
        rx: UnboundedReceiver<Msg>,
        tx: tokio::sync::mpsc::UnboundedSender<Msg>,
        home: tempfile::TempDir,
        /// Every job id the TUI was given a row for.
        rows: HashSet<String>,
    }

    /// The TUI's effects on a sandbox whose jobs take half a second, polled every 100 ms.
    async fn rig(fail: &[&str]) -> Rig {
        rig_with(fail, Faults::default(), 4).await
    }

    async fn rig_with(fail: &[&str], faults: Faults, concurrency: usize) -> Rig {
        let (sandbox, client) = crate::cli::connect::test_client_with(SandboxConfig {
            job_seconds: 0.5,
            fail_servers: fail.iter().map(|s| s.to_string()).collect(),
            faults,
            ..SandboxConfig::default()
        })
        .await;
        let home = tempfile::tempdir().expect("temp dir");
        let (journal, _) = Journal::open(home.path().join("state/jobs.jsonl")).expect("journal");
        let mut job_settings = JobSettings::default();
        job_settings.poller.first_poll = Duration::from_millis(100);
        job_settings.poller.fast_interval = Duration::from_millis(100);
        job_settings.poller.max_interval = Duration::from_millis(200);
        let effects = TuiEffects::new(EffectsParts {
            global: GlobalArgs::default(),
            env: Env::default(),
            start: Start::Up(
                Box::new(Connected {
                    client,
                    sandbox: None,
                    notices: Vec::new(),
                }),
                Actor::default(),
            ),
            journal: std::sync::Arc::new(journal),
            replay: Vec::new(),
            job_settings,
            audit_log: AuditLog::new(home.path().join("state/audit.log")),
            submit_concurrency: concurrency,
        });
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Rig {
            sandbox,
            effects,
            rx,
            tx,
            home,
            rows: HashSet::new(),
        }
    }

    impl Rig {
        /// Where the effects point: region and project.
        fn context(&self) -> crate::cloud::CloudContext {
            let client = self.effects.state.client().expect("connected");
            client.context().clone()
        }

        /// A reinstall of the three servers with a password, as the form would order it.
        async fn start(&self, waves: &str) {
            let client = self.effects.state.client().expect("connected");
            let images = client
                .list_images(&ImageQuery::default())
                .await
                .expect("images");
            let entries = Entries {
                login: LoginMode::Password,
                password: PASSWORD.into(),
                password_confirm: PASSWORD.into(),
                ..Entries::default()
            };
            let (mut plans, mut expect_images) = (Vec::new(), Vec::new());
            for id in SERVERS {
                let server = client
                    .show_server(ServerKind::Ecs, id)
                    .await
                    .expect("server");
                let plan = ops::plan(&Input {
                    project_id: &client.context().project_id,
                    server: &server,
                    system_disk_gb: None,
                    operation: &Operation::Reinstall,
                    images: &images,
                    keypairs: &[],
                    user_id: "",
                    entries: &entries,
                })
                .expect("planned");
                plans.push(plan);
                expect_images.push(server.current_image_id().unwrap_or_default().to_string());
            }
            let line = ApplyLine {
                servers: SERVERS.iter().map(|s| s.to_string()).collect(),
                password: true,
                waves: waves.parse().expect("waves"),
                ..ApplyLine::default()
            };
            let order = RolloutOrder {
                key: "k1".into(),
                plans,
                expect_images,
                line,
            };
            self.effects
                .run(Command::StartRollout(Box::new(order)), self.tx.clone());
        }

        /// The next rollout view (job rows noted on the way), within 20 s.
        async fn next(&mut self) -> RolloutView {
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
                    .await
                    .expect("a message within 20 s")
                    .expect("open");
                match msg {
                    Msg::RolloutUpdated(v) => return v,
                    Msg::JobUpdated(j) => {
                        self.rows.insert(j.key);
                    }
                    Msg::Error { error, .. } => panic!("error: {error}"),
                    _ => {}
                }
            }
        }

        /// Views until one satisfies `until`; returns it.
        async fn until(&mut self, until: impl Fn(&RolloutView) -> bool) -> RolloutView {
            loop {
                let v = self.next().await;
                if until(&v) {
                    return v;
                }
            }
        }

        fn steer(&self, id: &str, steer: Steer) {
            let cmd = Command::SteerRollout {
                id: id.into(),
                steer,
            };
            self.effects.run(cmd, self.tx.clone());
        }

        /// Change/reinstall requests the sandbox accepted for a server.
        fn sent(&self, id: &str) -> u64 {
            let state = self.sandbox.server_state(id).expect("server");
            state["os_requests"].as_u64().expect("count")
        }

        fn journal(&self) -> String {
            std::fs::read_to_string(self.home.path().join("state/rollouts.jsonl"))
                .expect("rollout journal")
        }
    }

    fn ended(v: &RolloutView) -> bool {
        !matches!(
            v.state,
            RolloutState::Running | RolloutState::Pausing | RolloutState::Paused
        )
    }

    fn stages(v: &RolloutView) -> Vec<ServerStage> {
        v.servers.iter().map(|s| s.stage.clone()).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_second_wave_goes_only_after_the_canary_succeeded() {
        let mut rig = rig(&[]).await;
        rig.start("1,100%").await;
        let first = rig.next().await;
        assert_eq!(first.key, "k1");
        assert!(first.id.starts_with('r'), "{first:?}");
        assert_eq!(first.state, RolloutState::Running);
        assert!(first.wave <= 1 && first.waves == 2, "{first:?}");
        // The canary is sent; its job runs half a second: the others must wait for it.
        let canary = rig
            .until(|v| v.servers[0].stage == ServerStage::Running && v.servers[0].job_id.is_some())
            .await;
        assert_eq!(canary.wave, 1);
        assert_eq!((rig.sent(SERVERS[1]), rig.sent(SERVERS[2])), (0, 0));
        let wave2 = rig.until(|v| v.wave == 2 || ended(v)).await;
        assert_eq!(wave2.servers[0].stage, ServerStage::Ok, "{wave2:?}");
        let last = rig.until(ended).await;
        assert_eq!(last.state, RolloutState::Finished, "{last:?}");
        assert_eq!(last.wave, 2);
        assert_eq!(stages(&last), vec![ServerStage::Ok; 3]);
        for id in SERVERS {
            assert_eq!(rig.sent(id), 1, "{id} sent once");
        }
        // Each job was a row of the Jobs pane.
        for s in &last.servers {
            let job = s.job_id.as_deref().expect("job id");
            assert!(rig.rows.contains(job), "no row for {job}");
        }
        let journal = rig.journal();
        assert!(journal.contains("\"finished\"") && !journal.contains(PASSWORD));
        rig.sandbox.shutdown();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_canary_halts_after_one_request() {
        let mut rig = rig(&["web-03"]).await;
        rig.start("1,100%").await;
        let last = rig.until(ended).await;
        assert!(matches!(last.state, RolloutState::Halted(_)), "{last:?}");
        assert!(matches!(last.servers[0].stage, ServerStage::Failed(_)));
        assert_eq!(
            &stages(&last)[1..],
            &[ServerStage::Waiting, ServerStage::Waiting]
        );
        assert_eq!(
            SERVERS.map(|id| rig.sent(id)),
            [1, 0, 0],
            "one request in all"
        );
        rig.sandbox.shutdown();
    }

    /// The gateway throttles every change request for a while: the wave's queue waits,
    /// goes on once it opens, and each server is sent once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_429_inside_a_wave_holds_the_queue_and_sends_each_server_once() {
        let mut faults = Faults::default();
        let throttled = FaultSpec {
            throttle_429: 1.0,
            retry_after_seconds: 1,
            ..FaultSpec::default()
        };
        for op in ["ecs.reinstallos.v1", "ecs.reinstallos.v2"] {
            faults.operations.insert(op.into(), throttled.clone());
        }
        let mut rig = rig_with(&[], faults, 4).await;
        rig.start("100%").await;
        let last = loop {
            let v = rig.next().await;
            if rig.sandbox.counters().faults_injected >= 3 {
                rig.sandbox.set_faults(Faults::default());
            } else {
                assert!(
                    v.servers.iter().all(|s| s.job_id.is_none()),
                    "accepted while throttled: {v:?}"
                );
            }
            if ended(&v) {
                break v;
            }
        };
        assert_eq!(last.state, RolloutState::Finished, "{last:?}");
        assert!(rig.sandbox.counters().faults_injected >= 3);
        assert_eq!(SERVERS.map(|id| rig.sent(id)), [1, 1, 1]);
        assert!(rig.journal().contains("\"throttled\""), "{}", rig.journal());
        rig.sandbox.shutdown();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_paused_rollout_sends_its_next_wave_only_once_resumed() {
        let mut rig = rig(&[]).await;
        rig.start("1,100%").await;
        let id = rig.until(|v| v.servers[0].job_id.is_some()).await.id;
        rig.steer(&id, Steer::Pause);
        let pausing = rig.until(|v| v.state != RolloutState::Running).await;
        assert_eq!(pausing.state, RolloutState::Pausing, "{pausing:?}");
        let paused = rig.until(|v| v.state != RolloutState::Pausing).await;
        assert_eq!(paused.state, RolloutState::Paused, "{paused:?}");
        assert_eq!(paused.wave, 1);
        assert_eq!(paused.servers[0].stage, ServerStage::Ok);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!((rig.sent(SERVERS[1]), rig.sent(SERVERS[2])), (0, 0));
        rig.steer(&id, Steer::Resume);
        let last = rig.until(ended).await;
        assert_eq!(last.state, RolloutState::Finished, "{last:?}");
        assert_eq!(SERVERS.map(|id| rig.sent(id)), [1, 1, 1]);
        rig.sandbox.shutdown();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_rollout_sends_nothing_more_and_is_not_resumed() {
        // One request at a time, each answered after 400 ms: the abandon comes while the
        // first is on its way, with the second of its wave queued.
        let mut faults = Faults::default();
        let slow = FaultSpec {
            latency_ms: 400,
            ..FaultSpec::default()
        };
        for op in ["ecs.reinstallos.v1", "ecs.reinstallos.v2"] {
            faults.operations.insert(op.into(), slow.clone());
        }
        let mut rig = rig_with(&[], faults, 1).await;
        rig.start("2,100%").await;
        let sent = rig
            .until(|v| v.servers[0].stage == ServerStage::Running)
            .await;
        assert_eq!(sent.servers[0].job_id, None, "abandoned while sending");
        rig.steer(&sent.id, Steer::Abandon);
        // Abandoned at once; its sent job is followed to its end.
        let first = rig.until(|v| v.state != RolloutState::Running).await;
        assert_eq!(first.state, RolloutState::Abandoned, "{first:?}");
        let last = rig
            .until(|v| !v.servers.iter().any(|s| s.stage == ServerStage::Running))
            .await;
        assert_eq!(last.state, RolloutState::Abandoned, "{last:?}");
        assert_eq!(
            stages(&last),
            vec![ServerStage::Ok, ServerStage::Waiting, ServerStage::Waiting],
            "the sent job followed to its end, nothing more sent"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(SERVERS.map(|id| rig.sent(id)), [1, 0, 0]);
        assert!(rig.journal().contains("\"abandoned\""), "{}", rig.journal());
        // Steering a rollout that ended: not driven here any more. (What it said as it
        // ended is read first.)
        while rig.rx.try_recv().is_ok() {}
        rig.steer(&sent.id, Steer::Resume);
        loop {
            match rig.rx.recv().await {
                Some(Msg::Error { error, hint }) => {
                    assert!(error.contains("not driven"), "{error}");
                    assert!(hint.is_some_and(|h| h.contains("--resume")));
                    break;
                }
                Some(Msg::RolloutUpdated(v)) => panic!("steered after its end: {v:?}"),
                Some(_) => {}
                None => panic!("no error"),
            }
        }
        // `apply --resume` refuses it.
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            apply: crate::cli::ApplyArgs,
        }
        let cli = <Cli as clap::Parser>::parse_from(["reimage", "--resume", &sent.id, "--yes"]);
        let env = Env::from_map([("REIMAGE_HOME", rig.home.path().to_str().expect("utf-8"))]);
        let mut console = crate::cli::Console::stdin().expect("stdin");
        let mut out = Vec::new();
        let refused = crate::cli::run_apply(
            &GlobalArgs::default(),
            &cli.apply,
            &env,
            &mut console,
            &mut out,
        )
        .await;
        match refused {
            Err(crate::cli::CliError::Usage(why)) => assert!(why.contains("abandoned"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        rig.sandbox.shutdown();
    }

    /// On the first listing, the journal's rollouts that did not finish are shown: an
    /// open one as interrupted (to resume with `apply --resume`), a halted one as halted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_rollouts_that_did_not_finish_are_shown_on_the_first_listing() {
        use crate::jobs::record::JobOperation;
        use crate::jobs::rollout::{Progress, RolloutJournal, RolloutStart, ServerRef};
        let mut rig = rig(&[]).await;
        let ctx = rig.context();
        let journal =
            RolloutJournal::open(rig.home.path().join("state/rollouts.jsonl")).expect("journal");
        let start = |id: &str| RolloutStart {
            id: id.into(),
            created_at: crate::jobs::record::now_rfc3339(),
            region: ctx.region.clone(),
            project_id: ctx.project_id.clone(),
            operation: JobOperation::ReinstallOs,
            image_id: String::new(),
            image_name: String::new(),
            login: "password".into(),
            waves_spec: "1,100%".into(),
            max_failures: "0".into(),
            waves: vec![
                vec![ServerRef {
                    id: SERVERS[0].into(),
                    name: "web-03".into(),
                    kind: ServerKind::Ecs,
                    expect_image: String::new(),
                }],
                vec![],
            ],
            source: serde_json::json!({"from": "flags"}),
        };
        for id in ["r-open", "r-halted", "r-finished"] {
            journal.started(&start(id)).expect("started");
        }
        journal
            .step("r-open", SERVERS[0], &Progress::Sending)
            .expect("sending");
        let sent = Progress::Sent {
            job_id: "job-1".into(),
        };
        journal.step("r-open", SERVERS[0], &sent).expect("sent");
        journal
            .halted("r-halted", "1 server(s) failed")
            .expect("halted");
        journal.finished("r-finished").expect("finished");
        let load = Command::LoadServers {
            kind: ServerKind::Ecs,
            generation: 1,
        };
        rig.effects.run(load, rig.tx.clone());
        let open = rig.next().await;
        assert_eq!((open.key.as_str(), open.id.as_str()), ("", "r-open"));
        match &open.state {
            RolloutState::Interrupted(why) => {
                assert!(why.contains("reimage apply --resume r-open"), "{why}")
            }
            other => panic!("expected interrupted, got {other:?}"),
        }
        assert_eq!((open.wave, open.waves), (1, 2));
        assert_eq!(open.servers[0].job_id.as_deref(), Some("job-1"));
        let halted = rig.next().await;
        assert_eq!(halted.id, "r-halted");
        assert!(
            matches!(halted.state, RolloutState::Halted(_)),
            "{halted:?}"
        );
        loop {
            match tokio::time::timeout(Duration::from_millis(300), rig.rx.recv()).await {
                Ok(Some(Msg::RolloutUpdated(v))) => panic!("a finished rollout shown: {v:?}"),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        rig.sandbox.shutdown();
    }

    /// A server with an open job in the journal: the rollout does not start, nothing is
    /// sent to any server, and the view says why.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_with_an_open_job_stops_the_rollout_before_anything_is_sent() {
        use crate::jobs::record::JobOperation;
        let mut rig = rig(&[]).await;
        let ctx = rig.context();
        let rec = crate::jobs::submitted::fresh_record(
            "job-open",
            ServerKind::Ecs,
            JobOperation::ReinstallOs,
            (SERVERS[1], "gitlab-runner-01"),
            &ctx,
        );
        rig.effects
            .state
            .journal
            .record_submitted(&rec)
            .expect("journaled");
        rig.start("1,100%").await;
        let view = rig.next().await;
        assert_eq!((view.key.as_str(), view.id.as_str()), ("k1", ""));
        match &view.state {
            RolloutState::NotStarted(why) => {
                assert!(why.contains("open job job-open"), "{why}")
            }
            other => panic!("expected not started, got {other:?}"),
        }
        assert_eq!(stages(&view), vec![ServerStage::Waiting; 3]);
        assert_eq!(view.waves, 2);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(SERVERS.map(|id| rig.sent(id)), [0, 0, 0]);
        let journal = std::fs::read_to_string(rig.home.path().join("state/rollouts.jsonl"));
        assert!(journal.unwrap_or_default().is_empty(), "nothing journaled");
        rig.sandbox.shutdown();
    }
}

//! `reimage` with no subcommand: resolve the configuration, run the full-screen TUI, and
//! connect (or start the in-process sandbox) in the background, resuming the journal's
//! unfinished jobs, with effects that run the TUI's commands on the client.
//!
//! What is local fails before the terminal is taken over, plainly, on the normal screen with
//! its fix: the configuration, the keymap, the journal. What needs the network (credentials
//! from the metadata service, project discovery) is done after the first frame; the
//! commands that need the cloud wait for it, and a failure is shown in the TUI, where the
//! next refresh tries again.

use super::CliError;
use super::connect::{Connected, Face, connect_with, sandbox_certain};
use super::submit;
use crate::cloud::model::ServerKind;
use crate::cloud::{Client, CloudError, ImageQuery};
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::pacing::JobSettings;
use crate::jobs::poller::{self, PollerHandle, Sinks};
use crate::jobs::record::JobRecord;
use crate::safe_text::escape;
use crate::tui::keymap::Keymap;
use crate::tui::theme::{ColorChoice, GlyphChoice};
use crate::tui::{Command, HeaderInfo, JobView, Msg, Resource, SubmitOutcome, UiOptions};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

/// Change/reinstall/stop requests in flight at once (bulk actions), unless
/// `bulk_concurrency` in config.toml says otherwise.
pub const DEFAULT_SUBMIT_CONCURRENCY: usize = 4;

/// Run the TUI until the user quits.
pub async fn run_tui(global: &GlobalArgs, env: &Env) -> Result<(), CliError> {
    let resolved = crate::config::resolve(global, env)?;
    if let Err(e) = crate::logging::init(&resolved.paths.log_file(), global.log_level.as_deref()) {
        eprintln!("reimage: logging is off: {}", escape(&e.to_string()));
    }
    if resolved.settings.insecure {
        eprintln!(
            "WARNING: --insecure: TLS certificates are NOT checked; anyone on the network path can read and change your requests"
        );
    }
    // On the normal screen, seen after quitting; the TUI repeats them once connected.
    for n in resolved.notices.iter().filter(|n| n.starts_with("WARNING")) {
        eprintln!("reimage: {}", escape(n));
    }
    let options = ui_options(&resolved)?;
    let (journal, replay) = super::jobs::open_journal(&resolved)?;
    for w in &replay.warnings {
        tracing::warn!("{w}");
    }
    let header = connecting_header(&resolved);
    let effects = TuiEffects::new(EffectsParts {
        global: global.clone(),
        env: env.clone(),
        job_settings: super::jobs::job_settings(&resolved)?,
        audit_log: AuditLog::new(resolved.paths.audit_log()),
        submit_concurrency: resolved
            .config
            .bulk_concurrency
            .unwrap_or(DEFAULT_SUBMIT_CONCURRENCY),
        journal: Arc::new(journal),
        replay: replay.jobs,
        // Credentials, the metadata probe and project discovery can take round trips:
        // the first frame does not wait for them.
        start: Start::Later(Box::new(resolved)),
    });
    let state = effects.shared.clone();
    let result = crate::tui::run(header, options, effects).await;
    // Stop the in-process sandbox, if any, now that nothing talks to it.
    if let Ok(mut current) = state.current.write()
        && let Some(sandbox) = current.as_mut().and_then(|c| c.sandbox.take())
    {
        sandbox.shutdown();
    }
    result.map_err(|e| CliError::Io(std::io::Error::other(e.to_string())))
}

fn ui_options(resolved: &Resolved) -> Result<UiOptions, CliError> {
    let overrides: BTreeMap<String, Vec<String>> = match &resolved.config.keys {
        Some(table) => table
            .clone()
            .try_into()
            .map_err(|e| config_error(format!("[keys] in config.toml: {e}")))?,
        None => BTreeMap::new(),
    };
    let keymap = Keymap::with_overrides(&overrides)
        .map_err(|e| config_error(format!("[keys] in config.toml: {e}")))?;
    Ok(UiOptions {
        color: ColorChoice::Auto,
        glyphs: GlyphChoice::default(),
        keymap,
        mouse: false,
        filter: resolved.config.ui.filter.unwrap_or_default(),
    })
}

fn config_error(message: String) -> CliError {
    CliError::Cloud(CloudError::config(message))
}

/// The header before the connection is up: what the configuration already says. The
/// sandbox is known at once when asked for, or when no credential source exists.
fn connecting_header(resolved: &Resolved) -> HeaderInfo {
    let sandbox = sandbox_certain(resolved, Face::Tui);
    // With only the metadata service left to ask, the probe decides: a cloud or the sandbox.
    let probing = matches!(
        resolved.settings.credentials,
        crate::config::Credentials::Metadata { .. }
    );
    let label = match (sandbox, probing) {
        (true, _) => "sandbox",
        (false, true) => "connecting",
        (false, false) => "Huawei Cloud",
    };
    HeaderInfo {
        cloud_label: label.into(),
        is_sandbox: sandbox,
        profile: resolved.profile.clone().unwrap_or_else(|| "default".into()),
        region: resolved.settings.region.clone().unwrap_or_default(),
        project_id: resolved.settings.project_id.clone().unwrap_or_default(),
        read_only: resolved.settings.read_only,
        insecure: resolved.settings.insecure,
        credential_source: String::new(),
    }
}

fn header_of(resolved: &Resolved, connected: &Connected) -> HeaderInfo {
    let ctx = connected.client.context();
    HeaderInfo {
        cloud_label: if ctx.is_sandbox {
            "sandbox".into()
        } else {
            "Huawei Cloud".into()
        },
        is_sandbox: ctx.is_sandbox,
        profile: resolved.profile.clone().unwrap_or_else(|| "default".into()),
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        read_only: ctx.read_only,
        insecure: resolved.settings.insecure,
        credential_source: ctx.source_label(),
    }
}

/// What the effects share across commands and with the task that connects: the connection
/// (made in the background, replaced on a profile or region switch) and the job machinery.
struct Shared {
    global: GlobalArgs,
    env: Env,
    current: RwLock<Option<Connected>>,
    link: Mutex<Link>,
    journal: Arc<Journal>,
    poller: RwLock<Option<PollerHandle>>,
    /// Jobs replayed from the journal, handed to the TUI and the poller on the first load.
    replay: Vec<JobRecord>,
    /// `[jobs]` of config.toml: poller pacing, limits, bell.
    job_settings: JobSettings,
    audit_log: AuditLog,
    /// Who acts, in the audit log: the account of the first connection.
    actor: OnceLock<Actor>,
    /// Bounds the change/reinstall/stop requests sent at once.
    submits: Arc<Semaphore>,
}

/// Where the connection stands.
enum Link {
    /// Not connected: the next command that needs the cloud connects with these settings
    /// (at start, and again after a failed attempt).
    Idle(Box<Resolved>),
    /// Connecting: these commands run once it is up.
    Connecting(Vec<(Command, UnboundedSender<Msg>)>),
    Up,
}

/// How the effects reach the cloud.
pub enum Start {
    /// Already connected, acting as this account (tests).
    Up(Box<Connected>, Actor),
    /// Connect in the background on the first command that needs the cloud.
    Later(Box<Resolved>),
}

/// Runs the TUI's commands on the client; owns the journal, the audit log and the job
/// poller.
pub struct TuiEffects {
    shared: Arc<Shared>,
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
            shared: Arc::new(Shared {
                global: parts.global,
                env: parts.env,
                current: RwLock::new(current),
                link: Mutex::new(link),
                journal: parts.journal,
                poller: RwLock::new(None),
                replay: parts.replay,
                job_settings: parts.job_settings,
                audit_log: parts.audit_log,
                actor,
                submits: Arc::new(Semaphore::new(parts.submit_concurrency.max(1))),
            }),
        }
    }
}

fn failed(what: Resource, generation: u64, error: &str, hint: Option<&str>) -> Msg {
    Msg::LoadFailed {
        what,
        generation,
        error: error.to_string(),
        hint: hint.map(str::to_string),
    }
}

impl crate::tui::Effects for TuiEffects {
    fn run(&self, cmd: Command, tx: UnboundedSender<Msg>) {
        Shared::run(&self.shared, cmd, tx);
    }
}

impl Shared {
    fn client(&self) -> Option<Client> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().map(|c| c.client.clone())
    }

    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `cmd` now, or once connected when it needs the cloud.
    fn run(self: &Arc<Self>, cmd: Command, tx: UnboundedSender<Msg>) {
        match cmd {
            Command::SwitchRegion(region) => {
                let mut global = self.global.clone();
                global.region = Some(region);
                self.switch(global, tx);
            }
            Command::SwitchProfile(profile) => {
                let mut global = self.global.clone();
                global.profile = Some(profile);
                global.region = None;
                self.switch(global, tx);
            }
            Command::PollJobs(ids) => {
                if let Some(p) = self.poller() {
                    ids.iter().for_each(|id| p.poll_now(id));
                }
            }
            Command::DismissJob(id) => {
                if let Err(e) = self.journal.record_dismissed(&id) {
                    tracing::error!(job_id = %id, error = %e, "cannot journal a dismissal");
                }
                if let Some(p) = self.poller() {
                    p.forget(&id);
                }
            }
            // Handled by the run loop itself.
            Command::CopyToClipboard(_) | Command::RepaintAll | Command::Quit | Command::Bell => {}
            cmd => {
                let mut link = self.link();
                match &mut *link {
                    Link::Up => {
                        drop(link);
                        if let Some(client) = self.client() {
                            self.on_cloud(client, cmd, tx);
                        }
                    }
                    Link::Connecting(waiting) => waiting.push((cmd, tx)),
                    Link::Idle(_) => {
                        let Link::Idle(resolved) = std::mem::replace(
                            &mut *link,
                            Link::Connecting(vec![(cmd, tx.clone())]),
                        ) else {
                            unreachable!("matched Idle above");
                        };
                        drop(link);
                        tokio::spawn(self.clone().connect(resolved, tx));
                    }
                }
            }
        }
    }

    /// Connects, then runs the commands that waited; a failure answers each of them and
    /// leaves the settings for the next attempt (the next refresh).
    async fn connect(self: Arc<Self>, resolved: Box<Resolved>, tx: UnboundedSender<Msg>) {
        let outcome = connect_with(&resolved, Face::Tui).await;
        let connected = match outcome {
            Ok(connected) => connected,
            Err(e) => {
                let (error, hint) = (format!("cannot connect: {e}"), e.hint());
                let waiting = match std::mem::replace(&mut *self.link(), Link::Idle(resolved)) {
                    Link::Connecting(waiting) => waiting,
                    other => {
                        // A profile switch connected meanwhile: keep it.
                        *self.link() = other;
                        return;
                    }
                };
                tracing::error!("{error}");
                // The whole error once; the other waiting commands only say they failed.
                for (i, (cmd, tx)) in waiting.into_iter().enumerate() {
                    let error = if i == 0 {
                        error.as_str()
                    } else {
                        "not connected"
                    };
                    let _ = tx.send(not_connected(cmd, error, hint));
                }
                return;
            }
        };
        let _ = self.actor.set(Actor::of(&connected.client).await);
        for n in &connected.notices {
            tracing::info!("{n}");
            if n.starts_with("WARNING") {
                let _ = tx.send(Msg::Error {
                    error: n.clone(),
                    hint: None,
                });
            }
        }
        let header = header_of(&resolved, &connected);
        let waiting = {
            let mut link = self.link();
            if !matches!(*link, Link::Connecting(_)) {
                // A profile switch connected meanwhile: this connection is not needed.
                drop(link);
                if let Some(sandbox) = connected.sandbox {
                    sandbox.shutdown();
                }
                return;
            }
            // The client is in place before the link says Up: `run` reads them in that
            // order under the link's lock, and must never see Up without a client.
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(connected);
            match std::mem::replace(&mut *link, Link::Up) {
                Link::Connecting(waiting) => waiting,
                _ => Vec::new(),
            }
        };
        let _ = tx.send(Msg::Connected(header));
        for (cmd, tx) in waiting {
            self.run(cmd, tx);
        }
    }

    /// The commands that need the cloud.
    fn on_cloud(self: &Arc<Self>, client: Client, cmd: Command, tx: UnboundedSender<Msg>) {
        match cmd {
            Command::LoadServers { kind, generation } => {
                if kind == ServerKind::Ecs {
                    self.ensure_poller(&client, &tx);
                }
                tokio::spawn(async move {
                    let pages = tx.clone();
                    let result = client
                        .list_servers_pages(kind, move |page| {
                            let _ = pages.send(Msg::ServersLoaded {
                                kind,
                                generation,
                                page,
                                done: false,
                            });
                        })
                        .await;
                    let _ = tx.send(match result {
                        Ok(_) => Msg::ServersLoaded {
                            kind,
                            generation,
                            page: Vec::new(),
                            done: true,
                        },
                        Err(e) => failed(
                            Resource::Servers(kind),
                            generation,
                            &e.to_string(),
                            e.hint(),
                        ),
                    });
                });
            }
            Command::LoadImages { generation } => {
                tokio::spawn(async move {
                    let _ = tx.send(match client.list_images(&ImageQuery::default()).await {
                        Ok(images) => Msg::ImagesLoaded { generation, images },
                        Err(e) => failed(Resource::Images, generation, &e.to_string(), e.hint()),
                    });
                });
            }
            Command::LoadKeypairs { generation } => {
                tokio::spawn(async move {
                    let _ = tx.send(match client.list_keypairs().await {
                        Ok(keypairs) => Msg::KeypairsLoaded {
                            generation,
                            keypairs,
                        },
                        Err(e) => failed(Resource::Keypairs, generation, &e.to_string(), e.hint()),
                    });
                });
            }
            Command::Submit(sub) => {
                self.ensure_poller(&client, &tx);
                tokio::spawn(submit::os_request(client, self.sink(), *sub, tx));
            }
            Command::StopServer {
                key,
                kind,
                server_id,
                server_name,
            } => {
                self.ensure_poller(&client, &tx);
                let server = submit::StopTarget {
                    kind,
                    server_id,
                    server_name,
                };
                tokio::spawn(submit::stop(client, self.sink(), key, server, tx));
            }
            Command::LoadUserId => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::UserIdLoaded(
                        client.user_id().await.map_err(|e| e.to_string()),
                    ));
                });
            }
            // Run without the cloud by `run`.
            Command::SwitchRegion(_)
            | Command::SwitchProfile(_)
            | Command::PollJobs(_)
            | Command::DismissJob(_)
            | Command::CopyToClipboard(_)
            | Command::RepaintAll
            | Command::Quit
            | Command::Bell => {}
        }
    }

    /// Start the job poller once, resuming the journal's unfinished jobs.
    fn ensure_poller(&self, client: &Client, tx: &UnboundedSender<Msg>) {
        let Ok(mut slot) = self.poller.write() else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = poller::spawn(
            client.clone(),
            self.job_settings.poller.clone(),
            Sinks {
                journal: self.journal.clone(),
                audit: Some(self.audit()),
                events: events_tx,
            },
        );
        let views: Vec<JobView> = self.replay.iter().map(job_view).collect();
        let _ = tx.send(Msg::JobsReplaced(views));
        let ctx = client.context();
        for rec in &self.replay {
            if rec.belongs_to(&ctx.region, &ctx.project_id) {
                handle.track(rec.clone());
            } else if !rec.state.is_final() {
                tracing::warn!(job_id = %rec.job_id, region = %rec.region, "job of another region or project: not polled here");
            }
        }
        tokio::spawn(super::tui_jobs::forward(
            events_rx,
            tx.clone(),
            client.clone(),
            self.replay.clone(),
            self.job_settings.bell,
        ));
        *slot = Some(handle);
    }

    fn poller(&self) -> Option<PollerHandle> {
        self.poller.read().ok().and_then(|p| p.clone())
    }

    fn audit(&self) -> (AuditLog, Actor) {
        (
            self.audit_log.clone(),
            self.actor.get().cloned().unwrap_or_default(),
        )
    }

    /// Where a submitted job goes: journal, audit log, poller, and the bound on requests
    /// in flight.
    fn sink(&self) -> submit::Sink {
        submit::Sink {
            journal: self.journal.clone(),
            audit: self.audit(),
            poller: self.poller(),
            permits: self.submits.clone(),
        }
    }

    /// Re-resolve with other flags and reconnect; the TUI reloads on `ContextChanged`.
    fn switch(self: &Arc<Self>, global: GlobalArgs, tx: UnboundedSender<Msg>) {
        let shared = self.clone();
        tokio::spawn(async move {
            let outcome = async {
                let resolved = crate::config::resolve(&global, &shared.env)?;
                let connected = connect_with(&resolved, Face::Tui).await?;
                Ok::<_, CliError>((header_of(&resolved, &connected), connected))
            }
            .await;
            let (header, connected) = match outcome {
                Ok(up) => up,
                Err(e) => {
                    let _ = tx.send(Msg::Error {
                        error: e.to_string(),
                        hint: None,
                    });
                    return;
                }
            };
            let _ = shared.actor.set(Actor::of(&connected.client).await);
            let old = shared
                .current
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .replace(connected);
            if let Some(sandbox) = old.and_then(|c| c.sandbox) {
                sandbox.shutdown();
            }
            let waiting = match std::mem::replace(&mut *shared.link(), Link::Up) {
                Link::Connecting(waiting) => waiting,
                _ => Vec::new(),
            };
            let _ = tx.send(Msg::ContextChanged(header));
            for (cmd, tx) in waiting {
                shared.run(cmd, tx);
            }
        });
    }
}

/// The answer to a command that waited for a connection that failed: nothing was sent.
fn not_connected(cmd: Command, error: &str, hint: Option<&str>) -> Msg {
    let rejected = |key| Msg::Submitted {
        key,
        outcome: SubmitOutcome::Rejected {
            error: format!("not sent: {error}"),
            hint: hint.map(str::to_string),
        },
    };
    match cmd {
        Command::LoadServers { kind, generation } => {
            failed(Resource::Servers(kind), generation, error, hint)
        }
        Command::LoadImages { generation } => failed(Resource::Images, generation, error, hint),
        Command::LoadKeypairs { generation } => failed(Resource::Keypairs, generation, error, hint),
        Command::LoadUserId => Msg::UserIdLoaded(Err(error.to_string())),
        Command::Submit(sub) => rejected(sub.key),
        Command::StopServer { key, .. } => rejected(key),
        _ => Msg::Error {
            error: error.to_string(),
            hint: hint.map(str::to_string),
        },
    }
}

/// How the Jobs pane shows a journal record.
pub fn job_view(rec: &JobRecord) -> JobView {
    use crate::cloud::model::JobStatus;
    use crate::jobs::record::TrackedState;
    let status = match rec.state {
        TrackedState::Submitted | TrackedState::Init => JobStatus::Init,
        TrackedState::Running => JobStatus::Running,
        TrackedState::PendingPayment => JobStatus::PendingPayment,
        TrackedState::Success => JobStatus::Success,
        // Final for reimage: shown as failures, the detail says which.
        TrackedState::Fail | TrackedState::Lost | TrackedState::TimedOut => JobStatus::Fail,
    };
    let elapsed = time::OffsetDateTime::parse(
        &rec.submitted_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| (time::OffsetDateTime::now_utc() - t).unsigned_abs())
    .unwrap_or_default();
    let mut detail = String::new();
    if matches!(rec.state, TrackedState::Lost | TrackedState::TimedOut) {
        detail.push_str(rec.state.label());
        detail.push(' ');
    }
    if let Some(code) = &rec.error_code {
        detail.push_str(code);
        detail.push(' ');
    }
    if let Some(reason) = &rec.fail_reason {
        detail.push_str(reason);
    }
    let operation = match &rec.route {
        Some(route) => format!("{} {route}", rec.operation.label()),
        None => rec.operation.label().to_string(),
    };
    JobView {
        key: rec.job_id.clone(),
        job_id: Some(rec.job_id.clone()),
        server_id: rec.server_id.clone(),
        server_name: rec.server_name.clone(),
        kind: rec.kind,
        operation,
        submitting: false,
        status,
        elapsed,
        detail: detail.trim_end().to_string(),
        error_code: rec.error_code.clone(),
    }
}

//! `reimage` with no subcommand: resolve the configuration, connect (or start the in-process
//! sandbox), resume the journal's unfinished jobs, and run the full-screen TUI with effects
//! that run its commands on the client.
//!
//! Everything that can fail before the terminal is taken over fails here, plainly, on the
//! normal screen with its fix.

use super::CliError;
use super::submit;
use crate::cloud::bootstrap::{self, Connected};
use crate::cloud::model::ServerKind;
use crate::cloud::{Client, CloudError, ImageQuery};
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::pacing::JobSettings;
use crate::jobs::poller::{self, PollerHandle, Sinks};
use crate::jobs::record::JobRecord;
use crate::tui::keymap::Keymap;
use crate::tui::theme::{ColorChoice, GlyphChoice};
use crate::tui::{Command, HeaderInfo, JobView, Msg, Resource, UiOptions};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

/// Change/reinstall/stop requests in flight at once (bulk actions), unless
/// `bulk_concurrency` in config.toml says otherwise.
pub const DEFAULT_SUBMIT_CONCURRENCY: usize = 4;

/// Run the TUI until the user quits.
pub async fn run_tui(global: &GlobalArgs, env: &Env) -> Result<(), CliError> {
    let resolved = crate::config::resolve(global, env)?;
    if let Err(e) = crate::logging::init(&resolved.paths.log_file(), global.log_level.as_deref()) {
        eprintln!("reimage: logging is off: {e}");
    }
    if resolved.settings.insecure {
        eprintln!(
            "WARNING: --insecure: TLS certificates are NOT checked; anyone on the network path can read and change your requests"
        );
    }
    let options = ui_options(&resolved)?;
    let connected = bootstrap::connect(&resolved).await?;
    let mut warnings = Vec::new();
    for n in &connected.notices {
        tracing::info!("{n}");
        if n.starts_with("WARNING") {
            // On the normal screen (seen after quitting) and, below, in the TUI itself.
            eprintln!("reimage: {n}");
            warnings.push(n.clone());
        }
    }
    let (journal, replay) = super::jobs::open_journal(&resolved)?;
    for w in &replay.warnings {
        tracing::warn!("{w}");
    }
    let header = header_of(&resolved, &connected);
    let audit = (
        AuditLog::new(resolved.paths.audit_log()),
        Actor::of(&connected.client).await,
    );
    let effects = TuiEffects::new(EffectsParts {
        global: global.clone(),
        env: env.clone(),
        connected,
        journal: Arc::new(journal),
        replay: replay.jobs,
        job_settings: super::jobs::job_settings(&resolved)?,
        audit,
        submit_concurrency: resolved
            .config
            .bulk_concurrency
            .unwrap_or(DEFAULT_SUBMIT_CONCURRENCY),
        warnings,
    });
    let state = effects.shared.clone();
    let result = crate::tui::run(header, options, effects).await;
    // Stop the in-process sandbox, if any, now that nothing talks to it.
    if let Ok(mut current) = state.current.write()
        && let Some(sandbox) = current.sandbox.take()
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
    })
}

fn config_error(message: String) -> CliError {
    CliError::Cloud(CloudError::config(message))
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
        credential_source: ctx.source_label(),
    }
}

/// What the effects share across commands: the connection (replaced on a profile or
/// region switch) and the job machinery.
struct Shared {
    global: GlobalArgs,
    env: Env,
    current: RwLock<Connected>,
    journal: Arc<Journal>,
    poller: RwLock<Option<PollerHandle>>,
    /// `[jobs]` of config.toml: poller pacing, limits, bell.
    job_settings: JobSettings,
    /// The audit log and who acts (the account of the first connection).
    audit: (AuditLog, Actor),
    /// Bounds the change/reinstall/stop requests sent at once.
    submits: Arc<Semaphore>,
}

impl Shared {
    fn client(&self) -> Client {
        match self.current.read() {
            Ok(c) => c.client.clone(),
            Err(poisoned) => poisoned.into_inner().client.clone(),
        }
    }
}

/// Runs the TUI's commands on the client; owns the journal, the audit log and the job
/// poller.
pub struct TuiEffects {
    shared: Arc<Shared>,
    /// Jobs replayed from the journal, handed to the TUI and the poller on the first load.
    replay: Vec<JobRecord>,
    /// Start-up warnings (a credentials file others can read), shown once in the TUI.
    warnings: std::sync::Mutex<Vec<String>>,
}

/// What the effects are built from.
pub struct EffectsParts {
    /// The flags and environment a profile or region switch re-resolves with.
    pub global: GlobalArgs,
    pub env: Env,
    pub connected: Connected,
    pub journal: Arc<Journal>,
    /// The journal's jobs, resumed on the first server listing.
    pub replay: Vec<JobRecord>,
    pub job_settings: JobSettings,
    pub audit: (AuditLog, Actor),
    /// Change/reinstall/stop requests in flight at once (at least 1).
    pub submit_concurrency: usize,
    /// Start-up warnings (a credentials file others can read), shown once in the TUI.
    pub warnings: Vec<String>,
}

impl TuiEffects {
    pub fn new(parts: EffectsParts) -> Self {
        TuiEffects {
            shared: Arc::new(Shared {
                global: parts.global,
                env: parts.env,
                current: RwLock::new(parts.connected),
                journal: parts.journal,
                poller: RwLock::new(None),
                job_settings: parts.job_settings,
                audit: parts.audit,
                submits: Arc::new(Semaphore::new(parts.submit_concurrency.max(1))),
            }),
            replay: parts.replay,
            warnings: std::sync::Mutex::new(parts.warnings),
        }
    }
}

fn failed(what: Resource, generation: u64, e: &CloudError) -> Msg {
    Msg::LoadFailed {
        what,
        generation,
        error: e.to_string(),
        hint: e.hint().map(str::to_string),
    }
}

impl crate::tui::Effects for TuiEffects {
    fn run(&self, cmd: Command, tx: UnboundedSender<Msg>) {
        if let Ok(mut warnings) = self.warnings.lock() {
            for w in warnings.drain(..) {
                let _ = tx.send(Msg::Error {
                    error: w,
                    hint: None,
                });
            }
        }
        let client = self.shared.client();
        match cmd {
            Command::LoadServers { kind, generation } => {
                if kind == ServerKind::Ecs {
                    self.ensure_poller(&tx);
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
                        Err(e) => failed(Resource::Servers(kind), generation, &e),
                    });
                });
            }
            Command::LoadImages { generation } => {
                tokio::spawn(async move {
                    let _ = tx.send(match client.list_images(&ImageQuery::default()).await {
                        Ok(images) => Msg::ImagesLoaded { generation, images },
                        Err(e) => failed(Resource::Images, generation, &e),
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
                        Err(e) => failed(Resource::Keypairs, generation, &e),
                    });
                });
            }
            Command::SwitchRegion(region) => {
                let mut global = self.shared.global.clone();
                global.region = Some(region);
                self.switch(global, tx);
            }
            Command::SwitchProfile(profile) => {
                let mut global = self.shared.global.clone();
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
                if let Err(e) = self.shared.journal.record_dismissed(&id) {
                    tracing::error!(job_id = %id, error = %e, "cannot journal a dismissal");
                }
                if let Some(p) = self.poller() {
                    p.forget(&id);
                }
            }
            Command::Submit(sub) => {
                self.ensure_poller(&tx);
                tokio::spawn(submit::os_request(client, self.sink(), *sub, tx));
            }
            Command::StopServer {
                key,
                kind,
                server_id,
                server_name,
            } => {
                self.ensure_poller(&tx);
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
            // Handled by the run loop itself.
            Command::CopyToClipboard(_) | Command::RepaintAll | Command::Quit | Command::Bell => {}
        }
    }
}

impl TuiEffects {
    /// Start the job poller once, resuming the journal's unfinished jobs.
    fn ensure_poller(&self, tx: &UnboundedSender<Msg>) {
        let Ok(mut slot) = self.shared.poller.write() else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let client = self.shared.client();
        let handle = poller::spawn(
            client.clone(),
            self.shared.job_settings.poller.clone(),
            Sinks {
                journal: self.shared.journal.clone(),
                audit: Some(self.shared.audit.clone()),
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
            client,
            self.replay.clone(),
            self.shared.job_settings.bell,
        ));
        *slot = Some(handle);
    }

    fn poller(&self) -> Option<PollerHandle> {
        self.shared.poller.read().ok().and_then(|p| p.clone())
    }

    /// Where a submitted job goes: journal, audit log, poller, and the bound on requests
    /// in flight.
    fn sink(&self) -> submit::Sink {
        submit::Sink {
            journal: self.shared.journal.clone(),
            audit: self.shared.audit.clone(),
            poller: self.poller(),
            permits: self.shared.submits.clone(),
        }
    }

    /// Re-resolve with other flags and reconnect; the TUI reloads on `ContextChanged`.
    fn switch(&self, global: GlobalArgs, tx: UnboundedSender<Msg>) {
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let outcome = async {
                let resolved = crate::config::resolve(&global, &shared.env)?;
                let connected = bootstrap::connect(&resolved).await?;
                Ok::<_, CliError>((header_of(&resolved, &connected), connected))
            }
            .await;
            let msg = match outcome {
                Ok((header, connected)) => {
                    if let Ok(mut current) = shared.current.write() {
                        let old = std::mem::replace(&mut *current, connected);
                        if let Some(sandbox) = old.sandbox {
                            sandbox.shutdown();
                        }
                    }
                    Msg::ContextChanged(header)
                }
                Err(e) => Msg::Error {
                    error: e.to_string(),
                    hint: None,
                },
            };
            let _ = tx.send(msg);
        });
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

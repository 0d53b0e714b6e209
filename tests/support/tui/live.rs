//! The whole TUI against the in-process sandbox: the real `App`, the real effects
//! (`reimage::cli::TuiEffects`: client, journal, poller) and loopback HTTP.

use reimage::cli::Connected;
use reimage::cli::{EffectsParts, Start, TuiEffects};
use reimage::cloud::model::{Server, ServerKind};
use reimage::cloud::{Client, ClientSettings};
use reimage::config::{Env, GlobalArgs, Secret, StaticKeys};
use reimage::jobs::audit::{Actor, AuditLog};
use reimage::jobs::journal::Journal;
use reimage::jobs::pacing::JobSettings;
use reimage::sandbox::{Sandbox, SandboxConfig};
use reimage::tui::{App, Command, Effects, Msg};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub struct Live {
    pub sandbox: Sandbox,
    pub client: Client,
    pub app: App,
    pub journal_path: std::path::PathBuf,
    pub audit_path: std::path::PathBuf,
    effects: TuiEffects,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    _dir: tempfile::TempDir,
}

impl Live {
    /// A sandbox whose jobs take `job_seconds`, the app loaded from it at 100x30.
    pub async fn start(job_seconds: f64) -> Live {
        Self::start_with(job_seconds, reimage::cli::DEFAULT_SUBMIT_CONCURRENCY).await
    }

    /// As [`Live::start`], with at most `concurrency` requests sent at once.
    pub async fn start_with(job_seconds: f64, concurrency: usize) -> Live {
        let sandbox = reimage::sandbox::start(SandboxConfig {
            job_seconds,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let keys = StaticKeys {
            ak: sandbox.ak.clone(),
            sk: Secret::new(sandbox.sk.clone()),
            security_token: None,
            project_id: Some(sandbox.project_id.clone()),
            domain_id: None,
            region: None,
        };
        let settings = ClientSettings::with_keys(&sandbox.url, keys, &sandbox.region);
        let client = Client::connect(settings).await.expect("client connects");
        let dir = tempfile::tempdir().expect("temp dir");
        let journal_path = dir.path().join("jobs.jsonl");
        let (journal, replay) = Journal::open(&journal_path).expect("journal opens");
        let connected = Connected {
            client: client.clone(),
            sandbox: None,
            notices: Vec::new(),
        };
        let actor = Actor::of(&client).await;
        let effects = TuiEffects::new(EffectsParts {
            global: GlobalArgs::default(),
            env: Env::default(),
            start: Start::Up(Box::new(connected), actor),
            journal: Arc::new(journal),
            replay: replay.jobs,
            job_settings: JobSettings::default(),
            audit_log: AuditLog::new(dir.path().join("audit.log")),
            submit_concurrency: concurrency,
        });
        let (tx, rx) = unbounded_channel();
        let mut header = super::header(false);
        header.project_id = sandbox.project_id.clone();
        let mut app = App::new(header, &super::options(false));
        app.update(Msg::Resize(100, 30));
        let mut live = Live {
            sandbox,
            client,
            app,
            journal_path,
            audit_path: dir.path().join("audit.log"),
            effects,
            tx,
            rx,
            _dir: dir,
        };
        let cmds = live.app.start();
        live.run(cmds);
        live.settle().await;
        live
    }

    /// Hands commands to the effects (the run loop's job).
    pub fn run(&mut self, cmds: Vec<Command>) {
        for c in cmds {
            if !c.is_local() {
                self.effects.run(c, self.tx.clone());
            }
        }
    }

    /// Applies one key helper's commands.
    pub fn keys(&mut self, f: impl FnOnce(&mut App) -> Vec<Command>) {
        let cmds = f(&mut self.app);
        self.run(cmds);
    }

    fn apply(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.run(cmds);
    }

    /// Marks the servers `names` (Space on each) and presses `key` (`c` or `R`), then lets
    /// the form's own commands (the caller's user id) answer.
    pub async fn open_form_on(&mut self, names: &[&str], key: char) {
        self.keys(|a| {
            for name in names {
                super::select(a, name);
                super::key(a, crossterm::event::KeyCode::Char(' '));
            }
            super::key(a, crossterm::event::KeyCode::Char(key))
        });
        self.settle().await;
    }

    /// Handles messages until none came for a while.
    pub async fn settle(&mut self) {
        while let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_millis(400), self.rx.recv()).await
        {
            self.apply(msg);
        }
    }

    /// Handles messages until `done` holds (panics after 15 s with `what`).
    pub async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !done(&self.app) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.apply(msg),
                _ => panic!(
                    "timed out waiting for {what}:\n{}",
                    super::screen(&self.app, 100, 30)
                ),
            }
        }
    }

    pub fn count(&self, op: &str) -> u64 {
        self.sandbox
            .counters()
            .by_operation
            .get(op)
            .copied()
            .unwrap_or(0)
    }

    /// Every change/reinstall request the sandbox received.
    pub fn os_requests(&self) -> u64 {
        self.sandbox
            .counters()
            .by_operation
            .iter()
            .filter(|(k, _)| k.contains("changeos") || k.contains("reinstallos"))
            .map(|(_, v)| v)
            .sum()
    }

    pub async fn server(&self, kind: ServerKind, name: &str) -> Server {
        self.client
            .list_servers(kind)
            .await
            .expect("listing")
            .into_iter()
            .find(|s| s.name == name)
            .expect("server in the sandbox")
    }

    /// Waits until the server's status is `status` (the sandbox moves jobs on a clock).
    pub async fn wait_status(&self, kind: ServerKind, name: &str, status: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.server(kind, name).await;
            if s.status == status {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} stayed {} (wanted {status})",
                s.status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

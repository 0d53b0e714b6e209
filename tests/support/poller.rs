//! Shared by the poller tests: quick pacing, a journal + audit log in a temp dir, a
//! poller on a real client, and helpers to wait for final states.

use reimage::cloud::Client;
use reimage::cloud::model::{Job, ServerKind};
use reimage::jobs::audit::{Actor, AuditLog};
use reimage::jobs::journal::Journal;
use reimage::jobs::poller::{self, JobEvent, PollerConfig, PollerHandle, Sinks};
use reimage::jobs::record::JobRecord;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

pub const PASSWORD: &str = "Str0ng!Pass9";

pub fn quick() -> PollerConfig {
    PollerConfig {
        first_poll: Duration::from_millis(20),
        fast_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(100),
        payment_interval: Duration::from_millis(200),
        throttled_interval: Duration::from_millis(300),
        concurrency: 8,
        limit_stop: Duration::from_secs(60),
        limit_ecs: Duration::from_secs(60),
        limit_bms: Duration::from_secs(60),
    }
}

pub struct Rig {
    _dir: tempfile::TempDir,
    pub journal: Arc<Journal>,
    pub audit: AuditLog,
    pub events: UnboundedReceiver<JobEvent>,
    pub poller: PollerHandle,
}

pub fn rig(client: &Client, config: PollerConfig) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let (journal, _) = Journal::open(dir.path().join("jobs.jsonl")).expect("journal");
    let journal = Arc::new(journal);
    let audit = AuditLog::new(dir.path().join("audit.log"));
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let poller = poller::spawn(
        client.clone(),
        config,
        Sinks {
            journal: journal.clone(),
            audit: Some((audit.clone(), Actor::default())),
            events: tx,
        },
    );
    Rig {
        _dir: dir,
        journal,
        audit,
        events,
        poller,
    }
}

impl Rig {
    /// Journal the submission (as the form does), then track it.
    pub fn track(&self, rec: JobRecord) {
        self.journal.record_submitted(&rec).expect("journal");
        self.poller.track(rec);
    }

    /// Events until `n` jobs are final; returns them with their last detail, in order.
    pub async fn finals(&mut self, n: usize) -> Vec<(JobRecord, Option<Box<Job>>)> {
        let mut out = Vec::new();
        let wait = tokio::time::timeout(Duration::from_secs(60), async {
            while out.len() < n {
                match self.events.recv().await.expect("poller alive") {
                    JobEvent::Changed { record, detail } if record.state.is_final() => {
                        out.push((*record, detail))
                    }
                    _ => {}
                }
            }
        });
        wait.await.expect("jobs finish in time");
        out
    }

    pub fn files_text(&self) -> String {
        let j = std::fs::read_to_string(self.journal.path()).expect("journal file");
        let a = std::fs::read_to_string(self.audit.path()).unwrap_or_default();
        format!("{j}\n{a}")
    }
}

pub async fn server_id(c: &Client, kind: ServerKind, name: &str) -> String {
    c.list_servers(kind)
        .await
        .expect("list")
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("server {name} in the inventory"))
        .id
}

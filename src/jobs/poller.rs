//! The job poller: one tokio task owns every live job and polls each on the service that
//! created it. It never blocks the UI: it takes orders over a channel and reports each
//! change as a [`JobEvent`], after writing it to the journal.
//!
//! Pacing: first poll after `first_poll`, then `fast_interval` while the job changes,
//! growing by half each unchanged poll up to `max_interval`; a job waiting for payment is
//! polled every `payment_interval`; a throttled poll (429) backs off. At most
//! `concurrency` polls are in flight, and never two for one job.

use super::audit::{Actor, AuditLog};
use super::journal::Journal;
use super::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
use crate::cloud::client::Client;
use crate::cloud::error::CloudError;
use crate::cloud::model::{Job, ServerKind};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub first_poll: Duration,
    pub fast_interval: Duration,
    pub max_interval: Duration,
    pub payment_interval: Duration,
    pub throttled_interval: Duration,
    pub concurrency: usize,
    pub limit_stop: Duration,
    pub limit_ecs: Duration,
    pub limit_bms: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_secs(2),
            fast_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(15),
            payment_interval: Duration::from_secs(60),
            throttled_interval: Duration::from_secs(10),
            concurrency: 8,
            limit_stop: Duration::from_secs(5 * 60),
            limit_ecs: Duration::from_secs(30 * 60),
            limit_bms: Duration::from_secs(60 * 60),
        }
    }
}

impl PollerConfig {
    /// How long a job may run before reimage stops waiting for it.
    pub fn limit_for(&self, rec: &JobRecord) -> Duration {
        match (rec.operation, rec.kind) {
            (JobOperation::Stop, _) => self.limit_stop,
            (_, ServerKind::Ecs) => self.limit_ecs,
            (_, ServerKind::Bms) => self.limit_bms,
        }
    }
}

/// What the poller reports.
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// The job's state changed (already in the journal); `detail` is the service's answer.
    Changed {
        record: Box<JobRecord>,
        detail: Option<Box<Job>>,
    },
    /// A poll failed for a passing reason; polling goes on.
    PollFailed { job_id: String, error: String },
}

enum Control {
    Track(Box<JobRecord>),
    PollNow(String),
    Forget(String),
}

/// Orders for the poller task. Dropping every handle stops it.
#[derive(Debug, Clone)]
pub struct PollerHandle {
    tx: mpsc::UnboundedSender<Control>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Control::Track(r) => write!(f, "Track({})", r.job_id),
            Control::PollNow(id) => write!(f, "PollNow({id})"),
            Control::Forget(id) => write!(f, "Forget({id})"),
        }
    }
}

impl PollerHandle {
    /// Follow a job (a new submission, or an unfinished one replayed from the journal).
    pub fn track(&self, record: JobRecord) {
        let _ = self.tx.send(Control::Track(Box::new(record)));
    }

    /// Poll this job at once.
    pub fn poll_now(&self, job_id: &str) {
        let _ = self.tx.send(Control::PollNow(job_id.to_string()));
    }

    /// Stop following a job.
    pub fn forget(&self, job_id: &str) {
        let _ = self.tx.send(Control::Forget(job_id.to_string()));
    }
}

struct Live {
    record: JobRecord,
    next: Instant,
    interval: Duration,
    deadline: Instant,
    in_flight: bool,
    last_detail: Option<Job>,
}

/// Where the poller writes what it learns.
pub struct Sinks {
    pub journal: Arc<Journal>,
    pub audit: Option<(AuditLog, Actor)>,
    pub events: mpsc::UnboundedSender<JobEvent>,
}

/// Start the poller task.
pub fn spawn(client: Client, config: PollerConfig, sinks: Sinks) -> PollerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(client, config, sinks, rx));
    PollerHandle { tx }
}

fn deadline_of(config: &PollerConfig, rec: &JobRecord) -> Instant {
    let limit = config.limit_for(rec);
    let submitted = time::OffsetDateTime::parse(
        &rec.submitted_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok();
    let elapsed = submitted
        .map(|t| (time::OffsetDateTime::now_utc() - t).unsigned_abs())
        .unwrap_or_default();
    Instant::now() + limit.saturating_sub(elapsed)
}

type PollResult = (String, Result<Job, CloudError>);

async fn run(
    client: Client,
    config: PollerConfig,
    sinks: Sinks,
    mut rx: mpsc::UnboundedReceiver<Control>,
) {
    let mut live: HashMap<String, Live> = HashMap::new();
    let mut polls: JoinSet<PollResult> = JoinSet::new();
    let mut open = true;
    while open || !polls.is_empty() {
        launch_due(&client, &config, &mut live, &mut polls);
        let wake = live
            .values()
            .filter(|l| !l.in_flight)
            .map(|l| l.next)
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            ctl = rx.recv(), if open => match ctl {
                Some(Control::Track(rec)) => {
                    let rec = *rec;
                    if !rec.state.is_final() {
                        let deadline = deadline_of(&config, &rec);
                        live.insert(rec.job_id.clone(), Live {
                            next: Instant::now() + config.first_poll,
                            interval: config.fast_interval,
                            deadline,
                            in_flight: false,
                            last_detail: None,
                            record: rec,
                        });
                    }
                }
                Some(Control::PollNow(id)) => {
                    if let Some(l) = live.get_mut(&id) {
                        l.next = Instant::now();
                    }
                }
                Some(Control::Forget(id)) => {
                    live.remove(&id);
                }
                None => {
                    open = false;
                    live.clear();
                }
            },
            Some(done) = polls.join_next(), if !polls.is_empty() => {
                if let Ok((job_id, result)) = done {
                    settle(&config, &sinks, &mut live, &job_id, result);
                }
            }
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
}

fn launch_due(
    client: &Client,
    config: &PollerConfig,
    live: &mut HashMap<String, Live>,
    polls: &mut JoinSet<PollResult>,
) {
    let now = Instant::now();
    let mut due: Vec<(&String, &mut Live)> = live
        .iter_mut()
        .filter(|(_, l)| !l.in_flight && l.next <= now)
        .collect();
    due.sort_by_key(|(_, l)| l.next);
    for (id, l) in due {
        if polls.len() >= config.concurrency {
            break;
        }
        l.in_flight = true;
        let client = client.clone();
        let id = id.clone();
        let kind = l.record.kind;
        polls.spawn(async move {
            let result = client.show_job(kind, &id).await;
            (id, result)
        });
    }
}

/// Fold one poll's answer into the job's state; journal first, then report.
fn settle(
    config: &PollerConfig,
    sinks: &Sinks,
    live: &mut HashMap<String, Live>,
    job_id: &str,
    result: Result<Job, CloudError>,
) {
    let Some(l) = live.get_mut(job_id) else {
        return; // forgotten while its poll was in flight
    };
    l.in_flight = false;
    let now = Instant::now();
    let (state, error_code, fail_reason, detail) = match result {
        Ok(job) => {
            let state = TrackedState::from_status(job.state());
            let code = job.error_code.clone().filter(|c| !c.is_empty());
            let reason = job.fail_reason.clone().filter(|r| !r.is_empty());
            (state, code, reason, Some(job))
        }
        Err(e) if e.status == Some(429) => {
            l.interval = (l.interval * 2)
                .max(config.throttled_interval)
                .min(config.max_interval * 4);
            l.next = now + l.interval;
            let _ = sinks.events.send(JobEvent::PollFailed {
                job_id: job_id.to_string(),
                error: e.to_string(),
            });
            return;
        }
        Err(e) if matches!(e.status, Some(400 | 404 | 410)) => (
            TrackedState::Lost,
            e.code.clone(),
            Some(format!(
                "the service does not know this job any more ({e}); check the server in the console"
            )),
            None,
        ),
        Err(e) => {
            l.interval = (l.interval * 2).min(config.max_interval);
            l.next = now + l.interval;
            let _ = sinks.events.send(JobEvent::PollFailed {
                job_id: job_id.to_string(),
                error: e.to_string(),
            });
            return;
        }
    };
    let (state, error_code, fail_reason) = if !state.is_final() && now >= l.deadline {
        let limit = config.limit_for(&l.record).as_secs() / 60;
        (
            TrackedState::TimedOut,
            None,
            Some(format!(
                "timed out locally after {limit} min — check the server in the console"
            )),
        )
    } else {
        (state, error_code, fail_reason)
    };
    let changed = state != l.record.state
        || error_code != l.record.error_code
        || fail_reason != l.record.fail_reason
        || detail.as_ref() != l.last_detail.as_ref();
    // Pace the next poll: fast while the job moves, slower while it sits still.
    l.interval = match state {
        TrackedState::PendingPayment => config.payment_interval,
        _ if changed => config.fast_interval,
        _ => (l.interval + l.interval / 2).min(config.max_interval),
    };
    l.next = now + l.interval;
    if !changed {
        return;
    }
    if state != l.record.state || error_code != l.record.error_code {
        if let Err(e) = sinks.journal.record_update(
            job_id,
            state,
            error_code.as_deref(),
            fail_reason.as_deref(),
        ) {
            tracing::error!(job_id, error = %e, "cannot write the job journal");
        }
        l.record.updated_at = now_rfc3339();
    }
    l.record.state = state;
    l.record.error_code = error_code;
    l.record.fail_reason = fail_reason;
    l.last_detail = detail.clone();
    let record = l.record.clone();
    if state.is_final() {
        live.remove(job_id);
        if let Some((audit, actor)) = &sinks.audit
            && let Err(e) = audit.finished(actor, &record)
        {
            tracing::error!(job_id, error = %e, "cannot write the audit log");
        }
    }
    let _ = sinks.events.send(JobEvent::Changed {
        record: Box::new(record),
        detail: detail.map(Box::new),
    });
}

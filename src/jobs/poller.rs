//! The job poller: one tokio task owns every live job and polls each on the service that
//! created it. It never blocks the UI: it takes orders over a channel and reports each
//! change as a [`JobEvent`], after writing it to the journal.
//!
//! Pacing ([`PollerConfig`]): first poll after `first_poll`, then `fast_interval` while the
//! job changes, growing by half each unchanged poll up to `max_interval`; a job waiting for
//! payment is polled every `payment_interval`. A 429 pauses every poll for `Retry-After`
//! (or `throttled_interval`). At most `concurrency` polls are in flight, never two for one
//! job. A job past its local time limit becomes `TIMED_OUT`; a job the service answers
//! 400/404/410 for becomes `LOST`. Both end the polling, like `SUCCESS` and `FAIL`.

use super::audit::{Actor, AuditLog};
use super::journal::Journal;
pub use super::pacing::PollerConfig;
use super::pacing::human;
use super::record::{JobRecord, TrackedState, now_rfc3339};
use crate::cloud::client::Client;
use crate::cloud::error::CloudError;
use crate::cloud::model::Job;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// What the poller reports.
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// The job's state changed (already in the journal); `detail` is the service's answer
    /// (with its sub jobs), absent for the states reimage decides itself.
    Changed {
        record: Box<JobRecord>,
        detail: Option<Box<Job>>,
    },
    /// A poll answered with nothing new.
    Polled { job_id: String },
    /// A poll failed for a passing reason; polling goes on (after `paused` if throttled).
    PollFailed {
        job_id: String,
        error: String,
        paused: Option<Duration>,
    },
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

impl PollerHandle {
    /// Follow a job (a new submission, or an unfinished one replayed from the journal).
    /// A job already final is ignored.
    pub fn track(&self, record: JobRecord) {
        let _ = self.tx.send(Control::Track(Box::new(record)));
    }

    /// Poll this job at once (still within the concurrency bound and any 429 pause).
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
    /// Answered at least once since tracked: a job replayed after its limit gets one
    /// poll (it may have ended meanwhile) before it can time out.
    answered: bool,
    last_detail: Option<Job>,
}

/// Where the poller writes what it learns.
pub struct Sinks {
    pub journal: Arc<Journal>,
    pub audit: Option<(AuditLog, Actor)>,
    pub events: mpsc::UnboundedSender<JobEvent>,
}

/// Start the poller task (inside a tokio runtime).
pub fn spawn(client: Client, config: PollerConfig, sinks: Sinks) -> PollerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let poller = Poller {
        client,
        config,
        sinks,
        live: HashMap::new(),
        polls: JoinSet::new(),
        paused_until: None,
    };
    tokio::spawn(poller.run(rx));
    PollerHandle { tx }
}

type PollResult = (String, Result<Job, CloudError>);

struct Poller {
    client: Client,
    config: PollerConfig,
    sinks: Sinks,
    live: HashMap<String, Live>,
    polls: JoinSet<PollResult>,
    /// Set by a 429: no poll starts before then.
    paused_until: Option<Instant>,
}

/// What one poll (or the clock) decided.
struct Outcome {
    state: TrackedState,
    error_code: Option<String>,
    fail_reason: Option<String>,
    detail: Option<Job>,
}

impl Poller {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Control>) {
        let mut open = true;
        while open || !self.polls.is_empty() {
            self.expire();
            self.launch_due();
            let wake = self.wake_at();
            tokio::select! {
                ctl = rx.recv(), if open => match ctl {
                    Some(ctl) => self.control(ctl),
                    None => {
                        open = false;
                        self.live.clear();
                    }
                },
                Some(done) = self.polls.join_next(), if !self.polls.is_empty() => {
                    if let Ok((job_id, result)) = done {
                        self.settle(&job_id, result);
                    }
                }
                _ = tokio::time::sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {}
            }
        }
    }

    fn control(&mut self, ctl: Control) {
        match ctl {
            Control::Track(rec) => {
                let rec = *rec;
                if rec.state.is_final() {
                    return;
                }
                let now = Instant::now();
                self.live.insert(
                    rec.job_id.clone(),
                    Live {
                        next: now + self.config.first_poll,
                        interval: self.config.fast_interval,
                        deadline: now + self.config.remaining(&rec),
                        in_flight: false,
                        answered: false,
                        last_detail: None,
                        record: rec,
                    },
                );
            }
            Control::PollNow(id) => {
                if let Some(l) = self.live.get_mut(&id) {
                    l.next = Instant::now();
                }
            }
            Control::Forget(id) => {
                self.live.remove(&id);
            }
        }
    }

    /// When the loop must wake up by itself: the next due poll or deadline. `None` while
    /// every slot is busy (a finishing poll wakes it) or nothing is live.
    fn wake_at(&self) -> Option<Instant> {
        let idle = self.live.values().filter(|l| !l.in_flight);
        let deadline = idle
            .clone()
            .filter(|l| l.answered)
            .map(|l| l.deadline)
            .min();
        let due = if self.polls.len() >= self.config.concurrency {
            None
        } else {
            idle.map(|l| l.next).min().map(|t| match self.paused_until {
                Some(p) => t.max(p),
                None => t,
            })
        };
        match (due, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Jobs past their local limit end now, without another poll.
    fn expire(&mut self) {
        let now = Instant::now();
        let expired: Vec<String> = self
            .live
            .iter()
            .filter(|(_, l)| !l.in_flight && l.answered && l.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            let outcome = self.timed_out(&id);
            self.apply(&id, outcome);
        }
    }

    fn timed_out(&self, job_id: &str) -> Outcome {
        let limit = self
            .live
            .get(job_id)
            .map(|l| human(self.config.limit_for(&l.record)))
            .unwrap_or_default();
        Outcome {
            state: TrackedState::TimedOut,
            error_code: None,
            fail_reason: Some(format!(
                "timed out locally after {limit} — check the server and its job in the console"
            )),
            detail: None,
        }
    }

    fn launch_due(&mut self) {
        let now = Instant::now();
        if self.paused_until.is_some_and(|p| p > now) {
            return;
        }
        self.paused_until = None;
        let mut due: Vec<(&String, &mut Live)> = self
            .live
            .iter_mut()
            .filter(|(_, l)| !l.in_flight && l.next <= now)
            .collect();
        due.sort_by_key(|(_, l)| l.next);
        for (id, l) in due {
            if self.polls.len() >= self.config.concurrency {
                break;
            }
            l.in_flight = true;
            let client = self.client.clone();
            let id = id.clone();
            let kind = l.record.kind;
            self.polls.spawn(async move {
                let result = client.show_job(kind, &id).await;
                (id, result)
            });
        }
    }

    /// Fold one poll's answer into the job's state.
    fn settle(&mut self, job_id: &str, result: Result<Job, CloudError>) {
        let Some(l) = self.live.get_mut(job_id) else {
            return; // forgotten while its poll was in flight
        };
        l.in_flight = false;
        l.answered = true;
        let now = Instant::now();
        let outcome = match result {
            Ok(job) => Outcome {
                state: TrackedState::from_status(job.state()),
                error_code: job.error_code.clone().filter(|c| !c.is_empty()),
                fail_reason: job.fail_reason.clone().filter(|r| !r.is_empty()),
                detail: Some(job),
            },
            Err(e) if e.is_throttled() => {
                let pause = e.retry_after.unwrap_or(self.config.throttled_interval);
                self.paused_until = Some(now + pause);
                l.next = now + pause;
                self.report_failure(job_id, &e, Some(pause));
                return;
            }
            Err(e) if matches!(e.status, Some(400 | 404 | 410)) => Outcome {
                state: TrackedState::Lost,
                error_code: e.code.clone(),
                // The code goes in `error_code` only: the faces put it before the reason.
                fail_reason: Some(format!(
                    "the service does not know this job ({}): it may have been purged or never \
                     existed here — check the server in the console",
                    e.message
                )),
                detail: None,
            },
            Err(e) => {
                l.interval = self.config.next_interval(l.interval, false);
                l.next = now + l.interval;
                self.report_failure(job_id, &e, None);
                return;
            }
        };
        let outcome = if !outcome.state.is_final() && now >= l.deadline {
            self.timed_out(job_id)
        } else {
            outcome
        };
        self.apply(job_id, outcome);
    }

    fn report_failure(&self, job_id: &str, e: &CloudError, paused: Option<Duration>) {
        tracing::warn!(job_id, error = %e, "job poll failed");
        let _ = self.sinks.events.send(JobEvent::PollFailed {
            job_id: job_id.to_string(),
            error: e.to_string(),
            paused,
        });
    }

    /// Record an outcome: journal first, then the audit log for a final state (only by the
    /// process that journaled it), then report.
    fn apply(&mut self, job_id: &str, o: Outcome) {
        let Some(l) = self.live.get_mut(job_id) else {
            return;
        };
        let now = Instant::now();
        let moved = o.state != l.record.state
            || o.error_code != l.record.error_code
            || o.fail_reason != l.record.fail_reason;
        let changed = moved || o.detail.as_ref() != l.last_detail.as_ref();
        l.interval = match o.state {
            TrackedState::PendingPayment => self.config.payment_interval,
            _ => self.config.next_interval(l.interval, changed),
        };
        l.next = now + l.interval;
        if !changed {
            let _ = self.sinks.events.send(JobEvent::Polled {
                job_id: job_id.to_string(),
            });
            return;
        }
        // Another reimage following the same job may have recorded this already: then
        // the journal and the audit log get nothing from this one.
        let mut first = true;
        if moved {
            // An end is dated as the service dated it, when that is believable.
            let at = match (&o.detail, o.state.is_final()) {
                (Some(job), true) => super::record::ended_at(
                    job.end_time.as_deref(),
                    &l.record.submitted_at,
                    time::OffsetDateTime::now_utc(),
                ),
                _ => now_rfc3339(),
            };
            match self.sinks.journal.record_update_at(
                job_id,
                o.state,
                o.error_code.as_deref(),
                o.fail_reason.as_deref(),
                &at,
            ) {
                Ok(wrote) => first = wrote,
                Err(e) => tracing::error!(job_id, error = %e, "cannot write the job journal"),
            }
            l.record.updated_at = at;
        }
        l.record.state = o.state;
        l.record.error_code = o.error_code;
        l.record.fail_reason = o.fail_reason;
        l.last_detail = o.detail.clone();
        let record = l.record.clone();
        if record.state.is_final() {
            self.live.remove(job_id);
            if let Some((audit, actor)) = &self.sinks.audit
                && first
                && let Err(e) = audit.finished(actor, &record)
            {
                tracing::error!(job_id, error = %e, "cannot write the audit log");
            }
        }
        let _ = self.sinks.events.send(JobEvent::Changed {
            record: Box::new(record),
            detail: o.detail.map(Box::new),
        });
    }
}

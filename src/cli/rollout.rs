//! The rollout driver of `reimage apply` with several servers: wave after wave, each
//! request sent once, at most `bulk_concurrency` in flight, the queue paused by a 429 for
//! its `Retry-After` (a throttled request was not applied and goes again), every job
//! followed with the poller and every SUCCESS checked by re-reading the server. A wave
//! starts only when every job of the one before ended and the failures are within
//! `--max-failures`; beyond it the rollout halts and says which servers were sent, with
//! each outcome, and which were not. Every step is in the rollout journal first
//! (`jobs/rollout.rs`), so `--resume` after `kill -9` sends no server twice and skips none.
//!
//! The driver does not know its face: it says its lines and shows its progress through a
//! [`Face`] (stderr for `apply`, `Msg::RolloutUpdated` in the TUI), follows its jobs with
//! the poller it is given ([`Follow`]), and is steered through a watch channel: `Pause`
//! lets the wave in flight go on and starts no next one until `Resume`; `Abandon` sends
//! nothing more, follows the sent jobs to their end and ends the rollout abandoned.

use super::CliError;
pub(super) use super::rollout_face::{Face, Follow, Stderr, hold, unsteered};
use crate::cloud::model::JobAccepted;
use crate::cloud::{Client, CloudError, ErrorKind};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::poller::JobEvent;
use crate::jobs::record::{JobRecord, TrackedState};
use crate::jobs::rollout::{Outcome, Progress, Rollout, RolloutJournal, ServerRef};
use crate::jobs::submitted::fresh_record;
use crate::ops::MaxFailures;
use crate::safe_text::escape;
use crate::secret::Secret;
use crate::tui::Steer;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use zeroize::Zeroizing;

/// A request that 429s this many times in a row is given up (as refused).
const MAX_THROTTLES: u32 = 8;

/// Polls failing this long without one answer (a lost link): the rollout stops, sends
/// nothing more, and says to resume it.
const LINK_LOST: Duration = Duration::from_secs(120);

/// The body of one server's request.
pub(super) enum Outgoing {
    /// Built by `ops::plan` now.
    Plan(Box<crate::ops::Plan>),
    /// A plan file's body, its markers filled with these secrets.
    Marked {
        body: String,
        password: Option<Arc<Secret>>,
        user_data: Option<Arc<Secret>>,
    },
}

impl Outgoing {
    fn bytes(&self) -> Result<Zeroizing<Vec<u8>>, String> {
        match self {
            Outgoing::Plan(p) => Ok(p.body.to_bytes()),
            Outgoing::Marked {
                body,
                password,
                user_data,
            } => crate::ops::fill_marks(body, password.as_deref(), user_data.as_deref()),
        }
    }
}

/// A server's request, ready to go.
pub(super) struct Request {
    pub path: String,
    pub body: Outgoing,
    /// `v1`, `v2` or `bms`; image names for the journal and the audit log.
    pub route: String,
    pub from_image: String,
    pub to_image: String,
}

/// What a rollout runs with.
pub(super) struct Driver<'a> {
    pub client: &'a Client,
    pub journal: &'a RolloutJournal,
    pub jobs: Arc<Journal>,
    pub audit: (AuditLog, Actor),
    pub concurrency: usize,
    pub max_failures: MaxFailures,
    pub face: &'a dyn Face,
}

/// How a rollout ended.
pub(super) enum Ended {
    Finished,
    Halted(String),
    /// The link to the cloud failed: nothing more was sent; resume later.
    Interrupted(String),
    /// Steered to stop: nothing more was sent, the sent jobs were followed to their end.
    Abandoned,
}

fn job_record(
    d: &Driver<'_>,
    r: &Rollout,
    s: &ServerRef,
    job_id: &str,
    req: Option<&Request>,
) -> JobRecord {
    JobRecord {
        route: req.map(|q| q.route.clone()),
        old_image: req.map(|q| q.from_image.clone()).filter(|i| !i.is_empty()),
        new_image: req.map(|q| q.to_image.clone()).filter(|i| !i.is_empty()),
        ..fresh_record(
            job_id,
            s.kind,
            r.start.operation,
            (&s.id, &s.name),
            d.client.context(),
        )
    }
}

/// The outcome of an ended job, checked against the server: a SUCCESS counts only when
/// the server, read again, shows the image it should.
async fn conclude(
    client: &Client,
    s: &ServerRef,
    expect: &str,
    rec: &JobRecord,
) -> (Outcome, String) {
    let detail = [rec.error_code.as_deref(), rec.fail_reason.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match rec.state {
        TrackedState::Success => match client.show_server(s.kind, &s.id).await {
            Ok(now) if expect.is_empty() || now.current_image_id() == Some(expect) => {
                (Outcome::Success, String::new())
            }
            Ok(now) => (
                Outcome::ImageNotShown,
                format!(
                    "(it shows {})",
                    now.current_image_id().unwrap_or("no image")
                ),
            ),
            Err(e) => (
                Outcome::ImageNotShown,
                format!("(it could not be read again: {e})"),
            ),
        },
        TrackedState::PendingPayment => (
            Outcome::PendingPayment,
            "the order waits for payment".into(),
        ),
        TrackedState::Lost => (Outcome::Lost, detail),
        TrackedState::TimedOut => (Outcome::TimedOut, detail),
        _ => (Outcome::Fail, detail),
    }
}

/// Run the rollout from where its journal stands; `requests` holds a request for every
/// server not sent yet.
pub(super) async fn drive(
    d: &Driver<'_>,
    r: &mut Rollout,
    requests: HashMap<String, Request>,
    follow: Follow,
    mut steer: watch::Receiver<Steer>,
) -> Result<Ended, CliError> {
    let id = r.start.id.clone();
    let total = r.total();
    // A request on disk as leaving, with nothing after it: its answer was lost.
    let lost: Vec<String> = r
        .servers()
        .filter(|(_, _, p)| **p == Progress::Sending)
        .map(|(_, s, _)| s.id.clone())
        .collect();
    for sid in lost {
        let reason = "sent when reimage stopped; its answer was not recorded";
        mark(
            d,
            r,
            &sid,
            Progress::Unknown {
                reason: reason.into(),
            },
        )?;
    }
    let Follow { poller, mut events } = follow;
    let known_jobs = d.jobs.replay()?.jobs;
    let waves = r.start.waves.clone();
    let mut abandoned = false;
    // The wave sent last (1-based), for the face.
    let mut shown_wave = 0;
    let mut steer_open = true;
    for (w, wave) in waves.iter().enumerate() {
        if d.max_failures.exceeded(r.failures(), total) {
            break;
        }
        let mut queue: VecDeque<ServerRef> = wave
            .iter()
            .filter(|s| *r.progress_of(&s.id) == Progress::NotSent)
            .cloned()
            .collect();
        let is_sent = |s: &&ServerRef| matches!(r.progress_of(&s.id), Progress::Sent { .. });
        let follows = wave.iter().filter(is_sent).count();
        if queue.is_empty() && follows == 0 {
            continue;
        }
        // Held before its sent jobs are tracked: no job of the rollout is open meanwhile.
        if !queue.is_empty() {
            if *steer.borrow() == Steer::Pause {
                d.face.changed(r, shown_wave, true);
            }
            hold(&mut steer, &mut events).await;
        }
        if *steer.borrow() == Steer::Abandon && follows == 0 {
            abandoned = true;
            break;
        }
        let mut open: HashMap<String, ServerRef> = HashMap::new();
        for s in wave {
            if let Progress::Sent { job_id } = r.progress_of(&s.id).clone() {
                if !known_jobs.iter().any(|j| j.job_id == job_id) {
                    let _ = d.jobs.record_submitted(&job_record(d, r, s, &job_id, None));
                }
                poller.track(job_record(d, r, s, &job_id, None));
                open.insert(job_id, s.clone());
            }
        }
        d.face.say(&format!(
            "wave {}/{}: {} server(s) to send, {} job(s) to follow",
            w + 1,
            waves.len(),
            queue.len(),
            open.len()
        ));
        shown_wave = w + 1;
        d.face.changed(r, shown_wave, false);
        let mut flying = FuturesUnordered::new();
        let mut pause_until: Option<Instant> = None;
        let mut throttles: HashMap<String, u32> = HashMap::new();
        let mut interrupted: Option<String> = None;
        let mut answered = Instant::now();
        loop {
            abandoned = *steer.borrow() == Steer::Abandon;
            let halting =
                d.max_failures.exceeded(r.failures(), total) || interrupted.is_some() || abandoned;
            let paused = pause_until.is_some_and(|t| t > Instant::now());
            let mut moved = false;
            while !halting && !paused && flying.len() < d.concurrency.max(1) {
                let Some(s) = queue.pop_front() else { break };
                moved = true;
                let Some(req) = requests.get(&s.id) else {
                    let reason = "no request was planned for it".to_string();
                    mark(d, r, &s.id, Progress::Refused { reason })?;
                    continue;
                };
                let bytes = match req.body.bytes() {
                    Ok(b) => b,
                    Err(reason) => {
                        mark(d, r, &s.id, Progress::Refused { reason })?;
                        continue;
                    }
                };
                mark(d, r, &s.id, Progress::Sending)?;
                let (client, path) = (d.client.clone(), req.path.clone());
                flying.push(async move {
                    let result = client.submit_os_request(s.kind, &path, bytes).await;
                    (s, result)
                });
            }
            if moved {
                d.face.changed(r, shown_wave, false);
            }
            if flying.is_empty() && open.is_empty() && (queue.is_empty() || halting) {
                break;
            }
            let wake = pause_until.unwrap_or_else(Instant::now);
            let moved = tokio::select! {
                Some((s, result)) = flying.next(), if !flying.is_empty() => {
                    match sent(d, r, &s, result, requests.get(&s.id))? {
                        Sent::Accepted(rec) => {
                            poller.track(*rec.clone());
                            d.face.accepted(&rec);
                            open.insert(rec.job_id, s);
                        }
                        Sent::Throttled(retry_after) => {
                            let n = throttles.entry(s.id.clone()).or_default();
                            *n += 1;
                            // Retry-After, else exponential back-off with jitter (1 s up to 30 s).
                            let policy = crate::config::RetryPolicy::default();
                            let wait = crate::cloud::retry::delay(&policy, *n, retry_after).max(Duration::from_millis(200));
                            if *n >= MAX_THROTTLES {
                                let reason = format!("throttled (HTTP 429) {n} times in a row; not sent");
                                mark(d, r, &s.id, Progress::Refused { reason })?;
                            } else {
                                let until = Instant::now() + wait;
                                pause_until = Some(pause_until.map_or(until, |p| p.max(until)));
                                d.face.say(&format!("throttled (HTTP 429) sending {}: the queue waits {} s", escape(&s.name), wait.as_secs_f32()));
                                queue.push_front(s);
                            }
                        }
                        Sent::Unreached(why) => {
                            interrupted = Some(why);
                            queue.push_front(s);
                        }
                        Sent::Failed => {}
                    }
                    true
                }
                event = events.recv(), if !open.is_empty() => {
                    let Some(event) = event else {
                        return Err(CliError::Usage("the job poller stopped".into()));
                    };
                    if let JobEvent::PollFailed { error, paused: None, .. } = &event {
                        if answered.elapsed() > LINK_LOST {
                            interrupted = Some(format!("no poll of the open jobs was answered for {} s: {error}", LINK_LOST.as_secs()));
                        }
                    } else {
                        answered = Instant::now();
                    }
                    let mut moved = false;
                    if let JobEvent::Changed { record, .. } = event {
                        let ended = record.state.is_final() || record.state == TrackedState::PendingPayment;
                        if let Some(s) = open.get(&record.job_id).cloned().filter(|_| ended) {
                            open.remove(&record.job_id);
                            let (outcome, detail) = conclude(d.client, &s, &s.expect_image, &record).await;
                            let p = Progress::Ended { job_id: record.job_id.clone(), outcome, detail };
                            let line = format!("{}: {}", escape(&s.name), escape(&p.label()));
                            mark(d, r, &s.id, p)?;
                            d.face.say(&line);
                            moved = true;
                        }
                    }
                    moved
                }
                changed = steer.changed(), if steer_open => {
                    steer_open = changed.is_ok();
                    steer_open
                }
                _ = tokio::time::sleep_until(wake), if paused => false,
            };
            if moved {
                d.face.changed(r, shown_wave, false);
            }
            // The open jobs go on in the cloud; `--resume` follows them again.
            if interrupted.is_some() && flying.is_empty() {
                break;
            }
        }
        if let Some(why) = interrupted {
            return Ok(Ended::Interrupted(why));
        }
        if abandoned {
            break;
        }
    }
    let failures = r.failures();
    if d.max_failures.exceeded(failures, total) {
        let reason = format!(
            "{failures} server(s) failed, more than --max-failures {} allows",
            d.max_failures
        );
        d.journal.halted(&id, &reason)?;
        r.halted = Some(reason.clone());
        return Ok(Ended::Halted(reason));
    }
    if abandoned {
        d.journal.abandoned(&id)?;
        r.abandoned = true;
        return Ok(Ended::Abandoned);
    }
    d.journal.finished(&id)?;
    r.finished = true;
    Ok(Ended::Finished)
}

enum Sent {
    Accepted(Box<JobRecord>),
    /// A 429: not applied; send again after its `Retry-After`, if it said one.
    Throttled(Option<Duration>),
    /// The request never reached the service: not applied, the rollout stops here.
    Unreached(String),
    Failed,
}

/// Journal where a server stands, then hold it so: on disk before anything acts on it.
fn mark(d: &Driver<'_>, r: &mut Rollout, server_id: &str, p: Progress) -> Result<(), CliError> {
    d.journal.step(&r.start.id, server_id, &p)?;
    r.progress.insert(server_id.to_string(), p);
    Ok(())
}

/// Journal what the service answered to one request.
fn sent(
    d: &Driver<'_>,
    r: &mut Rollout,
    s: &ServerRef,
    result: Result<JobAccepted, CloudError>,
    req: Option<&Request>,
) -> Result<Sent, CliError> {
    match result {
        Ok(accepted) => {
            // Journaled before it is shown; a rollout journal that fails stops the
            // rollout, and the job id is said then (it is in jobs.jsonl too).
            let mut rec = job_record(d, r, s, &accepted.job_id, req);
            rec.order_id = accepted.order_id;
            let warn = |w: &str| d.face.say(&format!("warning: {}", escape(w)));
            super::jobs::journal_accepted_to(&d.jobs, &d.audit, &rec, Some(&r.start.login), &warn);
            let line = format!("{}: sent, job {}", escape(&s.name), escape(&rec.job_id));
            let marked = mark(
                d,
                r,
                &s.id,
                Progress::Sent {
                    job_id: rec.job_id.clone(),
                },
            );
            d.face.say(&line);
            marked?;
            Ok(Sent::Accepted(Box::new(rec)))
        }
        Err(e) if e.is_throttled() && e.kind == ErrorKind::Api => {
            mark(d, r, &s.id, Progress::NotSent)?;
            Ok(Sent::Throttled(e.retry_after))
        }
        Err(e) if e.kind == ErrorKind::Network => {
            mark(d, r, &s.id, Progress::NotSent)?;
            Ok(Sent::Unreached(e.to_string()))
        }
        Err(e) => {
            let reason = e.to_string();
            let (word, p) = if e.kind == ErrorKind::AmbiguousSend {
                let reason = reason.clone();
                ("unknown, check it", Progress::Unknown { reason })
            } else {
                (
                    "refused",
                    Progress::Refused {
                        reason: reason.clone(),
                    },
                )
            };
            mark(d, r, &s.id, p)?;
            d.face
                .say(&format!("{}: {word}: {}", escape(&s.name), escape(&reason)));
            Ok(Sent::Failed)
        }
    }
}

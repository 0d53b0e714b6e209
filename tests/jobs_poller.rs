//! The job poller against the sandbox over loopback HTTP: real jobs reach SUCCESS and FAIL,
//! a made-up job id becomes LOST, a job past its limit TIMED_OUT, 429 pauses polling, and
//! 200 jobs are polled with at most `concurrency` requests in flight.

mod client_common;

use client_common::*;
use reimage::cloud::Client;
use reimage::cloud::model::{Job, ServerKind};
use reimage::config::RetryPolicy;
use reimage::jobs::audit::{Actor, AuditLog};
use reimage::jobs::journal::Journal;
use reimage::jobs::poller::{self, JobEvent, PollerConfig, PollerHandle, Sinks};
use reimage::jobs::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
use reimage::sandbox::{FaultSpec, Faults, InventorySpec, Sandbox, SandboxConfig};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const PASSWORD: &str = "Str0ng!Pass9";

fn quick() -> PollerConfig {
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

fn record(job_id: &str, kind: ServerKind, op: JobOperation, server: (&str, &str)) -> JobRecord {
    JobRecord {
        job_id: job_id.to_string(),
        kind,
        operation: op,
        server_id: server.0.to_string(),
        server_name: server.1.to_string(),
        route: None,
        region: "ap-southeast-3".into(),
        project_id: String::new(),
        old_image: None,
        new_image: None,
        order_id: None,
        submitted_at: now_rfc3339(),
        state: TrackedState::Submitted,
        error_code: None,
        fail_reason: None,
        updated_at: now_rfc3339(),
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    journal: Arc<Journal>,
    audit: AuditLog,
    events: UnboundedReceiver<JobEvent>,
    poller: PollerHandle,
}

fn rig(client: &Client, config: PollerConfig) -> Rig {
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
    fn track(&self, rec: JobRecord) {
        self.journal.record_submitted(&rec).expect("journal");
        self.poller.track(rec);
    }

    /// Events until `n` jobs are final; returns them with their last detail, in order.
    async fn finals(&mut self, n: usize) -> Vec<(JobRecord, Option<Box<Job>>)> {
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

    fn files_text(&self) -> String {
        let j = std::fs::read_to_string(self.journal.path()).expect("journal file");
        let a = std::fs::read_to_string(self.audit.path()).unwrap_or_default();
        format!("{j}\n{a}")
    }
}

async fn server_id(c: &Client, kind: ServerKind, name: &str) -> String {
    c.list_servers(kind)
        .await
        .expect("list")
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("server {name} in the inventory"))
        .id
}

#[tokio::test]
async fn reinstall_and_stop_reach_success_and_are_journaled() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.3,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let mut rig = rig(&c, quick());
    let web3 = server_id(&c, ServerKind::Ecs, "web-03").await;
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{pid}}/cloudservers/{web3}/reinstallos"),
            &json!({"os-reinstall": {"adminpass": PASSWORD}}),
        )
        .await
        .expect("reinstall accepted");
    rig.track(record(
        &accepted.job_id,
        ServerKind::Ecs,
        JobOperation::ReinstallOs,
        (&web3, "web-03"),
    ));
    let web1 = server_id(&c, ServerKind::Ecs, "web-01").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&web1))
        .await
        .expect("stop accepted");
    rig.track(record(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&web1, "web-01"),
    ));
    let finals = rig.finals(2).await;
    assert!(
        finals.iter().all(|(r, _)| r.state == TrackedState::Success),
        "{finals:?}"
    );
    // The server really changed: the poller waited for the end, not a guess.
    let s = c.show_server(ServerKind::Ecs, &web1).await.expect("show");
    assert_eq!(s.status, "SHUTOFF");
    // The journal and the audit log tell the same story after a restart; no secret inside.
    let replay = rig.journal.replay().expect("replay");
    assert_eq!(replay.jobs.len(), 2);
    assert!(replay.jobs.iter().all(|j| j.state == TrackedState::Success));
    assert_eq!(replay.unfinished().count(), 0);
    let text = rig.files_text();
    assert_eq!(text.matches("\"finished\"").count(), 2, "{text}");
    assert!(!text.contains(PASSWORD), "a secret reached a file");
}

#[tokio::test]
async fn fail_is_final_with_code_reason_and_sub_jobs() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.3,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let mut rig = rig(&c, quick());
    // A batch stop of a running and a stopped server: one sub job fails, so the job does.
    let web1 = server_id(&c, ServerKind::Ecs, "web-02").await;
    let web3 = server_id(&c, ServerKind::Ecs, "web-staging").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, &[web1.clone(), web3.clone()])
        .await
        .expect("stop accepted");
    rig.track(record(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&web1, "web-02"),
    ));
    let (rec, detail) = rig.finals(1).await.remove(0);
    assert_eq!(rec.state, TrackedState::Fail);
    assert_eq!(rec.error_code.as_deref(), Some("Ecs.0100"));
    assert!(rec.fail_reason.as_deref().is_some_and(|r| !r.is_empty()));
    let detail = detail.expect("the service's answer");
    let subs: Vec<(&str, &str)> = detail
        .entities
        .sub_jobs
        .iter()
        .map(|s| {
            (
                s.status.as_str(),
                s.entities.server_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert!(subs.contains(&("SUCCESS", web1.as_str())), "{subs:?}");
    assert!(subs.contains(&("FAIL", web3.as_str())), "{subs:?}");
    // FAIL ended the polling: no more requests for this job.
    let polls = op_count(&sb, "jobs.show");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(op_count(&sb, "jobs.show"), polls);
    let replay = rig.journal.replay().expect("replay");
    assert_eq!(replay.jobs[0].state, TrackedState::Fail);
    assert_eq!(replay.jobs[0].error_code.as_deref(), Some("Ecs.0100"));
}

#[tokio::test]
async fn unknown_job_is_lost_not_an_endless_spin() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let mut rig = rig(&c, quick());
    for (n, kind) in [ServerKind::Ecs, ServerKind::Bms].into_iter().enumerate() {
        rig.track(record(
            &format!("ff8080817a0b0c0d0e0f00000000000{n}"),
            kind,
            JobOperation::ChangeOs,
            ("00000000-0000-4000-8000-000000000000", "gone"),
        ));
    }
    let finals = rig.finals(2).await;
    for (rec, _) in &finals {
        assert_eq!(rec.state, TrackedState::Lost, "{rec:?}");
        assert_eq!(rec.error_code.as_deref(), Some("Common.0011"));
        assert!(
            rec.fail_reason
                .as_deref()
                .is_some_and(|r| r.contains("does not know this job")),
            "{rec:?}"
        );
    }
    let polls = op_count(&sb, "jobs.show");
    assert_eq!(polls, 2, "one poll each, then stop");
}

#[tokio::test]
async fn job_past_its_limit_times_out_and_polling_stops() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 60.0,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let mut rig = rig(
        &c,
        PollerConfig {
            limit_ecs: Duration::from_millis(1500),
            ..quick()
        },
    );
    let web3 = server_id(&c, ServerKind::Ecs, "db-replica-1").await;
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v1/{{pid}}/cloudservers/{web3}/reinstallos"),
            &json!({"os-reinstall": {"adminpass": PASSWORD}}),
        )
        .await
        .expect("accepted");
    rig.track(record(
        &accepted.job_id,
        ServerKind::Ecs,
        JobOperation::ReinstallOs,
        (&web3, "db-replica-1"),
    ));
    let (rec, _) = rig.finals(1).await.remove(0);
    assert_eq!(rec.state, TrackedState::TimedOut);
    assert!(
        rec.fail_reason
            .as_deref()
            .is_some_and(|r| r.contains("timed out locally") && r.contains("console")),
        "{rec:?}"
    );
    let polls = op_count(&sb, "jobs.show");
    assert!(polls >= 1, "it was polled before the limit");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(op_count(&sb, "jobs.show"), polls, "polling stopped");
    assert_eq!(
        rig.journal.replay().expect("replay").jobs[0].state,
        TrackedState::TimedOut
    );
}

#[tokio::test]
async fn throttled_polls_wait_for_retry_after() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.2,
        ..SandboxConfig::default()
    })
    .await;
    let mut settings = settings(&sb);
    settings.retry = RetryPolicy {
        max_attempts: 1,
        ..settings.retry
    };
    let c = Client::connect(settings).await.expect("connects");
    let mut rig = rig(&c, quick());
    let id = server_id(&c, ServerKind::Ecs, "api-01").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&id))
        .await
        .expect("stop accepted");
    throttle(&sb, 1.0);
    rig.track(record(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&id, "api-01"),
    ));
    let paused = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(JobEvent::PollFailed { paused, .. }) = rig.events.recv().await {
                return paused;
            }
        }
    })
    .await
    .expect("a throttled poll is reported");
    assert_eq!(paused, Some(Duration::from_secs(2)), "Retry-After honoured");
    // Without the pause the 20 ms interval would poll ~50 times in this second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(op_count(&sb, "jobs.show"), 1, "no poll during the pause");
    throttle(&sb, 0.0);
    let (rec, _) = rig.finals(1).await.remove(0);
    assert_eq!(rec.state, TrackedState::Success);
}

fn throttle(sb: &Sandbox, share: f64) {
    let mut faults = Faults::default();
    faults.operations.insert(
        "jobs.show".into(),
        FaultSpec {
            throttle_429: share,
            retry_after_seconds: 2,
            ..FaultSpec::default()
        },
    );
    sb.set_faults(faults);
}

#[tokio::test]
async fn two_hundred_jobs_respect_the_concurrency_bound() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.6,
        inventory: InventorySpec::Generated {
            servers: 700,
            bms: 5,
            images: 60,
            keypairs: 5,
            seed: 11,
        },
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let running: Vec<_> = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect("list")
        .into_iter()
        .filter(|s| s.status == "ACTIVE" && !s.locked && s.task().is_none())
        .take(200)
        .collect();
    assert_eq!(
        running.len(),
        200,
        "the generated inventory has 200 running servers"
    );
    // Polls take a while, so that they overlap and the bound is what limits them.
    let mut faults = Faults::default();
    faults.operations.insert(
        "jobs.show".into(),
        FaultSpec {
            latency_ms: 25,
            ..FaultSpec::default()
        },
    );
    sb.set_faults(faults);
    let mut rig = rig(&c, quick());
    // Submitted one at a time, tracked after: every overlap the sandbox sees comes from
    // the poller.
    let mut records = Vec::new();
    for s in &running {
        let stop = c
            .stop_servers(ServerKind::Ecs, std::slice::from_ref(&s.id))
            .await
            .expect("stop accepted");
        records.push(record(
            &stop.job_id,
            ServerKind::Ecs,
            JobOperation::Stop,
            (&s.id, &s.name),
        ));
    }
    for rec in records {
        rig.track(rec);
    }
    let finals = rig.finals(200).await;
    assert!(finals.iter().all(|(r, _)| r.state == TrackedState::Success));
    let counters = sb.counters();
    assert!(
        counters.in_flight_max <= 8,
        "at most 8 polls at once, saw {}",
        counters.in_flight_max
    );
    assert!(
        counters.in_flight_max >= 6,
        "the bound was reached (polls overlapped): {}",
        counters.in_flight_max
    );
    assert!(counters.by_operation["jobs.show"] >= 200);
}

#[tokio::test]
async fn pending_payment_is_shown_and_polled_slowly() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let mut rig = rig(&c, quick());
    let lamp = c
        .list_images(&reimage::cloud::ImageQuery::default())
        .await
        .expect("images")
        .into_iter()
        .find(|i| i.name == "LAMP Stack on Ubuntu 22.04")
        .expect("market image")
        .id;
    let erp = server_id(&c, ServerKind::Ecs, "erp-test").await;
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{pid}}/cloudservers/{erp}/changeos"),
            &json!({"os-change": {"adminpass": PASSWORD, "imageid": lamp}}),
        )
        .await
        .expect("accepted with an order");
    assert!(accepted.order_id.is_some());
    rig.track(record(
        &accepted.job_id,
        ServerKind::Ecs,
        JobOperation::ChangeOs,
        (&erp, "erp-test"),
    ));
    let state = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(JobEvent::Changed { record, .. }) = rig.events.recv().await {
                return record.state;
            }
        }
    })
    .await
    .expect("a state is reported");
    assert_eq!(state, TrackedState::PendingPayment);
    assert!(!state.is_final(), "still followed");
    // 200 ms between polls instead of 20-100 ms: at most a few in 500 ms.
    let before = op_count(&sb, "jobs.show");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let polls = op_count(&sb, "jobs.show") - before;
    assert!((1..=3).contains(&polls), "slow polling, saw {polls}");
    assert_eq!(
        rig.journal.replay().expect("replay").jobs[0].state,
        TrackedState::PendingPayment
    );
}

#[tokio::test]
async fn poll_now_skips_the_wait_and_forget_stops_polling() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 60.0,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let rig = rig(
        &c,
        PollerConfig {
            first_poll: Duration::from_secs(30),
            ..quick()
        },
    );
    let id = server_id(&c, ServerKind::Ecs, "bastion-01").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&id))
        .await
        .expect("stop accepted");
    rig.track(record(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&id, "bastion-01"),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(op_count(&sb, "jobs.show"), 0, "first poll is 30 s away");
    rig.poller.poll_now(&stop.job_id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(op_count(&sb, "jobs.show") >= 1, "polled at once");
    rig.poller.forget(&stop.job_id);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let polls = op_count(&sb, "jobs.show");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        op_count(&sb, "jobs.show"),
        polls,
        "forgotten jobs are not polled"
    );
}

#[tokio::test]
async fn a_job_replayed_after_its_limit_is_polled_once_before_timing_out() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.2,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let mut rig = rig(
        &c,
        PollerConfig {
            limit_stop: Duration::from_secs(1),
            ..quick()
        },
    );
    let id = server_id(&c, ServerKind::Ecs, "jenkins").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&id))
        .await
        .expect("stop accepted");
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Submitted an hour ago (reimage was closed meanwhile); the job has in fact ended.
    let mut rec = record(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&id, "jenkins"),
    );
    rec.submitted_at = "2020-01-01T00:00:00Z".into();
    rig.track(rec);
    let (rec, _) = rig.finals(1).await.remove(0);
    assert_eq!(rec.state, TrackedState::Success, "not TIMED_OUT unseen");
}

//! How the poller paces itself against the sandbox: 429 pauses for Retry-After, 200 jobs
//! within the concurrency bound, slow polling while payment is pending, poll-now and forget,
//! one poll for a job replayed after its limit.

use crate::support::client::*;
use crate::support::job_record;
use crate::support::poller::*;
use reimage::cloud::Client;
use reimage::cloud::model::ServerKind;
use reimage::config::RetryPolicy;
use reimage::jobs::poller::{JobEvent, PollerConfig};
use reimage::jobs::record::{JobOperation, TrackedState};
use reimage::sandbox::{FaultSpec, Faults, InventorySpec, Sandbox, SandboxConfig};
use serde_json::json;
use std::time::Duration;

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
    rig.track(
        job_record::submitted(
            &stop.job_id,
            ServerKind::Ecs,
            JobOperation::Stop,
            (&id, "api-01"),
        )
        .build(),
    );
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
        records.push(
            job_record::submitted(
                &stop.job_id,
                ServerKind::Ecs,
                JobOperation::Stop,
                (&s.id, &s.name),
            )
            .build(),
        );
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
    rig.track(
        job_record::submitted(
            &accepted.job_id,
            ServerKind::Ecs,
            JobOperation::ChangeOs,
            (&erp, "erp-test"),
        )
        .build(),
    );
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
    rig.track(
        job_record::submitted(
            &stop.job_id,
            ServerKind::Ecs,
            JobOperation::Stop,
            (&id, "bastion-01"),
        )
        .build(),
    );
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
    let mut rec = job_record::submitted(
        &stop.job_id,
        ServerKind::Ecs,
        JobOperation::Stop,
        (&id, "jenkins"),
    )
    .build();
    rec.submitted_at = "2020-01-01T00:00:00Z".into();
    rig.track(rec);
    let (rec, _) = rig.finals(1).await.remove(0);
    assert_eq!(rec.state, TrackedState::Success, "not TIMED_OUT unseen");
}

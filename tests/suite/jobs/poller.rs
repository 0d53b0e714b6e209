//! The job poller against the sandbox over loopback HTTP: real jobs reach SUCCESS and FAIL,
//! a made-up job id becomes LOST, a job past its limit TIMED_OUT.

use crate::support::client::*;
use crate::support::job_record;
use crate::support::poller::*;
use reimage::cloud::model::ServerKind;
use reimage::jobs::poller::PollerConfig;
use reimage::jobs::record::{JobOperation, JobRecord, TrackedState};
use reimage::sandbox::SandboxConfig;
use serde_json::json;
use std::time::Duration;

/// A password reinstall of the ECS `name` on `route` (`v1`/`v2`), accepted by the service;
/// its record, as the form journals it, not tracked yet.
async fn reinstall(c: &reimage::cloud::Client, name: &str, route: &str) -> JobRecord {
    let id = server_id(c, ServerKind::Ecs, name).await;
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/{route}/{{pid}}/cloudservers/{id}/reinstallos"),
            &json!({"os-reinstall": {"adminpass": PASSWORD}}),
        )
        .await
        .expect("reinstall accepted");
    job_record::submitted(
        &accepted.job_id,
        ServerKind::Ecs,
        JobOperation::ReinstallOs,
        (&id, name),
    )
    .build()
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
    rig.track(reinstall(&c, "web-03", "v2").await);
    let web1 = server_id(&c, ServerKind::Ecs, "web-01").await;
    let stop = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&web1))
        .await
        .expect("stop accepted");
    rig.track(
        job_record::submitted(
            &stop.job_id,
            ServerKind::Ecs,
            JobOperation::Stop,
            (&web1, "web-01"),
        )
        .build(),
    );
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
    rig.track(
        job_record::submitted(
            &stop.job_id,
            ServerKind::Ecs,
            JobOperation::Stop,
            (&web1, "web-02"),
        )
        .build(),
    );
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
        rig.track(
            job_record::submitted(
                &format!("ff8080817a0b0c0d0e0f00000000000{n}"),
                kind,
                JobOperation::ChangeOs,
                ("00000000-0000-4000-8000-000000000000", "gone"),
            )
            .build(),
        );
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
    rig.track(reinstall(&c, "db-replica-1", "v1").await);
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

/// A job that ended while nobody polled it (reimage was not running) keeps the end time the
/// service gives it: its elapsed time is its own, not how long reimage was away.
#[tokio::test]
async fn a_job_that_ended_unwatched_keeps_the_service_end_time() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.5,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let mut rig = rig(&c, quick());
    let rec = reinstall(&c, "web-03", "v2").await;
    // Away for 4 s; the job takes about one.
    tokio::time::sleep(Duration::from_secs(4)).await;
    rig.track(rec);
    let finals = rig.finals(1).await;
    let (ended, job) = &finals[0];
    assert_eq!(ended.state, TrackedState::Success);
    let job = job.as_ref().expect("the service's job");
    let end = job.end_time.as_deref().expect("an end time");
    assert!(ended.updated_at.starts_with(&end[..19]), "{ended:?} {end}");
    let now = time::OffsetDateTime::now_utc();
    assert!(
        ended.elapsed(now) <= Duration::from_secs(2),
        "its own duration, not reimage's absence: {:?}",
        ended.elapsed(now)
    );
    // The journal dates it the same way after a restart.
    let replay = rig.journal.replay().expect("replay");
    assert_eq!(replay.jobs[0].updated_at, ended.updated_at);
}

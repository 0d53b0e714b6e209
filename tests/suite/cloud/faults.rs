//! Retries of reads and send-once changes under the sandbox's fault switches.

use crate::support::client::*;
use reimage::cloud::model::ServerKind;
use reimage::cloud::{Client, ErrorKind};
use reimage::config::RetryPolicy;
use reimage::sandbox::{FaultSpec, Faults};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn faults_on(op: &str, spec: FaultSpec) -> Faults {
    Faults {
        global: FaultSpec::default(),
        operations: BTreeMap::from([(op.to_string(), spec)]),
    }
}

#[tokio::test]
async fn reads_give_up_after_max_attempts_on_5xx_and_drops() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    sb.set_faults(faults_on(
        "ecs.list",
        FaultSpec {
            error_500: 1.0,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("always 500");
    assert_eq!((e.kind, e.status), (ErrorKind::Api, Some(500)));
    assert_eq!(op_count(&sb, "ecs.list"), 5, "max_attempts");

    sb.set_faults(faults_on(
        "ecs.list",
        FaultSpec {
            drop_connection: 1.0,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("always dropped");
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert_eq!(op_count(&sb, "ecs.list"), 10);

    sb.set_faults(faults_on(
        "ims.list",
        FaultSpec {
            error_503: 1.0,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .list_images(&Default::default())
        .await
        .expect_err("always 503");
    assert_eq!(e.status, Some(503));
    assert_eq!(op_count(&sb, "ims.list"), 5);
}

#[tokio::test]
async fn reads_succeed_through_intermittent_faults() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.retry = RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
    };
    let c = Client::connect(s).await.expect("connect");
    let clean = c.list_servers(ServerKind::Ecs).await.expect("clean list");
    let spec = FaultSpec {
        error_500: 0.15,
        error_503: 0.15,
        throttle_429: 0.15,
        retry_after_seconds: 0,
        drop_connection: 0.15,
        ..FaultSpec::default()
    };
    sb.set_faults(Faults {
        global: spec,
        operations: BTreeMap::new(),
    });
    for _ in 0..5 {
        let again = c
            .list_servers(ServerKind::Ecs)
            .await
            .expect("retries hide the faults");
        assert_eq!(again.len(), clean.len());
    }
    c.list_images(&Default::default())
        .await
        .expect("images through faults");
    c.list_keypairs().await.expect("keys through faults");
    assert!(
        sb.counters().faults_injected > 0,
        "faults were actually injected"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_secs(5),
    };
    let c = Client::connect(s).await.expect("connect");
    sb.set_faults(faults_on(
        "ecs.list",
        FaultSpec {
            throttle_429: 1.0,
            retry_after_seconds: 1,
            ..FaultSpec::default()
        },
    ));
    let started = Instant::now();
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("throttled");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(
        (e.status, e.code.as_deref()),
        (Some(429), Some("APIGW.0308"))
    );
    assert!(e.hint().expect("hint").contains("throttled"));
    assert_eq!(op_count(&sb, "ecs.list"), 2);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    sb.set_faults(faults_on(
        "ecs.list",
        FaultSpec {
            malformed_json: 1.0,
            ..FaultSpec::default()
        },
    ));
    let e = c.list_servers(ServerKind::Ecs).await.expect_err("cut body");
    assert_eq!(e.kind, ErrorKind::Decode, "{e}");
}

/// Change-OS requests and stops are sent exactly once, whatever the fault.
#[tokio::test]
async fn os_change_post_is_sent_exactly_once_under_faults() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    let image = good_image(&c, ServerKind::Ecs, true).await;
    let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[0].id);
    let body = json!({"os-change": {"adminpass": "Bl0ck!Quay7", "imageid": image.id, "mode": "withStopServer"}});
    let faults = [
        (
            "drop",
            FaultSpec {
                drop_connection: 1.0,
                ..FaultSpec::default()
            },
            ErrorKind::AmbiguousSend,
        ),
        (
            "500",
            FaultSpec {
                error_500: 1.0,
                ..FaultSpec::default()
            },
            ErrorKind::AmbiguousSend,
        ),
        (
            "503",
            FaultSpec {
                error_503: 1.0,
                ..FaultSpec::default()
            },
            ErrorKind::AmbiguousSend,
        ),
        (
            "malformed",
            FaultSpec {
                malformed_json: 1.0,
                ..FaultSpec::default()
            },
            ErrorKind::AmbiguousSend,
        ),
        (
            "429",
            FaultSpec {
                throttle_429: 1.0,
                retry_after_seconds: 0,
                ..FaultSpec::default()
            },
            ErrorKind::Api,
        ),
    ];
    for (i, (name, spec, kind)) in faults.into_iter().enumerate() {
        sb.set_faults(faults_on("ecs.changeos.v2", spec));
        let e = c
            .submit_os_request(ServerKind::Ecs, &path, &body)
            .await
            .expect_err(name);
        assert_eq!(e.kind, kind, "{name}: {e}");
        assert_eq!(
            op_count(&sb, "ecs.changeos.v2"),
            i as u64 + 1,
            "{name}: sent exactly once"
        );
        if kind == ErrorKind::AmbiguousSend {
            assert!(
                e.hint().expect("hint").contains("check the server"),
                "{name}"
            );
        }
    }
    sb.set_faults(faults_on(
        "ecs.action",
        FaultSpec {
            drop_connection: 1.0,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&ecs[1].id))
        .await
        .expect_err("dropped stop");
    assert_eq!(e.kind, ErrorKind::AmbiguousSend);
    assert_eq!(op_count(&sb, "ecs.action"), 1, "stop sent exactly once");
}

#[tokio::test]
async fn timeout_after_sending_a_change_is_ambiguous() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.timeout = Duration::from_millis(300);
    let c = Client::connect(s).await.expect("connect");
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    let image = good_image(&c, ServerKind::Ecs, true).await;
    sb.set_faults(faults_on(
        "ecs.changeos.v2",
        FaultSpec {
            latency_ms: 2_000,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[0].id),
            &json!({"os-change": {"adminpass": "Bl0ck!Quay7", "imageid": image.id, "mode": "withStopServer"}}),
        )
        .await
        .expect_err("timed out");
    assert_eq!(e.kind, ErrorKind::AmbiguousSend, "{e}");
    assert_eq!(op_count(&sb, "ecs.changeos.v2"), 1);
    sb.set_faults(faults_on(
        "ecs.list",
        FaultSpec {
            latency_ms: 2_000,
            ..FaultSpec::default()
        },
    ));
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("read timed out");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
}

/// The fault matrix's "latency 2 s" row for submitting (the other faults are in
/// `os_change_post_is_sent_exactly_once_under_faults`): a slow gateway delays the answer,
/// the change still goes out once and its job id comes back.
#[tokio::test]
async fn a_slow_gateway_still_sends_the_change_once() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    let image = good_image(&c, ServerKind::Ecs, true).await;
    sb.set_faults(Faults {
        global: FaultSpec {
            latency_ms: 2_000,
            ..FaultSpec::default()
        },
        operations: BTreeMap::new(),
    });
    let started = Instant::now();
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[0].id),
            &json!({"os-change": {"adminpass": "Bl0ck!Quay7", "imageid": image.id, "mode": "withStopServer"}}),
        )
        .await
        .expect("accepted despite the latency");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(!accepted.job_id.is_empty());
    assert_eq!(op_count(&sb, "ecs.changeos.v2"), 1, "sent exactly once");
}

/// The fault matrix's "slow body" row: the headers come at once and the body trickles. A
/// read that trickles past the client's total timeout is a timeout; a change whose answer
/// trickles past it was sent once and its outcome is unknown; a body that trickles within
/// the timeout is read whole.
#[tokio::test]
async fn a_slow_body_is_read_whole_or_ends_in_a_timeout_and_changes_go_once() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.timeout = Duration::from_millis(800);
    let c = Client::connect(s).await.expect("connect");
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    let image = good_image(&c, ServerKind::Ecs, true).await;
    let slow = |ms| FaultSpec {
        slow_body_ms: ms,
        ..FaultSpec::default()
    };

    // A job answer is a few hundred bytes: two chunks at 50 ms arrive well in time.
    sb.set_faults(faults_on("ecs.changeos.v2", slow(50)));
    let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[0].id);
    let body = json!({"os-change": {"adminpass": "Bl0ck!Quay7", "imageid": image.id, "mode": "withStopServer"}});
    let accepted = c
        .submit_os_request(ServerKind::Ecs, &path, &body)
        .await
        .expect("a slow but timely answer is read");
    assert!(!accepted.job_id.is_empty());

    // A listing of dozens of servers at one chunk per 400 ms cannot finish in 800 ms.
    sb.set_faults(faults_on("ecs.list", slow(400)));
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("the body outlives the timeout");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");

    // A change whose answer trickles past the timeout: sent once, outcome unknown.
    sb.set_faults(faults_on("ecs.changeos.v2", slow(2_000)));
    let before = op_count(&sb, "ecs.changeos.v2");
    let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[1].id);
    let e = c
        .submit_os_request(ServerKind::Ecs, &path, &body)
        .await
        .expect_err("the answer outlives the timeout");
    assert_eq!(e.kind, ErrorKind::AmbiguousSend, "{e}");
    assert_eq!(
        op_count(&sb, "ecs.changeos.v2"),
        before + 1,
        "sent exactly once"
    );
}

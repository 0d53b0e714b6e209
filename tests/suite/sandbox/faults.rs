//! Fault switches, body limits and bad input: the sandbox answers as configured and never
//! wedges.

use crate::support::client::{sandbox, sandbox_with};
use crate::support::signed::*;
use reimage::sandbox::{FaultSpec, Faults, SandboxConfig};
use std::time::{Duration, Instant};

fn only(op: &str, spec: FaultSpec) -> Faults {
    let mut f = Faults::default();
    f.operations.insert(op.into(), spec);
    f
}

#[tokio::test]
async fn error_shares_throttling_latency_and_malformed_bodies() {
    let sb = sandbox().await;
    let path = format!("/v1/{}/cloudservers/detail", sb.project_id);
    sb.set_faults(only(
        "ecs.list",
        FaultSpec {
            error_500: 1.0,
            ..FaultSpec::default()
        },
    ));
    let r = get(&sb, &path, &[]).await;
    assert_eq!((r.status, r.code().as_str()), (500, "Common.0001"));
    assert_eq!(
        get(&sb, "/v2/cloudimages", &[]).await.status,
        200,
        "other operations unaffected"
    );

    sb.set_faults(only(
        "ecs.list",
        FaultSpec {
            error_503: 1.0,
            ..FaultSpec::default()
        },
    ));
    assert_eq!(get(&sb, &path, &[]).await.status, 503);

    sb.set_faults(only(
        "ecs.list",
        FaultSpec {
            throttle_429: 1.0,
            retry_after_seconds: 7,
            ..FaultSpec::default()
        },
    ));
    let r = get(&sb, &path, &[]).await;
    assert_eq!((r.status, r.code().as_str()), (429, "APIGW.0308"));
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );

    sb.set_faults(Faults {
        global: FaultSpec {
            latency_ms: 300,
            ..FaultSpec::default()
        },
        ..Faults::default()
    });
    let t = Instant::now();
    assert_eq!(get(&sb, &path, &[("limit", "1")]).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    sb.set_faults(only(
        "ecs.list",
        FaultSpec {
            malformed_json: 1.0,
            ..FaultSpec::default()
        },
    ));
    let r = get(&sb, &path, &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.text).is_err(),
        "body must not parse"
    );

    sb.set_faults(Faults::default());
    assert_eq!(get(&sb, &path, &[]).await.status, 200);
    assert!(sb.counters().faults_injected >= 5);
}

#[tokio::test]
async fn dropped_connections_are_connection_errors() {
    let mut faults = Faults::default();
    faults
        .apply_setting("jobs.show:drop_connection=1")
        .expect("valid");
    let sb = sandbox_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await;
    let err = send_signed(
        &sb,
        &Signing::of(&sb),
        "GET",
        &format!("/v1/{}/jobs/x", sb.project_id),
        &[],
        b"",
    )
    .await;
    assert!(err.is_err(), "expected a connection error, got a reply");
    // The sandbox keeps serving.
    assert_eq!(
        get(
            &sb,
            &format!("/v1/{}/cloudservers/detail", sb.project_id),
            &[]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn huge_bodies_bad_json_and_wrong_methods() {
    let sb = sandbox().await;
    let path = format!("/v1/{}/cloudservers/action", sb.project_id);
    let huge = vec![b' '; 12 * 1024 * 1024 + 10];
    let r = send_signed(&sb, &Signing::of(&sb), "POST", &path, &[], &huge).await;
    match r {
        Ok(r) => assert_eq!((r.status, r.code().as_str()), (413, "APIGW.0201")),
        Err(e) => panic!("expected 413, got {e}"),
    }
    for body in [
        &b"{not json"[..],
        b"{\"os-stop\": 5}",
        b"{\"os-stop\": {\"servers\": \"x\"}}",
        b"null",
        b"\"str\"",
    ] {
        let r = post_raw(&sb, &path, body).await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(body));
    }
    let r = send_signed(
        &sb,
        &Signing::of(&sb),
        "DELETE",
        &format!("/v1/{}/cloudservers/detail", sb.project_id),
        &[],
        b"",
    )
    .await
    .expect("sent");
    assert_eq!((r.status, r.code().as_str()), (404, "APIGW.0101"));
    let r = get(
        &sb,
        &format!("/v1/{}/cloudservers/detail", sb.project_id),
        &[("limit", "abc")],
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0005"));
    let r = get(
        &sb,
        &format!("/v1/{}/cloudservers/detail", sb.project_id),
        &[("limit", "1001")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        get(
            &sb,
            &format!("/v1/{}/cloudservers/detail", sb.project_id),
            &[]
        )
        .await
        .status,
        200
    );
}

//! `reimage sandbox` as a process, and the in-process handle: one line on stdout, signed
//! requests answered, shutdown closes the port, concurrency is counted.

use crate::support::client::{sandbox, sandbox_with};
use crate::support::signed::*;
use reimage::sandbox::{FaultSpec, Faults, SandboxConfig};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn cli_prints_one_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reimage"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--servers",
            "30",
            "--bms",
            "2",
            "--seed",
            "9",
            "--job-seconds",
            "0.5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line");
    let url = line.split_whitespace().nth(3).expect("url").to_string();
    assert!(
        line.starts_with("sandbox listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(
        line.contains("region=ap-southeast-3") && line.contains("ak=HPUASANDBOX000000001"),
        "{line}"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let status = runtime.block_on(async {
        // An unsigned request proves the server is up and checks signatures.
        client()
            .get(format!("{url}/v2/cloudimages"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.expect("reachable"), 401);
}

#[test]
fn cli_rejects_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_reimage"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--fault",
            "ecs.list:error_500=7",
        ])
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0.0 and 1.0"));
    let out = Command::new(env!("CARGO_BIN_EXE_reimage"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--scale", "huge"])
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let sb = sandbox().await;
    let url = sb.url.clone();
    assert_eq!(
        get(&sb, "/v2/cloudimages", &[("limit", "1")]).await.status,
        200
    );
    sb.shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        client()
            .get(format!("{url}/v2/cloudimages"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn concurrent_requests_are_counted() {
    let faults = Faults {
        global: FaultSpec {
            latency_ms: 200,
            ..FaultSpec::default()
        },
        ..Faults::default()
    };
    let sb = sandbox_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await;
    let path = format!("/v1/{}/cloudservers/detail", sb.project_id);
    let calls = (0..4).map(|_| get(&sb, &path, &[("limit", "1")]));
    let replies = futures::future::join_all(calls).await;
    assert!(replies.iter().all(|r| r.status == 200));
    let c = sb.counters();
    assert!(c.in_flight_max >= 2, "{c:?}");
    assert_eq!(c.by_operation.get("ecs.list"), Some(&4));
    assert!(!format!("{:?}", SandboxConfig::default()).contains(reimage::sandbox::DEFAULT_SK));
    assert!(!format!("{sb:?}").contains(reimage::sandbox::DEFAULT_SK));
}

#[tokio::test]
async fn dropping_the_handle_keeps_serving() {
    let sb = sandbox().await;
    let url = sb.url.clone();
    drop(sb);
    let r = client()
        .get(format!("{url}/v2/cloudimages"))
        .send()
        .await
        .expect("still serving");
    assert_eq!(r.status(), 401);
}

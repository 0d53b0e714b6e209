//! `reimage list all` (and several kinds in one call): the same records as each kind's own
//! listing, read at once rather than one kind after another.

use crate::support::client::*;
use reimage::sandbox::{FaultSpec, Faults, Sandbox};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

async fn reimage(home: &Path, sb: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .args(["--region", &sb.region, "--endpoint", &sb.url])
        .args(args);
    cmd.output().await.expect("runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn list_all_is_each_kind_listed_alone() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let all: Value = serde_json::from_str(&stdout(
        &reimage(home.path(), &sb, &["list", "all", "--format", "json"]).await,
    ))
    .expect("one JSON object");
    let keys: Vec<&str> = all
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for kind in ["servers", "bms", "images", "keypairs"] {
        let alone: Value = serde_json::from_str(&stdout(
            &reimage(home.path(), &sb, &["list", kind, "--format", "json"]).await,
        ))
        .expect("a JSON array");
        assert!(
            alone.as_array().is_some_and(|a| !a.is_empty()),
            "{kind}: {alone}"
        );
        assert_eq!(all[kind], alone, "{kind}");
    }
    // Tables: each kind's own table under its title, in the order of `list all`.
    let two = stdout(&reimage(home.path(), &sb, &["list", "keypairs", "bms"]).await);
    let bms = stdout(&reimage(home.path(), &sb, &["list", "bms"]).await);
    let keys = stdout(&reimage(home.path(), &sb, &["list", "keypairs"]).await);
    assert_eq!(two, format!("# bms\n{bms}\n# keypairs\n{keys}"));
    // A kind named twice is listed once.
    let twice = stdout(&reimage(home.path(), &sb, &["list", "bms", "bms"]).await);
    assert_eq!(twice, bms);
}

/// With 300 ms per request, the four listings of `list all` are in flight together.
#[tokio::test]
async fn list_all_reads_every_kind_at_once() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    // Discover and cache the project id first, so that only listings follow.
    stdout(&reimage(home.path(), &sb, &["list", "keypairs"]).await);
    sb.set_faults(Faults {
        global: FaultSpec {
            latency_ms: 300,
            ..FaultSpec::default()
        },
        ..Faults::default()
    });
    let before = sb.counters().in_flight_max;
    stdout(&reimage(home.path(), &sb, &["list", "all"]).await);
    let most = sb.counters().in_flight_max;
    // ECS, BMS, IMS, Nova and KPS: five listings, each one request (the default
    // inventory fits in a page), all waiting out the latency together.
    assert!(
        most >= 5 && most > before,
        "at most {most} requests in flight"
    );
}

//! The real binary: `reimage list` and `reimage doctor`, with a temp HOME.

mod client_common;

use client_common::*;
use std::path::Path;
use std::process::Output;

async fn reimage(home: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().await.expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn list_without_credentials_uses_the_sandbox_and_says_so() {
    let home = tempfile::tempdir().expect("tmp");
    let out = reimage(home.path(), &[], &["list", "servers", "--format", "json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("SANDBOX"),
        "{}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert!(v.as_array().is_some_and(|a| !a.is_empty()));
}

#[tokio::test]
async fn list_with_env_credentials_against_an_endpoint() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let vars = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
    ];
    let ep = sb.url.clone();
    for what in ["servers", "bms", "images", "keypairs"] {
        let out = reimage(
            home.path(),
            &vars,
            &["list", what, "--region", &sb.region, "--endpoint", &ep],
        )
        .await;
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("SANDBOX"),
            "real credentials, not the fallback"
        );
        let table = text(&out.stdout);
        assert!(
            table.lines().count() > 1,
            "{what}: header and rows\n{table}"
        );
    }
    assert_eq!(
        op_count(&sb, "iam.projects.list"),
        1,
        "project id discovered, then cached"
    );
    let out = reimage(
        home.path(),
        &vars,
        &[
            "list",
            "keypairs",
            "--format",
            "json",
            "--region",
            &sb.region,
            "--endpoint",
            &ep,
        ],
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v.as_array()
            .is_some_and(|a| a.iter().all(|k| k.get("name").is_some()))
    );
}

#[tokio::test]
async fn doctor_reports_each_check() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let vars = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
    ];
    let out = reimage(
        home.path(),
        &vars,
        &["doctor", "--region", &sb.region, "--endpoint", &sb.url],
    )
    .await;
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    for line in [
        "credentials  environment (HUAWEICLOUD_SDK_AK/SK)",
        "project id",
        "ecs",
        "bms",
        "ims",
        "kps",
        "iam",
        "clock",
        "user id",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(line)),
            "missing ok {line}:\n{report}"
        );
    }
    assert!(!report.contains(&sb.sk), "never the secret");

    let bad = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", "wrong"),
    ];
    let out = reimage(
        home.path(),
        &bad,
        &["doctor", "--region", &sb.region, "--endpoint", &sb.url],
    )
    .await;
    let report = text(&out.stdout);
    assert!(!out.status.success());
    assert!(
        report.contains("FAIL") && report.contains("APIGW.0301") && report.contains("hint:"),
        "{report}"
    );
}

#[tokio::test]
async fn bad_config_names_line_and_key() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(home.path().join("rh")).expect("mkdir");
    std::fs::write(
        home.path().join("rh/config.toml"),
        "[profiles.a]\nregion = \"x\"\nendpont = \"y\"\n",
    )
    .expect("write");
    let out = reimage(home.path(), &[], &["list", "servers"]).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3") && err.contains("endpont"), "{err}");
}

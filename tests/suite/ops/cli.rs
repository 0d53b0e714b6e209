//! The real binary: `reimage plan` and `reimage apply` on the built-in sandbox
//! (`--sandbox`, no credentials, temp HOME), password on stdin.

use std::path::Path;
use std::process::{Output, Stdio};
use tokio::io::AsyncWriteExt;

async fn reimage(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .arg("--sandbox")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.as_bytes()).await.expect("write stdin");
    drop(pipe);
    child.wait_with_output().await.expect("ends")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&out.stdout)))
}

#[tokio::test]
async fn plan_prints_the_masked_body_and_exits_0() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "plan",
        "--server",
        "web-03",
        "--change-to",
        "Ubuntu 22.04 server 64bit",
        "--password-stdin",
        "--format",
        "json",
    ];
    let out = reimage(home.path(), &args, "Str0ng!Pass\n").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["method"], "POST");
    assert!(
        v["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/v2/") && p.ends_with("/changeos"))
    );
    assert_eq!(v["body"]["os-change"]["adminpass"], "********");
    assert!(!text(&out.stdout).contains("Str0ng") && !text(&out.stderr).contains("Str0ng"));
}

#[tokio::test]
async fn plan_lists_every_field_error_and_exits_1() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "plan",
        "--server",
        "win-ad-01",
        "--change-to",
        "backup-restore-2024-11",
        "--password-stdin",
        "--encrypt",
        "--kms-key",
        "abc",
        "--format",
        "json",
    ];
    let out = reimage(home.path(), &args, "short\n").await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["Image", "Password", "KMS key", "Stop first"]);
    assert!(text(&out.stderr).contains("nothing was sent"));
}

#[tokio::test]
async fn password_and_keypair_together_are_refused() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "plan",
        "--server",
        "web-03",
        "--reinstall",
        "--password-stdin",
        "--keypair",
        "kp-admin",
    ];
    let out = reimage(home.path(), &args, "Str0ng!Pass\n").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("Login: a password and a key pair were both given"));
}

#[tokio::test]
async fn apply_sends_after_the_typed_name_and_waits_for_the_job() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "apply",
        "--server",
        "bms-db-01",
        "--change-to",
        "Ubuntu 22.04 server 64bit for BareMetal",
        "--keypair",
        "kp-bms",
        "--wait",
        "--format",
        "json",
    ];
    let out = reimage(home.path(), &args, "bms-db-01\n").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["status"], "SUCCESS");
    assert!(v["job_id"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(text(&out.stderr).contains("Type the server name to confirm"));
}

#[tokio::test]
async fn apply_with_a_wrong_confirmation_sends_nothing() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "apply",
        "--server",
        "web-03",
        "--reinstall",
        "--password-stdin",
    ];
    let out = reimage(home.path(), &args, "Str0ng!Pass\nweb-0\n").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).is_empty(),
        "no job id: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains("nothing was sent"));
}

#[tokio::test]
async fn apply_reports_a_failed_job_with_exit_1() {
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "apply",
        "--server",
        "web-03",
        "--change-to",
        "broken-template [fail]",
        "--keypair",
        "kp-admin",
        "--yes",
        "--wait",
    ];
    let out = reimage(home.path(), &args, "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("FAIL"));
    assert!(
        text(&out.stderr).contains("Ecs.1000"),
        "{}",
        text(&out.stderr)
    );
}

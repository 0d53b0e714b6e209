//! `reimage jobs` and `reimage jobs --watch`, the real binary against an in-process sandbox:
//! exit codes, one line per change with sub jobs and hints, damaged journal lines, `[jobs]`.

use crate::support::client::*;
use crate::support::job_record;
use reimage::cloud::model::ServerKind;
use reimage::jobs::journal::Journal;
use reimage::jobs::record::{JobOperation, JobRecord};
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::io::Write;
use std::path::Path;
use std::process::Output;

fn record(job_id: &str, op: JobOperation, server: (&str, &str), sb: &Sandbox) -> JobRecord {
    job_record::submitted(job_id, ServerKind::Ecs, op, server)
        .in_sandbox(sb)
        .build()
}

async fn reimage(home: &Path, sb: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.args(["--endpoint", &sb.url, "--region", &sb.region])
        .args(args)
        .env("REIMAGE_HOME", home)
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id)
        .env("REIMAGE_METADATA_URL", "off");
    tokio::task::spawn_blocking(move || cmd.output().expect("run reimage"))
        .await
        .expect("joined")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_open_jobs_to_the_end_and_fails_when_one_fails() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 1.0,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let home = tempfile::tempdir().expect("tempdir");
    let id = |name: &str| {
        let c = c.clone();
        let name = name.to_string();
        async move {
            c.list_servers(ServerKind::Ecs)
                .await
                .expect("list")
                .into_iter()
                .find(|s| s.name == name)
                .expect("server")
                .id
        }
    };
    let (ok_id, bad_a, bad_b) = (id("web-01").await, id("api-02").await, id("erp-test").await);
    let ok = c
        .stop_servers(ServerKind::Ecs, std::slice::from_ref(&ok_id))
        .await
        .expect("stop");
    let bad = c
        .stop_servers(ServerKind::Ecs, &[bad_a.clone(), bad_b.clone()])
        .await
        .expect("stop");
    {
        let (j, _) = Journal::open(home.path().join("state/jobs.jsonl")).expect("journal");
        j.record_submitted(&record(
            &ok.job_id,
            JobOperation::Stop,
            (&ok_id, "web-01"),
            &sb,
        ))
        .expect("ok job");
        j.record_submitted(&record(
            &bad.job_id,
            JobOperation::Stop,
            (&bad_a, "api-02"),
            &sb,
        ))
        .expect("bad job");
        let mut other = record("job-elsewhere", JobOperation::Stop, ("x", "far-away"), &sb);
        other.region = "cn-north-4".into();
        j.record_submitted(&other).expect("other region");
    }
    // A line cut short by a crash: skipped with a warning, never fatal.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(home.path().join("state/jobs.jsonl"))
        .expect("append");
    f.write_all(b"{\"event\":\"submitted\",\"job_id\":\"cut-sh")
        .expect("write");
    f.write_all(b"\n").expect("newline");
    drop(f);

    let out = reimage(home.path(), &sb, &["jobs", "--watch"]).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a job failed:\n{stdout}\n{stderr}"
    );
    assert!(stderr.contains("skipped an unreadable record"), "{stderr}");
    assert!(stderr.contains("skipping job job-elsewhere"), "{stderr}");
    let line_of = |id: &str, state: &str| {
        stdout
            .lines()
            .find(|l| l.contains(id) && l.contains(state))
            .unwrap_or_else(|| panic!("{id} {state} in:\n{stdout}"))
            .to_string()
    };
    line_of(&ok.job_id, "SUCCESS");
    let failed = line_of(&bad.job_id, "FAIL");
    assert!(
        failed.contains("Ecs.0100") && failed.contains("hint:"),
        "{failed}"
    );
    assert!(
        stdout.contains(&format!("server {bad_b}  FAIL")),
        "the failed sub job is named:\n{stdout}"
    );

    // The journal now says how both ended; nothing is left to watch.
    let out = reimage(home.path(), &sb, &["jobs"]).await;
    let table = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(table.starts_with("JOB"), "{table}");
    assert!(line_exists(&table, &ok.job_id, "SUCCESS"), "{table}");
    assert!(line_exists(&table, &bad.job_id, "FAIL"), "{table}");
    let out = reimage(home.path(), &sb, &["jobs", "--watch"]).await;
    // Only the other region's job is open; it cannot be polled here.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no open job belongs"));
}

fn line_exists(text: &str, a: &str, b: &str) -> bool {
    text.lines().any(|l| l.contains(a) && l.contains(b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_table_in_config_is_checked() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("config.toml"), "[jobs]\nbell = true\n").expect("config");
    let out = reimage(home.path(), &sb, &["jobs"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("no jobs"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(home.path().join("config.toml"), "[jobs]\nconcurency = 2\n").expect("config");
    let out = reimage(home.path(), &sb, &["jobs"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("concurency"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(home.path().join("config.toml"), "[jobs]\nconcurrency = 0\n").expect("config");
    let out = reimage(home.path(), &sb, &["jobs"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("at least 1"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_journals_and_audits_the_job_without_the_password() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.args(["--endpoint", &sb.url, "--region", &sb.region, "--write"])
        .args([
            "apply",
            "--server",
            "web-03",
            "--reinstall",
            "--password-stdin",
            "--yes",
        ])
        .env("REIMAGE_HOME", home.path())
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id)
        .env("REIMAGE_METADATA_URL", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("run reimage");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"Str0ng!Pass9\n")
            .expect("password");
        child.wait_with_output().expect("ends")
    })
    .await
    .expect("joined");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let job_id = text(&out.stdout).trim().to_string();
    assert!(!job_id.is_empty());
    let (_j, replay) = Journal::open(home.path().join("state/jobs.jsonl")).expect("journal");
    assert_eq!(replay.jobs.len(), 1);
    let rec = &replay.jobs[0];
    assert_eq!(rec.job_id, job_id);
    assert_eq!(rec.server_name, "web-03");
    assert_eq!(rec.operation, JobOperation::ReinstallOs);
    let audit = std::fs::read_to_string(home.path().join("state/audit.log")).expect("audit");
    assert!(
        audit.contains(&job_id) && audit.contains("\"login_mode\":\"password\""),
        "{audit}"
    );
    assert!(!audit.contains(&sb.ak), "access key masked: {audit}");
    let journal = std::fs::read_to_string(home.path().join("state/jobs.jsonl")).expect("text");
    assert!(!audit.contains("Str0ng!Pass9") && !journal.contains("Str0ng!Pass9"));
}

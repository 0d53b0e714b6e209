//! `kill -9` in the middle of a rollout, then `reimage apply --resume ROLLOUT`: the real
//! binary against `reimage sandbox --listen` (its own process, over loopback). Nothing is
//! sent twice, nothing is skipped, and the secret is asked for again, never journaled.

use crate::support::deadline;
use crate::support::sandbox_process::SandboxProcess;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Str0ng!Pass9";
/// Stopped Linux ECS servers that take a reinstall with a password, one wave each.
const SERVERS: [(&str, &str); 4] = [
    ("web-03", "a6bfe467-7569-5842-9abd-15e54e3eeb55"),
    ("gitlab-runner-01", "797c2177-e9c8-5e1f-a2ac-2a500e4e0402"),
    ("db-replica-1", "e1f7f239-eaf1-5c5c-adf4-5a5ba065efe8"),
    ("db-replica-2", "6bde4cdc-631d-5d92-aeb0-5c4abbf58dd0"),
];

fn command(home: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--endpoint", url, "--region", "ap-southeast-3", "--write"])
        .args(args)
        .env("HOME", home)
        .env("REIMAGE_HOME", home)
        .env("HUAWEICLOUD_SDK_AK", reimage::sandbox::DEFAULT_AK)
        .env("HUAWEICLOUD_SDK_SK", reimage::sandbox::DEFAULT_SK)
        .env(
            "HUAWEICLOUD_SDK_PROJECT_ID",
            reimage::sandbox::DEFAULT_PROJECT_ID,
        )
        .env("REIMAGE_METADATA_URL", "off");
    cmd
}

#[test]
fn resume_after_kill_9_sends_nothing_twice_and_skips_nothing() {
    let sb = SandboxProcess::start("0.5");
    let home = tempfile::tempdir().expect("tmp");
    let mut args = vec!["apply"];
    for (name, _) in SERVERS {
        args.extend(["--server", name]);
    }
    args.extend(["--reinstall", "--password-stdin", "--yes", "--waves", "1"]);
    let mut child = command(home.path(), &sb.url, &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apply starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{PASSWORD}").expect("password");
    }
    // Kill it the moment the third server's request was accepted: its job is open, the
    // fourth server was never sent.
    let mut seen = String::new();
    let started = Instant::now();
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let line = line.expect("line");
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("db-replica-1: sent, job") {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .expect("kill -9");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{seen}");
    }
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "killed: {seen}");
    assert!(seen.contains("db-replica-1: sent, job"), "{seen}");
    let rollout = seen
        .lines()
        .find_map(|l| l.strip_prefix("rollout "))
        .and_then(|l| l.split_whitespace().next())
        .expect("rollout id")
        .to_string();
    assert_eq!(
        sb.server_state(SERVERS[3].1)["os_requests"],
        0,
        "the fourth was not sent before the kill: {seen}"
    );

    let listed = deadline::run(command(home.path(), &sb.url, &["jobs"]), "");
    assert!(
        listed.stdout.contains(&rollout) && listed.stdout.contains("open"),
        "{listed:?}"
    );
    // For scripts: each server of the rollout, sent or not.
    let json = deadline::run(
        command(
            home.path(),
            &sb.url,
            &["jobs", "--rollouts", "--format", "json"],
        ),
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v[0]["rollout"], rollout.as_str(), "{json:?}");
    assert_eq!(v[0]["state"], "open");
    let sent: Vec<bool> = v[0]["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .map(|s| s["sent"] == true)
        .collect();
    assert_eq!(sent, [true, true, true, false], "{json:?}");
    let ran = deadline::run(
        command(
            home.path(),
            &sb.url,
            &["apply", "--resume", &rollout, "--password-stdin", "--yes"],
        ),
        &format!("{PASSWORD}\n"),
    );
    assert!(ran.ok(), "{ran:?}");
    assert!(ran.stdout.contains("finished"), "{ran:?}");
    assert!(
        ran.stderr.contains("1 of 4 server(s) not sent yet"),
        "{ran:?}"
    );
    for (name, id) in SERVERS {
        let state = sb.server_state(id);
        assert_eq!(state["os_requests"], 1, "{name} sent exactly once: {ran:?}");
        let row = ran
            .stdout
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{name} in the report: {ran:?}"));
        assert!(row.contains("SUCCESS"), "{name}: {ran:?}");
    }
    for file in ["rollouts.jsonl", "jobs.jsonl", "audit.log"] {
        let text = std::fs::read_to_string(home.path().join("state").join(file)).expect(file);
        assert!(!text.contains(PASSWORD), "{file} holds no secret");
    }
    // Done: a second resume sends nothing.
    let again = deadline::run(
        command(
            home.path(),
            &sb.url,
            &["apply", "--resume", &rollout, "--yes"],
        ),
        "",
    );
    assert!(again.ok() && again.stdout.contains("finished"), "{again:?}");
    for (_, id) in SERVERS {
        assert_eq!(sb.server_state(id)["os_requests"], 1);
    }
}

/// A request journaled as leaving, with no answer after it (the process died while it was
/// in flight): on resume it is reported unknown and never sent again; the rest go on.
#[test]
fn a_request_whose_answer_was_lost_is_never_sent_again_on_resume() {
    use reimage::cloud::model::ServerKind;
    use reimage::jobs::record::{JobOperation, now_rfc3339};
    use reimage::jobs::rollout::{Progress, RolloutJournal, RolloutStart, ServerRef};
    let sb = SandboxProcess::start("0.5");
    let home = tempfile::tempdir().expect("tmp");
    let state = home.path().join("state");
    let server = |i: usize| ServerRef {
        id: SERVERS[i].1.into(),
        name: SERVERS[i].0.into(),
        kind: ServerKind::Ecs,
        expect_image: sb.server_state(SERVERS[i].1)["image_id"]
            .as_str()
            .expect("image")
            .into(),
    };
    let journal = RolloutJournal::open(state.join("rollouts.jsonl")).expect("journal");
    let start = RolloutStart {
        id: "r-lost-answer".into(),
        created_at: now_rfc3339(),
        region: reimage::sandbox::DEFAULT_REGION.into(),
        project_id: reimage::sandbox::DEFAULT_PROJECT_ID.into(),
        operation: JobOperation::ReinstallOs,
        image_id: String::new(),
        image_name: String::new(),
        login: "password".into(),
        waves_spec: "1,100%".into(),
        max_failures: "1".into(),
        waves: vec![vec![server(0)], vec![server(1), server(2)]],
        source: serde_json::json!({
            "from": "flags", "image_id": null, "password": true, "hash_password": false,
            "keypair": null, "user_data": null, "encrypt": false, "kms_key": null,
            "byol": false, "stop": false, "auto_pay": false, "route": null
        }),
    };
    journal.started(&start).expect("started");
    journal
        .step(&start.id, SERVERS[0].1, &Progress::Sending)
        .expect("sending");
    drop(journal);
    let ran = deadline::run(
        command(
            home.path(),
            &sb.url,
            &[
                "apply",
                "--resume",
                "r-lost-answer",
                "--password-stdin",
                "--yes",
            ],
        ),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(
        ran.code,
        Some(1),
        "one failure within the budget still exits 1: {ran:?}"
    );
    let row = |id: &str| {
        ran.stdout
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id}: {ran:?}"))
            .to_string()
    };
    assert!(row(SERVERS[0].1).contains("unknown, check it"), "{ran:?}");
    assert_eq!(
        sb.server_state(SERVERS[0].1)["os_requests"],
        0,
        "not sent again"
    );
    for (_, id) in &SERVERS[1..3] {
        assert!(row(id).contains("SUCCESS"), "{ran:?}");
        assert_eq!(sb.server_state(id)["os_requests"], 1);
    }
}

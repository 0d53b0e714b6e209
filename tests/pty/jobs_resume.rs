//! Nothing is lost when reimage is killed mid-job: the real binary in a pty follows a
//! journaled job against a `reimage sandbox` process, is killed with SIGKILL, starts again
//! and shows the job finished; `reimage jobs` then prints it from the journal.

use crate::support::job_record;
use crate::support::pty;
use crate::support::sandbox_process::SandboxProcess;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reimage::cloud::model::ServerKind;
use reimage::cloud::{Client, ClientSettings};
use reimage::config::{Secret, StaticKeys};
use reimage::jobs::journal::Journal;
use reimage::jobs::record::{JobOperation, TrackedState};

use std::process::Command;
use std::time::Duration;

const PASSWORD: &str = "Str0ng!Pass9";

/// A reinstall on a stopped server, sent by the test, journaled as the TUI would.
async fn journaled_job(sb: &SandboxProcess, journal_path: &std::path::Path) -> String {
    let keys = StaticKeys {
        ak: sb.ak.clone(),
        sk: Secret::new(reimage::sandbox::DEFAULT_SK.to_string()),
        security_token: None,
        project_id: Some(sb.project_id.clone()),
        domain_id: None,
        region: None,
    };
    let c = Client::connect(ClientSettings::with_keys(&sb.url, keys, &sb.region))
        .await
        .expect("client connects");
    let server = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect("list")
        .into_iter()
        .find(|s| s.name == "web-03")
        .expect("web-03 in the default inventory");
    let accepted = c
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{pid}}/cloudservers/{}/reinstallos", server.id),
            &serde_json::json!({"os-reinstall": {"adminpass": PASSWORD}}),
        )
        .await
        .expect("reinstall accepted");
    let (journal, _) = Journal::open(journal_path).expect("journal");
    journal
        .record_submitted(
            &job_record::submitted(
                &accepted.job_id,
                ServerKind::Ecs,
                JobOperation::ReinstallOs,
                (&server.id, &server.name),
            )
            .route("v2")
            .region(&sb.region)
            .project(&sb.project_id)
            .images(server.image_name(), server.image_name())
            .build(),
        )
        .expect("journaled");
    accepted.job_id
}

#[test]
fn a_job_survives_kill_9_and_finishes_after_restart() {
    let sb = SandboxProcess::start("3");
    let home = tempfile::tempdir().expect("tempdir");
    let journal_path = home.path().join("state/jobs.jsonl");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let job_id = rt.block_on(journaled_job(&sb, &journal_path));
    let home_s = home.path().to_str().expect("utf-8 path").to_string();
    let env = [
        ("REIMAGE_HOME", home_s.as_str()),
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", reimage::sandbox::DEFAULT_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
        ("REIMAGE_METADATA_URL", "off"),
    ];
    let args = [
        "--endpoint",
        sb.url.as_str(),
        "--region",
        sb.region.as_str(),
    ];

    // First run: the job shows as open, then the process dies without any cleanup.
    let mut first = pty::Pty::spawn(&args, &env, 120, 30);
    first.wait_for("1 running", Duration::from_secs(20));
    kill(Pid::from_raw(first.pid() as i32), Signal::SIGKILL).expect("kill -9");
    assert!(first.wait_exit(Duration::from_secs(5)).is_some(), "killed");
    let (j, replay) = Journal::open(&journal_path).expect("journal");
    drop(j);
    assert!(
        !replay.jobs[0].state.is_final(),
        "killed before the job ended: {:?}",
        replay.jobs[0].state
    );

    // Second run: the journal is replayed and the poller finishes the job.
    let mut second = pty::Pty::spawn(&args, &env, 120, 30);
    second.wait_for("Servers", Duration::from_secs(20));
    second.send("4");
    let screen = second.wait_for("SUCCESS", Duration::from_secs(30));
    assert!(screen.contains(&job_id[..4]), "{screen}");
    second.send("q");
    assert!(second.wait_exit(Duration::from_secs(10)).is_some());
    assert!(second.cooked_mode());

    let (_j, replay) = Journal::open(&journal_path).expect("journal");
    assert_eq!(replay.jobs.len(), 1);
    assert_eq!(replay.jobs[0].state, TrackedState::Success);
    let audit = std::fs::read_to_string(home.path().join("state/audit.log")).expect("audit");
    assert!(
        audit.contains(&job_id) && audit.contains("\"finished\""),
        "{audit}"
    );
    let journal_text = std::fs::read_to_string(&journal_path).expect("journal text");
    for text in [&audit, &journal_text] {
        assert!(!text.contains(PASSWORD), "no secret on disk");
        assert!(
            !text.contains(reimage::sandbox::DEFAULT_SK),
            "no secret key on disk"
        );
    }

    // `reimage jobs` prints the journal for scripts.
    let out = Command::new(env!("CARGO_BIN_EXE_reimage"))
        .args(["jobs", "--format", "json"])
        .env("REIMAGE_HOME", &home_s)
        .output()
        .expect("reimage jobs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["job_id"], job_id.as_str());
    assert_eq!(v[0]["state"], "SUCCESS");
    // How long it ran, as the table's ELAPSED: a finished job's own duration.
    let elapsed = v[0]["elapsed_secs"].as_u64().expect("elapsed_secs");
    assert!((1..120).contains(&elapsed), "{elapsed}");
}

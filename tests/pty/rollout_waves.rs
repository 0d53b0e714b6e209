//! A rollout from the TUI as a user drives it: the real binary in a pty against a sandbox
//! on a loopback port. Three servers marked, reinstalled with the form's default waves (a
//! canary, then the rest): the second wave leaves only once the canary's job succeeded;
//! a failing canary halts the rollout after one request and says who was not sent.

use crate::support::client;
use crate::support::pty::{self, Pty, WAIT, esc, wait_until};
use reimage::cloud::model::ServerKind;
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::path::Path;

const PASSWORD: &str = "W4ves!Canary7";
/// Stopped Linux ECS servers that take a reinstall with a password; the form lists them
/// by name, so db-replica-1 is the canary.
const SERVERS: [&str; 3] = ["db-replica-1", "gitlab-runner-01", "web-03"];

/// The sandbox on a loopback port, with the runtime that serves it.
fn sandbox(config: SandboxConfig) -> (tokio::runtime::Runtime, Sandbox) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt.block_on(client::sandbox_with(config));
    (rt, sb)
}

fn tui(sb: &Sandbox, home: &Path) -> Pty {
    Pty::on_sandbox(sb, home, (&[], &[]), 120, 30)
}

/// Mark each server (filtered down to it, Space), then clear the filter.
fn mark(pty: &mut Pty, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        pty.send("/");
        pty.send(name);
        pty.send("\r");
        pty.wait_for(&format!("filter \"{name}\""), WAIT);
        pty.send(" ");
        pty.wait_for(&format!("{} marked", i + 1), WAIT);
        esc(pty, "filter \"");
    }
}

/// The server ids, by name, as the sandbox lists them.
fn ids(rt: &tokio::runtime::Runtime, sb: &Sandbox) -> Vec<String> {
    rt.block_on(async {
        let c = client::client(sb).await;
        let all = c.list_servers(ServerKind::Ecs).await.expect("list");
        SERVERS
            .iter()
            .map(|n| all.iter().find(|s| s.name == *n).expect(n).id.clone())
            .collect()
    })
}

/// From the Servers pane to the confirmed review of a reinstall of the three, by password.
fn reinstall_all(pty: &mut Pty) -> String {
    pty.wait_for("db-replica-1", WAIT);
    mark(pty, &SERVERS);
    pty.send("R");
    pty.wait_for("Reinstall OS", WAIT);
    let form = pty.wait_for("Waves", WAIT);
    assert!(
        form.contains("[ 1,100%"),
        "a canary first by default: {form}"
    );
    pty::password_login(pty, PASSWORD);
    pty.send("\x13");
    let review = pty.wait_for("Type the number of servers", WAIT);
    pty.send("3\r");
    review
}

fn requests(sb: &Sandbox, id: &str) -> u64 {
    let state = sb.server_state(id).expect("server state");
    state["os_requests"].as_u64().expect("os_requests")
}

#[test]
fn the_second_wave_leaves_only_after_the_canary_succeeded() {
    let (rt, sb) = sandbox(SandboxConfig {
        job_seconds: 2.0,
        ..SandboxConfig::default()
    });
    let ids = ids(&rt, &sb);
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(&sb, home.path());
    let review = reinstall_all(&mut pty);
    assert!(review.contains("wave 1: db-replica-1"), "{review}");
    assert!(
        review.contains("wave 2: gitlab-runner-01, web-03"),
        "{review}"
    );
    pty.wait_for("wave 1/2", WAIT);
    // Until the rest leave, the canary alone was asked; when they do, its job had ended.
    wait_until("the second wave", || {
        let canary = sb.server_state(&ids[0]).expect("canary");
        let rest = requests(&sb, &ids[1]) + requests(&sb, &ids[2]);
        if rest > 0 {
            assert!(
                !canary["injected"].is_null(),
                "the second wave left before the canary's job ended: {canary}"
            );
        }
        rest == 2
    });
    let done = pty.wait_for("FINISHED", std::time::Duration::from_secs(60));
    assert!(
        done.contains("wave 2/2") && done.contains("3 ok · 0 failed"),
        "{done}"
    );
    for id in &ids {
        assert_eq!(requests(&sb, id), 1, "sent exactly once");
    }
    // Enter lists its jobs; Esc goes back to the rollout.
    pty.send("\r");
    let jobs = pty.wait_for("Jobs of rollout", WAIT);
    // A table row names its operation and status on one line (a long name may be cut).
    let rows = |s: &str| {
        s.lines()
            .filter(|l| l.contains("reinstall OS") && l.contains("SUCCESS"))
            .count()
    };
    assert_eq!(rows(&jobs), 3, "its three jobs, each SUCCESS: {jobs}");
    esc(&mut pty, "Jobs of rollout");
    let text = std::fs::read_to_string(home.path().join("state/rollouts.jsonl"))
        .expect("the rollout is journaled");
    assert!(!text.contains(PASSWORD), "no secret in the journal");
    pty.send("q");
    assert!(pty.wait_exit(WAIT).is_some(), "quits");
}

#[test]
fn a_failing_canary_halts_after_one_request() {
    let (rt, sb) = sandbox(SandboxConfig {
        job_seconds: 1.0,
        fail_servers: vec![SERVERS[0].to_string()],
        ..SandboxConfig::default()
    });
    let ids = ids(&rt, &sb);
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(&sb, home.path());
    reinstall_all(&mut pty);
    let halted = pty.wait_for("HALTED", std::time::Duration::from_secs(60));
    assert!(
        halted.contains("wave 1/2") && halted.contains("0 ok · 1 failed"),
        "{halted}"
    );
    assert_eq!(requests(&sb, &ids[0]), 1);
    assert_eq!(
        requests(&sb, &ids[1]) + requests(&sb, &ids[2]),
        0,
        "nothing more sent"
    );
    // Its details name the servers not sent.
    let details = pty.screen();
    assert!(
        details.contains("gitlab-runner-01 · not sent") && details.contains("web-03 · not sent"),
        "{details}"
    );
    pty.send("q");
    assert!(pty.wait_exit(WAIT).is_some(), "quits");
}

//! Rollouts of `reimage apply` over several servers, the real binary against an
//! in-process sandbox over loopback: a failing canary halts the rollout after one request
//! and names the servers not sent; the second wave goes only after the canary's job was
//! polled to SUCCESS and its server shows the image; a 429 inside a wave pauses the queue
//! and every server is still sent once.

use crate::support::client::sandbox_with;
use crate::support::deadline::{on_sandbox, run, run_on_sandbox};
use reimage::sandbox::faults::{FaultSpec, Faults};
use reimage::sandbox::{Sandbox, SandboxConfig};

const PASSWORD: &str = "Str0ng!Pass9";
/// Stopped Linux ECS servers that take a reinstall with a password.
const SERVERS: [&str; 3] = ["web-03", "gitlab-runner-01", "db-replica-1"];

async fn sandbox(fail: &[&str]) -> Sandbox {
    sandbox_with(SandboxConfig {
        job_seconds: 0.5,
        fail_servers: fail.iter().map(|s| s.to_string()).collect(),
        ..SandboxConfig::default()
    })
    .await
}

/// The same fault on both reinstall routes (v1 and v2), replacing any other.
fn fault_reinstalls(sb: &Sandbox, spec: FaultSpec) {
    let mut faults = Faults::default();
    for op in ["ecs.reinstallos.v1", "ecs.reinstallos.v2"] {
        faults.operations.insert(op.into(), spec.clone());
    }
    sb.set_faults(faults);
}

/// `apply` of the three servers by password, confirmed, in `waves`: a reinstall.
fn rollout_args(waves: &str) -> Vec<&str> {
    rollout_of(&["--reinstall"], waves)
}

/// [`rollout_args`] with `request` (e.g. `--change-to IMAGE`) in place of `--reinstall`.
fn rollout_of<'a>(request: &[&'a str], waves: &'a str) -> Vec<&'a str> {
    let mut args = vec!["apply"];
    for s in SERVERS {
        args.extend(["--server", s]);
    }
    args.extend(request);
    args.extend(["--password-stdin", "--yes", "--waves", waves]);
    args
}

/// Change/reinstall requests the sandbox accepted for a server (by name).
fn accepted(sb: &Sandbox, name: &str) -> u64 {
    let id = server_id(name);
    let state = sb.server_state(id).expect("server");
    state["os_requests"].as_u64().expect("count")
}

fn server_id(name: &str) -> &'static str {
    match name {
        "web-03" => "a6bfe467-7569-5842-9abd-15e54e3eeb55",
        "gitlab-runner-01" => "797c2177-e9c8-5e1f-a2ac-2a500e4e0402",
        "db-replica-1" => "e1f7f239-eaf1-5c5c-adf4-5a5ba065efe8",
        other => panic!("no id for {other}"),
    }
}

fn line_of<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(name) && l.contains(server_id(name)))
        .unwrap_or_else(|| panic!("a line for {name} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_canary_halts_after_one_request_and_names_the_servers_not_sent() {
    let sb = sandbox(&["web-03"]).await;
    let home = tempfile::tempdir().expect("tmp");
    let ran = run_on_sandbox(
        home.path(),
        &sb,
        &rollout_args("1,100%"),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stdout.contains("halted"), "{ran:?}");
    assert!(line_of(&ran.stdout, "web-03").contains("FAIL"), "{ran:?}");
    for name in ["gitlab-runner-01", "db-replica-1"] {
        assert!(line_of(&ran.stdout, name).contains("not sent"), "{ran:?}");
        assert_eq!(accepted(&sb, name), 0, "{name} was not sent");
    }
    assert!(ran.stderr.contains("2 server(s) not sent"), "{ran:?}");
    assert_eq!(accepted(&sb, "web-03"), 1);
    let reinstalls: u64 = sb
        .counters()
        .by_operation
        .iter()
        .filter(|(op, _)| op.starts_with("ecs.reinstallos"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(reinstalls, 1, "one change request in all");
    // The journal names the rollout, never the password.
    let journal = std::fs::read_to_string(home.path().join("state/rollouts.jsonl")).expect("j");
    assert!(journal.contains("\"halted\""), "{journal}");
    assert!(!journal.contains(PASSWORD));
    let jobs = run_on_sandbox(home.path(), &sb, &["jobs"], "").await;
    assert!(
        jobs.stdout.contains("halted") && jobs.stdout.contains("1/3"),
        "{jobs:?}"
    );
}

/// A service that says SUCCESS for a change it did not make: the canary's server, read
/// again, still shows its old image, so it counts as failed and the rollout halts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_that_succeeded_without_its_image_halts_the_rollout() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.5,
        hollow_servers: vec!["web-03".into()],
        ..SandboxConfig::default()
    })
    .await;
    let home = tempfile::tempdir().expect("tmp");
    let args = rollout_of(&["--change-to", "Ubuntu 22.04 server 64bit"], "1,100%");
    let ran = run_on_sandbox(home.path(), &sb, &args, &format!("{PASSWORD}\n")).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stdout.contains("halted"), "{ran:?}");
    let canary = line_of(&ran.stdout, "web-03");
    assert!(
        canary.contains("SUCCESS, but the new image is not shown"),
        "{ran:?}"
    );
    for name in ["gitlab-runner-01", "db-replica-1"] {
        assert!(line_of(&ran.stdout, name).contains("not sent"), "{ran:?}");
        assert_eq!(accepted(&sb, name), 0, "{name} was not sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_wave_goes_only_after_the_canary_succeeded_and_shows_its_image() {
    let sb = sandbox(&[]).await;
    let home = tempfile::tempdir().expect("tmp");
    let ran = run_on_sandbox(
        home.path(),
        &sb,
        &rollout_args("1,100%"),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(ran.ok(), "{ran:?}");
    let canary_done = ran.stderr.find("web-03: SUCCESS").expect("canary SUCCESS");
    for name in ["gitlab-runner-01", "db-replica-1"] {
        let sent = ran
            .stderr
            .find(&format!("{name}: sent, job"))
            .unwrap_or_else(|| panic!("{name} sent: {ran:?}"));
        assert!(canary_done < sent, "{name} waited for the canary: {ran:?}");
        assert_eq!(accepted(&sb, name), 1);
        assert!(line_of(&ran.stdout, name).contains("SUCCESS"), "{ran:?}");
    }
    assert!(ran.stdout.contains("finished"), "{ran:?}");
    let jobs = run_on_sandbox(home.path(), &sb, &["jobs"], "").await;
    assert!(
        jobs.stdout.contains("finished") && jobs.stdout.contains("3/3"),
        "{jobs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_inside_a_wave_pauses_the_queue_and_each_server_is_sent_once() {
    let sb = sandbox(&[]).await;
    fault_reinstalls(
        &sb,
        FaultSpec {
            throttle_429: 1.0,
            retry_after_seconds: 1,
            ..FaultSpec::default()
        },
    );
    let home = tempfile::tempdir().expect("tmp");
    let (args, stdin) = (rollout_args("100%"), format!("{PASSWORD}\n"));
    let running = run_on_sandbox(home.path(), &sb, &args, &stdin);
    let lift = async {
        // Let the gateway refuse a few sends, then open it.
        let started = std::time::Instant::now();
        while sb.counters().faults_injected < 3 {
            assert!(started.elapsed().as_secs() < 15, "no 429 was answered");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        sb.set_faults(Faults::default());
    };
    let (ran, ()) = tokio::join!(running, lift);
    assert!(ran.ok(), "{ran:?}");
    assert!(
        ran.stderr.contains("throttled (HTTP 429)") && ran.stderr.contains("the queue waits"),
        "{ran:?}"
    );
    for name in SERVERS {
        assert_eq!(accepted(&sb, name), 1, "{name} sent once: {ran:?}");
        assert!(line_of(&ran.stdout, name).contains("SUCCESS"), "{ran:?}");
    }
    let journal = std::fs::read_to_string(home.path().join("state/rollouts.jsonl")).expect("j");
    assert!(journal.contains("\"throttled\""), "{journal}");
    for name in SERVERS {
        let sent = journal
            .lines()
            .filter(|l| l.contains("\"event\":\"sent\"") && l.contains(server_id(name)))
            .count();
        assert_eq!(sent, 1, "{name}: {journal}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonsense_waves_are_refused_before_anything_is_sent() {
    let sb = sandbox(&[]).await;
    let home = tempfile::tempdir().expect("tmp");
    for (waves, says) in [
        ("0", "wave 1 is 0"),
        ("10,5", "smaller than wave 1"),
        ("150%", "at most 100%"),
        ("1,,2", "wave 2 is empty"),
    ] {
        let ran = run_on_sandbox(
            home.path(),
            &sb,
            &rollout_args(waves),
            &format!("{PASSWORD}\n"),
        )
        .await;
        assert_eq!(ran.code, Some(1), "{ran:?}");
        assert!(ran.stderr.contains(says), "{waves}: {ran:?}");
    }
    assert_eq!(sb.counters().by_operation.get("ecs.reinstallos.v2"), None);
    assert_eq!(sb.counters().by_operation.get("ecs.reinstallos.v1"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_request_is_unknown_never_resent_and_halts() {
    let sb = sandbox(&[]).await;
    fault_reinstalls(
        &sb,
        FaultSpec {
            drop_connection: 1.0,
            ..FaultSpec::default()
        },
    );
    let home = tempfile::tempdir().expect("tmp");
    let ran = run_on_sandbox(
        home.path(),
        &sb,
        &rollout_args("1,100%"),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        line_of(&ran.stdout, "web-03").contains("unknown, check it"),
        "{ran:?}"
    );
    for name in ["gitlab-runner-01", "db-replica-1"] {
        assert!(line_of(&ran.stdout, name).contains("not sent"), "{ran:?}");
    }
    let sends: u64 = sb
        .counters()
        .by_operation
        .iter()
        .filter(|(op, _)| op.starts_with("ecs.reinstallos"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(sends, 1, "sent once, never again: {ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_cannot_be_reached_stops_the_rollout_to_be_resumed() {
    let sb = sandbox(&[]).await;
    let home = tempfile::tempdir().expect("tmp");
    let (args, stdin) = (rollout_args("1,100%"), format!("{PASSWORD}\n"));
    let cmd = on_sandbox(home.path(), &sb, &args);
    let running = tokio::task::spawn_blocking(move || run(cmd, &stdin));
    let cut = async move {
        // Once the canary is in, the next wave is throttled (the queue waits 3 s) and the
        // service goes away meanwhile.
        let started = std::time::Instant::now();
        while accepted(&sb, "web-03") == 0 {
            assert!(
                started.elapsed().as_secs() < 15,
                "the canary was never sent"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        fault_reinstalls(
            &sb,
            FaultSpec {
                throttle_429: 1.0,
                retry_after_seconds: 3,
                ..FaultSpec::default()
            },
        );
        while sb.counters().faults_injected == 0 {
            assert!(
                started.elapsed().as_secs() < 15,
                "the second wave was never tried"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        sb.shutdown();
    };
    let (ran, ()) = tokio::join!(running, cut);
    let ran = ran.expect("joined");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("nothing more was sent; continue it with `reimage apply --resume"),
        "{ran:?}"
    );
    let journal = std::fs::read_to_string(home.path().join("state/rollouts.jsonl")).expect("j");
    for name in ["gitlab-runner-01", "db-replica-1"] {
        assert!(
            !journal
                .lines()
                .any(|l| l.contains("\"event\":\"sent\"") && l.contains(server_id(name))),
            "{name} was not sent: {journal}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_concurrency_bounds_the_requests_in_flight_inside_a_wave() {
    let sb = sandbox(&[]).await;
    fault_reinstalls(
        &sb,
        FaultSpec {
            latency_ms: 400,
            ..FaultSpec::default()
        },
    );
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("config.toml"), "bulk_concurrency = 1\n").expect("config");
    let cmd = on_sandbox(home.path(), &sb, &rollout_args("100%"));
    let stdin = format!("{PASSWORD}\n");
    let running = tokio::task::spawn_blocking(move || run(cmd, &stdin));
    // One request at a time, each answered after 400 ms: the last is accepted at least
    // 800 ms after the first (all at once, they would be accepted together).
    let started = std::time::Instant::now();
    let total = || SERVERS.iter().map(|n| accepted(&sb, n)).sum::<u64>();
    while total() == 0 {
        assert!(started.elapsed().as_secs() < 15, "nothing was sent");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let first = std::time::Instant::now();
    while total() < 3 {
        assert!(started.elapsed().as_secs() < 15, "not all were sent");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let spread = first.elapsed();
    let ran = running.await.expect("joined");
    assert!(ran.ok(), "{ran:?}");
    assert!(
        spread >= std::time::Duration::from_millis(700),
        "sent one at a time: {spread:?}"
    );
}

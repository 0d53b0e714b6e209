//! From key presses to a job in the sandbox, through the real effects: one test per
//! operation (ECS v1/v2 change and reinstall, BMS change and reinstall), bulk, stop, a
//! rejected request, and no request at all while a field is wrong.

use crate::support::tui::live::Live;
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::ServerKind;

const PASSWORD: &str = "Str0ng!Pass-42";

fn shows(app: &reimage::tui::App, text: &str) -> bool {
    screen(app, 100, 30).contains(text)
}

/// Types the confirmation and submits; waits for every result.
async fn confirm(live: &mut Live, word: &str, accepted: usize) {
    live.keys(|a| {
        let mut c = typing(a, word);
        c.extend(key(a, KeyCode::Enter));
        c
    });
    live.until("results", |a| {
        screen(a, 100, 30).matches("accepted, job").count()
            + screen(a, 100, 30).matches("FAILED").count()
            >= accepted
    })
    .await;
}

/// Types the number of servers and Enter in the review of several, then follows the
/// rollout to its end.
async fn confirm_rollout(live: &mut Live, n: &str) {
    live.keys(|a| {
        let mut c = typing(a, n);
        c.extend(key(a, KeyCode::Enter));
        c
    });
    live.until("the rollout finished", |a| {
        screen(a, 160, 40).contains("FINISHED")
    })
    .await;
}

/// Switches the login to password (from key pair) and types it twice. Focus on Login.
fn password_login(a: &mut reimage::tui::App) -> Vec<reimage::tui::Command> {
    key(a, KeyCode::Left);
    key(a, KeyCode::Tab);
    typing(a, PASSWORD);
    key(a, KeyCode::Tab);
    typing(a, PASSWORD)
}

async fn journal_has(live: &Live, server_id: &str, operation: &str) {
    let text = std::fs::read_to_string(&live.journal_path).expect("journal written");
    assert!(
        text.lines()
            .any(|l| l.contains(server_id) && l.contains(operation)),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "the journal never holds a secret");
    let audit = std::fs::read_to_string(&live.audit_path).expect("audit written");
    assert!(
        audit
            .lines()
            .any(|l| l.contains(server_id) && l.contains("submitted") && l.contains("login_mode")),
        "{audit}"
    );
    assert!(
        !audit.contains(PASSWORD),
        "the audit log never holds a secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_v2_change_with_key_pair() {
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "web-03");
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "ubuntu 24.04");
        key(a, KeyCode::Enter);
        ctrl(a, 's')
    });
    assert!(shows(&live.app, "/v2/"), "{}", screen(&live.app, 100, 30));
    confirm(&mut live, "web-03", 1).await;
    assert!(
        shows(&live.app, "accepted, job"),
        "{}",
        screen(&live.app, 100, 30)
    );
    assert_eq!(live.count("ecs.changeos.v2"), 1);
    assert_eq!(live.os_requests(), 1);
    live.wait_status(ServerKind::Ecs, "web-03", "REBUILD").await;
    let id = live.server(ServerKind::Ecs, "web-03").await.id;
    journal_has(&live, &id, "change_os").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_v1_change_with_password() {
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "web-staging");
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "legacy-app-centos6");
        key(a, KeyCode::Enter);
        key(a, KeyCode::Tab);
        key(a, KeyCode::Tab);
        password_login(a);
        ctrl(a, 's')
    });
    assert!(shows(&live.app, "/v1/"), "{}", screen(&live.app, 100, 30));
    confirm(&mut live, "web-staging", 1).await;
    assert_eq!(live.count("ecs.changeos.v1"), 1);
    assert_eq!(live.os_requests(), 1);
    live.wait_status(ServerKind::Ecs, "web-staging", "REBUILD")
        .await;
    let id = live.server(ServerKind::Ecs, "web-staging").await.id;
    journal_has(&live, &id, "change_os").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_v2_and_v1_reinstall() {
    let mut live = Live::start(3.0).await;
    for (name, op) in [
        ("db-replica-1", "ecs.reinstallos.v2"),
        ("grafana-01", "ecs.reinstallos.v1"),
    ] {
        live.keys(|a| {
            select(a, name);
            key(a, KeyCode::Char('R'))
        });
        live.settle().await;
        live.keys(|a| ctrl(a, 's'));
        assert!(shows(&live.app, "Review"), "{}", screen(&live.app, 100, 30));
        confirm(&mut live, name, 1).await;
        assert_eq!(live.count(op), 1, "{op}");
        live.wait_status(ServerKind::Ecs, name, "REBUILD").await;
        live.keys(|a| key(a, KeyCode::Esc));
    }
    assert_eq!(live.os_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bms_change_and_reinstall() {
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "bms-db-01");
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "ubuntu 22.04 baremetal");
        key(a, KeyCode::Enter);
        ctrl(a, 's')
    });
    assert!(
        shows(&live.app, "baremetalservers"),
        "{}",
        screen(&live.app, 100, 30)
    );
    confirm(&mut live, "bms-db-01", 1).await;
    assert_eq!(live.count("bms.changeos"), 1);
    live.wait_status(ServerKind::Bms, "bms-db-01", "REBUILD")
        .await;
    live.keys(|a| key(a, KeyCode::Esc));

    live.keys(|a| {
        select(a, "bms-arm-01");
        key(a, KeyCode::Char('R'))
    });
    live.keys(|a| {
        password_login(a);
        ctrl(a, 's')
    });
    assert!(shows(&live.app, "Review"), "{}", screen(&live.app, 100, 30));
    confirm(&mut live, "bms-arm-01", 1).await;
    assert_eq!(live.count("bms.reinstallos"), 1);
    live.wait_status(ServerKind::Bms, "bms-arm-01", "REBUILD")
        .await;
    assert_eq!(live.os_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_error_never_sends_a_request() {
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "web-03");
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "ubuntu 24.04");
        key(a, KeyCode::Enter);
        key(a, KeyCode::Tab);
        key(a, KeyCode::Tab);
        key(a, KeyCode::Left);
        key(a, KeyCode::Tab);
        typing(a, "weak");
        let mut c = ctrl(a, 's');
        c.extend(typing(a, "web-03"));
        c.extend(key(a, KeyCode::Enter));
        c.extend(key(a, KeyCode::F(2)));
        c
    });
    live.settle().await;
    assert!(
        shows(&live.app, "nothing was sent"),
        "{}",
        screen(&live.app, 100, 30)
    );
    assert_eq!(live.os_requests(), 0);
    assert_eq!(
        live.server(ServerKind::Ecs, "web-03").await.status,
        "SHUTOFF"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_request_shows_the_code_and_reopens_the_form() {
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "web-03");
        key(a, KeyCode::Char('R'))
    });
    live.settle().await;
    live.keys(|a| ctrl(a, 's'));
    // Someone else starts a reinstall meanwhile: the TUI's listing does not know yet.
    let web03 = live.server(ServerKind::Ecs, "web-03").await;
    let user = live.client.user_id().await.expect("user id");
    live.client
        .submit_os_request(
            ServerKind::Ecs,
            &format!("/v2/{{project_id}}/cloudservers/{}/reinstallos", web03.id),
            &serde_json::json!({"os-reinstall": {"keyname": "kp-admin", "userid": user}}),
        )
        .await
        .expect("the other reinstall is accepted");
    confirm(&mut live, "web-03", 1).await;
    let s = screen(&live.app, 100, 30);
    assert!(
        s.contains("FAILED") && s.contains("Ecs."),
        "the service's code: {s}"
    );
    assert_eq!(live.count("ecs.reinstallos.v2"), 2, "ours was sent once");
    live.keys(|a| key(a, KeyCode::Enter));
    assert!(shows(&live.app, "rejected: every field is kept"));
    assert!(shows(&live.app, "kp-admin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reinstall_sends_once_per_server() {
    let mut live = Live::start(3.0).await;
    // mail-relay is rebuilding: a task runs on it, so it is left out (page 000).
    live.open_form_on(&["web-03", "bms-db-01", "mail-relay"], 'R')
        .await;
    let s = screen(&live.app, 100, 30);
    assert!(
        s.contains("mail-relay") && s.contains("a task is running"),
        "{s}"
    );
    // One wave: both leave at once.
    live.keys(|a| {
        set_field(a, "Waves", "100%");
        ctrl(a, 's')
    });
    confirm_rollout(&mut live, "2").await;
    assert_eq!(live.count("ecs.reinstallos.v2"), 1);
    assert_eq!(live.count("bms.reinstallos"), 1);
    assert_eq!(live.os_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_is_tracked_as_a_job() {
    let mut live = Live::start(0.3).await;
    live.keys(|a| {
        select(a, "web-01");
        key(a, KeyCode::Char('s'));
        key(a, KeyCode::Right);
        key(a, KeyCode::Enter)
    });
    live.until("stop accepted", |a| {
        a.toast().is_some_and(|t| t.contains("accepted"))
    })
    .await;
    assert_eq!(live.count("ecs.action"), 1);
    live.wait_status(ServerKind::Ecs, "web-01", "SHUTOFF").await;
    let text = std::fs::read_to_string(&live.journal_path).expect("journal");
    assert!(text.contains("\"stop\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_request_is_reported_unknown_and_never_resent() {
    use reimage::sandbox::{FaultSpec, Faults};
    let mut live = Live::start(3.0).await;
    let mut faults = Faults::default();
    faults.operations.insert(
        "ecs.reinstallos.v2".into(),
        FaultSpec {
            // A 500 on a change may have been applied: the client calls it unknown too.
            error_500: 1.0,
            ..FaultSpec::default()
        },
    );
    live.sandbox.set_faults(faults);
    live.keys(|a| {
        select(a, "web-03");
        key(a, KeyCode::Char('R'))
    });
    live.settle().await;
    live.keys(|a| ctrl(a, 's'));
    live.keys(|a| {
        let mut c = typing(a, "web-03");
        c.extend(key(a, KeyCode::Enter));
        c
    });
    live.until("unknown outcome", |a| shows(a, "UNKNOWN")).await;
    assert_eq!(
        live.count("ecs.reinstallos.v2"),
        1,
        "sent once, never retried"
    );
    assert_eq!(live.app.requests_in_flight(), 0);
    // No retry is offered for an unknown outcome: Enter closes.
    live.keys(|a| key(a, KeyCode::Enter));
    assert!(!shows(&live.app, "Reinstall OS"));
    assert_eq!(live.count("ecs.reinstallos.v2"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_requests_respect_the_concurrency_bound() {
    use reimage::sandbox::{FaultSpec, Faults};
    let mut live = Live::start_with(3.0, 1).await;
    let mut faults = Faults::default();
    faults.operations.insert(
        "ecs.reinstallos.v2".into(),
        FaultSpec {
            latency_ms: 300,
            ..FaultSpec::default()
        },
    );
    live.sandbox.set_faults(faults);
    live.open_form_on(&["web-03", "db-replica-1", "mq-rabbit-01"], 'R')
        .await;
    live.keys(|a| {
        set_field(a, "Waves", "100%");
        ctrl(a, 's')
    });
    let started = std::time::Instant::now();
    live.keys(|a| {
        let mut c = typing(a, "3");
        c.extend(key(a, KeyCode::Enter));
        c
    });
    // Every request answered: its job is followed (the header counts the rollout's jobs).
    live.until("three jobs", |a| {
        let s = screen(a, 160, 40);
        s.lines()
            .next()
            .is_some_and(|header| header.contains("3 running"))
    })
    .await;
    // One at a time, inside the wave: three answers of 300 ms each cannot arrive sooner
    // than 900 ms (all at once they would in about 300).
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(live.count("ecs.reinstallos.v2"), 3);
}

/// A user-data path that is a FIFO: read by the effects off the UI task, it is an error
/// under the field within moments, never a frozen form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_data_fifo_is_an_error_under_the_field_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pipe = dir.path().join("pipe.yaml");
    nix::unistd::mkfifo(&pipe, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let mut live = Live::start(3.0).await;
    live.keys(|a| {
        select(a, "web-03");
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    let mut asked = Vec::new();
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "ubuntu 24.04");
        key(a, KeyCode::Enter);
        for _ in 0..5 {
            key(a, KeyCode::Tab);
        }
        typing(a, &pipe.to_string_lossy());
        asked = key(a, KeyCode::Enter);
        asked.clone()
    });
    assert!(
        matches!(
            asked.as_slice(),
            [reimage::tui::Command::ReadUserData { .. }]
        ),
        "{asked:?}"
    );
    let started = std::time::Instant::now();
    live.until("the FIFO error", |a| shows(a, "FIFO (named pipe)"))
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

//! The real binary in a pseudo-terminal against a sandbox on a loopback port: hostile names
//! from the server cannot drive the terminal, listing and polling faults keep the UI
//! responsive with the last good rows and lose no job, and no secret reaches a file the
//! program wrote or the screen. Results are summed up in docs/faults.md.

use crate::support::client;
use crate::support::job_record;
use crate::support::pty::{Pty, WAIT, esc, wait_until};
use reimage::cloud::model::ServerKind;
use reimage::jobs::journal::Journal;
use reimage::jobs::record::JobOperation;
use reimage::sandbox::{FaultSpec, Faults, Sandbox, SandboxConfig};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// The secret key of these tests' sandbox: must never be seen anywhere.
const SECRET: &str = "harden-test-secret-Zq7vW3xK9pL2";

struct Cloud {
    rt: tokio::runtime::Runtime,
    sb: Sandbox,
}

fn cloud(job_seconds: f64) -> Cloud {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt.block_on(client::sandbox_with(SandboxConfig {
        sk: SECRET.to_string(),
        job_seconds,
        ..SandboxConfig::default()
    }));
    Cloud { rt, sb }
}

/// The binary, signed in to `sb` with environment credentials, nothing else of the machine.
fn tui(sb: &Sandbox, home: &Path, cols: u16, rows: u16) -> Pty {
    let args = ["--write", "--log-level", "trace"];
    let env = [("NO_COLOR", "1"), ("RUST_BACKTRACE", "full")];
    Pty::on_sandbox(sb, home, (&args, &env), cols, rows)
}

fn on(op: &str, spec: FaultSpec) -> Faults {
    let mut f = Faults::default();
    f.operations.insert(op.to_string(), spec);
    f
}

const MESSAGES: &str = "Messages (newest first)";

fn quit(pty: &mut Pty) {
    pty.send("q");
    assert!(pty.wait_exit(WAIT).is_some(), "quits");
    wait_until("the alternate screen is left", || !pty.alternate_screen());
    assert!(pty.cooked_mode());
}

/// Every fault the sandbox offers, with the hint the user must see for it.
fn faults() -> Vec<(&'static str, FaultSpec, &'static str)> {
    let d = FaultSpec::default;
    vec![
        (
            "500",
            FaultSpec {
                error_500: 1.0,
                ..d()
            },
            "the service failed, even after retries",
        ),
        (
            "503",
            FaultSpec {
                error_503: 1.0,
                ..d()
            },
            "the service failed, even after retries",
        ),
        (
            "429",
            FaultSpec {
                throttle_429: 1.0,
                retry_after_seconds: 1,
                ..d()
            },
            "throttled by the API gateway",
        ),
        (
            "drop",
            FaultSpec {
                drop_connection: 1.0,
                ..d()
            },
            "cannot reach the service",
        ),
        (
            "malformed",
            FaultSpec {
                malformed_json: 1.0,
                ..d()
            },
            "the reply was not understood",
        ),
    ]
}

#[test]
fn hostile_server_names_cannot_drive_the_terminal() {
    let c = cloud(1.0);
    let home = tempfile::tempdir().expect("tempdir");
    let servers =
        c.rt.block_on(async {
            let client = client::client(&c.sb).await;
            client.list_servers(ServerKind::Ecs).await
        })
        .expect("list");
    let web01 = servers.iter().find(|s| s.name == "web-01").expect("web-01");
    let web02 = servers.iter().find(|s| s.name == "web-02").expect("web-02");
    assert!(c.sb.rename_server(&web01.id, "aa-evil\x1b]0;pwned\x07\x1b[2Jx"));
    assert!(c.sb.rename_server(&web02.id, "aa-csi\u{9b}31m\x1b[31mRED\u{202E}t"));
    // A huge name, wide characters and all: cut to its column, never a hang or a panic.
    let web03 = servers.iter().find(|s| s.name == "web-03").expect("web-03");
    let huge = format!("aa-huge-{}", "数据库x".repeat(25_000));
    assert!(c.sb.rename_server(&web03.id, &huge));
    let mut pty = tui(&c.sb, home.path(), 160, 40);
    let screen = pty.wait_for(r"aa-evil\x1b]0;pwned…", WAIT);
    assert!(screen.contains("aa-huge-数据库x"), "{screen}");
    assert!(
        screen.contains(r"aa-csi\x9b31m\x1b[31mRED\u{202e}t (ECS)"),
        "{screen}"
    );
    // Details of the hostile row, then the message view: every place a name is drawn.
    pty.send("/aa-evil");
    pty.wait_for("filter \"aa-evil\"", WAIT);
    pty.send("\r");
    // The details title shows the whole name, escaped.
    pty.wait_for(r"aa-evil\x1b]0;pwned\x07\x1b[2Jx (ECS)", WAIT);
    esc(&mut pty, "filter \"aa-evil\"");
    quit(&mut pty);
    let raw = pty.raw_output();
    for needle in [
        &b"\x1b]0;pwned"[..],
        b"\x1b[2Jx",
        b"\xc2\x9b31m",
        b"\x1b[31mRED",
        "\u{202E}".as_bytes(),
    ] {
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle),
            "injected {needle:?} reached the terminal"
        );
    }
}

#[test]
fn listing_faults_keep_the_ui_responsive_and_the_last_rows() {
    let c = cloud(1.0);
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(&c.sb, home.path(), 200, 50);
    pty.wait_for("api-01", WAIT);

    // A listing that hangs does not hang the keyboard: help opens while it is in flight.
    c.sb.set_faults(on(
        "ecs.list",
        FaultSpec {
            latency_ms: 15_000,
            ..FaultSpec::default()
        },
    ));
    let before = client::op_count(&c.sb, "ecs.list");
    pty.send("r");
    wait_until("the refresh is sent", || {
        client::op_count(&c.sb, "ecs.list") > before
    });
    let sent = Instant::now();
    pty.send("?");
    pty.wait_for("refresh the listings", WAIT);
    assert!(
        sent.elapsed() < Duration::from_secs(15),
        "help opened while the listing still hung"
    );
    esc(&mut pty, "refresh the listings");

    // 2 s of latency: slow, but no error and the rows stay.
    c.sb.set_faults(Faults {
        global: FaultSpec {
            latency_ms: 2_000,
            ..FaultSpec::default()
        },
        ..Faults::default()
    });
    let before = client::op_count(&c.sb, "ecs.list");
    pty.send("r");
    wait_until("the slow refresh is sent", || {
        client::op_count(&c.sb, "ecs.list") > before
    });
    let sent = Instant::now();
    // Let it finish (pacing, not an assertion): the next fault must meet only its own calls.
    while sent.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = pty.wait_for("api-01", WAIT);
    assert!(
        !screen.contains("error: "),
        "latency is no error:\n{screen}"
    );

    for (name, spec, hint) in faults() {
        c.sb.set_faults(on("ecs.list", spec));
        let before = client::op_count(&c.sb, "ecs.list");
        pty.send("r");
        // The error and its hint are in the message history, the rows are still there.
        let start = Instant::now();
        loop {
            pty.send("M");
            pty.wait_for(MESSAGES, WAIT);
            let screen = pty.screen();
            esc(&mut pty, MESSAGES);
            if screen.contains(hint) {
                break;
            }
            assert!(
                start.elapsed() < WAIT,
                "{name}: no hint {hint:?} shown:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        let screen = pty.wait_for("api-01", WAIT);
        assert!(
            screen.contains("error: ECS servers"),
            "{name}: the error is on the status line:\n{screen}"
        );
        let sent = client::op_count(&c.sb, "ecs.list") - before;
        assert!(
            (1..=4).contains(&sent),
            "{name}: a read is retried at most 4 times, sent {sent}"
        );
        // Keys are still handled; healthy again, the pane reloads (pacing, then next fault).
        c.sb.set_faults(Faults::default());
        pty.send("2");
        pty.wait_for("Ubuntu", WAIT);
        pty.send("1");
        pty.wait_for("api-01", WAIT);
        std::thread::sleep(Duration::from_secs(1));
    }
    c.sb.set_faults(Faults::default());
    quit(&mut pty);
}

#[test]
fn polling_faults_lose_no_job_and_the_change_is_sent_once() {
    let c = cloud(3.0);
    let home = tempfile::tempdir().expect("tempdir");
    // A real job on the sandbox, journaled as the form would journal it.
    let (server, accepted) = c.rt.block_on(async {
        let client = client::client(&c.sb).await;
        let servers = client.list_servers(ServerKind::Ecs).await.expect("list");
        let server = client::eligible(&servers)
            .into_iter()
            .next()
            .expect("eligible");
        let image = client::good_image(&client, ServerKind::Ecs, true).await;
        let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", server.id);
        let body = serde_json::json!({"os-change": {"adminpass": "Bl0ck!Quay7", "imageid": image.id, "mode": "withStopServer"}});
        let accepted = client
            .submit_os_request(ServerKind::Ecs, &path, &body)
            .await
            .expect("accepted");
        (server, accepted)
    });
    let (journal, _) = Journal::open(home.path().join("state/jobs.jsonl")).expect("journal");
    journal
        .record_submitted(
            &job_record::submitted(
                &accepted.job_id,
                ServerKind::Ecs,
                JobOperation::ChangeOs,
                (&server.id, &server.name),
            )
            .route("v2")
            .in_sandbox(&c.sb)
            .build(),
        )
        .expect("journaled");
    drop(journal);

    // Polls fail in every way the sandbox can: the job stays, the UI answers keys.
    c.sb.set_faults(on(
        "jobs.show",
        FaultSpec {
            latency_ms: 2_000,
            drop_connection: 0.2,
            throttle_429: 0.2,
            retry_after_seconds: 1,
            error_500: 0.25,
            error_503: 0.3,
            malformed_json: 1.0,
            slow_body_ms: 100,
        },
    ));
    let mut pty = tui(&c.sb, home.path(), 160, 40);
    pty.wait_for("api-01", WAIT);
    pty.send("4");
    pty.wait_for(&server.name, WAIT);
    let polls = client::op_count(&c.sb, "jobs.show");
    wait_until("two failed polls", || {
        client::op_count(&c.sb, "jobs.show") >= polls + 2
    });
    let screen = pty.wait_for(&server.name, WAIT);
    assert!(!screen.contains("SUCCESS"), "nothing known yet:\n{screen}");
    pty.send("1");
    pty.wait_for("api-01", WAIT);
    pty.send("4");
    pty.wait_for(&server.name, WAIT);

    // Faults gone: the same job is followed to its end.
    c.sb.set_faults(Faults::default());
    // A throttled poll may have pushed the next one back by up to a minute.
    pty.wait_for("SUCCESS", Duration::from_secs(90));
    quit(&mut pty);
    assert_eq!(
        client::op_count(&c.sb, "ecs.changeos.v2"),
        1,
        "sent exactly once"
    );
    let journal = std::fs::read_to_string(home.path().join("state/jobs.jsonl")).expect("journal");
    assert!(journal.contains(&accepted.job_id) && journal.contains("SUCCESS"));
}

/// Every regular file under `dir`.
fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn secrets_stay_out_of_files_and_screen_and_files_are_private() {
    let c = cloud(1.0);
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(&c.sb, home.path(), 160, 40);
    pty.wait_for("api-01", WAIT);
    for (keys, shows) in [
        ("2", "Ubuntu"),
        ("3", "kp-admin"),
        ("4", "Jobs"),
        ("1", "api-01"),
    ] {
        pty.send(keys);
        pty.wait_for(shows, WAIT);
    }
    pty.send("M");
    pty.wait_for(MESSAGES, WAIT);
    esc(&mut pty, MESSAGES);
    pty.send("?");
    pty.wait_for("refresh the listings", WAIT);
    esc(&mut pty, "refresh the listings");
    quit(&mut pty);

    let mut written = Vec::new();
    files(home.path(), &mut written);
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into())
        .collect();
    assert!(names.iter().any(|n| n == "reimage.log"), "{names:?}");
    assert!(names.iter().any(|n| n == "projects.json"), "{names:?}");
    for path in &written {
        let bytes = std::fs::read(path).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "the secret key is in {}",
            path.display()
        );
        let mode = std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
        let dir = path.parent().expect("parent");
        if dir != home.path() {
            let mode = std::fs::metadata(dir).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{} is {mode:o}", dir.display());
        }
    }
    let log = std::fs::read_to_string(home.path().join("state/reimage.log")).expect("log");
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "verbose log"
    );
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(!raw.contains(SECRET), "the secret key reached the screen");

    // A panic report (with a full backtrace) carries no secret either.
    let mut pty = {
        let h = home.path().display().to_string();
        Pty::spawn(
            &["--endpoint", &c.sb.url, "--region", &c.sb.region],
            &[
                ("REIMAGE_HOME", h.as_str()),
                ("HOME", h.as_str()),
                ("REIMAGE_METADATA_URL", "off"),
                ("HUAWEICLOUD_SDK_AK", c.sb.ak.as_str()),
                ("HUAWEICLOUD_SDK_SK", SECRET),
                ("RUST_BACKTRACE", "full"),
                ("REIMAGE_TEST_PANIC", "1"),
            ],
            120,
            40,
        )
    };
    assert!(pty.wait_exit(WAIT).is_some());
    wait_until("the panic report", || {
        String::from_utf8_lossy(&pty.raw_output()).contains("REIMAGE_TEST_PANIC")
    });
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        !raw.contains(SECRET),
        "the secret key is in the panic report"
    );
}

/// A credentials file others can read: warned about on the normal screen and in the TUI.
#[test]
fn a_credentials_file_others_can_read_is_warned_about_in_the_tui() {
    let c = cloud(1.0);
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join(".huaweicloud/credentials");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &file,
        format!("[basic]\nak = {}\nsk = {}\n", c.sb.ak, c.sb.sk),
    )
    .expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let h = home.path().display().to_string();
    let mut pty = Pty::spawn(
        &["--endpoint", &c.sb.url, "--region", &c.sb.region],
        &[
            ("REIMAGE_HOME", h.as_str()),
            ("HOME", h.as_str()),
            ("REIMAGE_METADATA_URL", "off"),
            ("NO_COLOR", "1"),
        ],
        200,
        40,
    );
    pty.wait_for("api-01", WAIT);
    pty.send("M");
    pty.wait_for(MESSAGES, WAIT);
    let screen = pty.wait_for("readable by other users", WAIT);
    assert!(screen.contains("chmod 600"), "{screen}");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let warned = raw.find("readable by other users").expect("on stderr");
    let entered = raw.find("\x1b[?1049h").expect("the TUI starts");
    assert!(warned < entered, "printed before the alternate screen");
    esc(&mut pty, MESSAGES);
    quit(&mut pty);
}

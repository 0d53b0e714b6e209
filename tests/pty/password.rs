//! `--password-stdin` when stdin is a terminal: the real binary in a pseudo-terminal asks
//! with echo off, so the typed password is never on the screen nor in the scrollback, and
//! the plan still gets it; Ctrl-C at the question gives the terminal back as it was.

use crate::support::client;
use crate::support::pty::Pty;
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "Str0ng!Pass9";
const PROMPT: &str = "Admin password (not shown):";
const PLAN: &[&str] = &[
    "plan",
    "--server",
    "web-03",
    "--reinstall",
    "--password-stdin",
];
const APPLY: &[&str] = &[
    "--write",
    "apply",
    "--server",
    "web-03",
    "--reinstall",
    "--password-stdin",
];

/// `reimage ARGS` at a terminal, signed in to its own sandbox, waiting at the question.
/// Keep it whole while the program runs: the sandbox lives in its runtime.
struct AtTheQuestion {
    pty: Pty,
    sb: Sandbox,
    _home: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

fn at_the_question(args: &[&str]) -> AtTheQuestion {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt.block_on(client::sandbox_with(SandboxConfig {
        job_seconds: 0.2,
        ..SandboxConfig::default()
    }));
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path().display().to_string();
    let env = [
        ("REIMAGE_HOME", h.as_str()),
        ("HOME", h.as_str()),
        ("REIMAGE_METADATA_URL", "off"),
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
    ];
    let all = [&["--endpoint", &sb.url, "--region", &sb.region][..], args].concat();
    let pty = Pty::spawn(&all, &env, 120, 40);
    pty.wait_for(PROMPT, WAIT);
    AtTheQuestion {
        pty,
        sb,
        _home: home,
        _rt: rt,
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn typed_password_is_never_echoed_and_reaches_the_plan() {
    let mut q = at_the_question(PLAN);
    let pty = &mut q.pty;
    pty.send(PASSWORD);
    pty.send("\r");
    // The plan went through ops with the password: its body carries it, masked.
    let screen = pty.wait_for(r#""adminpass": "********""#, WAIT);
    let status = pty.wait_exit(WAIT).expect("plan ends");
    assert!(status.success(), "{screen}");
    assert!(
        !screen.contains(PASSWORD),
        "password on the screen:\n{screen}"
    );
    assert!(
        !contains(&pty.raw_output(), PASSWORD),
        "password among the bytes written to the terminal (scrollback)"
    );
    assert!(pty.cooked_mode(), "echo and line editing are back on");
}

#[test]
fn a_short_password_reaches_the_rules_not_lost() {
    // What was typed is what ops checks: a too-short password is named by its length (a
    // reinstall only recommends 8 to 26, so it is a warning, not a refusal).
    let mut q = at_the_question(PLAN);
    let pty = &mut q.pty;
    // Backspace edits the hidden line: "Ab1!x" then one erased is 4 characters.
    pty.send("Ab1!x\x7f\r");
    let screen = pty.wait_for("recommends 8 to 26", WAIT);
    pty.wait_exit(WAIT).expect("plan ends");
    assert!(screen.contains("4 characters;"), "{screen}");
    assert!(!contains(&pty.raw_output(), "Ab1!"), "{screen}");
}

#[test]
fn ctrl_c_at_the_question_restores_the_terminal_and_sends_nothing() {
    let mut q = at_the_question(APPLY);
    let pty = &mut q.pty;
    pty.send("half");
    pty.send("\x03");
    let status = pty.wait_exit(WAIT).expect("apply ends on Ctrl-C");
    assert!(!status.success());
    assert!(pty.cooked_mode(), "echo and line editing are back on");
    assert_eq!(client::op_count(&q.sb, "ecs.reinstallos.v2"), 0);
    assert!(!pty.screen().contains("half"), "{}", pty.screen());
}

#[test]
fn apply_asks_the_password_hidden_then_the_confirmation_as_typed() {
    let mut q = at_the_question(APPLY);
    let pty = &mut q.pty;
    pty.send(PASSWORD);
    pty.send("\r");
    pty.wait_for("Type the server name to confirm:", WAIT);
    pty.send("web-03\r");
    let status = pty.wait_exit(WAIT).expect("apply ends");
    let screen = pty.screen();
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains("confirm: web-03"),
        "the name is echoed:\n{screen}"
    );
    assert_eq!(client::op_count(&q.sb, "ecs.reinstallos.v2"), 1);
    assert!(!contains(&pty.raw_output(), PASSWORD), "{screen}");
    assert!(pty.cooked_mode());
}

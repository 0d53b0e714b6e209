//! The TUI draws its first frame without asking the terminal anything: a terminal that never
//! answers a cursor-position query (this pty does not) must still get a screen at once.

use crate::support::pty;
use std::time::{Duration, Instant};

/// The program at 80x24 with no credentials, its home in `home`, and `extra` environment.
fn spawn_without_credentials(home: &tempfile::TempDir, extra: &[(&str, &str)]) -> pty::Pty {
    let home_path = home.path().to_str().expect("utf-8 temp path");
    let mut env = vec![("REIMAGE_HOME", home_path)];
    env.extend_from_slice(extra);
    // Unset, not empty: a key variable set but empty is an error to report.
    let unset = ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"];
    pty::Pty::spawn_without(&[], &env, &unset, 80, 24)
}

#[test]
fn first_frame_comes_without_a_terminal_round_trip() {
    let home = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut pty = spawn_without_credentials(&home, &[]);
    let screen = pty.wait_for("Servers", Duration::from_secs(10));
    // An unanswered query stalls 2 s and then fails; a debug build on a busy machine still
    // draws well within this.
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "first frame took {:?}:\n{screen}",
        started.elapsed()
    );
    assert!(pty.alternate_screen());
    pty.send("\x03");
    assert!(
        pty.wait_exit(Duration::from_secs(10)).is_some(),
        "Ctrl-C quits"
    );
    assert!(pty.cooked_mode());
}

/// With nothing else configured, credentials are asked of the ECS metadata service, which
/// on a machine that is not an ECS may answer only when its timeout runs out. The first
/// frame must not wait for that (nor for project discovery): the header says it is
/// connecting and the panes load. Here the metadata URL was set, so when the probe gives up
/// the panes say why; the sandbox does not stand in for a source that was configured.
#[test]
fn first_frame_does_not_wait_for_the_connection() {
    // Accepts connections (the kernel's backlog) and never answers them.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let url = format!("http://{}", silent.local_addr().expect("address"));
    let home = tempfile::tempdir().expect("temp dir");
    let mut pty = spawn_without_credentials(&home, &[("REIMAGE_METADATA_URL", url.as_str())]);
    let screen = pty.wait_for("connecting", Duration::from_secs(10));
    assert!(
        screen.contains("loading"),
        "panes wait for the cloud:\n{screen}"
    );
    let screen = pty.wait_for("no ECS metadata service", Duration::from_secs(30));
    assert!(!screen.contains("SANDBOX"), "{screen}");
    pty.send("\x03");
    assert!(
        pty.wait_exit(Duration::from_secs(10)).is_some(),
        "Ctrl-C quits"
    );
    drop(silent);
}

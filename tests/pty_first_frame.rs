//! The TUI draws its first frame without asking the terminal anything: a terminal that never
//! answers a cursor-position query (this pty does not) must still get a screen at once.

mod pty_harness;
use std::time::{Duration, Instant};

#[test]
fn first_frame_comes_without_a_terminal_round_trip() {
    let home = tempfile::tempdir().expect("temp dir");
    let home_path = home.path().to_str().expect("utf-8 temp path");
    let env = [
        ("REIMAGE_HOME", home_path),
        ("HUAWEICLOUD_SDK_AK", ""),
        ("HUAWEICLOUD_SDK_SK", ""),
    ];
    let started = Instant::now();
    let mut pty = pty_harness::Pty::spawn(&[], &env, 80, 24);
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

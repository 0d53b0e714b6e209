//! The TUI in a pseudo-terminal on its in-process sandbox: an unknown region is refused
//! and the header keeps the old one; the sandbox keeps its jobs across a restart, so the
//! Jobs pane shows how they ended, not LOST.

use crate::support::pty::Pty;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn header(pty: &Pty) -> String {
    pty.screen().lines().next().unwrap_or_default().to_string()
}

#[test]
fn an_unknown_region_is_an_error_and_the_header_keeps_the_old_one() {
    let home = tempfile::tempdir().expect("tmp");
    let mut pty = Pty::isolated(home.path(), &[], &[], 100, 30);
    pty.wait_for("Servers (", WAIT);
    pty.wait_for("ap-southeast-3", WAIT);
    pty.send(":region nowhere-1\r");
    let screen = pty.wait_for("unknown region", WAIT);
    assert!(screen.contains("nowhere-1"), "{screen}");
    // The connection is kept: a refresh still lists, the header still names the region.
    pty.send("r");
    std::thread::sleep(Duration::from_millis(500));
    let top = header(&pty);
    assert!(top.contains("ap-southeast-3"), "{top}");
    assert!(!top.contains("nowhere-1"), "{top}");
    pty.send("q");
    pty.wait_exit(WAIT).expect("quits");
}

#[test]
fn the_sandbox_keeps_its_jobs_across_a_restart_so_none_is_lost() {
    let home = tempfile::tempdir().expect("tmp");
    let mut pty = Pty::isolated(home.path(), &[], &[], 100, 30);
    pty.wait_for("Servers (", WAIT);
    pty.wait_for("api-01", WAIT);
    // Stop the first server (api-01, running): the confirmation starts on Cancel.
    pty.send("s");
    pty.wait_for("Stop", WAIT);
    pty.send("\x1b[C");
    std::thread::sleep(Duration::from_millis(200));
    pty.send("\r");
    pty.wait_for("Jobs (1)", WAIT);
    // Quitting while the request is in flight asks first: wait until it was accepted.
    pty.send("4");
    let deadline = std::time::Instant::now() + WAIT;
    while pty.screen().contains("SENDING") || !pty.screen().contains("api-01") {
        assert!(std::time::Instant::now() < deadline, "{}", pty.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    pty.send("q");
    pty.wait_exit(WAIT).expect("quits");
    // A new process, a new in-process sandbox: the job is there and ends as it would have.
    let mut pty = Pty::isolated(home.path(), &[], &[], 100, 30);
    pty.wait_for("Servers (", WAIT);
    pty.send("4");
    let screen = pty.wait_for("SUCCESS", WAIT);
    assert!(!screen.contains("LOST"), "{screen}");
    pty.send("q");
    pty.wait_exit(WAIT).expect("quits");
}

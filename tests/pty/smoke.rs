//! The real binary in a pseudo-terminal: prints its help and exits cleanly.

use crate::support::pty;
use std::time::Duration;

#[test]
fn help_shows_in_a_terminal() {
    let mut pty = pty::Pty::spawn(&["--help"], &[], 120, 100);
    pty.wait_for("Usage", Duration::from_secs(10));
    assert!(pty.wait_exit(Duration::from_secs(10)).is_some());
    assert!(pty.cooked_mode());
}

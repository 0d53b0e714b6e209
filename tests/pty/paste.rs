//! Bracketed paste through the real binary in a pseudo-terminal: the terminal is asked for
//! bracketed paste, a paste (`ESC[200~ ... ESC[201~`) is applied and drawn at once with no
//! key after it, a password paste says how many characters arrived, and the mode is
//! switched off again on exit.

use crate::support::pty::Pty;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "Kx9@mQ2$vLp7w";

fn paste(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}

fn tui(home: &std::path::Path) -> Pty {
    Pty::isolated(home, &[], &[], 100, 30)
}

#[test]
fn a_paste_is_drawn_without_another_key() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(home.path());
    pty.wait_for("Servers 47", WAIT);
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        raw.contains("\x1b[?2004h"),
        "bracketed paste is switched on"
    );

    // Into the filter: the rows change with nothing typed after the paste.
    pty.send("/");
    pty.wait_for("Enter keep filter", WAIT);
    pty.send(&paste("web-0"));
    let screen = pty.wait_for("filter \"web-0\"", WAIT);
    assert!(!screen.contains("api-01"), "{screen}");

    // Into a password field: masked, with a note of what arrived.
    pty.send("\x1b");
    pty.wait_for("Servers 47", WAIT);
    pty.send("/web-03\r");
    pty.wait_for("filter \"web-03\"", WAIT);
    pty.send("c");
    pty.wait_for("Change OS", WAIT);
    pty.send("\r");
    pty.wait_for("Pick an image", WAIT);
    pty.send(&paste("Ubuntu 24.04"));
    pty.wait_for("/ Ubuntu 24.04", WAIT);
    pty.send("\r");
    pty.wait_for("[ Ubuntu 24.04", WAIT);
    // Route, Login (key pair to password), Password.
    pty.send("\t\t\x1b[D\t");
    pty.wait_for("Confirm", WAIT);
    pty.send(&paste(PASSWORD));
    let screen = pty.wait_for("pasted 13 characters into password", WAIT);
    assert!(screen.contains(&"*".repeat(13)), "{screen}");
    assert!(!screen.contains(PASSWORD), "{screen}");

    // Quitting switches bracketed paste off again (over a filled form, Ctrl-C asks once).
    pty.send("\x03");
    pty.wait_for("Ctrl-C again quits", WAIT);
    pty.send("\x03");
    assert!(pty.wait_exit(WAIT).is_some(), "Ctrl-C quits");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let on = raw.rfind("\x1b[?2004h").expect("switched on");
    let off = raw.rfind("\x1b[?2004l").expect("switched off on exit");
    assert!(off > on, "off after the last time it was switched on");
}

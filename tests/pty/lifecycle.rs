//! The real binary in a pseudo-terminal: open, filter, resize, quit; SIGHUP and SIGTERM;
//! an injected panic. Every path must leave the terminal as it found it: alternate screen
//! left, cursor shown, raw mode off.

use crate::support::pty::Pty;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn spawn(home: &std::path::Path, extra: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
    Pty::isolated(home, &[], extra, cols, rows)
}

/// The terminal is back to normal and the process is gone.
fn assert_restored(pty: &mut Pty, what: &str) {
    let status = pty.wait_exit(WAIT);
    assert!(
        status.is_some(),
        "{what}: the process did not exit; screen:\n{}",
        pty.screen()
    );
    // The reader thread may still be parsing the last bytes.
    let start = std::time::Instant::now();
    while pty.alternate_screen() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !pty.alternate_screen(),
        "{what}: still on the alternate screen"
    );
    assert!(!pty.cursor_hidden(), "{what}: cursor left hidden");
    assert!(pty.cooked_mode(), "{what}: raw mode left on");
}

#[test]
fn open_filter_resize_and_quit() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = spawn(home.path(), &[], 120, 40);
    let screen = pty.wait_for("api-01", WAIT);
    assert!(screen.contains("SANDBOX"), "{screen}");
    assert!(pty.alternate_screen() && pty.cursor_hidden());
    assert!(!pty.cooked_mode(), "raw mode while running");

    // Filter: only matching rows stay.
    pty.send("/erp-prod");
    pty.wait_for("filter \"erp-prod\"", WAIT);
    pty.send("\r");
    let start = std::time::Instant::now();
    while pty.screen().contains("api-01") && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let screen = pty.screen();
    assert!(
        screen.contains("erp-prod") && !screen.contains("api-01"),
        "filtered:\n{screen}"
    );

    // Resize while running: the frame follows the new size.
    pty.resize(80, 24);
    let small = pty.wait_for("erp-prod", WAIT);
    assert_eq!(small.lines().count(), 24, "{small}");
    assert!(small.lines().all(|l| l.chars().count() <= 80), "{small}");
    pty.resize(200, 60);
    let start = std::time::Instant::now();
    while pty.screen().lines().count() < 60 && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let big = pty.wait_for("erp-prod", WAIT);
    assert!(big.contains("SANDBOX"), "{big}");
    assert!(
        big.lines().any(|l| l.chars().count() > 120),
        "uses the width: {big}"
    );

    // Esc leaves the filter, q quits.
    pty.send("\x1b");
    pty.wait_for("Servers 47", WAIT);
    pty.send("q");
    assert_restored(&mut pty, "q");
    assert_eq!(
        pty.wait_exit(WAIT).map(|s| s.success()),
        Some(true),
        "q exits 0"
    );
}

#[test]
fn hangup_terminate_interrupt_and_quit_signals_restore_the_terminal() {
    for signal in [
        Signal::SIGHUP,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGQUIT,
    ] {
        let home = tempfile::tempdir().expect("tempdir");
        let mut pty = spawn(home.path(), &[], 100, 30);
        pty.wait_for("api-01", WAIT);
        kill(Pid::from_raw(pty.pid() as i32), signal).expect("signal sent");
        assert_restored(&mut pty, signal.as_str());
    }
}

#[test]
fn injected_panic_restores_the_terminal_before_the_report() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = spawn(home.path(), &[("REIMAGE_TEST_PANIC", "1")], 100, 30);
    let status = pty.wait_exit(WAIT).expect("the process ends");
    assert!(!status.success(), "a panic is a failure exit");
    assert_restored(&mut pty, "panic");
    let start = std::time::Instant::now();
    let (raw, report_at) = loop {
        let raw = pty.raw_output();
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some(i) = text.find("REIMAGE_TEST_PANIC is set") {
            break (text, i);
        }
        assert!(start.elapsed() < WAIT, "no panic report: {text:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    // Before the report: the alternate screen left and the cursor shown, after the last
    // time the TUI entered/hid them.
    let before = &raw[..report_at];
    let restored = |on: &str, off: &str| {
        let off_at = before.rfind(off);
        off_at.is_some() && off_at > before.rfind(on)
    };
    assert!(
        restored("\x1b[?1049h", "\x1b[?1049l"),
        "the alternate screen is left before the report"
    );
    assert!(
        restored("\x1b[?25l", "\x1b[?25h"),
        "the cursor is shown before the report"
    );
}

#[test]
fn insecure_warns_on_the_normal_screen_before_the_tui_starts() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::isolated(home.path(), &["--insecure"], &[], 100, 30);
    let screen = pty.wait_for("api-01", WAIT);
    // On the TUI's own screen too: the header says so and `M` keeps the warning.
    let top = screen.lines().next().unwrap_or_default();
    assert!(top.contains("INSECURE"), "{screen}");
    pty.send("M");
    let m = pty.wait_for("Messages (newest first)", WAIT);
    assert!(m.contains("TLS certificates are NOT checked"), "{m}");
    pty.send("\x1b");
    let start = std::time::Instant::now();
    while pty.screen().contains("Messages") && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let warned = raw
        .find("WARNING: --insecure")
        .expect("the warning is printed");
    let entered = raw.find("\x1b[?1049h").expect("the TUI starts");
    assert!(warned < entered, "printed before the alternate screen");
    pty.send("q");
    assert_restored(&mut pty, "q");
    let screen = pty.screen();
    assert!(
        screen.contains("WARNING: --insecure"),
        "still readable after quitting:\n{screen}"
    );
}

#[test]
fn the_fuzzy_filter_of_config_toml_reaches_the_tui() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join("config.toml"),
        "[ui]\nfilter = \"fuzzy\"\n",
    )
    .expect("config written");
    let mut pty = spawn(home.path(), &[], 100, 30);
    pty.wait_for("Servers 47", WAIT);
    // No `~`: w..s..q..l is a fuzzy match of win-sql-01 only with the fuzzy mode.
    pty.send("/wsql");
    let screen = pty.wait_for("filter \"wsql\"", WAIT);
    assert!(screen.contains("win-sql-01"), "{screen}");
    pty.send("\x03");
    assert_restored(&mut pty, "Ctrl-C");
}

//! A dropped SSH link: sshd closes the pseudo-terminal's master side under the program. The
//! kernel hangs the terminal up (SIGHUP to its session, and every read and write on it fails
//! from then on). reimage must end by itself, not spin on a dead terminal or hang waiting
//! for it, and leave its state as it was.

use nix::pty::Winsize;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn closing_the_terminal_under_the_program_ends_it() {
    let home = tempfile::tempdir().expect("temp dir");
    let size = Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // Only this test holds the master: closing it must hang the terminal up, so neither the
    // child nor a program another test starts meanwhile may inherit a copy.
    let pty = cloexec_pty(&size);
    let slave = |pty: &OwnedFd| Stdio::from(pty.try_clone().expect("dup slave"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env("REIMAGE_HOME", home.path())
        .env("TERM", "xterm-256color")
        .env("REIMAGE_METADATA_URL", "off")
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .stdin(slave(&pty.slave))
        .stdout(slave(&pty.slave))
        .stderr(slave(&pty.slave));
    // SAFETY: only async-signal-safe calls between fork and exec. The child leads a new
    // session whose controlling terminal is the pty, as under sshd.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid()?;
            if nix::libc::ioctl(0, nix::libc::TIOCSCTTY, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn reimage");
    drop(pty.slave);

    // Read the screen until the TUI is up (the in-process sandbox listed its servers).
    let mut master = std::fs::File::from(pty.master);
    let fd = master.as_raw_fd();
    nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .expect("non-blocking master");
    let started = Instant::now();
    let nz = |n| std::num::NonZeroU16::new(n).expect("non-zero");
    let mut screen = vt100::Parser::new(nz(24), nz(80), 0);
    let mut buf = [0u8; 65536];
    while !screen.screen().contents().contains("Servers 47") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the TUI did not come up:\n{}",
            screen.screen().contents()
        );
        match master.read(&mut buf) {
            Ok(n) => screen.process(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("reading the pty: {e}"),
        }
    }

    // The link drops.
    drop(master);
    let hung_up = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if hung_up.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("reimage still runs 10 s after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // An exit of its own, not a crash: writing its last words to a dead terminal must not
    // panic (a panic there aborts).
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), None, "ended by a signal: {status:?}");
    assert!(status.code().is_some(), "{status:?}");
    // Its home is intact: the journal opened at start is still readable.
    let journal = home.path().join("state/jobs.jsonl");
    if journal.exists() {
        std::fs::read_to_string(&journal).expect("journal readable");
    }
}

/// A pty pair whose descriptors are close-on-exec from the moment they exist: the other
/// tests of this binary start programs on other threads, and one started between an
/// `openpty` and a later `FD_CLOEXEC` would keep a copy of the master.
struct Pair {
    master: OwnedFd,
    slave: OwnedFd,
}

fn cloexec_pty(size: &Winsize) -> Pair {
    use nix::fcntl::OFlag;
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .expect("posix_openpt");
    nix::pty::grantpt(&master).expect("grantpt");
    nix::pty::unlockpt(&master).expect("unlockpt");
    let name = nix::pty::ptsname_r(&master).expect("ptsname");
    // std opens with O_CLOEXEC.
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NOCTTY)
        .open(name)
        .expect("open the pty slave");
    // SAFETY: TIOCSWINSZ reads one `winsize` from the pointer, which outlives the call.
    let r = unsafe {
        nix::libc::ioctl(
            slave.as_raw_fd(),
            nix::libc::TIOCSWINSZ,
            size as *const Winsize,
        )
    };
    assert_eq!(r, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
    Pair {
        // SAFETY: the descriptor was just opened and is owned by nothing else.
        master: unsafe { OwnedFd::from_raw_fd(master.into_raw_fd()) },
        slave: slave.into(),
    }
}

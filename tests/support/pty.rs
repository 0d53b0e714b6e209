//! Runs the real `reimage` binary in a pseudo-terminal and reads its screen back through a
//! vt100 parser, as a user at a terminal would see it.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
pub const WAIT: Duration = Duration::from_secs(30);

/// Polls `ok` until it holds; panics naming `what` after [`WAIT`].
pub fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// In an open change/reinstall form on Login: pick the password login (the mode before
/// "key pair"), type `password` in both fields and wait until both hold it.
pub fn password_login(pty: &mut Pty, password: &str) {
    if !pty.screen().contains("(*) password") {
        pty.send("\x1b[D");
        pty.wait_for("(*) password", WAIT);
    }
    pty.send("\t");
    pty.send(password);
    pty.send("\t");
    pty.send(password);
    let chars = format!("{} chars", password.chars().count());
    wait_until("both password fields filled", || {
        pty.screen().matches(&chars).count() == 2
    });
}

/// Esc alone (a key right after it would read as Alt+key), then wait until `gone` is.
pub fn esc(pty: &mut Pty, gone: &str) {
    pty.send("\x1b");
    wait_until(&format!("{gone:?} to go"), || !pty.screen().contains(gone));
}

fn nz(n: u16) -> std::num::NonZero<u16> {
    std::num::NonZero::new(n.max(1)).expect("at least 1")
}

pub struct Pty {
    master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for byte counts and for secret scans.
    raw: Arc<Mutex<Vec<u8>>>,
    /// Set when the reader has read everything (the terminal's last writer closed it).
    drained: Arc<AtomicBool>,
}

/// Environment that keeps the machine's own config, credentials and metadata service out:
/// the TUI opens on its in-process sandbox, without colour.
pub fn isolated(home: &std::path::Path) -> Vec<(String, String)> {
    let h = home.display().to_string();
    vec![
        ("REIMAGE_HOME".into(), h.clone()),
        ("HOME".into(), h.clone()),
        ("XDG_CONFIG_HOME".into(), h.clone()),
        ("REIMAGE_METADATA_URL".into(), "off".into()),
        ("NO_COLOR".into(), "1".into()),
    ]
}

impl Pty {
    /// The binary with `args` in the [`isolated`] environment of `home`, plus `extra`.
    pub fn isolated(
        home: &std::path::Path,
        args: &[&str],
        extra: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Pty {
        let env = isolated(home);
        let mut all: Vec<(&str, &str)> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(extra);
        Pty::spawn(args, &all, cols, rows)
    }

    /// The binary signed in to the sandbox `sb` with environment credentials and nothing
    /// else of the machine (`home` for its files), then `args` and `env` of the test's own.
    pub fn on_sandbox(
        sb: &reimage::sandbox::Sandbox,
        home: &std::path::Path,
        (args, env): (&[&str], &[(&str, &str)]),
        cols: u16,
        rows: u16,
    ) -> Pty {
        let h = home.display().to_string();
        let mut all = vec![
            ("REIMAGE_HOME", h.as_str()),
            ("HOME", h.as_str()),
            ("XDG_CONFIG_HOME", h.as_str()),
            ("REIMAGE_METADATA_URL", "off"),
            ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
            ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ];
        all.extend_from_slice(env);
        let mut argv = vec![
            "--endpoint",
            sb.url.as_str(),
            "--region",
            sb.region.as_str(),
        ];
        argv.extend_from_slice(args);
        Pty::spawn(&argv, &all, cols, rows)
    }

    /// Start the binary with `args` and extra environment, in a `cols`x`rows` terminal.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        Self::spawn_without(args, env, &[], cols, rows)
    }

    /// [`Pty::spawn`], with the variables named in `unset` removed from the environment
    /// the program inherits (a variable set but empty is not the same as unset).
    pub fn spawn_without(
        args: &[&str],
        env: &[(&str, &str)],
        unset: &[&str],
        cols: u16,
        rows: u16,
    ) -> Pty {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_reimage"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for k in unset {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn reimage");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let drained = Arc::new(AtomicBool::new(false));
        let (p, r, w, d) = (parser.clone(), raw.clone(), writer.clone(), drained.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut parser = p.lock().expect("parser");
                parser.process(&buf[..n]);
                // Answer cursor-position queries (DSR) as a terminal does.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let (row, col) = parser.screen().cursor_position();
                    let reply = format!("\x1b[{};{}R", row + 1, col + 1);
                    let mut w = w.lock().expect("writer");
                    let _ = w.write_all(reply.as_bytes());
                    let _ = w.flush();
                }
                drop(parser);
                r.lock().expect("raw").extend_from_slice(&buf[..n]);
            }
            d.store(true, Ordering::SeqCst);
        });
        Pty {
            master: pair.master,
            writer,
            child,
            parser,
            raw,
            drained,
        }
    }

    pub fn send(&mut self, keys: &str) {
        let mut w = self.writer.lock().expect("writer");
        w.write_all(keys.as_bytes()).expect("write keys");
        w.flush().expect("flush");
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    pub fn bytes_written(&self) -> usize {
        self.raw.lock().expect("raw").len()
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().expect("raw").clone()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser
            .lock()
            .expect("parser")
            .screen()
            .alternate_screen()
    }

    pub fn cursor_hidden(&self) -> bool {
        self.parser.lock().expect("parser").screen().hide_cursor()
    }

    /// Wait until the screen contains `needle`; panics with the screen on timeout.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {needle:?}; screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize");
        self.parser
            .lock()
            .expect("parser")
            .screen_mut()
            .set_size(nz(rows), nz(cols));
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    /// Whether the terminal is back in cooked mode (echo and line editing on).
    pub fn cooked_mode(&self) -> bool {
        match self.master.get_termios() {
            Some(t) => {
                use nix::sys::termios::LocalFlags;
                t.local_flags
                    .contains(LocalFlags::ICANON | LocalFlags::ECHO)
            }
            None => false,
        }
    }

    /// Wait for the process to end and its output to be read; `None` if it did not end within
    /// `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<portable_pty::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Its last bytes may still be on the way to the reader thread: let it read
                // them, so `raw_output` and `screen` show everything the program wrote.
                let exited = Instant::now();
                while !self.drained.load(Ordering::SeqCst)
                    && exited.elapsed() < Duration::from_secs(5)
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        None
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

//! The real binary in a pseudo-terminal (portable-pty + vt100), for the benches that time
//! what a user sees.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Term {
    pub raw: Arc<Mutex<Vec<(Instant, usize)>>>,
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Term {
    pub fn spawn(
        size: (u16, u16),
        args: &[&str],
        env: &[(&str, &str)],
        home: &std::path::Path,
    ) -> (Term, Instant) {
        let (cols, rows) = size;
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_reimage"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("REIMAGE_HOME", home);
        for k in [
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            "HW_ACCESS_KEY",
            "HW_SECRET_KEY",
        ] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let raw = Arc::new(Mutex::new(Vec::new()));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(rows).expect("rows"),
            std::num::NonZero::new(cols).expect("cols"),
            0,
        )));
        let (r, p) = (raw.clone(), parser.clone());
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let now = Instant::now();
                p.lock().expect("parser").process(&buf[..n]);
                r.lock().expect("raw").push((now, n));
            }
        });
        (
            Term {
                raw,
                parser,
                writer,
                child,
            },
            started,
        )
    }

    pub fn bytes(&self) -> usize {
        self.raw.lock().expect("raw").iter().map(|(_, n)| n).sum()
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// The row of the selection marker in the servers table.
    pub fn marker_row(&self) -> Option<usize> {
        self.screen().lines().position(|l| l.contains('▶'))
    }

    /// When the screen first contained `needle` (polled every millisecond).
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Instant {
        let start = Instant::now();
        loop {
            if self.screen().contains(needle) {
                return self
                    .raw
                    .lock()
                    .expect("raw")
                    .last()
                    .map(|(t, _)| *t)
                    .unwrap_or(start);
            }
            assert!(
                start.elapsed() < timeout,
                "no {needle:?} on screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until nothing was written for `quiet`.
    pub fn settle(&self, quiet: Duration) {
        loop {
            let last = self.raw.lock().expect("raw").last().map(|(t, _)| *t);
            match last {
                Some(t) if t.elapsed() < quiet => std::thread::sleep(Duration::from_millis(10)),
                _ => return,
            }
        }
    }

    pub fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).expect("keys");
        self.writer.flush().expect("flush");
    }
}

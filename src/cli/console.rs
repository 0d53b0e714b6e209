//! What `plan` and `apply` read from the user on stdin: the admin password
//! (`--password-stdin`) and the typed confirmation.
//!
//! Both are read a byte at a time from stdin, unbuffered, into a buffer that is wiped and
//! never grows: no copy of the password is left in a stdin buffer or a reallocation, and
//! the confirmation is read from where the password line ended. At a terminal the password
//! is asked for with echo off ([`hidden`]); from a pipe it is the first line.

use super::CliError;
use crate::secret::Secret;
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::os::fd::AsFd;
use zeroize::Zeroizing;

/// Longest line read; a password is at most 26 characters, a server name 255 bytes.
const LINE_MAX: usize = 4096;

pub(crate) const PASSWORD_PROMPT: &str = "Admin password (not shown): ";

pub struct Console {
    /// stdin itself (a second descriptor of it), read without any buffer in between.
    stdin: File,
    terminal: bool,
}

impl Console {
    pub fn stdin() -> Result<Console, CliError> {
        let stdin = std::io::stdin();
        Ok(Console {
            terminal: stdin.is_terminal(),
            stdin: File::from(stdin.as_fd().try_clone_to_owned()?),
        })
    }

    pub(crate) fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// The admin password: asked with echo off at a terminal, else the first line.
    pub(crate) fn password(&mut self) -> Result<Secret, CliError> {
        if self.terminal {
            hidden::ask(&mut self.stdin, PASSWORD_PROMPT)
        } else {
            self.line()
        }
    }

    /// One line, without its line break (the end of input ends it too).
    pub(crate) fn line(&mut self) -> Result<Secret, CliError> {
        let mut line = Line::new();
        loop {
            match next_byte(&mut self.stdin)? {
                None | Some(b'\n') => break,
                Some(b) => line.push(b)?,
            }
        }
        while line.0.last() == Some(&b'\r') {
            line.0.pop();
        }
        line.secret()
    }
}

/// The next byte of input, `None` at its end.
fn next_byte(input: &mut File) -> Result<Option<u8>, CliError> {
    let mut byte = [0u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(byte[0])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// A line being read: wiped on drop, its capacity fixed so it is never copied.
struct Line(Zeroizing<Vec<u8>>);

impl Line {
    fn new() -> Line {
        Line(Zeroizing::new(Vec::with_capacity(LINE_MAX)))
    }

    fn push(&mut self, b: u8) -> Result<(), CliError> {
        if self.0.len() == LINE_MAX {
            return Err(CliError::Usage(format!(
                "a line of stdin is longer than {LINE_MAX} bytes; nothing was sent"
            )));
        }
        self.0.push(b);
        Ok(())
    }

    /// Remove the last character (all its UTF-8 bytes).
    fn pop_char(&mut self) {
        while let Some(b) = self.0.pop() {
            if b & 0xC0 != 0x80 {
                break;
            }
        }
    }

    fn secret(&self) -> Result<Secret, CliError> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => Ok(Secret::new(text)),
            Err(_) => Err(CliError::Usage(
                "what was read from stdin is not UTF-8 text; nothing was sent".into(),
            )),
        }
    }
}

/// The password at a terminal: echo, line editing and signal keys off while it is typed,
/// so it never reaches the screen; the terminal is restored however the question ends.
/// Backspace and Ctrl-U edit the hidden line; Ctrl-C (or Ctrl-D on an empty line)
/// cancels. Signal keys are read as bytes rather than left to the terminal, so that Ctrl-C
/// restores the terminal before the program exits instead of killing it with echo off.
#[cfg(target_os = "linux")]
mod hidden {
    use super::{CliError, File, Line, Secret, next_byte};
    use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};
    use std::io::Write;

    pub(super) fn ask(tty: &mut File, prompt: &str) -> Result<Secret, CliError> {
        let saved = termios::tcgetattr(&*tty).map_err(std::io::Error::from)?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(
            LocalFlags::ECHO
                | LocalFlags::ECHONL
                | LocalFlags::ICANON
                | LocalFlags::ISIG
                | LocalFlags::IEXTEN,
        );
        quiet.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        quiet.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        // Echo goes off before the question shows, so nothing typed after it is echoed.
        // TCSAFLUSH: what was typed before the question (and echoed) is not taken.
        let restore = Restore {
            tty: tty.try_clone()?,
            saved,
        };
        termios::tcsetattr(&*tty, SetArg::TCSAFLUSH, &quiet).map_err(std::io::Error::from)?;
        let mut stderr = std::io::stderr();
        write!(stderr, "{prompt}")?;
        stderr.flush()?;
        let read = read_hidden(tty);
        drop(restore);
        // Enter was not echoed either: end the prompt's line.
        writeln!(stderr)?;
        read
    }

    struct Restore {
        tty: File,
        saved: Termios,
    }

    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = termios::tcsetattr(&self.tty, SetArg::TCSANOW, &self.saved);
        }
    }

    const CTRL_C: u8 = 0x03;
    const CTRL_D: u8 = 0x04;
    const BACKSPACE: u8 = 0x08;
    const CTRL_U: u8 = 0x15;
    const DEL: u8 = 0x7f;

    fn read_hidden(tty: &mut File) -> Result<Secret, CliError> {
        let cancelled = || CliError::Usage("password entry cancelled; nothing was sent".into());
        let mut line = Line::new();
        while let Some(b) = next_byte(tty)? {
            match b {
                b'\r' | b'\n' => break,
                CTRL_C => return Err(cancelled()),
                CTRL_D if line.0.is_empty() => return Err(cancelled()),
                BACKSPACE | DEL => line.pop_char(),
                CTRL_U => line.0.clear(),
                // Anything else is kept, arrow keys' bytes too: dropping a byte unseen
                // would set a password the user did not type; ops names what it refuses.
                b => line.push(b)?,
            }
        }
        line.secret()
    }
}

/// Without termios at hand the password is not asked at a terminal: it would be echoed.
#[cfg(not(target_os = "linux"))]
mod hidden {
    use super::{CliError, File, Secret};

    pub(super) fn ask(_tty: &mut File, _prompt: &str) -> Result<Secret, CliError> {
        Err(CliError::Usage(
            "--password-stdin reads a pipe here, not a terminal (it would show the password): \
             read it without echo first, e.g. `read -rs PW && printf '%s\\n' \"$PW\" | reimage ...`"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_drops_whole_characters_and_never_grows() {
        let mut line = Line::new();
        for b in "pé数".bytes() {
            line.push(b).expect("room");
        }
        line.pop_char();
        assert_eq!(line.secret().expect("utf-8").expose(), "pé");
        line.pop_char();
        line.pop_char();
        line.pop_char();
        assert!(line.0.is_empty());
        let mut long = Line::new();
        for _ in 0..LINE_MAX {
            long.push(b'x').expect("room");
        }
        assert!(long.push(b'x').is_err(), "refused, not reallocated");
        assert_eq!(long.0.capacity(), LINE_MAX);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_refused() {
        let mut line = Line::new();
        line.push(0xff).expect("room");
        assert!(line.secret().is_err());
    }
}

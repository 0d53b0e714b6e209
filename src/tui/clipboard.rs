//! Copy through the terminal (OSC 52), which works over SSH; inside tmux the sequence is
//! wrapped in a DCS passthrough so tmux forwards it to the outer terminal.

use base64::Engine;

/// The escape sequence that puts `text` on the clipboard.
pub fn osc52(text: &str, tmux: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    if tmux {
        // Every ESC inside the passthrough is doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// Whether to wrap for tmux (`$TMUX` is set).
pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_tmux() {
        assert_eq!(osc52("abc", false), "\x1b]52;c;YWJj\x07");
        assert_eq!(osc52("abc", true), "\x1bPtmux;\x1b\x1b]52;c;YWJj\x07\x1b\\");
    }
}

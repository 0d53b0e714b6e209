//! Text that came from the cloud or from a file, made safe for where it goes: a terminal
//! (here), JSON output ([`json`]), a URL path or query ([`percent`]). The TUI and every
//! command-line face print such text through this module only.
//!
//! What is unsafe ([`is_unsafe`]): the C0 controls and DEL (an ESC from a server name could
//! clear the screen, retitle the terminal or write the clipboard with OSC 52), the C1
//! controls U+0080–U+009F (8-bit CSI and OSC on some terminals), the bidirectional
//! embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 and the marks
//! U+200E, U+200F and U+061C (they reorder what is shown, so a name could read as
//! another), and the line and paragraph separators U+2028 and U+2029 (a line break to
//! some terminals, so a name could fake an output line).
//!
//! How it is shown: escaped, so the reader sees that something was there and what.
//! `\n`, `\r` and `\t` stand for themselves; every other character below U+0100 is
//! `\xNN` (`\x1b` for ESC, `\x7f` for DEL, `\x9b` for the C1 CSI); the bidirectional
//! controls are `\u{NNNN}` (`\u{202e}`). A backslash already in the text is left as it
//! is, so names stay readable: the escapes are for the eye, not to be decoded back.
//!
//! JSON output keeps its own notation (`\u001b`): see [`json`].

pub mod json;
pub mod percent;

use std::borrow::Cow;

/// Whether `c` must never reach the terminal as is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The bidirectional embeddings, overrides, isolates and marks, and the Unicode line and
/// paragraph separators: none is a `char::is_control`, all change how a line reads.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// One line of text for the terminal: every unsafe character escaped, line breaks too
/// (a name or a code never spans lines, and a line break could fake an output line).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe)
}

/// Multi-line text for the terminal (an error with its hint line): line feeds are kept,
/// every other unsafe character is escaped, carriage returns included (a bare CR would
/// let a later line overwrite an earlier one).
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && is_unsafe(c))
}

fn escape_where(s: &str, unsafe_here: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_here) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_here(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:04x}}}", c as u32),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_terminal_control_visibly() {
        let cases = [
            ("web-01", "web-01"),
            ("a\x1b]0;pwned\x07b", "a\\x1b]0;pwned\\x07b"),
            ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
            ("\x1b[2Jclear", "\\x1b[2Jclear"),
            ("del\x7f", "del\\x7f"),
            ("c1\u{9b}31m\u{80}\u{9f}", "c1\\x9b31m\\x80\\x9f"),
            ("two\nlines\tand\rcr", "two\\nlines\\tand\\rcr"),
            ("rtl\u{202E}fdp.exe", "rtl\\u{202e}fdp.exe"),
            ("lre\u{202A}pdf\u{202C}", "lre\\u{202a}pdf\\u{202c}"),
            ("iso\u{2066}x\u{2069}", "iso\\u{2066}x\\u{2069}"),
            (
                "lrm\u{200E}rlm\u{200F}alm\u{61C}",
                "lrm\\u{200e}rlm\\u{200f}alm\\u{061c}",
            ),
            ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
            ("nul\0bs\x08", "nul\\x00bs\\x08"),
            ("数据库 ü \\x1b", "数据库 ü \\x1b"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
            assert!(!escape(raw).chars().any(is_unsafe), "{raw:?}");
        }
        assert!(matches!(escape("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn multi_line_text_keeps_only_its_line_feeds() {
        assert_eq!(
            escape_lines("code: bad\x1b[2J\r\n  hint: retry\u{202E}"),
            "code: bad\\x1b[2J\\r\n  hint: retry\\u{202e}"
        );
        assert!(matches!(escape_lines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn escaping_twice_changes_nothing() {
        let once = escape("a\x1b\u{9b}\u{2066}\n").into_owned();
        assert_eq!(escape(&once), once);
        assert_eq!(escape_lines(&once), once);
    }
}

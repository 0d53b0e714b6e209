//! JSON for a terminal. serde_json escapes only U+0000–U+001F inside strings, so DEL, the C1
//! controls and the bidirectional controls would reach the terminal raw; this writer
//! escapes those as `\uXXXX` too. The output is still valid JSON and parses back to the
//! same strings.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io::{self, Write};

/// `value` as one line of JSON (without a line break).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> io::Result<String> {
    write_with(value, CompactFormatter)
}

/// `value` as indented JSON (without a final line break), as `serde_json::to_string_pretty`.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> io::Result<String> {
    write_with(value, PrettyFormatter::new())
}

fn write_with<T: Serialize + ?Sized, F: Formatter>(value: &T, layout: F) -> io::Result<String> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, TerminalSafe(layout));
    value.serialize(&mut ser)?;
    // serde_json writes UTF-8 only; the escapes below are ASCII.
    String::from_utf8(out).map_err(io::Error::other)
}

/// A formatter that lays out as `F` does and escapes every terminal control in strings.
struct TerminalSafe<F>(F);

impl<F: Formatter> Formatter for TerminalSafe<F> {
    /// serde_json has already escaped `"`, `\` and U+0000–U+001F out of `fragment`.
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| super::is_unsafe(c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character is in the Basic Multilingual Plane: one `\uXXXX`.
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    // The layout is `F`'s.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const HOSTILE: &str = "a\x1b]52;c;aGk=\x07 del\x7f c1\u{9b}2J \u{85} rtl\u{202E}x \u{2066}i\u{2069} 数据库 \"q\" \\";

    #[test]
    fn escapes_every_terminal_control_and_parses_back() {
        let value = json!({"name": HOSTILE, HOSTILE: [HOSTILE, 1, null, {"k": true}]});
        for text in [to_string(&value), to_string_pretty(&value)] {
            let text = text.expect("serialises");
            assert!(
                !text
                    .chars()
                    .any(|c| super::super::is_unsafe(c) && c != '\n'),
                "{text}"
            );
            for escaped in [
                "\\u001b", "\\u0007", "\\u007f", "\\u009b", "\\u0085", "\\u202e", "\\u2066",
                "\\u2069",
            ] {
                assert!(text.contains(escaped), "{escaped} in {text}");
            }
            assert!(text.contains("数据库"), "printable text stays as is");
            let back: Value = serde_json::from_str(&text).expect("still valid JSON");
            assert_eq!(back, value);
        }
    }

    #[test]
    fn layout_is_serde_json_s() {
        let value = json!({"a": [1, {"b": "c"}], "d": "e"});
        assert_eq!(
            to_string(&value).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        assert_eq!(
            to_string_pretty(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}

//! Display-width aware text helpers: names may be CJK, so pad and cut by terminal columns,
//! never by bytes or chars.

use crate::safe_text::{escape, is_unsafe};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Last line of defence, run on every frame: a cell whose symbol still holds an unsafe
/// character (a widget that wrote raw text, not through [`escape`]) is drawn as `?`: a
/// cell has no room for the escape.
pub fn sanitize_buffer(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(is_unsafe) {
            cell.set_symbol("?");
        }
    }
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with `ellipsis` when something was cut.
/// Returns the text and how many chars of `s` it kept.
/// Unsafe characters are escaped first (see [`crate::safe_text`]), so the count is of the
/// escaped text.
pub fn truncate(s: &str, max: usize, ellipsis: &str) -> (String, usize) {
    let s = &*escape(s);
    if width(s) <= max {
        return (s.to_string(), s.chars().count());
    }
    let ell_w = width(ellipsis);
    if max < ell_w {
        return (String::new(), 0);
    }
    let budget = max - ell_w;
    let mut out = String::new();
    let mut used = 0;
    let mut kept = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        kept += 1;
        out.push(c);
    }
    out.push_str(ellipsis);
    (out, kept)
}

/// Word-wraps `s` into rows of at most `w` columns (a word longer than a row is cut
/// across rows); unsafe characters are escaped first. Never returns no rows.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut rows = Vec::new();
    for para in s.split('\n') {
        let para = &*escape(para);
        let mut row = String::new();
        let mut used = 0;
        for word in para.split(' ') {
            let ww = width(word);
            let gap = usize::from(used > 0);
            if used > 0 && used + gap + ww > w {
                rows.push(std::mem::take(&mut row));
                used = 0;
            } else if used > 0 {
                row.push(' ');
                used += 1;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > w && used > 0 {
                    rows.push(std::mem::take(&mut row));
                    used = 0;
                }
                row.push(c);
                used += cw;
            }
        }
        rows.push(row);
    }
    rows
}

/// `truncate`, then pad with spaces to exactly `w` columns.
pub fn fit(s: &str, w: usize, ellipsis: &str) -> String {
    let (mut t, _) = truncate(s, w, ellipsis);
    let tw = width(&t);
    t.extend(std::iter::repeat_n(' ', w.saturating_sub(tw)));
    t
}

/// Right-aligned `fit`.
pub fn fit_right(s: &str, w: usize, ellipsis: &str) -> String {
    let (t, _) = truncate(s, w, ellipsis);
    let pad = w.saturating_sub(width(&t));
    format!("{}{t}", " ".repeat(pad))
}

/// A long id shortened to `3f9a…6c21` (first 4, last 4), as ux.md shows ids.
pub fn short_id(id: &str, ellipsis: &str) -> String {
    let n = id.chars().count();
    if n <= 12 {
        return id.to_string();
    }
    let head: String = id.chars().take(4).collect();
    let tail: String = id.chars().skip(n - 4).collect();
    format!("{head}{ellipsis}{tail}")
}

/// `1h05m`, `3m12s`, `42s`.
pub fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Coarse age for "stale 2m".
pub fn age(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h", s / 3600)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Bytes as `2.2 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_and_pads_by_display_width() {
        assert_eq!(fit("web-01", 8, "…"), "web-01  ");
        assert_eq!(fit("web-server-01", 8, "…"), "web-ser…");
        // CJK chars are two columns wide: never split one, pad the gap.
        let s = fit("数据库服务器", 6, "…");
        assert_eq!(width(&s), 6);
        assert_eq!(s, "数据… ");
        assert_eq!(fit("x", 0, "…"), "");
        assert_eq!(fit_right("40", 5, "…"), "   40");
    }

    #[test]
    fn cells_show_every_terminal_control_escaped() {
        let cases = [
            ("a\x1b]0;pwned\x07b", "a\\x1b]0;pwned\\x07b"),
            ("two\nlines\tand\rcr", "two\\nlines\\tand\\rcr"),
            ("rtl\u{202E}fdp.exe", "rtl\\u{202e}fdp.exe"),
        ];
        for (raw, want) in cases {
            assert_eq!(fit(raw, 30, "…").trim_end(), want, "{raw:?}");
        }
        for raw in [
            "\x1b[2Jclear",
            "del\x7f",
            "c1\u{9b}31m",
            "iso\u{2066}x\u{2069}",
            "nul\0",
        ] {
            assert!(!fit(raw, 30, "…").chars().any(is_unsafe), "{raw:?}");
            // Cut short, an escape is cut as plain text: still nothing raw.
            assert!(!fit(raw, 5, "…").chars().any(is_unsafe), "{raw:?}");
        }
    }

    #[test]
    fn sanitize_buffer_clears_raw_cells() {
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf[(0, 0)].set_symbol("\x1b");
        buf[(1, 0)].set_symbol("a");
        buf[(2, 0)].set_symbol("\u{9b}");
        sanitize_buffer(&mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "?");
        assert_eq!(buf[(1, 0)].symbol(), "a");
        assert_eq!(buf[(2, 0)].symbol(), "?");
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            short_id("7c3e9b1a-5d2f-4e8a-9b6c-1f0e2d3c4b5a", "…"),
            "7c3e…4b5a"
        );
        assert_eq!(short_id("kp-admin", "…"), "kp-admin");
        assert_eq!(duration(std::time::Duration::from_secs(72)), "1m12s");
        assert_eq!(bytes(2_361_393_152), "2.2 GiB");
    }

    #[test]
    fn wrap_keeps_every_word() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("x\ny", 5), ["x", "y"]);
    }
}

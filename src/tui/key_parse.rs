//! One key press, normalised so that a binding written `G` or `shift-g` in config.toml
//! matches what the terminal sends, and printed back the same way in help and the footer.

use super::key_bindings::KeymapError;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` subset that can be bound (ordered, for stable help output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    /// Esc: cancels and goes back wherever it is bound (config.toml cannot take it away).
    pub const ESC: Key = Key {
        code: KeyCodeOrd::Esc,
        ctrl: false,
        alt: false,
        shift: false,
    };

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            _ => return None,
        };
        Some(Key::normalise(code, ev.modifiers))
    }

    fn normalise(code: KeyCodeOrd, mods: KeyModifiers) -> Key {
        let ctrl = mods.contains(KeyModifiers::CONTROL);
        let alt = mods.contains(KeyModifiers::ALT);
        // A character already says whether shift was held; BackTab implies it.
        let shift = mods.contains(KeyModifiers::SHIFT)
            && !matches!(code, KeyCodeOrd::Char(_) | KeyCodeOrd::BackTab);
        let code = match code {
            KeyCodeOrd::Char(c) if ctrl => KeyCodeOrd::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key {
            code,
            ctrl,
            alt,
            shift,
        }
    }

    /// Parses a key of config.toml: `j`, `G`, `ctrl-r`, `shift-tab`, `pgdn`, `space`, `f5`,
    /// `enter`, ... Esc and the chords a terminal or tmux may take are refused.
    pub fn parse(s: &str) -> Result<Key, KeymapError> {
        Self::parse_with(s, false)
    }

    /// Parses a built-in default: Esc (cancel) and Ctrl-S (review, which F2 also does)
    /// are allowed there.
    pub(crate) fn parse_builtin(s: &str) -> Result<Key, KeymapError> {
        Self::parse_with(s, true)
    }

    /// A key that a focused text field takes as typing (a character without Ctrl).
    pub fn is_typed(&self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && !self.ctrl
    }

    /// The short form used on hint lines: `S-Tab`, `Ctrl-S`.
    pub fn hint(&self) -> String {
        match self.code {
            KeyCodeOrd::BackTab => "S-Tab".into(),
            KeyCodeOrd::Char(c) if self.ctrl && !self.shift => {
                format!("Ctrl-{}", c.to_ascii_uppercase())
            }
            _ => self.to_string(),
        }
    }

    fn parse_with(s: &str, builtin: bool) -> Result<Key, KeymapError> {
        let bad = |why: &str| KeymapError::BadKey {
            key: s.to_string(),
            why: why.to_string(),
        };
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or(lower.strip_prefix("c-")) {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else if lower.starts_with("alt-") || lower.starts_with("meta-") {
                return Err(bad(
                    "Alt chords arrive split over SSH; use a plain key or ctrl-KEY",
                ));
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    KeyCodeOrd::Char(c.to_ascii_uppercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCodeOrd::Char(' '),
                "enter" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "backspace" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "insert" | "ins" => KeyCodeOrd::Insert,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "pgup" | "pageup" => KeyCodeOrd::PageUp,
                "pgdn" | "pagedown" => KeyCodeOrd::PageDown,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCodeOrd::F(n),
                    _ => return Err(bad("unknown key name")),
                },
                "" => return Err(bad("empty key")),
                _ => return Err(bad("unknown key name")),
            },
        };
        if builtin {
            return Ok(Key::normalise(code, mods));
        }
        if code == KeyCodeOrd::Esc {
            return Err(bad("Esc is reserved for cancel/back"));
        }
        if mods.contains(KeyModifiers::CONTROL)
            && matches!(code, KeyCodeOrd::Char('c' | 'a' | 'b' | 's' | 'q'))
        {
            return Err(bad(
                "ctrl-c quits; ctrl-a/ctrl-b are tmux prefixes; ctrl-s/ctrl-q may freeze the terminal",
            ));
        }
        Ok(Key::normalise(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.shift {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("Shift-Tab"),
            KeyCodeOrd::Backspace => f.write_str("Backspace"),
            KeyCodeOrd::Delete => f.write_str("Del"),
            KeyCodeOrd::Insert => f.write_str("Ins"),
            KeyCodeOrd::Up => f.write_str("Up"),
            KeyCodeOrd::Down => f.write_str("Down"),
            KeyCodeOrd::Left => f.write_str("Left"),
            KeyCodeOrd::Right => f.write_str("Right"),
            KeyCodeOrd::PageUp => f.write_str("PgUp"),
            KeyCodeOrd::PageDown => f.write_str("PgDn"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_keys() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("G").ok());
        assert_eq!(Key::parse("shift-g"), Key::parse("G"));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("shift-tab").ok());
        assert_eq!(
            Key::parse("ctrl-r").map(|k| k.to_string()),
            Ok("Ctrl-r".into())
        );
        assert!(Key::parse("alt-x").is_err());
        assert!(Key::parse("ctrl-a").is_err());
        assert!(Key::parse("bogus").is_err());
    }
}

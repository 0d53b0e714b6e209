//! The one-line text input (used by `/` filter, `:` commands and the help filter) and the
//! `:` command grammar: a command word, or any unique prefix of one, then its argument.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An editable line with a cursor (in chars).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
}

/// The text before the first line break of a paste, and whether anything but blanks came
/// after it (a trailing newline from a copied line is not worth a note).
pub fn first_line(text: &str) -> (&str, bool) {
    match text.find(['\n', '\r']) {
        Some(at) => (&text[..at], !text[at..].trim().is_empty()),
        None => (text, false),
    }
}

/// What a paste put in a one-line field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pasted {
    /// Characters inserted.
    pub chars: usize,
    /// Text after a line break was left out.
    pub cut: bool,
}

impl Pasted {
    /// The note to show: always for a masked field (what arrived cannot be seen), else
    /// only when the paste was cut.
    pub fn note(self, masked: bool) -> Option<String> {
        let cut = if self.cut {
            "; cut at the line break (a one-line field): the rest was not used"
        } else {
            ""
        };
        (masked || self.cut).then(|| format!("pasted {} characters{cut}", self.chars))
    }
}

/// What a key did to a line input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    Submit,
    Cancel,
    Complete,
    Ignored,
}

impl LineInput {
    pub fn with_text(text: &str) -> Self {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// A bracketed paste: its first line goes in at the cursor (control characters
    /// dropped); a line break never submits the field, and what follows it is left out.
    pub fn paste(&mut self, s: &str) -> Pasted {
        let (line, cut) = first_line(s);
        let clean: String = line.chars().filter(|c| !c.is_control()).collect();
        let at = self.byte(self.cursor);
        self.text.insert_str(at, &clean);
        let chars = clean.chars().count();
        self.cursor += chars;
        Pasted { chars, cut }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => Edit::Submit,
            KeyCode::Esc => Edit::Cancel,
            KeyCode::Tab => Edit::Complete,
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte(start), self.byte(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            KeyCode::Char(c) if !ctrl => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                Edit::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte(self.cursor);
                self.text.remove(at);
                Edit::Changed
            }
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
                Edit::Changed
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                Edit::Moved
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.text.chars().count());
                Edit::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::End => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            _ => Edit::Ignored,
        }
    }

    /// A key the line takes as editing (typing, deleting, moving), before any binding of
    /// the popup it is in; Enter, Esc and Tab are left to the popup.
    pub fn is_editing_key(key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u' | 'w' | 'a' | 'e') if ctrl => true,
            KeyCode::Char(_) => !ctrl,
            KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End => true,
            _ => false,
        }
    }
}

/// A parsed `:` command line: its word and argument. (Not a [`Command`](super::Command),
/// which is what the app asks the outside to do.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Servers,
    Images,
    Keypairs,
    Jobs,
    Region(String),
    Profile(String),
    Refresh,
    Help,
    Messages,
    Quit,
}

/// Command words, in the order completion lists them.
pub const WORDS: &[&str] = &[
    "servers", "images", "keypairs", "jobs", "region", "profile", "refresh", "help", "messages",
    "quit",
];

/// Words starting with `prefix`.
pub fn candidates(prefix: &str) -> Vec<&'static str> {
    WORDS
        .iter()
        .copied()
        .filter(|w| w.starts_with(prefix))
        .collect()
}

/// Parses a command line; the error says what is wrong and what would work.
pub fn parse(line: &str) -> Result<Verb, String> {
    let mut parts = line.split_whitespace();
    let Some(word) = parts.next() else {
        return Err(format!("empty command; try one of: {}", WORDS.join(", ")));
    };
    let arg = parts.next();
    if parts.next().is_some() {
        return Err(format!(":{word} takes at most one argument"));
    }
    let word = match word {
        "q" | "q!" | "quit" | "exit" => "quit",
        "kp" | "keys" => "keypairs",
        w => match candidates(w).as_slice() {
            [one] => one,
            [] => {
                return Err(format!(
                    "unknown command \":{w}\"; try one of: {}",
                    WORDS.join(", ")
                ));
            }
            many => {
                return Err(format!("\":{w}\" is ambiguous: {}", many.join(", ")));
            }
        },
    };
    let need = |what: &str, example: &str| {
        arg.map(str::to_string)
            .ok_or_else(|| format!(":{word} needs a {what}, e.g. :{word} {example}"))
    };
    let no_arg = |verb: Verb| match arg {
        None => Ok(verb),
        Some(a) => Err(format!(":{word} takes no argument (got \"{a}\")")),
    };
    match word {
        "servers" => no_arg(Verb::Servers),
        "images" => no_arg(Verb::Images),
        "keypairs" => no_arg(Verb::Keypairs),
        "jobs" => no_arg(Verb::Jobs),
        "refresh" => no_arg(Verb::Refresh),
        "help" => no_arg(Verb::Help),
        "messages" => no_arg(Verb::Messages),
        "quit" => no_arg(Verb::Quit),
        "region" => need("region id", "ap-southeast-3").map(Verb::Region),
        "profile" => need("profile name", "default").map(Verb::Profile),
        _ => Err(format!("unknown command \":{word}\"")),
    }
}

/// Tab completion of the command word, and of `:profile`'s name from `profiles` (the
/// profiles of config.toml): the unique completion, or the candidates to show.
pub fn complete(line: &str, profiles: &[String]) -> Result<String, Vec<String>> {
    let one_of = |done: &str, many: Vec<String>| match many.as_slice() {
        [one] => Ok(format!("{done}{one}")),
        _ => Err(many),
    };
    match line.split_once(' ') {
        None => one_of(
            "",
            candidates(line).iter().map(|w| format!("{w} ")).collect(),
        )
        .map_err(|m| m.into_iter().map(|w| w.trim_end().to_string()).collect()),
        Some((word, arg)) if candidates(word) == ["profile"] && !arg.contains(' ') => {
            let names = profiles
                .iter()
                .filter(|p| p.starts_with(arg))
                .cloned()
                .collect();
            one_of("profile ", names)
        }
        Some(_) => Err(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_prefixes() {
        assert_eq!(parse("servers"), Ok(Verb::Servers));
        assert_eq!(parse("im"), Ok(Verb::Images));
        assert_eq!(parse("q"), Ok(Verb::Quit));
        assert_eq!(
            parse("region cn-north-4"),
            Ok(Verb::Region("cn-north-4".into()))
        );
        assert!(parse("region").unwrap_err().contains("needs a region id"));
        assert!(
            parse("re")
                .unwrap_err()
                .contains("ambiguous: region, refresh")
        );
        assert!(parse("bogus").unwrap_err().contains("unknown command"));
        assert!(parse("jobs now").unwrap_err().contains("takes no argument"));
    }

    #[test]
    fn paste_notes_say_what_arrived() {
        let p = |chars, cut| Pasted { chars, cut };
        assert_eq!(p(3, false).note(false), None);
        assert_eq!(
            p(14, false).note(true).as_deref(),
            Some("pasted 14 characters")
        );
        let cut = p(5, true).note(false).unwrap_or_default();
        assert!(
            cut.starts_with("pasted 5 characters; cut at the line break"),
            "{cut}"
        );
        assert_eq!(first_line("pw\n  \n"), ("pw", false));
        assert_eq!(first_line("pw\rrm -rf /"), ("pw", true));
    }

    #[test]
    fn completes_unique_prefixes() {
        assert_eq!(complete("ke", &[]), Ok("keypairs ".into()));
        assert_eq!(
            complete("re", &[]),
            Err(vec!["region".into(), "refresh".into()])
        );
        let profiles = ["prod".to_string(), "prod-eu".into(), "stack".into()];
        assert_eq!(complete("profile s", &profiles), Ok("profile stack".into()));
        assert_eq!(complete("pro st", &profiles), Ok("profile stack".into()));
        assert_eq!(
            complete("profile p", &profiles),
            Err(vec!["prod".into(), "prod-eu".into()])
        );
        assert_eq!(complete("region x", &profiles), Err(Vec::new()));
    }

    #[test]
    fn edits_by_char_not_byte() {
        let mut l = LineInput::with_text("数据");
        l.handle(&KeyEvent::from(KeyCode::Backspace));
        assert_eq!(l.text, "数");
        l.handle(&KeyEvent::from(KeyCode::Home));
        l.handle(&KeyEvent::from(KeyCode::Char('x')));
        assert_eq!(l.text, "x数");
        assert_eq!(
            l.paste("a\tb\nq\r\n"),
            Pasted {
                chars: 2,
                cut: true
            }
        );
        assert_eq!(l.text, "xab数", "the first line only, never Enter");
        assert_eq!(
            l.paste("c\r\n"),
            Pasted {
                chars: 1,
                cut: false
            }
        );
        assert_eq!(l.text, "xabc数");
        l.handle(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(l.text, "");
    }
}

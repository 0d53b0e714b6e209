//! The one-line text input (used by `/` filter, `:` commands and the help filter) and the
//! `:` command grammar: a command word, or any unique prefix of one, then its argument.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An editable line with a cursor (in chars).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
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

    pub fn insert_str(&mut self, s: &str) {
        // Pasted newlines would submit nothing useful in a one-line field.
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        let at = self.byte(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
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
}

/// A parsed `:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
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
pub fn parse(line: &str) -> Result<Cmd, String> {
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
    let no_arg = |cmd: Cmd| match arg {
        None => Ok(cmd),
        Some(a) => Err(format!(":{word} takes no argument (got \"{a}\")")),
    };
    match word {
        "servers" => no_arg(Cmd::Servers),
        "images" => no_arg(Cmd::Images),
        "keypairs" => no_arg(Cmd::Keypairs),
        "jobs" => no_arg(Cmd::Jobs),
        "refresh" => no_arg(Cmd::Refresh),
        "help" => no_arg(Cmd::Help),
        "messages" => no_arg(Cmd::Messages),
        "quit" => no_arg(Cmd::Quit),
        "region" => need("region id", "ap-southeast-3").map(Cmd::Region),
        "profile" => need("profile name", "default").map(Cmd::Profile),
        _ => Err(format!("unknown command \":{word}\"")),
    }
}

/// Tab completion of the command word: the unique completion, or the candidates to show.
pub fn complete(line: &str) -> Result<String, Vec<&'static str>> {
    if line.contains(' ') {
        return Err(Vec::new());
    }
    match candidates(line).as_slice() {
        [one] => Ok(format!("{one} ")),
        many => Err(many.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_prefixes() {
        assert_eq!(parse("servers"), Ok(Cmd::Servers));
        assert_eq!(parse("im"), Ok(Cmd::Images));
        assert_eq!(parse("q"), Ok(Cmd::Quit));
        assert_eq!(
            parse("region cn-north-4"),
            Ok(Cmd::Region("cn-north-4".into()))
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
    fn completes_unique_prefixes() {
        assert_eq!(complete("ke"), Ok("keypairs ".into()));
        assert_eq!(complete("re"), Err(vec!["region", "refresh"]));
    }

    #[test]
    fn edits_by_char_not_byte() {
        let mut l = LineInput::with_text("数据");
        l.handle(&KeyEvent::from(KeyCode::Backspace));
        assert_eq!(l.text, "数");
        l.handle(&KeyEvent::from(KeyCode::Home));
        l.handle(&KeyEvent::from(KeyCode::Char('x')));
        assert_eq!(l.text, "x数");
        l.insert_str("a\nb");
        assert_eq!(l.text, "xab数");
        l.handle(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(l.text, "");
    }
}

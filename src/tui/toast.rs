//! One-line notes on the status line. Info clears itself after a few seconds; errors stay
//! longer and carry their hint. A new note never hides an error still waiting: errors queue.

use std::collections::VecDeque;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    pub hint: Option<String>,
    /// When it may go, on the app's clock (time since the TUI started).
    pub until: Duration,
}

const INFO_FOR: Duration = Duration::from_secs(5);
const ERROR_FOR: Duration = Duration::from_secs(12);

/// How many past notes `M` (messages) keeps.
const HISTORY: usize = 200;

#[derive(Debug, Default)]
pub struct Toasts {
    queue: VecDeque<Toast>,
    /// Every note shown, oldest first, for the messages view.
    history: VecDeque<Toast>,
}

impl Toasts {
    /// A note shown from `now` (the app's clock).
    pub fn push(
        &mut self,
        level: Level,
        text: impl Into<String>,
        hint: Option<String>,
        now: Duration,
    ) {
        // Error text can quote the server (names, messages): never draw its escapes.
        let text = crate::safe_text::escape(&text.into()).into_owned();
        let hint = hint.map(|h| crate::safe_text::escape(&h).into_owned());
        match level {
            Level::Error => tracing::warn!(%text, hint = hint.as_deref().unwrap_or(""), "shown"),
            _ => tracing::info!(%text, "shown"),
        }
        let until = now
            + if level == Level::Error {
                ERROR_FOR
            } else {
                INFO_FOR
            };
        // Only errors queue; a newer note replaces an older non-error one.
        self.queue.retain(|t| t.level == Level::Error);
        if self.queue.len() >= 20 {
            self.queue.pop_front();
        }
        let toast = Toast {
            level,
            text,
            hint,
            until,
        };
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(toast.clone());
        self.queue.push_back(toast);
    }

    pub fn history(&self) -> impl DoubleEndedIterator<Item = &Toast> {
        self.history.iter()
    }

    /// The note to show: the oldest waiting error, else the newest note.
    pub fn current(&self) -> Option<(&Toast, usize)> {
        let first = self
            .queue
            .iter()
            .find(|t| t.level == Level::Error)
            .or(self.queue.back())?;
        Some((first, self.queue.len() - 1))
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Drops what expired; the first error expires only once shown for its full time.
    pub fn expire(&mut self, now: Duration) -> bool {
        let before = self.queue.len();
        let shown = self
            .queue
            .iter()
            .position(|t| t.level == Level::Error)
            .or(self.queue.len().checked_sub(1))
            .filter(|&pos| self.queue[pos].until <= now);
        if let Some(pos) = shown {
            self.queue.remove(pos);
            // The next error gets its full time from now.
            if let Some(next) = self.queue.iter_mut().find(|t| t.level == Level::Error) {
                next.until = next.until.max(now + ERROR_FOR);
            }
        }
        self.queue.len() != before
    }

    /// Esc: dismiss the note shown.
    pub fn dismiss(&mut self) -> bool {
        let pos = self
            .queue
            .iter()
            .position(|t| t.level == Level::Error)
            .or(self.queue.len().checked_sub(1));
        pos.map(|p| self.queue.remove(p)).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_queue_and_expire_in_order() {
        let mut t = Toasts::default();
        let now = Duration::from_secs(100);
        t.push(Level::Error, "first", Some("hint".into()), now);
        t.push(Level::Error, "second", None, now);
        t.push(Level::Info, "copied", None, now);
        let (cur, more) = t.current().expect("one shown");
        assert_eq!(cur.text, "first");
        assert_eq!(more, 2);
        assert!(t.expire(now + ERROR_FOR + Duration::from_secs(1)));
        assert_eq!(t.current().map(|c| c.0.text.as_str()), Some("second"));
        assert!(t.dismiss());
        assert_eq!(t.current().map(|c| c.0.text.as_str()), Some("copied"));
        assert!(!t.expire(now));
    }
}

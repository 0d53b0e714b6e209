//! The one viewer for long text (a job's whole details, the message history), less-like:
//! wrapped to the screen, never cut; j/k and PgUp/PgDn scroll, `/` searches (n/N next and
//! previous), `y` copies the whole text (OSC 52), q/Esc closes.

use super::app::App;
use super::cmdline::{Edit, LineInput};
use super::command::Command;
use super::key_bindings::{Action, Scope};
use super::popup::{Popup, hint_line};
use super::text::{fit, width, wrap};
use super::toast::Level;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One paragraph: a label in its own column (blank on the wrapped rows below it) and text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Para {
    pub label: String,
    pub label_style: Style,
    pub text: String,
    pub style: Style,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Viewer {
    pub title: String,
    pub paras: Vec<Para>,
    /// Columns of the label column.
    pub label_w: usize,
    /// The first wrapped row on screen.
    pub scroll: usize,
    /// The `/` line while it is typed.
    pub typing: Option<LineInput>,
    /// The search in force.
    pub query: String,
}

/// What a key did to the viewer.
pub(crate) enum Step {
    Keep(Vec<Command>),
    Close,
}

impl Viewer {
    pub fn new(title: impl Into<String>, label_w: usize, paras: Vec<Para>) -> Self {
        Viewer {
            title: title.into(),
            paras,
            label_w,
            scroll: 0,
            typing: None,
            query: String::new(),
        }
    }

    /// The text as plain lines, for the clipboard.
    pub fn plain(&self) -> String {
        self.paras
            .iter()
            .map(|p| match p.label.is_empty() {
                true => p.text.clone(),
                false => format!("{}: {}", p.label, p.text),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every wrapped row at `w` columns: (label, its style, text, its style).
    fn rows(&self, w: usize) -> Vec<(&str, Style, String, Style)> {
        let text_w = w.saturating_sub(self.label_w + 1).max(1);
        let mut out = Vec::new();
        for p in &self.paras {
            for (i, row) in wrap(&p.text, text_w).into_iter().enumerate() {
                let label = if i == 0 { p.label.as_str() } else { "" };
                out.push((label, p.label_style, row, p.style));
            }
        }
        out
    }

    /// The row of the next (or previous) match from `from`, wrapping around.
    fn find(&self, w: usize, from: usize, forward: bool) -> Option<usize> {
        let needle = self.query.to_lowercase();
        if needle.is_empty() {
            return None;
        }
        let rows = self.rows(w);
        let n = rows.len();
        let hit = |i: usize| {
            format!("{} {}", rows[i].0, rows[i].2)
                .to_lowercase()
                .contains(&needle)
        };
        (1..=n)
            .map(|d| match forward {
                true => (from + d) % n,
                false => (from + n - d % n) % n,
            })
            .find(|&i| hit(i))
    }

    pub fn key(&mut self, app: &mut App, key: &KeyEvent) -> Step {
        let inner = inner(app.size);
        let (w, h) = (inner.width as usize, inner.height as usize);
        if let Some(line) = self.typing.as_mut() {
            match line.handle(key) {
                Edit::Submit => {
                    self.query = line.text.clone();
                    self.typing = None;
                    // A match on the top row counts.
                    let from = self.scroll + self.rows(w).len().saturating_sub(1);
                    self.jump(app, w, from, true);
                }
                Edit::Cancel => self.typing = None,
                _ => {}
            }
            return Step::Keep(Vec::new());
        }
        let max = self.rows(w).len().saturating_sub(h);
        match app.keymap.action_in(Scope::Viewer, key) {
            Some(Action::Down) => self.scroll += 1,
            Some(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll += h.max(1),
            Some(Action::PageUp) => self.scroll = self.scroll.saturating_sub(h.max(1)),
            Some(Action::Top) => self.scroll = 0,
            Some(Action::Bottom) => self.scroll = max,
            Some(Action::Filter) => self.typing = Some(LineInput::with_text(&self.query)),
            Some(Action::SearchNext) => self.jump(app, w, self.scroll, true),
            Some(Action::SearchPrev) => self.jump(app, w, self.scroll, false),
            Some(Action::CopyId) => {
                app.note(Level::Info, "copied the text to the clipboard", None);
                return Step::Keep(vec![Command::CopyToClipboard(self.plain())]);
            }
            Some(Action::Cancel | Action::Close | Action::Messages) => return Step::Close,
            _ => {}
        }
        self.scroll = self.scroll.min(max);
        Step::Keep(Vec::new())
    }

    fn jump(&mut self, app: &mut App, w: usize, from: usize, forward: bool) {
        if self.query.is_empty() {
            return;
        }
        match self.find(w, from, forward) {
            Some(row) => self.scroll = row,
            None => app.note(Level::Info, format!("\"{}\" is not here", self.query), None),
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(line) = self.typing.as_mut() {
            let _ = line.paste(text);
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App) {
        let t = &app.theme;
        let area = inner(app.size);
        let (w, h) = (area.width as usize, area.height as usize);
        let rows = self.rows(w);
        let total = rows.len();
        let skip = self.scroll.min(total.saturating_sub(h));
        let k = |a: &[Action]| app.keymap.hint(a, false);
        let mut title = format!(" {} ", self.title);
        if total > h {
            let last = (skip + h).min(total);
            title.push_str(&format!(
                "{} {}-{last} of {total} ",
                app.glyphs.sep,
                skip + 1
            ));
        }
        let hints = match &self.typing {
            Some(line) => format!(" /{} ", line.text),
            None => hint_line(
                &[
                    (k(&[Action::Down, Action::Up, Action::PageDown]), "scroll"),
                    (k(&[Action::Filter]), "search"),
                    (k(&[Action::SearchNext, Action::SearchPrev]), "next/prev"),
                    (k(&[Action::CopyId]), "copy"),
                    (k(&[Action::Close, Action::Cancel]), "close"),
                ],
                &app.glyphs,
            ),
        };
        let frame = outer(app.size);
        Popup::new(title, t, &app.glyphs)
            .hints(hints)
            .draw(f, frame);
        let needle = self.query.to_lowercase();
        let lines: Vec<Line> = rows
            .into_iter()
            .skip(skip)
            .take(h)
            .map(|(label, ls, text, style)| {
                let mut spans = vec![
                    Span::styled(fit(label, self.label_w, app.glyphs.ellipsis), ls),
                    Span::raw(" "),
                ];
                spans.extend(marked(&text, &needle, style, t.key));
                Line::from(spans)
            })
            .collect();
        f.render_widget(Paragraph::new(lines), area);
    }
}

/// `text` with each match of `needle` (lower case) in `hit` style.
fn marked(text: &str, needle: &str, style: Style, hit: Style) -> Vec<Span<'static>> {
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths; mark only when it did not.
    if needle.is_empty() || lower.len() != text.len() {
        return vec![Span::styled(text.to_string(), style)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (i, _) in lower.match_indices(needle) {
        if i < at {
            continue;
        }
        out.push(Span::styled(text[at..i].to_string(), style));
        out.push(Span::styled(
            text[i..i + needle.len()].to_string(),
            hit.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        at = i + needle.len();
    }
    out.push(Span::styled(text[at..].to_string(), style));
    out
}

/// The viewer's frame: the body, up to 110 wide, centred.
fn outer(size: Rect) -> Rect {
    let body_h = size.height.saturating_sub(4);
    let w = size.width.min(110);
    Rect::new(
        size.x + size.width.saturating_sub(w) / 2,
        size.y + 2,
        w,
        body_h,
    )
}

/// Where the text goes (the key handler pages by it).
fn inner(size: Rect) -> Rect {
    let o = outer(size);
    Rect::new(
        o.x + 1,
        o.y + 1,
        o.width.saturating_sub(2),
        o.height.saturating_sub(2),
    )
}

/// The width a label column needs.
pub(crate) fn label_width(paras: &[Para]) -> usize {
    paras.iter().map(|p| width(&p.label)).max().unwrap_or(0)
}

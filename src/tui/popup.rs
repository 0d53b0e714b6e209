//! The one popup frame every layer over the panes is drawn in: cleared, bordered in the
//! glyph set in force, a title on top and key hints on the bottom border, the hints joined
//! by the glyph set's separator (so `LANG=C` gets ASCII there too).

use super::theme::{Glyphs, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

/// A popup's frame.
pub(crate) struct Popup<'a> {
    pub title: String,
    /// Shown on the bottom border; build it with [`hint_line`].
    pub hints: Option<String>,
    /// The border's style (`theme.border`, or `theme.warn` for a confirmation).
    pub border: Style,
    pub theme: &'a Theme,
    pub glyphs: &'a Glyphs,
}

impl<'a> Popup<'a> {
    pub fn new(title: impl Into<String>, theme: &'a Theme, glyphs: &'a Glyphs) -> Self {
        Popup {
            title: title.into(),
            hints: None,
            border: theme.border,
            theme,
            glyphs,
        }
    }

    pub fn hints(mut self, hints: String) -> Self {
        self.hints = Some(hints);
        self
    }

    pub fn warn(mut self) -> Self {
        self.border = self.theme.warn;
        self
    }

    /// Clears `area`, draws the frame and returns its inside.
    pub fn draw(self, f: &mut Frame, area: Rect) -> Rect {
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_set(self.glyphs.border)
            .border_style(self.border)
            .title(Span::styled(self.title, self.theme.title));
        if let Some(h) = self.hints {
            block = block.title_bottom(Span::styled(h, self.theme.dim));
        }
        let inner = block.inner(area);
        f.render_widget(Clear, area);
        f.render_widget(block, area);
        inner
    }
}

/// A `w`x`h` rectangle in the middle of `outer` (each clipped to it).
pub(crate) fn centered(outer: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(outer.width), h.min(outer.height));
    Rect::new(
        outer.x + (outer.width - w) / 2,
        outer.y + (outer.height - h) / 2,
        w,
        h,
    )
}

/// ` Tab next · Esc cancel `: each item is keys and what they do (or text alone), joined
/// by the glyph set's separator.
pub(crate) fn hint_line(items: &[(String, &str)], glyphs: &Glyphs) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|(k, what)| match (k.is_empty(), what.is_empty()) {
            (true, _) => what.to_string(),
            (false, true) => k.clone(),
            (false, false) => format!("{k} {what}"),
        })
        .collect();
    format!(" {} ", parts.join(&format!(" {} ", glyphs.sep)))
}

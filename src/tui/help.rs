//! `?` help: every binding in force, generated from the keymap, grouped by scope, with the
//! fixed keys (Esc, Ctrl-C) and the `:` commands. `/` filters it.

use super::app::App;
use super::cmdline::{Edit, LineInput};
use super::keymap::{Action, Scope};
use super::keys::READ_ONLY_WHY;
use super::text::fit;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpState {
    pub scroll: usize,
    pub filter: LineInput,
    pub filtering: bool,
}

impl HelpState {
    /// Returns true when help should close.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        if self.filtering {
            match self.filter.handle(key) {
                Edit::Submit => self.filtering = false,
                Edit::Cancel => {
                    self.filtering = false;
                    self.filter = LineInput::default();
                }
                _ => self.scroll = 0,
            }
            return false;
        }
        match key.code {
            KeyCode::Esc if !self.filter.text.is_empty() => {
                self.filter = LineInput::default();
                false
            }
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => true,
            KeyCode::Char('/') => {
                self.filtering = true;
                false
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll += 1;
                false
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                false
            }
            KeyCode::PageDown => {
                self.scroll += 10;
                false
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                false
            }
            KeyCode::Home | KeyCode::Char('g') => {
                self.scroll = 0;
                false
            }
            _ => false,
        }
    }
}

/// One help row: (section, keys, what it does).
pub fn entries(app: &App) -> Vec<(&'static str, String, String, &'static str)> {
    let mut out = Vec::new();
    // The current pane's own keys first, then what works everywhere, then other panes.
    let here = app.pane.scope();
    let mut scopes = vec![here];
    for s in [
        Scope::Table,
        Scope::Global,
        Scope::Servers,
        Scope::Images,
        Scope::Jobs,
    ] {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    for scope in scopes {
        for &a in Action::ALL.iter().filter(|a| a.scope() == scope) {
            let keys = app.keymap.label(a);
            if keys.is_empty() {
                continue;
            }
            let mut what = a.help().to_string();
            if a == Action::Filter && app.filter_mode == crate::config::FilterMode::Fuzzy {
                what = "fuzzy filter ([ui] filter in config.toml; Esc clears)".into();
            }
            if a.is_dangerous() && app.header.read_only {
                what = format!("[disabled] {what}: {READ_ONLY_WHY}");
            }
            // The action's config name is searchable too (e.g. "image_arch").
            out.push((scope.label(), keys, what, a.name()));
        }
    }
    out.push((
        "Anywhere",
        "Esc".into(),
        "close, cancel, clear the filter".into(),
        "",
    ));
    out.push((
        "Anywhere",
        "Ctrl-C".into(),
        "quit (always works)".into(),
        "",
    ));
    for (c, what) in [
        (":servers :images :keypairs :jobs", "switch pane"),
        (":region X", "switch region"),
        (":profile X", "switch profile (read-only is re-evaluated)"),
        (":refresh", "reload every listing"),
        (":messages", "past messages and errors"),
        (":q", "quit"),
    ] {
        out.push(("Commands", c.into(), what.into(), ""));
    }
    // Fixed inside the change/reinstall form, where every printable key is text.
    for (k, what) in [
        ("Tab / S-Tab, Up/Down", "next / previous field"),
        ("Enter, Space", "open the picker, toggle, pick"),
        ("Left/Right", "cycle a choice (login, API version)"),
        ("Ctrl-S, F2", "review the request before sending"),
        ("Ctrl-T", "show or hide the password"),
        ("Ctrl-U", "clear the password field"),
        ("Tab (picker)", "show or hide the images that do not fit"),
        ("Ctrl-K (review)", "keep the password for a retry"),
        ("Esc", "back; on a form with input, Esc twice discards it"),
    ] {
        out.push(("Change / reinstall form", k.into(), what.into(), ""));
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, state: &HelpState) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(96).max(area.width.min(20));
    let h = area.height.saturating_sub(2).max(area.height.min(3));
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let inner = Block::default().borders(Borders::ALL).inner(popup);
    let needle = state.filter.text.to_lowercase();
    let rows: Vec<_> = entries(app)
        .into_iter()
        .filter(|(s, k, w, n)| {
            needle.is_empty() || format!("{s} {k} {w} {n}").to_lowercase().contains(&needle)
        })
        .collect();
    let key_w = 18.min(inner.width as usize / 3);
    let what_w = (inner.width as usize).saturating_sub(key_w + 1);
    let mut lines = Vec::new();
    let mut section = "";
    for (s, k, what, _) in &rows {
        if *s != section {
            section = s;
            lines.push(Line::styled(s.to_string(), t.title));
        }
        lines.push(Line::from(vec![
            Span::styled(fit(k, key_w, app.glyphs.ellipsis), t.key),
            Span::raw(" "),
            Span::raw(fit(what, what_w, app.glyphs.ellipsis)),
        ]));
    }
    if rows.is_empty() {
        lines.push(Line::styled("no binding matches", t.dim));
    }
    let total = lines.len();
    let max_scroll = total.saturating_sub(inner.height as usize);
    let skip = state.scroll.min(max_scroll);
    let last = (skip + inner.height as usize).min(total);
    let sep = app.glyphs.sep;
    let mut title = String::from(" Help ");
    if state.filtering || !state.filter.text.is_empty() {
        title.push_str(&format!("{sep} filter \"{}\" ", state.filter.text));
    }
    if total > inner.height as usize {
        title.push_str(&format!(
            "{sep} {}-{last} of {total}, j/k scroll ",
            skip + 1
        ));
    }
    title.push_str(&format!("{sep} / filter {sep} Esc close "));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.glyphs.border)
        .border_style(t.border)
        .title(Span::styled(title, t.title));
    f.render_widget(Clear, popup);
    f.render_widget(block, popup);
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    f.render_widget(Paragraph::new(lines), inner);
}

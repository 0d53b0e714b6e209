//! `?` help: every binding in force, generated from the keymap, grouped by scope, with the
//! fixed keys (Esc, Ctrl-C) and the `:` commands. `/` filters it.

use super::app::App;
use super::cmdline::{Edit, LineInput};
use super::key_bindings::{Action, Keymap, Scope};
use super::popup::{Popup, centered};
use super::text::fit;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpState {
    pub scroll: usize,
    pub filter: LineInput,
    pub filtering: bool,
}

impl HelpState {
    /// Returns true when help should close.
    pub fn handle(&mut self, keymap: &Keymap, key: &KeyEvent) -> bool {
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
        match keymap.action_in(Scope::Help, key) {
            Some(Action::Cancel) if !self.filter.text.is_empty() => {
                self.filter = LineInput::default();
                false
            }
            Some(Action::Cancel | Action::Close | Action::Help) => true,
            Some(Action::Filter) => {
                self.filtering = true;
                false
            }
            Some(Action::Down) => {
                self.scroll += 1;
                false
            }
            Some(Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                false
            }
            Some(Action::PageDown) => {
                self.scroll += 10;
                false
            }
            Some(Action::PageUp) => {
                self.scroll = self.scroll.saturating_sub(10);
                false
            }
            Some(Action::Top) => {
                self.scroll = 0;
                false
            }
            _ => false,
        }
    }
}

/// One help row: (section, keys, what it does, the action's config name). Only the keymap
/// in force is listed: in read-only mode the change actions are not in it.
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
    let listed = |out: &mut Vec<_>, scope: Scope| {
        for &a in Action::ALL.iter().filter(|a| a.scopes()[0] == scope) {
            let keys = app.keymap.label(a);
            if keys.is_empty() {
                continue;
            }
            let mut what = a.help().to_string();
            if a == Action::Filter && app.filter_mode == crate::config::FilterMode::Fuzzy {
                what = "fuzzy filter ([ui] filter in config.toml; Esc clears)".into();
            }
            // The action's config name is searchable too (e.g. "image_arch").
            out.push((scope.label(), keys, what, a.name()));
        }
    };
    for scope in scopes {
        listed(&mut out, scope);
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
    // The popups' keys; a text field in one takes typing before them.
    for scope in Scope::POPUPS {
        listed(&mut out, scope);
        if scope == Scope::Form {
            for (k, what) in [
                ("Left/Right", "cycle a choice (login, API version)"),
                ("Ctrl-U", "clear the field"),
            ] {
                out.push((scope.label(), k.into(), what.into(), ""));
            }
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, state: &HelpState) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(96).max(area.width.min(20));
    let h = area.height.saturating_sub(2).max(area.height.min(3));
    let popup = centered(area, w, h);
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
    let key = |actions: &[Action]| app.keymap.hint(actions, false);
    if total > inner.height as usize {
        title.push_str(&format!(
            "{sep} {}-{last} of {total}, {} scroll ",
            skip + 1,
            key(&[Action::Down, Action::Up])
        ));
    }
    title.push_str(&format!(
        "{sep} {} filter {sep} {} close ",
        key(&[Action::Filter]),
        key(&[Action::Cancel])
    ));
    Popup::new(title, t, &app.glyphs).draw(f, popup);
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    f.render_widget(Paragraph::new(lines), inner);
}

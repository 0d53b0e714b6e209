//! `s`: stop the chosen servers after a confirmation that starts on Cancel and says
//! exactly what happens: an ECS stops soft (shutdown) unless hard is chosen (power off),
//! a BMS always hard (the API's `type`, [`crate::cloud::model::stop_type`]).

use super::draw::Look;
use crate::cloud::model::{Server, ServerKind};
use crate::tui::key_bindings::{Action, Keymap, Scope};
use crate::tui::popup::{Popup, centered};
use crate::tui::text::fit;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StopConfirm {
    pub servers: Vec<Server>,
    /// Servers left out, with why.
    pub skipped: Vec<String>,
    /// Focus on "Stop"; starts on Cancel.
    pub yes: bool,
    /// Hard stop (power off) for the ECS; starts soft.
    pub hard: bool,
}

fn n_more(n: usize) -> u16 {
    u16::from(n > 6)
}

/// Why a server cannot be stopped now, if so (ops decides; the TUI names the key).
fn refusal(s: &Server) -> Option<String> {
    let r = crate::ops::server_can_stop(s).err()?;
    Some(format!(
        "{} {}; {}{}",
        s.name,
        r.reason,
        r.way_out,
        super::key_hint(r.step)
    ))
}

impl StopConfirm {
    pub fn open(servers: Vec<Server>) -> Result<StopConfirm, String> {
        if servers.is_empty() {
            return Err("no server selected".into());
        }
        let (ok, bad): (Vec<Server>, Vec<Server>) =
            servers.into_iter().partition(|s| refusal(s).is_none());
        let skipped: Vec<String> = bad.iter().filter_map(refusal).collect();
        if ok.is_empty() {
            return Err(format!("stop: nothing to stop ({})", skipped.join("; ")));
        }
        Ok(StopConfirm {
            servers: ok,
            skipped,
            yes: false,
            hard: false,
        })
    }

    /// `Some(servers)` to stop them, `Some(empty)` to cancel, `None` to stay open.
    pub fn handle_key(&mut self, keymap: &Keymap, key: &KeyEvent) -> Option<Vec<Server>> {
        match keymap.action_in(Scope::Stop, key) {
            Some(Action::Cancel | Action::No) => Some(Vec::new()),
            Some(Action::Choose) => {
                self.yes = !self.yes;
                None
            }
            Some(Action::HardStop) => {
                self.hard = !self.hard;
                None
            }
            Some(Action::Submit) if self.yes => Some(std::mem::take(&mut self.servers)),
            Some(Action::Submit) => Some(Vec::new()),
            _ => None,
        }
    }

    pub fn draw(&self, f: &mut Frame, screen: Rect, look: &Look<'_>) {
        let th = look.theme;
        let w = screen.width.min(70);
        let listed = self.servers.len().min(6) as u16;
        let h = (5 + listed + (n_more(self.servers.len())) + self.skipped.len().min(3) as u16)
            .min(screen.height);
        let area = centered(screen, w, h);
        let n = self.servers.len();
        let title = format!(" Stop {n} server{}? ", if n == 1 { "" } else { "s" });
        let inner = Popup::new(title, th, look.glyphs).warn().draw(f, area);
        let iw = inner.width as usize;
        let mut lines = Vec::new();
        for s in self.servers.iter().take(6) {
            let how = match crate::cloud::model::stop_type(s.kind, self.hard) {
                "SOFT" => "soft stop (shutdown)",
                _ => "hard stop (power off)",
            };
            lines.push(Line::raw(fit(
                &format!("{} ({}, {}): {how}", s.name, s.kind.label(), s.status),
                iw,
                look.glyphs.ellipsis,
            )));
        }
        if n > 6 {
            lines.push(Line::raw(format!("and {} more", n - 6)));
        }
        for why in self.skipped.iter().take(3) {
            lines.push(Line::styled(
                fit(&format!("skipped: {why}"), iw, look.glyphs.ellipsis),
                th.dim,
            ));
        }
        if self.servers.iter().any(|s| s.kind == ServerKind::Ecs) {
            let (now, other) = match self.hard {
                false => ("soft (shutdown)", "hard (power off)"),
                true => ("hard (power off)", "soft (shutdown)"),
            };
            lines.push(Line::from(vec![
                Span::raw(format!("ECS stop: {now}   ")),
                Span::styled(
                    format!("{} {other}", look.keymap.hint(&[Action::HardStop], false)),
                    th.dim,
                ),
            ]));
        }
        lines.push(Line::raw(""));
        let button = |label: &str, on: bool| {
            let style = if on {
                th.cursor_row.patch(th.title)
            } else {
                th.base
            };
            Span::styled(format!("[ {label} ]"), style)
        };
        lines.push(Line::from(vec![
            button("Cancel", !self.yes),
            Span::raw("  "),
            button("Stop", self.yes),
            Span::styled(
                format!(
                    "   {} choose, {}",
                    look.keymap.hint_keys(Action::Choose, 2),
                    look.keymap.hint(&[Action::Submit], false)
                ),
                th.dim,
            ),
        ]));
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

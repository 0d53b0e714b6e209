//! The image and key pair pickers: a list with a filter. Rows whose words are the typed
//! words come first, then rows with words starting with them, then rows containing them,
//! then fuzzy matches; within each, images that fit every target come first. Images that
//! do not fit are hidden until Tab shows them, greyed with ops's short reason, except one
//! that matches the typed words better than any that fits: "CentOS 7.6" never picks
//! CentOS 7.8 because 7.6 does not fit; it shows 7.6 and why.

use super::draw::Look;
use super::{Ctx, FormState, Slot};
use crate::ops;
use crate::tui::cmdline::{Edit, LineInput};
use crate::tui::filter::Filter;
use crate::tui::key_bindings::{Action, Scope};
use crate::tui::panes::images::{arch, firmware};
use crate::tui::popup::Popup;
use crate::tui::text::fit;
use crate::tui::text::short_id;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One choice: an image (by id) or a key pair (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PickRow {
    pub value: String,
    pub name: String,
    pub detail: String,
    /// Why it does not fit (empty when it fits).
    pub reason: String,
}

impl PickRow {
    pub fn fits(&self) -> bool {
        self.reason.is_empty()
    }
}

pub(crate) struct Picker {
    pub slot: Slot,
    pub rows: Vec<PickRow>,
    pub filter: LineInput,
    pub show_unfit: bool,
    /// Indices into `rows` shown, best first.
    pub shown: Vec<usize>,
    pub cursor: usize,
    /// Rows the filter keeps: (fit, do not fit), shown or not.
    matched: (usize, usize),
}

impl Picker {
    pub fn open(form: &FormState, ctx: &Ctx<'_>, slot: Slot) -> Picker {
        let (rows, current) = match slot {
            Slot::Image => (image_rows(form, ctx), form.image_id.clone()),
            _ => (keypair_rows(ctx), Some(form.entries.keypair.clone())),
        };
        let mut p = Picker {
            slot,
            rows,
            filter: LineInput::default(),
            show_unfit: false,
            shown: Vec::new(),
            cursor: 0,
            matched: (0, 0),
        };
        p.refresh();
        if let Some(cur) = current
            && let Some(pos) = p.shown.iter().position(|&i| p.rows[i].value == cur)
        {
            p.cursor = pos;
        }
        p
    }

    /// Rows the filter keeps that fit and that do not: the title's counts.
    pub fn counts(&self) -> (usize, usize) {
        self.matched
    }

    /// Applies the filter and the fit toggle.
    pub fn refresh(&mut self) {
        let typed = words(&self.filter.text);
        let mut fuzzy = Filter::fuzzy(&self.filter.text);
        // (how the words match, does not fit, fuzzy score, row) of every matching row.
        let matched: Vec<(Tier, bool, u32, usize)> = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let hay = format!("{}  {}", r.name, r.detail);
                let score = fuzzy.score(&hay);
                let tier = tier(&typed, &hay).or(score.map(|_| Tier::Fuzzy))?;
                Some((tier, !r.fits(), score.unwrap_or(0), i))
            })
            .collect();
        let unfit = matched.iter().filter(|m| m.1).count();
        self.matched = (matched.len() - unfit, unfit);
        let best_fitting = matched.iter().filter(|m| !m.1).map(|m| m.0).min();
        let mut shown: Vec<_> = matched
            .into_iter()
            .filter(|&(tier, unfit, ..)| {
                !unfit
                    || self.show_unfit
                    || (tier < Tier::Fuzzy && best_fitting.is_none_or(|best| tier < best))
            })
            .collect();
        // Best tier, fitting first, best fuzzy score, listing order (already by name).
        shown.sort_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then(b.2.cmp(&a.2))
                .then(a.3.cmp(&b.3))
        });
        self.shown = shown.into_iter().map(|m| m.3).collect();
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    pub fn selected(&self) -> Option<&PickRow> {
        self.shown.get(self.cursor).map(|&i| &self.rows[i])
    }
}

/// How the typed words match a row, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// Each typed word is a word of the row ("7.6" in "CentOS 7.6 64bit").
    Words,
    /// Each is a word or the start of one ("cent 7" in "CentOS 7.6").
    Prefixes,
    /// Each is inside the row's text.
    Within,
    /// Only the fuzzy match holds.
    Fuzzy,
}

/// Lower-cased words: letters, digits and dots ("22.04" stays one word).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The worst way one of the `typed` words matches `text`, `None` if one is not in it.
fn tier(typed: &[String], text: &str) -> Option<Tier> {
    let own = words(text);
    let lower = text.to_lowercase();
    typed.iter().try_fold(Tier::Words, |worst, t| {
        let this = if own.iter().any(|w| w == t) {
            Tier::Words
        } else if own.iter().any(|w| w.starts_with(t.as_str())) {
            Tier::Prefixes
        } else if lower.contains(t.as_str()) {
            Tier::Within
        } else {
            return None;
        };
        Some(worst.max(this))
    })
}

fn image_rows(form: &FormState, ctx: &Ctx<'_>) -> Vec<PickRow> {
    let entries = form.entries();
    let mut rows: Vec<PickRow> = ctx
        .images
        .iter()
        .map(|img| {
            let mut reason = String::new();
            let mut notes: Vec<String> = Vec::new();
            for t in &form.targets {
                match form.with_input(ctx, &entries, t, |i| i.image_fit(img)) {
                    Ok(adv) => notes.extend(adv.iter().map(ops::Incompatibility::short)),
                    Err(block) if reason.is_empty() => {
                        reason = block.first().map(|b| b.short()).unwrap_or_default();
                    }
                    Err(_) => {}
                }
            }
            notes.dedup();
            let init = if img.has_cloud_init() {
                "Cloud-Init"
            } else {
                "no Cloud-Init"
            };
            let os = img.os_type.as_deref().unwrap_or("");
            let mut detail = format!("{os} {} {}, {init}", arch(img), firmware(img));
            for n in notes {
                detail.push_str(&format!(", {n}"));
            }
            PickRow {
                value: img.id.clone(),
                name: img.name.clone(),
                detail,
                reason,
            }
        })
        .collect();
    rows.sort_by_key(|r| r.name.to_lowercase());
    rows
}

fn keypair_rows(ctx: &Ctx<'_>) -> Vec<PickRow> {
    let mut rows: Vec<PickRow> = ctx
        .keypairs
        .iter()
        .map(|k| {
            let owner = match (k.scope.as_deref(), k.user_id.as_deref()) {
                (Some("domain"), _) => "account-wide".to_string(),
                (_, Some(u)) if !u.is_empty() => format!("user {}", short_id(u, "…")),
                _ => String::new(),
            };
            // Ownership can only be judged once the caller's user id is known.
            let reason = if ctx.user_id.is_empty() {
                String::new()
            } else {
                ops::check_keypair(&k.name, ctx.keypairs, ctx.user_id)
                    .map(|e| e.message)
                    .unwrap_or_default()
            };
            PickRow {
                value: k.name.clone(),
                name: k.name.clone(),
                detail: owner,
                reason,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

pub(super) fn handle_key(form: &mut FormState, ctx: &Ctx<'_>, key: &KeyEvent) {
    let Some(p) = form.picker.as_mut() else {
        return;
    };
    // Typing goes to the filter first; Home and End move in the list (Ctrl-A and
    // Ctrl-E move in the filter).
    let list_key = matches!(key.code, KeyCode::Home | KeyCode::End);
    let action = if LineInput::is_editing_key(key) && !list_key {
        None
    } else {
        ctx.look.keymap.action_in(Scope::Picker, key)
    };
    let last = p.shown.len().saturating_sub(1);
    // The rows the picker shows at once (frame, picker border, filter line).
    let page = usize::from(super::draw::modal_area(ctx.screen).height)
        .saturating_sub(6)
        .max(1);
    match action {
        Some(Action::Cancel) => form.picker = None,
        Some(Action::Submit) => {
            let Some(row) = p.selected().cloned() else {
                return;
            };
            match p.slot {
                Slot::Image => form.image_id = Some(row.value),
                _ => form.entries.keypair = row.value,
            }
            form.touched.insert(p.slot);
            form.picker = None;
        }
        Some(Action::ShowUnfit) => {
            p.show_unfit = !p.show_unfit;
            p.refresh();
        }
        Some(Action::Up) => p.cursor = p.cursor.saturating_sub(1),
        Some(Action::Down) => p.cursor = (p.cursor + 1).min(last),
        Some(Action::PageUp) => p.cursor = p.cursor.saturating_sub(page),
        Some(Action::PageDown) => p.cursor = (p.cursor + page).min(last),
        Some(Action::Top) => p.cursor = 0,
        Some(Action::Bottom) => p.cursor = last,
        _ => {
            if p.filter.handle(key) == Edit::Changed {
                p.cursor = 0;
                p.refresh();
            }
        }
    }
}

pub(super) fn draw(f: &mut Frame, inner: Rect, form: &FormState, look: &Look<'_>) {
    let Some(p) = &form.picker else { return };
    let (th, g) = (look.theme, look.glyphs);
    // As tall as its rows need (border, filter line, rows), at most the form's height.
    let want = p.shown.len().max(1) as u16 + 3;
    let area = Rect::new(
        inner.x + 1,
        inner.y + 1,
        inner.width.saturating_sub(2),
        inner.height.saturating_sub(1).min(want),
    );
    if area.height < 4 {
        return;
    }
    let (fits, unfit) = p.counts();
    let what = if p.slot == Slot::Image {
        "image"
    } else {
        "key pair"
    };
    let toggle = format!(
        "{} {} them",
        look.keymap.hint(&[Action::ShowUnfit], true),
        if p.show_unfit { "hides" } else { "shows" }
    );
    let title = format!(
        " Pick a{} {what} {} {fits} fit {} {unfit} do not ({toggle}) ",
        if what == "image" { "n" } else { "" },
        g.sep,
        g.sep
    );
    let hints = look.hints(
        &[
            (&[], "type to filter"),
            (&[Action::Submit], "pick"),
            (&[Action::Cancel], "back"),
        ],
        true,
    );
    let body = Popup::new(title, th, g).hints(hints).draw(f, area);
    let mut lines = vec![Line::from(vec![
        Span::styled("/ ", th.key),
        Span::raw(format!("{}_", p.filter.text)),
    ])];
    let h = (body.height as usize).saturating_sub(1);
    let top = p.cursor.saturating_sub(h.saturating_sub(1));
    let w = body.width as usize;
    let name_w = (w / 2).clamp(10, 44);
    for (pos, &i) in p.shown.iter().enumerate().skip(top).take(h) {
        let r = &p.rows[i];
        let cursor = if pos == p.cursor { g.cursor } else { " " };
        let tail = if r.fits() {
            r.detail.clone()
        } else {
            format!("{} {}", g.cross, r.reason)
        };
        let text = format!("{cursor} {} {}", fit(&r.name, name_w, g.ellipsis), tail);
        let mut style: Style = if r.fits() { th.base } else { th.dim };
        if pos == p.cursor {
            style = style.patch(th.cursor_row);
        }
        lines.push(Line::styled(fit(&text, w, g.ellipsis), style));
    }
    if p.shown.is_empty() {
        lines.push(Line::styled("  nothing matches", th.dim));
    }
    f.render_widget(Paragraph::new(lines), body);
}

//! The review (what will be sent, what it wipes, a typed confirmation) and the results of
//! sending. The review lists ops's plans as they are: every server by name (and those left
//! out, with why), then path, masked body, warnings; it scrolls by the rows it draws and
//! stops at the last one.

use super::draw::{Look, cap, frame, modal_area, plural, wrap_line, wrap_words};
use super::{Ctx, FormState, Outcome, SendState, Stage};
use crate::ops::{OpKind, Plan, Route};
use crate::tui::cmdline::{Edit, LineInput};
use crate::tui::key_bindings::{Action, Scope};
use crate::tui::text::short_id;
use crate::tui::theme::{Glyphs, Theme};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The scrolled part of the review on `screen`: (width, height).
fn body_size(screen: Rect) -> (usize, usize) {
    body_size_in(modal_area(screen))
}

/// The scrolled part of the review drawn in `area`: (width, height).
fn body_size_in(area: Rect) -> (usize, usize) {
    // Border and one column of air each side; border and the confirmation rows below.
    (
        area.width.saturating_sub(4).max(1) as usize,
        area.height.saturating_sub(2 + TAIL) as usize,
    )
}

/// Rows at the bottom: the keep-password tick, the confirmation, its note.
const TAIL: u16 = 3;

/// The body as drawn: every line wrapped to `w`.
fn body_rows(form: &FormState, plans: &[Plan], look: &Look<'_>, w: usize) -> Vec<Line<'static>> {
    lines(form, plans, look.theme, look.glyphs)
        .iter()
        .flat_map(|l| wrap_line(l, w))
        .collect()
}

/// The furthest the body scrolls: its last row at the bottom.
fn max_scroll(form: &FormState, plans: &[Plan], ctx: &Ctx<'_>) -> u16 {
    let (w, h) = body_size(ctx.screen);
    let rows = body_rows(form, plans, &ctx.look, w).len();
    u16::try_from(rows.saturating_sub(h)).unwrap_or(u16::MAX)
}

pub(super) fn handle_key(form: &mut FormState, ctx: &Ctx<'_>, key: &KeyEvent) -> Outcome {
    let word = form.confirm_word();
    // Typing goes to the confirmation first; a letter can copy only when the word to
    // type is a number (several servers), so no name loses a letter to it.
    let action = match ctx.look.keymap.action_in(Scope::Review, key) {
        Some(Action::CopyCommand)
            if super::rollout::typed_char(key) && !word.bytes().all(|b| b.is_ascii_digit()) =>
        {
            None
        }
        Some(Action::CopyCommand) => Some(Action::CopyCommand),
        _ if LineInput::is_editing_key(key) => None,
        other => other,
    };
    if action == Some(Action::CopyCommand) {
        return super::rollout::copy_command(form, ctx);
    }
    let max = match &form.stage {
        Stage::Review { plans, .. } => max_scroll(form, plans, ctx),
        _ => 0,
    };
    let page = u16::try_from(body_size(ctx.screen).1.saturating_sub(1).max(1)).unwrap_or(1);
    let confirmed =
        matches!(&form.stage, Stage::Review { confirm, .. } if confirm.text.trim() == word);
    let line = if confirmed && action == Some(Action::Submit) && form.targets.len() > 1 {
        form.apply_line(ctx)
    } else {
        None
    };
    let Stage::Review {
        plans,
        confirm,
        scroll,
        note,
        copied,
    } = &mut form.stage
    else {
        return Outcome::Stay;
    };
    *copied = None;
    match action {
        Some(Action::Cancel) => {
            plans.clear();
            form.stage = Stage::Edit;
        }
        Some(Action::KeepSecret) if form.targets.len() == 1 => {
            form.keep_secrets = !form.keep_secrets
        }
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::Down) => *scroll = scroll.saturating_add(1).min(max),
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(page),
        Some(Action::PageDown) => *scroll = scroll.saturating_add(page).min(max),
        Some(Action::Submit) if confirmed => {
            let plans = std::mem::take(plans);
            return match line {
                Some(line) => Outcome::Rollout { plans, line },
                None => Outcome::Submit(plans),
            };
        }
        Some(Action::Submit) => {
            let back = ctx.look.keymap.hint(&[Action::Cancel], true);
            *note = Some(format!(
                "type {word} exactly to confirm, or {back} to go back"
            ));
        }
        _ => {
            if confirm.handle(key) == Edit::Changed {
                *note = None;
            }
        }
    }
    Outcome::Stay
}

pub(super) fn handle_sending_key(form: &mut FormState, ctx: &Ctx<'_>, key: &KeyEvent) -> Outcome {
    let Stage::Sending { results } = &form.stage else {
        return Outcome::Stay;
    };
    let pending = results.iter().any(|r| r.state == SendState::Pending);
    let retry = results
        .iter()
        .any(|r| matches!(r.state, SendState::Rejected { .. }));
    match ctx.look.keymap.action_in(Scope::Sending, key) {
        // Closing while requests are in flight is fine: results still reach the Jobs pane.
        Some(Action::Cancel | Action::Close) => Outcome::Close,
        Some(Action::Submit) if pending => Outcome::Stay,
        Some(Action::Submit) if retry => {
            form.stage = Stage::Edit;
            form.note = Some(if form.keep_secrets {
                "rejected: every field is as you entered it".into()
            } else {
                "rejected: every field is kept except the password (wiped after sending)".into()
            });
            Outcome::Stay
        }
        Some(Action::Submit) => Outcome::Close,
        _ => Outcome::Stay,
    }
}

fn route_word(route: Route) -> &'static str {
    match route {
        Route::V1 => "ECS /v1",
        Route::V2 => "ECS /v2",
        Route::Bms => "BMS",
    }
}

/// Everything the review shows, as lines to wrap and scroll.
pub(super) fn lines<'a>(
    form: &FormState,
    plans: &'a [Plan],
    th: &Theme,
    g: &Glyphs,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let arrow = g.arrow;
    for p in plans {
        let change = match form.op {
            OpKind::Change => format!("{} {arrow} {}", p.from_image, p.to_image),
            OpKind::Reinstall => format!("reinstall {}", p.from_image),
        };
        out.push(Line::from(vec![
            Span::styled(p.server_name.clone(), th.title),
            Span::raw(format!("  {}  ", route_word(p.route.route))),
            Span::raw(change),
        ]));
    }
    for x in &form.excluded {
        out.push(Line::styled(
            format!("{} not included: {}", x.name, x.reason),
            th.dim,
        ));
    }
    if form.targets.len() > 1
        && let Ok((waves, max)) = form.rollout()
    {
        out.extend(super::rollout::wave_lines(plans, &waves, max, th, g));
    }
    if !plans.is_empty() {
        // One request shape per route: its path, body and why that route.
        let mut shown: Vec<Route> = Vec::new();
        for p in plans {
            if shown.contains(&p.route.route) {
                continue;
            }
            shown.push(p.route.route);
            let same = plans
                .iter()
                .filter(|o| o.route.route == p.route.route)
                .count();
            let path = p
                .path
                .replace(&p.server_id, &short_id(&p.server_id, g.ellipsis));
            let more = match same {
                1 => String::new(),
                n => format!(" (x{n}, one per server)"),
            };
            out.push(Line::from(vec![
                Span::styled(format!("{} ", p.method), th.label),
                Span::raw(format!("{path}{more}")),
            ]));
            out.push(Line::styled(p.masked_body(), th.base));
            // The script reimage wrote (hashed password), the hash masked.
            if let Some(script) = p.user_data_shown {
                out.push(Line::styled("user_data, before base64:", th.dim));
                out.extend(
                    script
                        .lines()
                        .map(|l| Line::styled(format!("  {l}"), th.base)),
                );
            }
            out.push(Line::styled(
                format!("Route: {} ({})", p.route.route.label(), p.route.reason),
                th.dim,
            ));
        }
        let mut seen: Vec<String> = Vec::new();
        for w in plans.iter().flat_map(|p| p.warnings.iter()) {
            let m = w.message();
            if !seen.contains(&m) {
                out.push(Line::styled(format!("! {m}"), th.warn));
                seen.push(m);
            }
        }
        for c in plans.iter().flat_map(|p| p.preconditions.iter()) {
            let m = c.message().to_string();
            if !seen.contains(&m) {
                out.push(Line::styled(format!("! {m}"), th.warn));
                seen.push(m);
            }
        }
    }
    out
}

/// One line per server while sending and after.
pub(super) fn result_lines<'a>(
    form: &'a FormState,
    th: &Theme,
    g: &Glyphs,
    spin: usize,
    w: usize,
) -> Vec<Line<'a>> {
    let Stage::Sending { results } = &form.stage else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in results {
        let name = Span::styled(format!("{}  ", r.server_name), th.title);
        match &r.state {
            SendState::Pending => out.push(Line::from(vec![
                Span::styled(format!("{} ", g.spinner[spin % g.spinner.len()]), th.busy),
                name,
                Span::raw("sending..."),
            ])),
            SendState::Accepted { job_id } => out.push(Line::from(vec![
                Span::styled("ok ", th.ok),
                name,
                Span::raw(format!(
                    "accepted, job {} (see Jobs)",
                    short_id(job_id, g.ellipsis)
                )),
            ])),
            SendState::Rejected { error, hint } | SendState::Unknown { error, hint } => {
                let unknown = matches!(r.state, SendState::Unknown { .. });
                let word = if unknown { "UNKNOWN" } else { "FAILED" };
                out.push(Line::from(vec![
                    Span::styled(format!("{word} "), th.error),
                    name,
                ]));
                // The client's message says what happened; the hint what to do.
                for l in wrap_words(error, w.saturating_sub(3).max(10)) {
                    out.push(Line::styled(format!("   {l}"), th.error));
                }
                if let Some(h) = hint {
                    for (i, l) in wrap_words(&format!("hint: {h}"), w.saturating_sub(9).max(10))
                        .into_iter()
                        .enumerate()
                    {
                        let lead = if i == 0 { "   " } else { "         " };
                        out.push(Line::styled(format!("{lead}{l}"), th.warn));
                    }
                }
            }
        }
    }
    out
}

pub(super) fn draw_review(f: &mut Frame, area: Rect, form: &FormState, look: &Look<'_>) {
    let Stage::Review {
        plans,
        confirm,
        scroll,
        note,
        copied,
    } = &form.stage
    else {
        return;
    };
    let th = look.theme;
    let n = form.targets.len();
    let (w, room) = body_size_in(area);
    let rows = body_rows(form, plans, look, w);
    // A smaller screen than when the key was pressed: never past the last row.
    let top = (*scroll as usize).min(rows.len().saturating_sub(room));
    let more = if rows.len() > room {
        let last = (top + room).min(rows.len());
        let down = if last < rows.len() {
            ", Down for more"
        } else {
            ""
        };
        format!(
            " {} rows {}-{last} of {}{down}",
            look.glyphs.sep,
            top + 1,
            rows.len()
        )
    } else {
        String::new()
    };
    let title = format!(
        " Review {} {} of {n} server{}{more} ",
        look.glyphs.sep,
        form.op.label(),
        plural(n)
    );
    let mut items: Vec<(&[Action], &str)> = vec![
        (&[Action::Submit], "submit"),
        (&[Action::Cancel], "back to the form"),
        (&[Action::Up, Action::Down], "scroll"),
    ];
    // A rollout never reopens the form: there is no retry to keep the password for.
    let retry = form.entries.login.takes_password() && form.targets.len() == 1;
    if retry {
        items.push((&[Action::KeepSecret], "keep password"));
    }
    items.push((&[Action::CopyCommand], "copy as command"));
    let hints = look.hints(&items, true);
    let inner = frame(f, area, &title, hints, look);
    let bottom = TAIL.min(inner.height);
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height - bottom);
    let shown: Vec<Line> = rows.into_iter().skip(top).take(room).collect();
    f.render_widget(Paragraph::new(shown), body);
    let word = form.confirm_word();
    let what = if n == 1 {
        "the server name"
    } else {
        "the number of servers"
    };
    let keep = if form.keep_secrets { "[x]" } else { "[ ]" };
    let mut tail = Vec::new();
    if retry {
        tail.push(Line::from(vec![
            Span::styled(format!("{keep} "), th.label),
            Span::styled(
                format!(
                    "keep the password in memory for a retry ({})",
                    look.keymap.hint(&[Action::KeepSecret], true)
                ),
                th.dim,
            ),
        ]));
    }
    tail.push(Line::from(vec![
        Span::styled(
            format!("This WIPES the system disk. Type {what} ({word}) to confirm: "),
            th.warn,
        ),
        Span::styled(format!("{}_", confirm.text), th.title),
    ]));
    if let Some(n) = note {
        tail.push(Line::styled(n.clone(), th.error));
    } else if let Some(c) = copied {
        tail.push(Line::styled(c.clone(), th.ok));
    }
    let at = Rect::new(
        inner.x,
        inner.y + inner.height - bottom,
        inner.width,
        bottom,
    );
    f.render_widget(Paragraph::new(tail).wrap(Wrap { trim: false }), at);
}

pub(super) fn draw_sending(f: &mut Frame, area: Rect, form: &FormState, look: &Look<'_>) {
    let Stage::Sending { results } = &form.stage else {
        return;
    };
    let th = look.theme;
    let pending = results.iter().any(|r| r.state == SendState::Pending);
    let retry = results
        .iter()
        .any(|r| matches!(r.state, SendState::Rejected { .. }));
    let jobs = format!(
        "close, then {} shows the Jobs pane",
        look.keymap.hint(&[Action::GoJobs], false)
    );
    let hints = match (pending, retry) {
        (true, _) => look.hints(
            &[
                (&[], "sending, once per server, never retried"),
                (&[Action::Cancel], "hide"),
            ],
            false,
        ),
        (false, true) => look.hints(
            &[
                (&[Action::Submit], "back to the form"),
                (&[Action::Cancel], "close"),
            ],
            false,
        ),
        (false, false) => look.hints(&[(&[Action::Submit, Action::Cancel], &jobs)], false),
    };
    let title = format!(
        " {} {} {} ",
        cap(form.op.label()),
        look.glyphs.sep,
        if pending { "sending" } else { "sent" }
    );
    let inner = frame(f, area, &title, hints, look);
    f.render_widget(
        Paragraph::new(result_lines(
            form,
            th,
            look.glyphs,
            look.spin,
            inner.width as usize,
        ))
        .wrap(Wrap { trim: false }),
        inner,
    );
}

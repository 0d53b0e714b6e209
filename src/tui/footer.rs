//! The bottom two lines: the status line (the focused input, a note, or what is loading)
//! and the footer of keys that work here, generated from the keymap in force.

use super::app::{App, Pane};
use super::key_bindings::Action;
use super::text::{truncate, width, wrap};
use super::toast::Level;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The note on the status line, as one row, or two when it needs them and no layer is
/// open (the second covers the footer while the note shows). Longer still, the hint (the
/// way out) stays whole, the text gives way, and `M more` says where the whole note is.
fn note_lines(app: &App, w: usize) -> Option<Vec<Line<'static>>> {
    let t = &app.theme;
    let ell = app.glyphs.ellipsis;
    let (toast, more) = app.toasts.current()?;
    let (word, style) = match toast.level {
        Level::Info => ("", t.info),
        Level::Warn => ("! ", t.warn),
        Level::Error => ("error: ", t.error),
    };
    let text = format!(" {word}{}", toast.text);
    let hint = toast
        .hint
        .as_ref()
        .map(|h| format!(" {} {h}", app.glyphs.sep))
        .unwrap_or_default();
    let mut tail = if more > 0 {
        format!("  (+{more}, Esc next)")
    } else {
        String::new()
    };
    let line = |text: String, tail: String| {
        Line::from(vec![Span::styled(text, style), Span::styled(tail, t.dim)])
    };
    let whole = format!("{text}{hint}");
    if width(&whole) + width(&tail) <= w {
        return Some(vec![line(whole, tail)]);
    }
    let two_rows = app.layers.is_empty();
    if two_rows {
        let rows = wrap(whole.trim_start(), w.saturating_sub(1));
        if let [first, second] = rows.as_slice()
            && width(second) + 1 + width(&tail) <= w
        {
            return Some(vec![
                line(format!(" {first}"), String::new()),
                line(format!(" {second}"), tail),
            ]);
        }
    }
    if let Some(k) = app.keymap.short(Action::Messages) {
        tail.push_str(&format!("  {k} more"));
    }
    if two_rows && !hint.is_empty() {
        // The text's start on one row, the way out whole on the other.
        let hint = truncate(&hint, w.saturating_sub(width(&tail)), ell).0;
        return Some(vec![
            line(truncate(&text, w, ell).0, String::new()),
            line(hint, tail),
        ]);
    }
    // One row: the text keeps at least half of it.
    let hint = truncate(&hint, (w / 2).saturating_sub(width(&tail)), ell).0;
    let text = truncate(&text, w.saturating_sub(width(&hint) + width(&tail)), ell).0;
    Some(vec![line(format!("{text}{hint}"), tail)])
}

pub fn draw_status(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    // The `/` or `:` line, when open, is drawn over this by its layer.
    if let Some(lines) = note_lines(app, area.width as usize) {
        for (i, l) in lines.into_iter().enumerate() {
            let row = Rect::new(area.x, area.y + i as u16, area.width, 1);
            if row.intersects(f.area()) {
                f.render_widget(Paragraph::new(l), row.intersection(f.area()));
            }
        }
        return;
    }
    let mut parts = Vec::new();
    for p in Pane::ALL {
        if let Some(load) = app.view(p).load().filter(|l| l.loading) {
            parts.push(format!("{} {}", p.title().to_lowercase(), load.received));
        }
    }
    if !parts.is_empty() {
        let frame = app.glyphs.spinner[app.spin % app.glyphs.spinner.len()];
        let text = format!(" {frame} loading {}", parts.join(", "));
        f.render_widget(Paragraph::new(Span::styled(text, t.dim)), area);
    }
}

/// Footer hints, most useful first; `? help` and `q quit` always fit.
pub fn draw_footer(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if note_lines(app, area.width as usize).is_some_and(|l| l.len() > 1) {
        return; // a two-row note covers the footer
    }
    let layer_hints = app.layers.last().and_then(|l| l.hints(app));
    let on_pane = layer_hints.is_none();
    let hints: Vec<(String, &str)> = if let Some(h) = layer_hints {
        h
    } else {
        let mut actions = app.view(app.pane).hints().to_vec();
        actions.push(Action::Filter);
        if crate::tui::layout::details_toggle(app.size.width, app.size.height)
            || app.pane == Pane::Jobs
        {
            actions.push(Action::Details);
        }
        if app.pane == Pane::Servers {
            actions.push(Action::Mark);
        }
        actions.extend([Action::SortNext, Action::Refresh, Action::CommandLine]);
        actions
            .into_iter()
            .filter_map(|a| app.keymap.short(a).map(|k| (k, short_help(a))))
            .collect()
    };
    let tail: Vec<(String, &str)> = if on_pane {
        [(Action::Help, "help"), (Action::Quit, "quit")]
            .into_iter()
            .filter_map(|(a, h)| app.keymap.short(a).map(|k| (k, h)))
            .collect()
    } else {
        Vec::new()
    };
    let item_w = |(k, h): &(String, &str)| width(k) + 1 + width(h) + 2;
    let budget = (area.width as usize).saturating_sub(1 + tail.iter().map(item_w).sum::<usize>());
    let mut used = 0;
    let mut spans = vec![Span::raw(" ")];
    let push = |spans: &mut Vec<Span<'static>>, (k, h): &(String, &str)| {
        spans.push(Span::styled(k.clone(), t.key));
        spans.push(Span::raw(format!(" {h}  ")));
    };
    for item in &hints {
        if used + item_w(item) > budget {
            break;
        }
        used += item_w(item);
        push(&mut spans, item);
    }
    for item in &tail {
        push(&mut spans, item);
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short_help(a: Action) -> &'static str {
    match a {
        Action::ChangeOs => "change OS",
        Action::Reinstall => "reinstall",
        Action::Stop => "stop",
        Action::Mark => "mark",
        Action::ImageType => "type",
        Action::ImageEnv => "ECS/BMS",
        Action::ImageArch => "arch",
        Action::ImagePlatform => "OS",
        Action::CopyId => "copy",
        Action::DismissJob => "dismiss",
        Action::PauseRollout => "pause/resume",
        Action::AbandonRollout => "abandon",
        Action::Filter => "filter",
        Action::SortNext => "sort",
        Action::Refresh => "refresh",
        Action::CommandLine => "command",
        Action::Details => "details",
        a => a.name(),
    }
}

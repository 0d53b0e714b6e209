//! Drawing the form: rows with their errors under them, the picker over the rows, the
//! review and the results. Reads the state only.

use super::fields::Slot;
use super::{Ctx, FormState, Part, bulk, picker, review, rows};
use crate::ops::{Field, OpKind};
use crate::tui::key_bindings::{Action, Keymap};
use crate::tui::popup::{Popup, hint_line};
use crate::tui::text::{fit, width};
use crate::tui::theme::{Glyphs, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

const LABEL_W: usize = 12;
const EDITOR_H: u16 = 5;

/// Everything the drawing needs besides the form.
#[derive(Clone, Copy)]
pub(crate) struct Look<'a> {
    pub theme: &'a Theme,
    pub glyphs: &'a Glyphs,
    /// The bindings in force: the form's keys and its hint lines.
    pub keymap: &'a Keymap,
    pub spin: usize,
}

impl Look<'_> {
    /// A hint line of `(actions, what)`: keys from the keymap, joined by the glyph set's
    /// separator; an empty action list leaves the text alone. Over a text field, keys
    /// that would be typed are not named.
    pub fn hints(&self, items: &[(&[Action], &str)], typing: bool) -> String {
        let items: Vec<(String, &str)> = items
            .iter()
            .map(|(actions, what)| (self.keymap.hint(actions, typing), *what))
            .collect();
        hint_line(&items, self.glyphs)
    }
}

/// The modal's frame: everything below the header row, at most 100 columns. It covers the
/// footer too: its own key hints are on its bottom border.
pub(super) fn modal_area(screen: Rect) -> Rect {
    let w = screen.width.min(100);
    let x = screen.x + (screen.width - w) / 2;
    Rect::new(x, screen.y + 1, w, screen.height.saturating_sub(1))
}

pub(crate) fn draw(f: &mut Frame, screen: Rect, form: &FormState, ctx: &Ctx<'_>, look: &Look<'_>) {
    let area = modal_area(screen);
    if area.height < 5 {
        return;
    }
    match form.part() {
        Part::Edit => {
            draw_edit(f, area, form, ctx, look);
        }
        Part::Picker => {
            let inner = draw_edit(f, area, form, ctx, look);
            picker::draw(f, inner, form, look);
        }
        Part::Review => review::draw_review(f, area, form, look),
        Part::Sending => review::draw_sending(f, area, form, look),
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The popup frame with a title and key hints; returns the inside.
pub(super) fn frame(
    f: &mut Frame,
    area: Rect,
    title: &str,
    hints: String,
    look: &Look<'_>,
) -> Rect {
    let inner = Popup::new(title, look.theme, look.glyphs)
        .hints(hints)
        .draw(f, area);
    // One column of air on each side.
    Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    )
}

fn title_of(form: &FormState, sep: &str) -> String {
    match form.targets.as_slice() {
        [one] => format!(
            " {} {sep} {} ({}, {}) ",
            cap(form.op.label()),
            one.name,
            one.kind.label(),
            one.status
        ),
        many => format!(" {} {sep} {} servers ", cap(form.op.label()), many.len()),
    }
}

/// The rows; returns the inside, where the picker goes.
fn draw_edit(f: &mut Frame, area: Rect, form: &FormState, ctx: &Ctx<'_>, look: &Look<'_>) -> Rect {
    let (th, g) = (look.theme, look.glyphs);
    let hints = look.hints(
        &[
            (&[Action::NextField, Action::Advance], "next"),
            (&[Action::PrevField], "back"),
            (&[Action::Toggle], "pick/toggle"),
            (&[Action::Review], "review"),
            (&[Action::Cancel], "cancel"),
        ],
        false,
    );
    let inner = frame(f, area, &title_of(form, g.sep), hints, look);
    let w = inner.width as usize;
    let errors = form.errors(ctx);
    let warnings = form.warnings(ctx);
    let mut lines: Vec<Line> = Vec::new();
    if form.is_bulk() || !form.excluded.is_empty() {
        let routes = form.routes(ctx);
        for (label, names) in bulk::groups(form.targets.iter().zip(routes)) {
            // A group label may be longer than the field labels ("ECS route unknown").
            let label_w = LABEL_W.max(width(label) + 1);
            // Every name, wrapped: none hides behind an ellipsis.
            let room = w.saturating_sub(label_w + 2).max(10);
            for (i, part) in wrap_words(&names.join(", "), room).into_iter().enumerate() {
                let lead = if i == 0 {
                    format!("  {label:label_w$}")
                } else {
                    " ".repeat(label_w + 2)
                };
                lines.push(Line::from(vec![
                    Span::styled(lead, th.label),
                    Span::raw(part),
                ]));
            }
        }
        for x in &form.excluded {
            let text = format!("excluded: {} ({})", x.name, x.reason);
            for (i, l) in wrap_words(&text, w.saturating_sub(4).max(10))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { "  " } else { "    " };
                lines.push(Line::styled(format!("{lead}{l}"), th.dim));
            }
        }
    }
    let mut focus_span = (0, 0);
    let mut editor_at = None;
    let mut cursor_at = None;
    let slots = form.visible_slots(ctx);
    if form.op == OpKind::Reinstall {
        let image = match form.targets.as_slice() {
            [one] => one.image_name().unwrap_or("its current image").to_string(),
            _ => "each server's current image".to_string(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {:LABEL_W$}", "Image"), th.label),
            Span::raw(fit(
                &format!("{image} (installed again)"),
                w.saturating_sub(LABEL_W + 2),
                g.ellipsis,
            )),
        ]));
    }
    for slot in &slots {
        let start = lines.len();
        let field_errors = errors.get(&slot.field()).filter(|_| {
            (form.show_all_errors || form.touched.contains(slot)) && owns_errors(*slot, &slots)
        });
        let focused = form.focus == *slot;
        let marker = if focused { g.cursor } else { " " };
        let label_style = match (field_errors.is_some(), focused) {
            (true, _) => th.error,
            (false, true) => th.title,
            _ => th.label,
        };
        let mut spans = vec![
            Span::styled(format!("{marker} "), th.key),
            Span::styled(format!("{:LABEL_W$}", slot.label()), label_style),
        ];
        spans.extend(rows::value(
            form,
            ctx,
            *slot,
            th,
            g,
            w.saturating_sub(LABEL_W + 2),
        ));
        if focused && let Some(col) = text_cursor(form, *slot) {
            // Marker, label, "[ ", then the text before the cursor.
            cursor_at = Some((lines.len(), 2 + LABEL_W + 2 + col));
        }
        lines.push(Line::from(spans));
        if focused && *slot == Slot::UserData {
            editor_at = Some(lines.len());
            lines.extend((0..EDITOR_H).map(|_| Line::raw("")));
        }
        if *slot == Slot::UserDataFile {
            match &form.file_note {
                Some(super::FileNote::Failed(e)) => lines.extend(error_lines(e, w, th, g)),
                Some(super::FileNote::Confirm(path)) => {
                    let enter = look.keymap.hint(&[Action::Advance], true);
                    let text = format!("{enter} again replaces the user data above with {path}");
                    lines.extend(note_lines(&text, w, th.warn));
                }
                _ => {}
            }
        }
        for e in field_errors.into_iter().flatten() {
            lines.extend(error_lines(e, w, th, g));
        }
        // What the service may refuse shows under the field too (never blocking).
        let field_warnings = warnings
            .get(&slot.field())
            .filter(|_| owns_errors(*slot, &slots) && slot.field() != Field::Server);
        for text in field_warnings.into_iter().flatten() {
            lines.extend(note_lines(text, w, th.warn));
        }
        if focused {
            focus_span = (start, lines.len());
        }
    }
    if let Some(n) = &form.note {
        lines.push(Line::raw(""));
        for l in wrap_words(n, w.saturating_sub(2).max(10)) {
            lines.push(Line::styled(format!("  {l}"), th.warn));
        }
    }
    // Lines are pre-wrapped, so the scroll offset counts the lines drawn.
    let h = inner.height as usize;
    let offset = focus_span.1.saturating_sub(h).min(focus_span.0);
    f.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
    if let Some(at) = editor_at
        && at >= offset
        && at - offset < h
    {
        let y = inner.y + (at - offset) as u16;
        let rows = EDITOR_H.min(inner.y + inner.height - y);
        let rect = Rect::new(inner.x + 4, y, inner.width.saturating_sub(5), rows);
        let bar = Block::default()
            .borders(Borders::LEFT)
            .border_set(g.border)
            .border_style(th.label);
        let text = bar.inner(rect);
        f.render_widget(bar, rect);
        f.render_widget(&form.user_data, text);
    }
    if form.picker.is_none()
        && let Some((row, col)) = cursor_at
        && row >= offset
        && row - offset < h
        && col < inner.width as usize
    {
        f.set_cursor_position((inner.x + col as u16, inner.y + (row - offset) as u16));
    }
    inner
}

/// Where the terminal cursor goes in a one-line text row (columns into its text).
fn text_cursor(form: &FormState, slot: Slot) -> Option<usize> {
    let line_col = |l: &crate::tui::cmdline::LineInput| {
        width(&l.text.chars().take(l.cursor).collect::<String>())
    };
    match slot {
        Slot::Password | Slot::Confirm => {
            let s = if slot == Slot::Password {
                &form.entries.password
            } else {
                &form.entries.password_confirm
            };
            // Masked: one column per character; shown: the text's width.
            // Capped at the box's inside (see `rows::value`).
            Some(
                if form.show_password {
                    width(s.expose())
                } else {
                    s.char_count()
                }
                .min(26),
            )
        }
        Slot::UserDataFile => Some(line_col(&form.file_path).min(28)),
        Slot::KmsKey => Some(line_col(&form.kms).min(36)),
        Slot::Waves => Some(line_col(&form.waves).min(16)),
        Slot::MaxFailures => Some(line_col(&form.max_failures).min(16)),
        _ => None,
    }
}

/// `! warning` under a field, wrapped with a hanging indent.
fn note_lines<'a>(text: &str, w: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    wrap_words(text, w.saturating_sub(6).max(10))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 { "    ! " } else { "      " };
            Line::styled(format!("{lead}{l}"), style)
        })
        .collect()
}

/// `✘ message; fix` under a field, wrapped with a hanging indent.
fn error_lines<'a>(text: &str, w: usize, th: &Theme, g: &Glyphs) -> Vec<Line<'a>> {
    wrap_words(text, w.saturating_sub(6).max(10))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 {
                format!("    {} ", g.cross)
            } else {
                "      ".to_string()
            };
            Line::styled(format!("{lead}{l}"), th.error)
        })
        .collect()
}

/// Greedy word wrap by display width (long words are cut).
pub(super) fn wrap_words(text: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let need = if line.is_empty() { 0 } else { 1 } + width(word);
        if !line.is_empty() && width(&line) + need > w {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out.into_iter()
        .map(|l| fit(&l, w, "…").trim_end().to_string())
        .collect()
}

/// Wraps a styled line at spaces to `w` columns (a longer word is cut), keeping each
/// span's style: a view that scrolls by rows then knows how many rows it draws.
pub(super) fn wrap_line(line: &Line<'_>, w: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthChar;
    let w = w.max(1);
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| {
            let style = line.style.patch(s.style);
            s.content.chars().map(move |c| (c, style))
        })
        .collect();
    let cw = |c: char| c.width().unwrap_or(0);
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut row: Vec<(char, Style)> = Vec::new();
    let mut row_w = 0;
    for run in cells.chunk_by(|a, b| (a.0 == ' ') == (b.0 == ' ')) {
        let run_w: usize = run.iter().map(|&(c, _)| cw(c)).sum();
        if run[0].0 == ' ' {
            if row_w + run_w <= w {
                row.extend_from_slice(run);
                row_w += run_w;
            } else {
                // The line breaks here; the spaces go with the break.
                rows.push(std::mem::take(&mut row));
                row_w = 0;
            }
            continue;
        }
        if row_w > 0 && row_w + run_w > w {
            while row.last().is_some_and(|&(c, _)| c == ' ') {
                row.pop();
            }
            rows.push(std::mem::take(&mut row));
            row_w = 0;
        }
        for &(c, style) in run {
            if row_w + cw(c) > w && row_w > 0 {
                rows.push(std::mem::take(&mut row));
                row_w = 0;
            }
            row.push((c, style));
            row_w += cw(c);
        }
    }
    rows.push(row);
    rows.into_iter()
        .map(|r| {
            let spans: Vec<Span<'static>> = r
                .chunk_by(|a, b| a.1 == b.1)
                .map(|run| Span::styled(run.iter().map(|&(c, _)| c).collect::<String>(), run[0].1))
                .collect();
            Line::from(spans)
        })
        .collect()
}

/// Errors of a field shared by two rows show once, under the first visible one; the KMS
/// key's under the row where it is typed.
fn owns_errors(slot: Slot, slots: &[Slot]) -> bool {
    let owner = if slot.field() == Field::KmsKey && slots.contains(&Slot::KmsKey) {
        Some(&Slot::KmsKey)
    } else {
        slots.iter().find(|s| s.field() == slot.field())
    };
    owner == Some(&slot)
}

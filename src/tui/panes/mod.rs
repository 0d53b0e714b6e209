//! The four panes. Each owns a [`Table`] of its rows and a [`Load`] state; this module holds
//! what they share: the loading state and the table renderer.

pub mod images;
pub mod jobs;
pub mod keypairs;
pub mod rollouts;
pub mod servers;
pub(crate) mod view;

use super::app::App;
use super::filter::haystack;
use super::table::{Column, Table, TableRow, layout_columns};
use super::text::{fit, fit_right, width};
use super::theme::Glyphs;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::borrow::Cow;
use std::time::Duration;

use super::key_bindings::Scope;

/// The four panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Servers,
    Images,
    Keypairs,
    Jobs,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Servers, Pane::Images, Pane::Keypairs, Pane::Jobs];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Servers => "Servers",
            Pane::Images => "Images",
            Pane::Keypairs => "Key pairs",
            Pane::Jobs => "Jobs",
        }
    }

    pub(crate) fn scope(self) -> Scope {
        match self {
            Pane::Servers => Scope::Servers,
            Pane::Images => Scope::Images,
            Pane::Keypairs => Scope::Table,
            Pane::Jobs => Scope::Jobs,
        }
    }

    pub(crate) fn columns(self) -> &'static [Column] {
        match self {
            Pane::Servers => servers::COLUMNS,
            Pane::Images => images::COLUMNS,
            Pane::Keypairs => keypairs::COLUMNS,
            Pane::Jobs => jobs::COLUMNS,
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|&p| p == self).unwrap_or(0)
    }

    pub(crate) fn step(self, forward: bool) -> Pane {
        let n = Pane::ALL.len();
        let i = self.index();
        Pane::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// A table's title: name and count, the filter with what it keeps, the loading state.
pub(crate) fn title(
    glyphs: &Glyphs,
    name: &str,
    table_counts: (usize, usize),
    filter: &str,
    load: Option<String>,
) -> String {
    let sep = glyphs.sep;
    let (shown, total) = table_counts;
    // A pane's own quick filters (the Images t/e/a/p) narrow it too: count what is left.
    let mut t = if filter.is_empty() && shown == total {
        format!("{name} {total}")
    } else if filter.is_empty() {
        format!("{name} {shown} of {total}")
    } else {
        format!("{name} {sep} filter \"{filter}\" {shown}/{total}")
    };
    if let Some(l) = load {
        t.push_str(&format!(" {sep} {l}"));
    }
    t
}

/// What an empty table says: still loading, or `none`.
pub(crate) fn empty_text(loading: bool, none: &str) -> String {
    if loading {
        "loading...".to_string()
    } else {
        none.to_string()
    }
}

/// Columns before the first cell: cursor, mark, space.
pub const GUTTER: u16 = 3;

/// Loading state of one listing.
#[derive(Debug, Clone, Default)]
pub struct Load {
    /// The generation of the request in flight or last answered; other replies are stale.
    pub generation: u64,
    pub loading: bool,
    /// Rows received for the request in flight.
    pub received: usize,
    /// When the last listing succeeded ([`App::now`](crate::tui::App)'s clock).
    pub last_ok: Option<Duration>,
    /// The last failure, until the next success.
    pub error: Option<String>,
}

impl Load {
    pub fn start(&mut self, generation: u64) {
        self.generation = generation;
        self.loading = true;
        self.received = 0;
    }

    pub fn succeed(&mut self, now: Duration) {
        self.loading = false;
        self.error = None;
        self.last_ok = Some(now);
    }

    pub fn fail(&mut self, error: &str) {
        self.loading = false;
        self.error = Some(error.to_string());
    }

    /// Title suffix: loading count, or how stale the rows are after a failure.
    pub fn status(&self, glyphs: &Glyphs, spin: usize, now: Duration) -> Option<String> {
        if self.loading {
            let frame = glyphs.spinner[spin % glyphs.spinner.len()];
            return Some(format!("{frame} loading {}", self.received));
        }
        self.error.as_ref().map(|_| match self.last_ok {
            Some(t) => format!(
                "stale {} {} r to retry",
                super::text::age(now.saturating_sub(t)),
                glyphs.sep
            ),
            None => format!("failed {} r to retry", glyphs.sep),
        })
    }
}

/// How a cell is shown.
pub struct Shown<'a> {
    pub text: Cow<'a, str>,
    pub style: Style,
    /// The text is the row's searchable cell text, so filter matches can be highlighted.
    pub highlight: bool,
}

impl<'a> Shown<'a> {
    pub fn plain(text: Cow<'a, str>) -> Self {
        Shown {
            text,
            style: Style::new(),
            highlight: true,
        }
    }
}

/// Pins a closure's signature so its result may borrow from the row.
pub fn shower<T, F: for<'r> Fn(&'r T, usize) -> Shown<'r>>(f: F) -> F {
    f
}

/// Everything the table renderer needs besides the rows.
pub struct TableSpec<'a, T> {
    pub title: String,
    pub columns: &'a [Column],
    pub show: &'a dyn for<'r> Fn(&'r T, usize) -> Shown<'r>,
    /// Text shown when there are no rows.
    pub empty: String,
}

/// Draws a table: header, the visible rows only, cursor and marks in a 2-column gutter,
/// filter matches highlighted. Cost is proportional to the rows on screen.
pub fn render_table<T: TableRow>(
    f: &mut Frame,
    area: Rect,
    app: &App,
    table: &Table<T>,
    spec: TableSpec<'_, T>,
) {
    let (theme, glyphs) = (&app.theme, &app.glyphs);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(glyphs.border)
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", spec.title), theme.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let cols = layout_columns(spec.columns, inner.width.saturating_sub(GUTTER));
    let ell = glyphs.ellipsis;
    let mut lines = Vec::with_capacity(inner.height as usize);
    let mut head = vec![Span::raw("   ")];
    for (i, &(c, w)) in cols.iter().enumerate() {
        let col = &spec.columns[c];
        let mut title = col.title.to_string();
        match table.sort() {
            Some((sc, true)) if sc == c => title.push_str(glyphs.desc),
            Some((sc, false)) if sc == c => title.push_str(glyphs.asc),
            _ => {}
        }
        if i > 0 {
            head.push(Span::raw(" "));
        }
        let t = if col.right {
            fit_right(&title, w as usize, ell)
        } else {
            fit(&title, w as usize, ell)
        };
        head.push(Span::styled(t, theme.table_header));
    }
    lines.push(Line::from(head));

    let mut filter = table.matcher();
    let full = inner.width as usize;
    for (pos, row) in table.visible() {
        let is_cursor = pos == table.cursor();
        let marked = table.is_marked(row.id());
        let matches = if filter.is_empty() {
            Vec::new()
        } else {
            let cells: Vec<Cow<'_, str>> =
                table.search_cols().iter().map(|&c| row.cell(c)).collect();
            let (h, starts) = haystack(cells.iter().map(|c| c.as_ref()));
            let idx = filter.indices(&h);
            // Per searchable column: the char indices matched within it.
            table
                .search_cols()
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    let start = starts[k];
                    let len = cells[k].chars().count();
                    let m: Vec<usize> = idx
                        .iter()
                        .filter(|&&i| i >= start && i < start + len)
                        .map(|&i| i - start)
                        .collect();
                    (c, m)
                })
                .collect::<Vec<_>>()
        };
        let mut spans = vec![
            Span::raw(if is_cursor { glyphs.cursor } else { " " }),
            if marked {
                Span::styled(glyphs.mark, theme.marked)
            } else {
                Span::raw(" ")
            },
            Span::raw(" "),
        ];
        for (i, &(c, w)) in cols.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(" "));
            }
            let shown = (spec.show)(row, c);
            let text = if spec.columns[c].right {
                fit_right(&shown.text, w as usize, ell)
            } else {
                fit(&shown.text, w as usize, ell)
            };
            let hits = matches
                .iter()
                .find(|(mc, _)| *mc == c)
                .map(|(_, m)| m.as_slice())
                .filter(|_| shown.highlight && !spec.columns[c].right)
                .unwrap_or(&[]);
            push_highlighted(&mut spans, &text, shown.style, theme.matched, hits);
        }
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        if used < full {
            spans.push(Span::raw(" ".repeat(full - used)));
        }
        let mut line = Line::from(spans);
        if is_cursor {
            line = line.style(theme.cursor_row);
        }
        lines.push(line);
    }
    if table.shown() == 0 {
        lines.push(Line::styled(format!("  {}", spec.empty), theme.dim));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Splits `text` into spans, styling the chars at `hits` as matches. `text` may have been
/// truncated; hits past its end are ignored.
fn push_highlighted(
    spans: &mut Vec<Span<'static>>,
    text: &str,
    base: Style,
    hit: Style,
    hits: &[usize],
) {
    if hits.is_empty() {
        spans.push(Span::styled(text.to_string(), base));
        return;
    }
    let mut run = String::new();
    let mut run_hit = false;
    for (i, ch) in text.chars().enumerate() {
        let h = hits.binary_search(&i).is_ok();
        if h != run_hit && !run.is_empty() {
            let style = if run_hit { base.patch(hit) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_hit = h;
        run.push(ch);
    }
    if !run.is_empty() {
        let style = if run_hit { base.patch(hit) } else { base };
        spans.push(Span::styled(run, style));
    }
}

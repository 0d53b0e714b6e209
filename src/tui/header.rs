//! The top two lines: where reimage is pointed (SANDBOX loud, READ-ONLY marked, job counts)
//! and the pane tabs with their row counts.

use super::app::{App, Pane};
use super::text::{short_id, width};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw_header(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let h = &app.header;
    let sep = app.glyphs.sep;
    let mut left = vec![Span::styled(" reimage ", t.title), Span::raw(" ")];
    if h.is_sandbox {
        left.push(Span::styled(" SANDBOX ", t.sandbox));
    } else {
        left.push(Span::styled(h.cloud_label.clone(), t.title));
    }
    if h.read_only {
        left.push(Span::raw(" "));
        left.push(Span::styled(" READ-ONLY ", t.read_only));
    }
    left.push(Span::raw(format!(
        "  profile {} {sep} {} {sep} project {}",
        h.profile,
        h.region,
        short_id(&h.project_id, app.glyphs.ellipsis)
    )));
    if !h.credential_source.is_empty() {
        left.push(Span::styled(
            format!(" {sep} keys from {}", h.credential_source),
            t.dim,
        ));
    }
    let (running, ok, failed) = app.jobs.counts();
    let mut right = Vec::new();
    if running + ok + failed > 0 {
        right.push(Span::raw("jobs "));
        right.push(Span::styled(format!("{running} running"), t.busy));
        right.push(Span::raw(format!(" {sep} ")));
        right.push(Span::styled(format!("{ok} ok"), t.ok));
        right.push(Span::raw(format!(" {sep} ")));
        right.push(Span::styled(format!("{failed} failed"), t.bad));
        right.push(Span::raw(" "));
    }
    let lw: usize = left.iter().map(|s| width(&s.content)).sum();
    let rw: usize = right.iter().map(|s| width(&s.content)).sum();
    let total = area.width as usize;
    if rw > 0 && lw + rw < total {
        left.push(Span::raw(" ".repeat(total - lw - rw)));
        left.extend(right);
    } else if rw > 0 && total > rw + 12 {
        // Narrow: the job counts matter more than the tail of the location.
        let keep = total - rw;
        let mut line = Line::from(left);
        line = cut(line, keep);
        let mut spans = line.spans;
        spans.extend(right);
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    f.render_widget(Paragraph::new(Line::from(left)), area);
}

/// Keeps the first `w` columns of a line (span by span).
fn cut(line: Line<'static>, w: usize) -> Line<'static> {
    let mut used = 0;
    let mut out = Vec::new();
    for s in line.spans {
        let sw = width(&s.content);
        if used + sw <= w {
            used += sw;
            out.push(s);
        } else {
            let (txt, _) = super::text::truncate(&s.content, w - used, "");
            let pad = w - used - width(&txt);
            out.push(Span::styled(txt, s.style));
            out.push(Span::raw(" ".repeat(pad)));
            break;
        }
    }
    Line::from(out)
}

pub fn draw_tabs(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (i, &p) in Pane::ALL.iter().enumerate() {
        let (count, loading) = match p {
            Pane::Servers => (app.servers.table.total(), app.servers.load.loading),
            Pane::Images => (app.images.table.total(), app.images.load.loading),
            Pane::Keypairs => (app.keypairs.table.total(), app.keypairs.load.loading),
            Pane::Jobs => (app.jobs.table.total(), false),
        };
        let more = if loading { "+" } else { "" };
        let label = format!("{} {} ({count}{more})", i + 1, p.title());
        let style = if p == app.pane { t.tab_active } else { t.tab };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("  "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

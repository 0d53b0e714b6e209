//! The top two lines: where reimage is pointed (SANDBOX loud, READ-ONLY and INSECURE
//! marked, job counts) and the pane tabs with their row counts.

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
    let total = area.width as usize;
    let mut line = vec![Span::styled(" reimage ", t.title), Span::raw(" ")];
    if h.is_sandbox {
        line.push(Span::styled(" SANDBOX ", t.sandbox));
    } else {
        line.push(Span::styled(format!(" {} ", h.cloud_label), t.title));
    }
    if h.read_only {
        line.push(Span::raw(" "));
        line.push(Span::styled(" READ-ONLY ", t.read_only));
    }
    if h.insecure {
        line.push(Span::raw(" "));
        line.push(Span::styled(" INSECURE ", t.insecure));
    }
    let (running, ok, failed) = app.jobs.counts();
    let mut right = Vec::new();
    if running + ok + failed > 0 {
        // Words at every width: the location pieces below give way first.
        let gap = format!(" {sep} ");
        right.push(Span::styled(format!("{running} running"), t.busy));
        right.push(Span::raw(gap.clone()));
        right.push(Span::styled(format!("{ok} ok"), t.ok));
        right.push(Span::raw(gap));
        right.push(Span::styled(format!("{failed} failed"), t.bad));
        right.push(Span::raw(" "));
    }
    let span_w = |v: &[Span]| v.iter().map(|s| width(&s.content)).sum::<usize>();
    // Location pieces, most important first; each is shown only if it fits whole.
    let pieces = [
        (1, h.region.clone()),
        (0, format!("profile {}", h.profile)),
        (
            2,
            format!("project {}", short_id(&h.project_id, app.glyphs.ellipsis)),
        ),
        (3, format!("keys from {}", h.credential_source)),
    ];
    let mut budget = total.saturating_sub(span_w(&line) + span_w(&right) + 1);
    let mut chosen: Vec<(usize, String)> = Vec::new();
    for (order, text) in pieces {
        if text.ends_with(' ') || text.is_empty() {
            continue;
        }
        let need = width(&text) + 3;
        if need <= budget {
            budget -= need;
            chosen.push((order, text));
        }
    }
    chosen.sort();
    for (i, (order, text)) in chosen.into_iter().enumerate() {
        let lead = if i == 0 {
            "  ".to_string()
        } else {
            format!(" {sep} ")
        };
        line.push(Span::raw(lead));
        line.push(Span::styled(text, if order == 3 { t.dim } else { t.base }));
    }
    let used = span_w(&line);
    if !right.is_empty() && used + span_w(&right) <= total {
        line.push(Span::raw(" ".repeat(total - used - span_w(&right))));
        line.extend(right);
    }
    f.render_widget(Paragraph::new(Line::from(line)), area);
}

/// Each tab's label and its first and last column, for drawing and mouse clicks.
pub fn tabs(app: &App) -> Vec<(Pane, String, u16, u16)> {
    let mut x = 1u16;
    let mut out = Vec::new();
    for (i, &p) in Pane::ALL.iter().enumerate() {
        let (count, loading) = match p {
            Pane::Servers => (app.servers.table.total(), app.servers.load.loading),
            Pane::Images => (app.images.table.total(), app.images.load.loading),
            Pane::Keypairs => (app.keypairs.table.total(), app.keypairs.load.loading),
            Pane::Jobs => (app.jobs.table.total(), false),
        };
        let more = if loading { "+" } else { "" };
        let label = format!("{} {} ({count}{more})", i + 1, p.title());
        let w = width(&label) as u16;
        out.push((p, label, x, x + w));
        x = x.saturating_add(w + 2);
    }
    out
}

pub fn draw_tabs(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (p, label, _, _) in tabs(app) {
        let style = if p == app.pane { t.tab_active } else { t.tab };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("  "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

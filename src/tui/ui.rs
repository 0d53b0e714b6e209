//! [`draw`]: renders the whole screen from the state; it never changes anything.

use super::app::{App, Modal, Pane};
use super::layout;
use super::panes::{TableSpec, images, jobs, keypairs, render_table, servers, shower};
use super::text::fit;
use super::toast::Level;
use super::{details, footer, header, help};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the screen for `app`. Safe at any size, down to 0x0.
pub fn draw(f: &mut Frame, app: &App) {
    draw_all(f, app);
    super::text::sanitize_buffer(f.buffer_mut());
}

fn draw_all(f: &mut Frame, app: &App) {
    let area = f.area();
    let Some(a) = layout::areas(area, app.zoom) else {
        let note = format!(
            "reimage: {}x{} is too small (need {}x{}); q quits",
            area.width,
            area.height,
            layout::MIN_W,
            layout::MIN_H
        );
        f.render_widget(
            Paragraph::new(note).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    };
    header::draw_header(f, a.header, app);
    header::draw_tabs(f, a.tabs, app);
    if let Some(t) = a.table {
        draw_table(f, t, app);
    }
    if let Some(d) = a.details {
        details::draw(f, d, app);
    }
    footer::draw_status(f, a.status, app);
    footer::draw_footer(f, a.footer, app);
    super::form::host::draw(f, app);
    for m in &app.modals {
        match m {
            Modal::Help(state) => help::draw(f, a.body, app, state),
            Modal::Messages(scroll) => messages(f, a.body, app, *scroll),
            Modal::ConfirmQuit => confirm_quit(f, a.body, app),
        }
    }
}

fn title(
    app: &App,
    name: &str,
    shown: usize,
    total: usize,
    filter: &str,
    load: Option<String>,
) -> String {
    let sep = app.glyphs.sep;
    let mut t = if filter.is_empty() {
        format!("{name} {total}")
    } else {
        format!("{name} {sep} filter \"{filter}\" {shown}/{total}")
    };
    if let Some(l) = load {
        t.push_str(&format!(" {sep} {l}"));
    }
    t
}

fn draw_table(f: &mut Frame, area: Rect, app: &App) {
    let (th, g) = (&app.theme, &app.glyphs);
    match app.pane {
        Pane::Servers => {
            let tb = &app.servers.table;
            let mut name = title(
                app,
                "Servers",
                tb.shown(),
                tb.total(),
                tb.filter(),
                app.servers.load.status(g, app.spin, app.now),
            );
            if !tb.marks().is_empty() {
                name.push_str(&format!(" {} {} marked", g.sep, tb.marks().len()));
            }
            let show = shower(|s: &crate::cloud::model::Server, c: usize| {
                // Only the TASK cell shows the job: no scan of the jobs for the other cells.
                let job = (c == servers::TASK)
                    .then(|| {
                        app.jobs
                            .running_on(&s.id)
                            .map(|j| jobs::status_word(j).to_string())
                    })
                    .flatten();
                servers::show(s, c, th, g, job.as_deref())
            });
            let empty = empty_text(app.servers.load.loading, "no servers");
            render_table(
                f,
                area,
                tb,
                TableSpec {
                    title: name,
                    columns: servers::COLUMNS,
                    show: &show,
                    theme: th,
                    glyphs: g,
                    empty,
                },
            );
        }
        Pane::Images => {
            let tb = &app.images.table;
            let mut name = "Images".to_string();
            for q in app.images.active_filters() {
                name.push_str(&format!(" {} {q}", g.sep));
            }
            let name = title(
                app,
                &name,
                tb.shown(),
                tb.total(),
                tb.filter(),
                app.images.load.status(g, app.spin, app.now),
            );
            let show = shower(|i: &crate::cloud::model::Image, c: usize| images::show(i, c, th));
            let empty = empty_text(app.images.load.loading, "no images match");
            render_table(
                f,
                area,
                tb,
                TableSpec {
                    title: name,
                    columns: images::COLUMNS,
                    show: &show,
                    theme: th,
                    glyphs: g,
                    empty,
                },
            );
        }
        Pane::Keypairs => {
            let tb = &app.keypairs.table;
            let name = title(
                app,
                "Key pairs",
                tb.shown(),
                tb.total(),
                tb.filter(),
                app.keypairs.load.status(g, app.spin, app.now),
            );
            let show =
                shower(|k: &crate::cloud::model::Keypair, c: usize| keypairs::show(k, c, th));
            let empty = empty_text(app.keypairs.load.loading, "no key pairs");
            render_table(
                f,
                area,
                tb,
                TableSpec {
                    title: name,
                    columns: keypairs::COLUMNS,
                    show: &show,
                    theme: th,
                    glyphs: g,
                    empty,
                },
            );
        }
        Pane::Jobs => {
            let tb = &app.jobs.table;
            let name = title(app, "Jobs", tb.shown(), tb.total(), tb.filter(), None);
            let show = shower(|j: &crate::tui::msg::JobView, c: usize| jobs::show(j, c, th, g));
            let empty = "no jobs yet: change or reinstall an OS from the Servers pane".to_string();
            render_table(
                f,
                area,
                tb,
                TableSpec {
                    title: name,
                    columns: jobs::COLUMNS,
                    show: &show,
                    theme: th,
                    glyphs: g,
                    empty,
                },
            );
        }
    }
}

fn empty_text(loading: bool, none: &str) -> String {
    if loading {
        "loading...".to_string()
    } else {
        none.to_string()
    }
}

/// Past notes, newest first, each with its hint.
fn messages(f: &mut Frame, area: Rect, app: &App, scroll: usize) {
    let t = &app.theme;
    let popup = Rect::new(
        area.x
            + area
                .width
                .saturating_sub(area.width.saturating_sub(4).min(100))
                / 2,
        area.y + 1.min(area.height),
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.glyphs.border)
        .border_style(t.border)
        .title(Span::styled(" Messages (newest first) ", t.title));
    let inner = block.inner(popup);
    f.render_widget(Clear, popup);
    f.render_widget(block, popup);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for m in app.toasts.history().rev() {
        let (word, style) = match m.level {
            Level::Info => ("info ", t.info),
            Level::Warn => ("warn ", t.warn),
            Level::Error => ("error", t.error),
        };
        lines.push(Line::from(vec![
            Span::styled(word, style),
            Span::raw(" "),
            Span::raw(fit(&m.text, w.saturating_sub(6), app.glyphs.ellipsis)),
        ]));
        if let Some(h) = &m.hint {
            lines.push(Line::styled(
                fit(&format!("      {h}"), w, app.glyphs.ellipsis),
                t.dim,
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("no messages yet", t.dim));
    }
    let skip = scroll.min(lines.len().saturating_sub(1));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}

fn confirm_quit(f: &mut Frame, area: Rect, app: &App) {
    let n = app.jobs.submitting();
    let w = area.width.min(60);
    let h = area.height.min(5);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.glyphs.border)
        .border_style(app.theme.warn)
        .title(Span::styled(" Quit? ", app.theme.title));
    let inner = block.inner(popup);
    f.render_widget(Clear, popup);
    f.render_widget(block, popup);
    let text = vec![
        Line::raw(fit(
            &format!("{n} request(s) are being sent; quitting now leaves their outcome unknown."),
            inner.width as usize,
            app.glyphs.ellipsis,
        )),
        Line::from(vec![
            Span::styled("y", app.theme.key),
            Span::raw(" quit anyway   "),
            Span::styled("any other key", app.theme.key),
            Span::raw(" stay"),
        ]),
    ];
    f.render_widget(Paragraph::new(text), inner);
}

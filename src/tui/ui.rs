//! [`draw`]: renders the whole screen from the state; it never changes anything.

use super::app::{App, Pane};
use super::layout;
use super::panes::{TableSpec, images, jobs, keypairs, render_table, servers, shower};
use super::{details, footer, header};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

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
    super::layers::draw(f, app, &a);
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
                app.servers.load.status(g, app.spin),
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
                app.images.load.status(g, app.spin),
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
                app.keypairs.load.status(g, app.spin),
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

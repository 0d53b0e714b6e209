//! [`draw`]: renders the whole screen from the state; it never changes anything.

use super::app::App;
use super::layout;
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

fn draw_table(f: &mut Frame, area: Rect, app: &App) {
    app.view(app.pane).draw(f, area, app);
}

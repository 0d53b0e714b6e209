//! Where everything goes, computed from the terminal size alone so that `update` (paging,
//! scrolling) and `draw` agree. Narrow screens (< 116 columns) put the details below the
//! table when tall enough, else show them instead of the table (Enter toggles): details
//! beside the table never leave it narrower than an 80-column screen's.

use ratatui::layout::Rect;

/// Side-by-side details from this width on: the narrowest details beside a table as wide
/// as on an 80-column screen.
pub const WIDE: u16 = 80 + DETAILS_BESIDE;
/// Least width of the details beside the table.
const DETAILS_BESIDE: u16 = 36;
/// Below this the screen only says it is too small.
pub const MIN_W: u16 = 20;
pub const MIN_H: u16 = 6;
/// Details below the table from this height on (narrow screens).
const TALL: u16 = 40;
/// Least height of the details below the table.
const DETAILS_BELOW: u16 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub table: Option<Rect>,
    pub details: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
}

/// `None` when the screen is too small for anything but a note.
pub fn areas(area: Rect, zoom_details: bool) -> Option<Areas> {
    if area.width < MIN_W || area.height < MIN_H {
        return None;
    }
    let row = |y: u16| Rect::new(area.x, area.y + y, area.width, 1);
    let body = Rect::new(area.x, area.y + 2, area.width, area.height - 4);
    let (table, details) = if area.width >= WIDE {
        let dw = (area.width / 3)
            .clamp(DETAILS_BESIDE, 56)
            .min(area.width - 80);
        let tw = area.width - dw;
        (
            Some(Rect::new(body.x, body.y, tw, body.height)),
            Some(Rect::new(body.x + tw, body.y, dw, body.height)),
        )
    } else if area.height >= TALL {
        let dh = (body.height / 2).max(DETAILS_BELOW);
        let th = body.height - dh;
        (
            Some(Rect::new(body.x, body.y, body.width, th)),
            Some(Rect::new(body.x, body.y + th, body.width, dh)),
        )
    } else if zoom_details {
        (None, Some(body))
    } else {
        (Some(body), None)
    };
    Some(Areas {
        header: row(0),
        tabs: row(1),
        body,
        table,
        details,
        status: row(area.height - 2),
        footer: row(area.height - 1),
    })
}

/// Rows of data a table shows in `table` (inside its border, below its header line).
pub fn page_height(table: Rect) -> usize {
    table.height.saturating_sub(3) as usize
}

/// Columns available to cells in `table` (inside the border, after the gutter).
pub fn cells_width(table: Rect) -> u16 {
    table.width.saturating_sub(2 + crate::tui::panes::GUTTER)
}

/// Whether the details are a separate view toggled with Enter.
pub fn details_toggle(width: u16, height: u16) -> bool {
    width < WIDE && height < TALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_by_size() {
        let a = areas(Rect::new(0, 0, 160, 48), false).expect("fits");
        assert!(a.table.is_some() && a.details.is_some());
        let a = areas(Rect::new(0, 0, 80, 24), false).expect("fits");
        assert_eq!(a.table, Some(Rect::new(0, 2, 80, 20)));
        assert!(a.details.is_none());
        let a = areas(Rect::new(0, 0, 80, 24), true).expect("fits");
        assert!(a.table.is_none());
        assert!(areas(Rect::new(0, 0, 10, 3), false).is_none());
    }

    #[test]
    fn details_beside_never_leave_the_table_narrower_than_at_80() {
        for w in 80..=240 {
            let a = areas(Rect::new(0, 0, w, 30), false).expect("fits");
            let t = a.table.expect("a table at 30 rows");
            assert!(t.width >= 80, "{w}: table {}", t.width);
        }
    }
}

//! A backend that scrolls the terminal when a frame is the last one moved up or down.
//!
//! ratatui diffs cells, not lines: when a table scrolls by one row every visible row has
//! changed, and the whole body is rewritten (about 1.4 KB per keypress at 80x24, much more on
//! a wide screen). Before writing a frame this backend looks for a band of full-width rows
//! that the new frame shows shifted, asks the terminal to shift that band itself (a scroll
//! region, `CSI t;b r` + `CSI n S|T`), and then writes only the cells that still differ.
//!
//! It keeps two copies of the screen: `frame`, the frame ratatui believes is on screen (kept in
//! step with the cells ratatui sends), and `shown`, what the terminal really shows. A wrong
//! guess costs bytes, never correctness: whatever was scrolled, the cells written are the
//! difference between what the terminal shows and the frame.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::ops::Range;

/// A move inside a page changes two rows; only a frame that changed more can have scrolled.
const MOVED_ROWS: usize = 2;

pub struct ScrollBackend<B: Backend> {
    inner: B,
    frame: Buffer,
    shown: Buffer,
    /// Segment hashes of `shown`; `None` when they must be computed afresh.
    shown_segments: Option<Segments>,
}

/// A band of rows to shift: `rows` moves `by` rows up (negative: down).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shift {
    rows: Range<u16>,
    by: i32,
}

impl<B: Backend> ScrollBackend<B> {
    /// Sized by the first `clear` (the run loop repaints in full at start).
    pub fn new(inner: B) -> Self {
        Self::with_area(inner, Rect::ZERO)
    }

    /// For a fixed viewport (no `clear` tells the size): both copies start blank at `area`.
    pub fn with_area(inner: B, area: Rect) -> Self {
        ScrollBackend {
            inner,
            frame: Buffer::empty(area),
            shown: Buffer::empty(area),
            shown_segments: None,
        }
    }

    /// The screen was cleared: both copies are blank at the terminal's size.
    fn reset(&mut self) -> Result<(), B::Error> {
        let size = self.inner.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        self.frame = Buffer::empty(area);
        self.shown = Buffer::empty(area);
        self.shown_segments = None;
        Ok(())
    }

    /// Nothing is known of what the terminal shows: the next frame is written in full.
    fn forget_shown(&mut self) {
        let mut unknown = Cell::EMPTY;
        unknown.set_symbol("\u{fffd}");
        self.shown.content.fill(unknown);
        self.shown_segments = None;
    }

    /// Shifts the band in the terminal and in `shown`; the rows it uncovers are blank.
    fn scroll(&mut self, shift: &Shift) -> Result<(), B::Error> {
        let width = usize::from(self.shown.area.width);
        let cells = usize::from(shift.rows.start) * width..usize::from(shift.rows.end) * width;
        let moved = shift.by.unsigned_abs() as usize * width;
        let band = &mut self.shown.content[cells];
        let len = band.len();
        if shift.by > 0 {
            self.inner
                .scroll_region_up(shift.rows.clone(), shift.by.unsigned_abs() as u16)?;
            band.rotate_left(moved);
            band[len - moved..].fill(Cell::EMPTY);
        } else {
            self.inner
                .scroll_region_down(shift.rows.clone(), shift.by.unsigned_abs() as u16)?;
            band.rotate_right(moved);
            band[..moved].fill(Cell::EMPTY);
        }
        Ok(())
    }
}

impl<B: Backend> Backend for ScrollBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let updates: Vec<(u16, u16, &Cell)> = content.collect();
        let area = self.frame.area;
        if updates
            .iter()
            .any(|(x, y, _)| !area.contains(Position { x: *x, y: *y }))
        {
            // ratatui clears the backend whenever its viewport changes size, so this is not
            // expected; if it happens, write the cells as they come and start over.
            self.inner.draw(updates.into_iter())?;
            self.reset()?;
            self.forget_shown();
            return Ok(());
        }
        let mut touched = vec![false; usize::from(area.height)];
        for (x, y, cell) in &updates {
            self.frame[(*x, *y)] = (*cell).clone();
            touched[usize::from(*y)] = true;
        }
        let old = match self.shown_segments.take() {
            Some(s) if s.width == area.width && s.rows() == touched.len() => s,
            _ => Segments::of(&self.shown),
        };
        let mut new = old.clone();
        for y in (0..touched.len()).filter(|y| touched[*y]) {
            new.rehash(&self.frame, y);
        }
        let shift = if touched.iter().filter(|t| **t).count() > MOVED_ROWS {
            best_shift(&old, &new, &touched)
        } else {
            None
        };
        // After this frame the terminal shows the frame.
        self.shown_segments = Some(new);
        match shift {
            Some(shift) => {
                self.scroll(&shift)?;
                self.inner.draw(self.shown.diff(&self.frame).into_iter())?;
                self.shown.content.clone_from(&self.frame.content);
            }
            None => {
                // Nothing moved: ratatui's own diff is the difference from the terminal.
                for (x, y, cell) in &updates {
                    self.shown[(*x, *y)] = (*cell).clone();
                }
                self.inner.draw(updates.into_iter())?;
            }
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()?;
        self.reset()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)?;
        if clear_type == ClearType::All {
            self.reset()
        } else {
            // Where the cursor was is not tracked here.
            self.forget_shown();
            Ok(())
        }
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }

    fn scroll_region_up(&mut self, region: Range<u16>, amount: u16) -> Result<(), Self::Error> {
        self.inner.scroll_region_up(region, amount)?;
        self.forget_shown();
        Ok(())
    }

    fn scroll_region_down(&mut self, region: Range<u16>, amount: u16) -> Result<(), Self::Error> {
        self.inner.scroll_region_down(region, amount)?;
        self.forget_shown();
        Ok(())
    }
}

impl<B: Backend + Write> Write for ScrollBackend<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

/// Cells compared as one unit when weighing a shift: fine enough to see a table beside a
/// details pane, coarse enough to weigh every shift of a 200x60 screen in a fraction of a
/// millisecond.
const SEGMENT: usize = 8;

/// The shift that saves the most rewriting, if it saves at least a row's worth: a scroll
/// costs its escape sequences, and on a terminal without synchronized output it shows for
/// a moment before the rest of the frame, so a small saving is not worth it.
///
/// Rows are compared in segments of [`SEGMENT`] cells. A band scrolled up by `d` shows at
/// row `y` what was at `y + d`: each segment that then matches the new frame and did not
/// before is saved, each that matched before and no longer does is lost. The `d` rows the
/// scroll uncovers are blank. Rows beside the band keep their place, so a table next to a
/// details pane still scrolls: the pane's rows are shifted too and rewritten, which costs
/// less than rewriting the table.
fn best_shift(old: &Segments, new: &Segments, touched: &[bool]) -> Option<Shift> {
    let height = touched.len();
    let per_row = new.per_row;
    if per_row == 0 || height < 3 || old.per_row != per_row || old.rows() != height {
        return None;
    }
    let blank = Segments::of(&Buffer::empty(Rect::new(0, 0, new.width, 1)));
    // Segments of row `ay` of `a` equal to those of row `by` of `b`.
    let same = |a: &Segments, ay: usize, b: &Segments, by: usize| {
        let (a, b) = (a.row(ay), b.row(by));
        a.iter().zip(b).filter(|(x, y)| x == y).count() as i64
    };
    // Segments each row already has right, and would have right if blanked.
    let now: Vec<i64> = (0..height)
        .map(|y| {
            if touched[y] {
                same(new, y, old, y)
            } else {
                per_row as i64
            }
        })
        .collect();
    let blanked: Vec<i64> = (0..height).map(|y| same(new, y, &blank, 0)).collect();
    let mut best: Option<(i64, Shift)> = None;
    let reach = (height / 2) as i64;
    for d in (-reach..=reach).filter(|d| *d != 0) {
        // The band with the largest saving (Kadane's maximum subarray) over the rows that
        // can be filled from `y + d`.
        let ys = (0..height as i64).filter(|y| (0..height as i64).contains(&(y + d)));
        let (mut run, mut run_start) = (0i64, None::<i64>);
        let mut top: Option<(i64, i64, i64)> = None;
        for y in ys {
            let u = y as usize;
            let gain = same(new, u, old, (y + d) as usize) - now[u];
            if run_start.is_none() || run <= 0 {
                run = 0;
                run_start = Some(y);
            }
            run += gain;
            if top.is_none_or(|(g, _, _)| run > g) {
                top = Some((run, run_start.unwrap_or(y), y + 1));
            }
        }
        let Some((gain, start, end)) = top else {
            continue;
        };
        let uncovered = if d > 0 {
            end..end + d
        } else {
            start + d..start
        };
        let lost: i64 = uncovered
            .map(|y| now[y as usize] - blanked[y as usize])
            .sum();
        let total = gain - lost;
        if total >= per_row as i64 && best.as_ref().is_none_or(|(g, _)| total > *g) {
            let rows = if d > 0 {
                start..end + d
            } else {
                start + d..end
            };
            best = Some((
                total,
                Shift {
                    rows: rows.start as u16..rows.end as u16,
                    by: d as i32,
                },
            ));
        }
    }
    best.map(|(_, shift)| shift)
}

/// One hash per [`SEGMENT`] cells of each row of a buffer, row after row. Kept for what
/// the terminal shows and updated by the rows each frame touches: hashing the whole screen
/// every frame cost more than drawing it.
#[derive(Clone)]
struct Segments {
    width: u16,
    per_row: usize,
    hashes: Vec<u64>,
}

impl Segments {
    fn of(buf: &Buffer) -> Self {
        let width = buf.area.width;
        let per_row = usize::from(width).div_ceil(SEGMENT);
        let mut s = Segments {
            width,
            per_row,
            hashes: vec![0; per_row * usize::from(buf.area.height)],
        };
        for y in 0..s.rows() {
            s.rehash(buf, y);
        }
        s
    }

    fn rows(&self) -> usize {
        self.hashes.len().checked_div(self.per_row).unwrap_or(0)
    }

    fn row(&self, y: usize) -> &[u64] {
        &self.hashes[y * self.per_row..][..self.per_row]
    }

    fn rehash(&mut self, buf: &Buffer, y: usize) {
        let width = usize::from(self.width);
        let cells = &buf.content[y * width..][..width];
        for (slot, seg) in self.hashes[y * self.per_row..][..self.per_row]
            .iter_mut()
            .zip(cells.chunks(SEGMENT))
        {
            let mut h = RowHasher(0);
            seg.hash(&mut h);
            *slot = h.finish();
        }
    }
}

/// A fast non-cryptographic hash (the Fx mix): rows are compared, not defended.
struct RowHasher(u64);

impl RowHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for RowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    // A cell hashes as a few small integers (colours, modifiers): one mix each.
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.mix(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::{Constraint, Layout};
    use ratatui::style::Style;
    use ratatui::text::Line;
    use ratatui::widgets::{Block, List, ListState};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Everything written to a terminal, shared with the test.
    #[derive(Clone, Default)]
    struct Tape(Rc<RefCell<Vec<u8>>>);

    impl Write for Tape {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    const W: u16 = 60;
    const H: u16 = 12;

    /// A bordered list of servers, `first` at the top and `selected` highlighted,
    /// over a status line: rows 1..=9 hold the items.
    fn list_frame(f: &mut ratatui::Frame, first: usize, selected: usize, pane: bool) {
        let [main, status] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(f.area());
        let [list, details] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Percentage(if pane { 45 } else { 0 }),
        ])
        .areas(main);
        // Unlike names: neighbouring rows share few cells, as in a real inventory.
        let items: Vec<Line> = (0..200u64)
            .map(|i| {
                Line::from(format!(
                    "{i:03} {:016x}",
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                ))
            })
            .collect();
        let mut state = ListState::default()
            .with_offset(first)
            .with_selected(Some(selected));
        f.render_stateful_widget(
            List::new(items)
                .block(Block::bordered().title("Servers"))
                .highlight_style(Style::new().reversed()),
            list,
            &mut state,
        );
        f.render_widget(Line::from(format!("row {selected}")), status);
        if pane {
            let fields = ratatui::text::Text::from(vec![
                Line::from(format!("id    {:08x}", selected * 7919)),
                Line::from(format!("name  server {selected}")),
                Line::from(format!("zone  az-{}", selected % 3)),
            ]);
            f.render_widget(
                ratatui::widgets::Paragraph::new(fields).block(Block::bordered().title("Details")),
                details,
            );
        }
    }

    /// A terminal of W x H that never asks the (absent) tty its size.
    fn fixed<B: Backend>(backend: B) -> Terminal<B>
    where
        B::Error: std::fmt::Debug,
    {
        let viewport = ratatui::Viewport::Fixed(Rect::new(0, 0, W, H));
        Terminal::with_options(backend, ratatui::TerminalOptions { viewport }).expect("terminal")
    }

    /// (first, selected) for `steps` moves down from the top, then as many back up.
    fn walk(steps: usize) -> Vec<(usize, usize)> {
        let down = (0..steps).map(|s| (s.saturating_sub(8), s));
        let up = (0..steps).rev().map(|s| (s.min(steps - 9), s));
        down.chain(up).collect()
    }

    /// Draws `frames` on a terminal over `backend` and returns, per frame, the bytes written
    /// and the screen a VT100 shows after them.
    fn play<B: Backend>(
        backend: B,
        tape: &Tape,
        frames: &[(usize, usize)],
        pane: bool,
    ) -> Vec<(usize, String)>
    where
        B::Error: std::fmt::Debug,
    {
        let mut t = fixed(backend);
        let nz = |n| std::num::NonZeroU16::new(n).expect("non-zero");
        let mut vt = vt100::Parser::new(nz(H), nz(W), 0);
        frames
            .iter()
            .map(|&(first, selected)| {
                tape.0.borrow_mut().clear();
                t.draw(|f| list_frame(f, first, selected, pane))
                    .expect("draw");
                let bytes = tape.0.borrow().clone();
                vt.process(&bytes);
                (bytes.len(), seen(vt.screen()))
            })
            .collect()
    }

    /// What a person sees: every cell's text (blank when erased) and look.
    fn seen(screen: &vt100::Screen) -> String {
        let mut out = String::new();
        for row in 0..H {
            for col in 0..W {
                let c = screen.cell(row, col).expect("cell");
                let text = if c.has_contents() { c.contents() } else { " " };
                out.push_str(text);
                if c.inverse() || c.bold() || c.fgcolor() != vt100::Color::Default {
                    out.push_str(&format!("[{:?}{}{}]", c.fgcolor(), c.inverse(), c.bold()));
                }
            }
            out.push('\n');
        }
        out
    }

    /// Plays the walk on a plain and a scrolling terminal: every screen must look the same,
    /// for less than `share` of the plain bytes.
    fn same_screens_for_fewer_bytes(pane: bool, share: f64) {
        let frames = walk(40);
        let plain_tape = Tape::default();
        let plain = play(
            CrosstermBackend::new(plain_tape.clone()),
            &plain_tape,
            &frames,
            pane,
        );
        let tape = Tape::default();
        let scrolled = play(
            ScrollBackend::with_area(CrosstermBackend::new(tape.clone()), Rect::new(0, 0, W, H)),
            &tape,
            &frames,
            pane,
        );
        for (i, (p, s)) in plain.iter().zip(&scrolled).enumerate() {
            assert_eq!(p.1, s.1, "screens differ after frame {i} {:?}", frames[i]);
        }
        let total = |v: &[(usize, String)]| v.iter().skip(1).map(|(n, _)| n).sum::<usize>();
        let (scrolled, plain) = (total(&scrolled), total(&plain));
        assert!(
            (scrolled as f64) < share * plain as f64,
            "scrolled {scrolled} B, plain {plain} B"
        );
    }

    #[test]
    fn a_scrolled_list_looks_the_same_for_fewer_bytes() {
        same_screens_for_fewer_bytes(false, 0.5);
    }

    #[test]
    fn a_list_beside_a_changing_pane_scrolls_too() {
        same_screens_for_fewer_bytes(true, 0.8);
    }

    #[test]
    fn finds_the_list_band_and_leaves_fixed_rows() {
        let render = |first, selected| {
            let area = Rect::new(0, 0, W, H);
            let mut t = fixed(ScrollBackend::with_area(
                CrosstermBackend::new(Tape::default()),
                area,
            ));
            t.draw(|f| list_frame(f, first, selected, false))
                .expect("draw");
            t.backend().frame.clone()
        };
        let before = render(10, 18);
        let after = render(11, 19);
        let w = usize::from(W);
        let touched: Vec<bool> = (0..usize::from(H))
            .map(|y| before.content[y * w..(y + 1) * w] != after.content[y * w..(y + 1) * w])
            .collect();
        // Items 11..=17 move up from rows 2..=8 to 1..=7; row 8 (item 18, no longer
        // highlighted) is uncovered; the borders and the status line stay.
        let (before, after) = (Segments::of(&before), Segments::of(&after));
        assert_eq!(
            best_shift(&before, &after, &touched),
            Some(Shift { rows: 1..9, by: 1 })
        );
        assert_eq!(
            best_shift(&after, &before, &touched),
            Some(Shift { rows: 1..9, by: -1 })
        );
        // An unrelated frame has nothing in common to scroll.
        let unrelated = Segments::of(&render(100, 100));
        assert_eq!(best_shift(&before, &unrelated, &[true; 12]), None);
    }
}

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

/// Rows a scroll must save, beyond the ones it blanks, to be worth its escape sequences.
const MIN_GAIN: usize = 2;

pub struct ScrollBackend<B: Backend> {
    inner: B,
    frame: Buffer,
    shown: Buffer,
}

/// A band of rows to shift: `rows` moves `by` rows up (negative: down).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shift {
    rows: Range<u16>,
    by: i32,
}

impl<B: Backend> ScrollBackend<B> {
    pub fn new(inner: B) -> Self {
        ScrollBackend {
            inner,
            frame: Buffer::empty(Rect::ZERO),
            shown: Buffer::empty(Rect::ZERO),
        }
    }

    /// For a fixed viewport (no `clear` tells the size): both copies start blank at `area`.
    pub fn with_area(inner: B, area: Rect) -> Self {
        ScrollBackend {
            inner,
            frame: Buffer::empty(area),
            shown: Buffer::empty(area),
        }
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }

    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }

    /// The screen was cleared: both copies are blank at the terminal's size.
    fn reset(&mut self) -> Result<(), B::Error> {
        let size = self.inner.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        self.frame = Buffer::empty(area);
        self.shown = Buffer::empty(area);
        Ok(())
    }

    /// Nothing is known of what the terminal shows: the next frame is written in full.
    fn forget_shown(&mut self) {
        let mut unknown = Cell::EMPTY;
        unknown.set_symbol("\u{fffd}");
        self.shown.content.fill(unknown);
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
        for (x, y, cell) in updates {
            self.frame[(x, y)] = cell.clone();
            touched[usize::from(y)] = true;
        }
        // An in-page move changes two rows; only a frame that changed more can have scrolled.
        if touched.iter().filter(|t| **t).count() > MIN_GAIN
            && let Some(shift) = best_shift(&self.shown, &self.frame, &touched)
        {
            self.scroll(&shift)?;
        }
        self.inner.draw(self.shown.diff(&self.frame).into_iter())?;
        self.shown.content.clone_from(&self.frame.content);
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

/// The shift that saves the most rewritten rows, if any saves at least [`MIN_GAIN`].
///
/// A band scrolled up by `d` shows at row `y` what was at `y + d`. The band's rows that
/// changed are saved; the `d` rows the scroll uncovers must be written anyway.
fn best_shift(shown: &Buffer, frame: &Buffer, touched: &[bool]) -> Option<Shift> {
    let old = row_hashes(shown);
    let new = row_hashes(frame);
    let height = old.len() as i32;
    let mut best: Option<(usize, Shift)> = None;
    for d in (1 - height..height).filter(|d| *d != 0) {
        // Rows y whose new content is the old content of y + d, in runs.
        let mut run: Option<(i32, usize)> = None;
        for y in 0..=height {
            let from = y + d;
            let matches =
                y < height && (0..height).contains(&from) && new[y as usize] == old[from as usize];
            match (matches, run) {
                (true, None) => run = Some((y, usize::from(touched[y as usize]))),
                (true, Some((start, saved))) => {
                    run = Some((start, saved + usize::from(touched[y as usize])))
                }
                (false, Some((start, saved))) => {
                    run = None;
                    let gain = saved.saturating_sub(d.unsigned_abs() as usize);
                    if gain >= MIN_GAIN && best.as_ref().is_none_or(|(g, _)| gain > *g) {
                        // Up: the band is the run and the rows below it it was filled from.
                        let rows = if d > 0 { start..y + d } else { start + d..y };
                        best = Some((
                            gain,
                            Shift {
                                rows: rows.start as u16..rows.end as u16,
                                by: d,
                            },
                        ));
                    }
                }
                (false, None) => {}
            }
        }
    }
    best.map(|(_, shift)| shift)
}

fn row_hashes(buf: &Buffer) -> Vec<u64> {
    let width = usize::from(buf.area.width).max(1);
    buf.content
        .chunks(width)
        .map(|row| {
            let mut h = RowHasher(0);
            row.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// A fast non-cryptographic hash (the Fx mix): rows are compared, not defended.
struct RowHasher(u64);

impl Hasher for RowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
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

    const W: u16 = 30;
    const H: u16 = 12;

    /// A bordered list of servers, `first` at the top and `selected` highlighted,
    /// over a status line: rows 1..=9 hold the items.
    fn list_frame(f: &mut ratatui::Frame, first: usize, selected: usize) {
        let [list, status] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(f.area());
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
    fn play<B: Backend>(backend: B, tape: &Tape, frames: &[(usize, usize)]) -> Vec<(usize, String)>
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
                t.draw(|f| list_frame(f, first, selected)).expect("draw");
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

    #[test]
    fn scrolled_frames_show_what_plain_frames_show_for_fewer_bytes() {
        let frames = walk(40);
        let plain_tape = Tape::default();
        let plain = play(
            CrosstermBackend::new(plain_tape.clone()),
            &plain_tape,
            &frames,
        );
        let tape = Tape::default();
        let scrolled = play(
            ScrollBackend::with_area(CrosstermBackend::new(tape.clone()), Rect::new(0, 0, W, H)),
            &tape,
            &frames,
        );
        for (i, (p, s)) in plain.iter().zip(&scrolled).enumerate() {
            assert_eq!(p.1, s.1, "screens differ after frame {i} {:?}", frames[i]);
        }
        let total = |v: &[(usize, String)]| v.iter().skip(1).map(|(n, _)| n).sum::<usize>();
        assert!(
            total(&scrolled) * 2 < total(&plain),
            "scrolled {} B, plain {} B",
            total(&scrolled),
            total(&plain)
        );
    }

    #[test]
    fn finds_the_list_band_and_leaves_fixed_rows() {
        let render = |first, selected| {
            let area = Rect::new(0, 0, W, H);
            let mut t = fixed(ScrollBackend::with_area(
                CrosstermBackend::new(Tape::default()),
                area,
            ));
            t.draw(|f| list_frame(f, first, selected)).expect("draw");
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
        assert_eq!(
            best_shift(&before, &after, &touched),
            Some(Shift { rows: 1..9, by: 1 })
        );
        assert_eq!(
            best_shift(&after, &before, &touched),
            Some(Shift { rows: 1..9, by: -1 })
        );
        // An unrelated frame has nothing in common to scroll.
        assert_eq!(best_shift(&before, &render(100, 100), &[true; 12]), None);
    }
}

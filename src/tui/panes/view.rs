//! What the app asks of a pane, whichever it is: navigation, filter, selection, load
//! state, layout, drawing, details and footer hints. A pane writes [`TablePane`] (its
//! table, how its view is kept, how it draws); every pane then is a [`PaneView`], and the
//! app reaches the current one through `App::view` instead of matching on [`Pane`].
//! Whatever changes a pane's rows, filter or sort rebuilds its view itself.

use super::Load;
use crate::config::FilterMode;
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::table::{Table, TableRow};
use ratatui::Frame;
use ratatui::layout::Rect;

/// How one pane is written.
pub(crate) trait TablePane {
    type Row: TableRow + Clone;
    fn table(&self) -> &Table<Self::Row>;
    fn table_mut(&mut self) -> &mut Table<Self::Row>;
    /// Recomputes the rows shown (the text filter, the pane's own filters, the sort).
    fn rebuild(&mut self) {
        self.table_mut().rebuild(&|_| true);
    }
    /// The listing's state, for panes that load one.
    fn load(&self) -> Option<&Load> {
        None
    }
    /// The table with its title, in `area`.
    fn draw(&self, f: &mut Frame, area: Rect, app: &App);
    /// The details pane's title and fields for the selected row.
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)>;
    /// The pane's own actions, first in the footer.
    fn hints(&self) -> &'static [Action];
}

/// What the app does with any pane.
pub(crate) trait PaneView {
    fn move_by(&mut self, d: isize);
    fn page(&mut self, down: bool);
    fn top(&mut self);
    fn bottom(&mut self);
    fn pick_visible(&mut self, i: usize);
    fn sort_next(&mut self);
    fn sort_reverse(&mut self);
    fn filter(&self) -> &str;
    fn set_filter(&mut self, text: &str);
    fn set_filter_mode(&mut self, mode: FilterMode);
    /// The `/` line opened: build what the first key will search.
    fn prepare_search(&mut self);
    /// A new page height and searchable columns (the terminal was resized).
    fn layout(&mut self, height: usize, search_cols: Vec<usize>);
    /// Drops every row (another project).
    fn clear(&mut self);
    fn selected_id(&self) -> Option<String>;
    /// Ids of the rows shown (after filters and sort), in order.
    fn shown_ids(&self) -> Vec<String>;
    fn load(&self) -> Option<&Load>;
    fn draw(&self, f: &mut Frame, area: Rect, app: &App);
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)>;
    fn hints(&self) -> &'static [Action];
}

impl<P: TablePane> PaneView for P {
    fn move_by(&mut self, d: isize) {
        self.table_mut().move_by(d)
    }
    fn page(&mut self, down: bool) {
        self.table_mut().page(down)
    }
    fn top(&mut self) {
        self.table_mut().top()
    }
    fn bottom(&mut self) {
        self.table_mut().bottom()
    }
    fn pick_visible(&mut self, i: usize) {
        self.table_mut().pick_visible(i)
    }
    fn sort_next(&mut self) {
        self.table_mut().sort_next();
        TablePane::rebuild(self);
    }
    fn sort_reverse(&mut self) {
        self.table_mut().sort_reverse();
        TablePane::rebuild(self);
    }
    fn filter(&self) -> &str {
        self.table().filter()
    }
    fn set_filter(&mut self, text: &str) {
        self.table_mut().set_filter(text);
        TablePane::rebuild(self);
        // A new filter puts the cursor on the best match; clearing it keeps the row.
        if !text.is_empty() {
            self.table_mut().top();
        }
    }
    fn set_filter_mode(&mut self, mode: FilterMode) {
        self.table_mut().set_filter_mode(mode)
    }
    fn prepare_search(&mut self) {
        self.table_mut().prepare_search()
    }
    fn layout(&mut self, height: usize, search_cols: Vec<usize>) {
        self.table_mut().set_height(height);
        self.table_mut().set_search_cols(search_cols);
        TablePane::rebuild(self);
    }
    fn clear(&mut self) {
        self.table_mut().set_rows(Vec::new());
        TablePane::rebuild(self);
    }
    fn selected_id(&self) -> Option<String> {
        self.table().selected().map(|r| r.id().to_string())
    }
    fn shown_ids(&self) -> Vec<String> {
        // The whole view, not one page of it.
        let mut t = self.table().clone();
        t.set_height(usize::MAX / 2);
        t.visible().map(|(_, r)| r.id().to_string()).collect()
    }
    fn load(&self) -> Option<&Load> {
        TablePane::load(self)
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        TablePane::draw(self, f, area, app)
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        TablePane::details(self, app)
    }
    fn hints(&self) -> &'static [Action] {
        TablePane::hints(self)
    }
}

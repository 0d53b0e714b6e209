//! A sortable, filterable table state shared by every pane. It keeps the selection (and the
//! marks) by row id across reloads, re-sorts and filter changes, so a refresh never moves
//! the cursor to another server.

pub use super::columns::{Column, layout_columns};
use super::filter::{Filter, FilterMode, HAYSTACK_SEP, Haystacks, narrows};
pub use super::sort_order::SortKey;
use super::sort_order::{by_rank, ranks_of, view_order};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// What a table needs from a row.
pub trait TableRow {
    fn id(&self) -> &str;
    /// The text of column `col` (an index into the pane's column list).
    fn cell(&self, col: usize) -> Cow<'_, str>;
    fn sort_key(&self, col: usize) -> SortKey {
        SortKey::text(&self.cell(col))
    }
}

#[derive(Debug, Clone)]
pub struct Table<T> {
    rows: Vec<T>,
    by_id: HashMap<String, usize>,
    /// Indices into `rows` that pass the filters, in sort order.
    view: Vec<usize>,
    cursor: usize,
    offset: usize,
    height: usize,
    selected: Option<String>,
    /// The user picked a row: follow it by id. Until then the cursor stays on the first
    /// row while pages stream in.
    pinned: bool,
    marks: BTreeSet<String>,
    filter: String,
    /// How `filter` matches (a `~` query is fuzzy in either mode).
    mode: FilterMode,
    sort: Option<(usize, bool)>,
    search_cols: Vec<usize>,
    ncols: usize,
    /// The filter `view` was computed for, while no row has changed since: a query that
    /// extends it can only match a subset of `view`, so only those rows are searched.
    view_filter: Option<String>,
    /// The sort `view` was computed under (the chain below records it with each view).
    view_sort: Option<(usize, bool)>,
    /// Per row, its searchable columns joined (built when a filter first needs them), and
    /// its key in the sort column `keys_for`: a keystroke then neither formats cells nor
    /// lowercases names. Both are dropped whenever a row changes.
    hay: Haystacks,
    keys: Vec<SortKey>,
    keys_for: Option<usize>,
    /// Per row, its place in the order of `keys` (ties by row index): sorting a view then
    /// compares two numbers, not two texts, which is most of a first keystroke at 100,000
    /// rows. Empty until a rebuild needs it; dropped with `keys` and on any row change.
    ranks: Vec<u32>,
    /// The views this chain of narrowing queries started from (query, sort, view), oldest
    /// first: deleting back to one of those queries restores its view without a search.
    narrowed_from: Vec<Narrowed>,
}

/// A view computed for `filter` under `sort`.
#[derive(Debug, Clone)]
struct Narrowed {
    filter: String,
    sort: Option<(usize, bool)>,
    view: Vec<usize>,
}

impl<T: TableRow> Table<T> {
    pub fn new(ncols: usize, sort: Option<(usize, bool)>) -> Self {
        Table {
            rows: Vec::new(),
            by_id: HashMap::new(),
            view: Vec::new(),
            cursor: 0,
            offset: 0,
            height: 1,
            selected: None,
            pinned: false,
            marks: BTreeSet::new(),
            filter: String::new(),
            mode: FilterMode::default(),
            sort,
            search_cols: (0..ncols).collect(),
            ncols,
            view_filter: None,
            view_sort: None,
            hay: Haystacks::default(),
            keys: Vec::new(),
            keys_for: None,
            ranks: Vec::new(),
            narrowed_from: Vec::new(),
        }
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn shown(&self) -> usize {
        self.view.len()
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn sort(&self) -> Option<(usize, bool)> {
        self.sort
    }

    pub fn marks(&self) -> &BTreeSet<String> {
        &self.marks
    }

    pub fn is_marked(&self, id: &str) -> bool {
        self.marks.contains(id)
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn search_cols(&self) -> &[usize] {
        &self.search_cols
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.by_id.get(id).map(|&i| &self.rows[i])
    }

    pub fn selected(&self) -> Option<&T> {
        self.view.get(self.cursor).map(|&i| &self.rows[i])
    }

    /// The rows on screen: `(position in view, row)` from the scroll offset.
    pub fn visible(&self) -> impl Iterator<Item = (usize, &T)> {
        self.view
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(self.height)
            .map(|(pos, &i)| (pos, &self.rows[i]))
    }

    /// Replaces every row.
    pub fn set_rows(&mut self, rows: Vec<T>) {
        self.rows_changed();
        self.rows = rows;
        self.reindex();
    }

    /// Adds a row or replaces the one with the same id.
    pub fn upsert(&mut self, row: T) {
        self.rows_changed();
        match self.by_id.get(row.id()) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.by_id.insert(row.id().to_string(), self.rows.len());
                self.rows.push(row);
            }
        }
    }

    /// Replaces the row with `row`'s id and moves it to where [`Self::rebuild`] would put
    /// it, leaving the other rows be: a job re-reading its server must not re-sort 11,000
    /// rows under the user's keys. Returns `false`, changing nothing, for an unknown id.
    pub fn replace(&mut self, row: T, keep: &dyn Fn(&T) -> bool) -> bool {
        let Some(&i) = self.by_id.get(row.id()) else {
            return false;
        };
        self.rows[i] = row;
        // The views of a narrowing chain were computed with the old row.
        self.narrowed_from.clear();
        let n = self.rows.len();
        self.hay
            .replace(i, n, row_text(&self.search_cols, &self.rows[i]));
        let sort_col = self.sort.map(|(c, _)| c);
        if let Some(c) = sort_col
            && self.keys.len() == self.rows.len()
        {
            self.keys[i] = self.rows[i].sort_key(c);
        }
        // One key moved: the ranks of the rows between its old and new place change.
        self.ranks.clear();
        let mut filter = self.matcher();
        let current = self.view_filter.as_deref() == Some(self.filter.as_str())
            && self.view_sort == self.sort
            && self.hay.ready(&filter, n)
            && (sort_col.is_none()
                || (self.keys_for == sort_col && self.keys.len() == self.rows.len()));
        if !current {
            // The view is not the rebuild of the present filter and sort: make it so.
            self.rebuild(keep);
            return true;
        }
        if let Some(p) = self.view.iter().position(|&v| v == i) {
            self.view.remove(p);
        }
        let score = if keep(&self.rows[i]) {
            self.hay.score(&mut filter, i)
        } else {
            None
        };
        if let Some(score) = score {
            let desc = self.sort.is_some_and(|(_, d)| d);
            let (keys, hay) = (&self.keys, &self.hay);
            let at = self.view.partition_point(|&v| {
                let s = hay.score(&mut filter, v).unwrap_or(0);
                view_order(keys, desc, (v, s), (i, score)) == std::cmp::Ordering::Less
            });
            self.view.insert(at, i);
        }
        self.follow_selection();
        true
    }

    pub fn retain(&mut self, keep: impl Fn(&T) -> bool) {
        self.rows_changed();
        self.rows.retain(|r| keep(r));
        self.reindex();
    }

    /// Drops what was derived from the rows.
    fn rows_changed(&mut self) {
        self.view_filter = None;
        self.narrowed_from.clear();
        self.hay.clear();
        self.keys.clear();
        self.ranks.clear();
    }

    fn reindex(&mut self) {
        self.by_id = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id().to_string(), i))
            .collect();
        let by_id = &self.by_id;
        self.marks.retain(|id| by_id.contains_key(id));
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.to_string();
    }

    /// Literal or fuzzy matching for queries without `~`.
    pub fn set_filter_mode(&mut self, mode: FilterMode) {
        if mode != self.mode {
            self.view_filter = None;
            self.narrowed_from.clear();
        }
        self.mode = mode;
    }

    /// The filter in force, compiled (for scoring and highlighting).
    /// Builds every row's search text for the table's filter mode now (the `/` line just
    /// opened), so the first key typed does not: at 100,000 rows that is a third of it.
    pub fn prepare_search(&mut self) {
        let (rows, cols) = (&self.rows, &self.search_cols);
        self.hay
            .prepare_mode(self.mode, rows.len(), |i| row_text(cols, &rows[i]));
    }

    pub fn matcher(&self) -> Filter {
        Filter::new(&self.filter, self.mode)
    }

    pub fn set_search_cols(&mut self, cols: Vec<usize>) {
        if cols != self.search_cols {
            self.view_filter = None;
            self.narrowed_from.clear();
            self.hay.clear();
        }
        self.search_cols = cols;
    }

    /// Page height in rows, from the layout.
    pub fn set_height(&mut self, h: usize) {
        self.height = h.max(1);
        self.scroll_to_cursor();
    }

    /// Recomputes the view: `keep` (the pane's own filters), the `/` filter over the
    /// searchable columns, then the sort; the cursor follows the selected id.
    pub fn rebuild(&mut self, keep: &dyn Fn(&T) -> bool) {
        let mut filter = self.matcher();
        let (rows, cols) = (&self.rows, &self.search_cols);
        self.hay
            .prepare(&filter, rows.len(), |i| row_text(cols, &rows[i]));
        let sort_col = self.sort.map(|(c, _)| c);
        if self.keys_for != sort_col || self.keys.len() != self.rows.len() {
            self.keys = match sort_col {
                Some(c) => self.rows.iter().map(|r| r.sort_key(c)).collect(),
                None => Vec::new(),
            };
            self.keys_for = sort_col;
            self.ranks.clear();
        }
        if self.ranks.len() != self.keys.len() {
            self.ranks = ranks_of(&self.keys);
        }
        let back = self.view_filter.is_some().then(|| {
            self.narrowed_from
                .iter()
                .position(|n| n.filter == self.filter && n.sort == self.sort)
        });
        if let Some(Some(pos)) = back {
            let n = self.narrowed_from.swap_remove(pos);
            self.narrowed_from.truncate(pos);
            self.view = n.view;
            self.view_filter = Some(self.filter.clone());
            self.view_sort = self.sort;
            self.follow_selection();
            return;
        }
        let narrowing = self
            .view_filter
            .as_deref()
            .is_some_and(|old| narrows(old, &self.filter, self.mode));
        let candidates: Vec<usize> = match self.view_filter.take() {
            Some(old) if narrowing => {
                self.narrowed_from.push(Narrowed {
                    filter: old,
                    sort: self.view_sort,
                    view: self.view.clone(),
                });
                std::mem::take(&mut self.view)
            }
            _ => {
                self.narrowed_from.clear();
                (0..self.rows.len()).collect()
            }
        };
        // (row, match score): while filtering, the best matches come first, then the sort.
        let mut scored: Vec<(usize, u32)> = Vec::with_capacity(candidates.len());
        for i in candidates {
            if !keep(&self.rows[i]) {
                continue;
            }
            if let Some(s) = self.hay.score(&mut filter, i) {
                scored.push((i, s));
            }
        }
        self.view_filter = Some(self.filter.clone());
        self.view_sort = self.sort;
        let desc = self.sort.is_some_and(|(_, d)| d);
        let ranks = &self.ranks;
        scored.sort_unstable_by(|a, b| by_rank(ranks, desc, *a, *b));
        self.view = scored.into_iter().map(|(i, _)| i).collect();
        self.follow_selection();
    }

    /// Puts the cursor back on the selected row (once the user picked one), else keeps its
    /// position within the new view.
    fn follow_selection(&mut self) {
        let found = self
            .selected
            .as_deref()
            .filter(|_| self.pinned)
            .and_then(|id| self.by_id.get(id))
            .and_then(|&ri| self.view.iter().position(|&v| v == ri));
        self.cursor = match found {
            Some(p) => p,
            None => self.cursor.min(self.view.len().saturating_sub(1)),
        };
        self.sync_selected();
    }

    fn sync_selected(&mut self) {
        if let Some(&i) = self.view.get(self.cursor) {
            self.selected = Some(self.rows[i].id().to_string());
        }
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.height {
            self.offset = self.cursor + 1 - self.height;
        }
        let max_offset = self.view.len().saturating_sub(self.height);
        self.offset = self.offset.min(max_offset);
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.pinned = true;
        self.sync_selected();
    }

    /// Selects the `i`-th row on screen (a mouse click), if there is one.
    pub fn pick_visible(&mut self, i: usize) {
        let pos = self.offset + i;
        if pos < self.view.len() {
            self.cursor = pos;
            self.pinned = true;
            self.sync_selected();
        }
    }

    pub fn page(&mut self, down: bool) {
        let step = self.height.max(1) as isize;
        self.move_by(if down { step } else { -step });
    }

    pub fn top(&mut self) {
        self.cursor = 0;
        self.pinned = true;
        self.sync_selected();
    }

    pub fn bottom(&mut self) {
        self.cursor = self.view.len().saturating_sub(1);
        self.pinned = true;
        self.sync_selected();
    }

    /// Next sort column (ascending); after the last column, back to none.
    /// Next shown column (ascending); after the last one, back to no sort. Columns hidden
    /// on a narrow screen are skipped: a sort one cannot see would look random.
    pub fn sort_next(&mut self) {
        let cols: Vec<usize> = if self.search_cols.is_empty() {
            (0..self.ncols).collect()
        } else {
            self.search_cols.clone()
        };
        let pos = self
            .sort
            .and_then(|(c, _)| cols.iter().position(|&x| x == c));
        self.sort = match pos {
            None => cols.first().map(|&c| (c, false)),
            Some(p) => cols.get(p + 1).map(|&c| (c, false)),
        };
    }

    pub fn sort_reverse(&mut self) {
        self.sort = Some(match self.sort {
            None => (0, true),
            Some((c, d)) => (c, !d),
        });
    }

    pub fn toggle_mark(&mut self) {
        let Some(id) = self.selected().map(|r| r.id().to_string()) else {
            return;
        };
        if !self.marks.remove(&id) {
            self.marks.insert(id);
        }
    }

    /// Forgets the mark of one row (its request went out).
    pub fn unmark(&mut self, id: &str) {
        self.marks.remove(id);
    }

    pub fn mark_all_shown(&mut self) {
        for &i in &self.view {
            self.marks.insert(self.rows[i].id().to_string());
        }
    }

    pub fn unmark_all(&mut self) {
        self.marks.clear();
    }
}

/// A row's searchable columns, joined.
fn row_text<T: TableRow>(search_cols: &[usize], row: &T) -> String {
    let mut h = String::new();
    for (k, &c) in search_cols.iter().enumerate() {
        if k > 0 {
            h.push_str(HAYSTACK_SEP);
        }
        h.push_str(&row.cell(c));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct R(&'static str, &'static str, u64);

    impl TableRow for R {
        fn id(&self) -> &str {
            self.0
        }
        fn cell(&self, col: usize) -> Cow<'_, str> {
            match col {
                0 => Cow::Borrowed(self.1),
                _ => Cow::Owned(self.2.to_string()),
            }
        }
        fn sort_key(&self, col: usize) -> SortKey {
            match col {
                0 => SortKey::text(self.1),
                _ => SortKey::Num(self.2),
            }
        }
    }

    fn table() -> Table<R> {
        let mut t = Table::new(2, Some((0, false)));
        t.set_rows(vec![
            R("a", "web-02", 3),
            R("b", "db-01", 10),
            R("c", "web-01", 2),
        ]);
        t.set_height(10);
        t.rebuild(&|_| true);
        t
    }

    #[test]
    fn opening_the_filter_builds_what_the_first_key_searches() {
        let mut t = table();
        t.set_search_cols(vec![0]);
        let first_key = Filter::new("w", FilterMode::Literal);
        assert!(
            !t.hay.ready(&first_key, 3),
            "nothing is built before a filter"
        );
        t.prepare_search();
        assert!(t.hay.ready(&first_key, 3));
        t.set_filter("w");
        t.rebuild(&|_| true);
        assert_eq!(names(&t), ["web-01", "web-02"]);
    }

    fn names(t: &Table<R>) -> Vec<&str> {
        t.visible().map(|(_, r)| r.1).collect()
    }

    #[test]
    fn sorts_filters_and_keeps_selection_by_id() {
        let mut t = table();
        assert_eq!(names(&t), ["db-01", "web-01", "web-02"]);
        t.move_by(2);
        assert_eq!(t.selected().map(|r| r.0), Some("a"));
        t.sort_next(); // by number
        t.rebuild(&|_| true);
        assert_eq!(names(&t), ["web-01", "web-02", "db-01"]);
        assert_eq!(
            t.selected().map(|r| r.0),
            Some("a"),
            "cursor follows the row"
        );
        t.set_filter("web");
        t.rebuild(&|_| true);
        assert_eq!(names(&t), ["web-01", "web-02"]);
        t.set_filter("web-02");
        t.rebuild(&|_| true);
        assert_eq!(names(&t)[0], "web-02", "best match first");
        t.set_filter("web");
        t.rebuild(&|_| true);
        assert_eq!(t.selected().map(|r| r.0), Some("a"));
        t.sort_reverse();
        t.rebuild(&|_| true);
        assert_eq!(names(&t), ["web-02", "web-01"]);
    }

    #[test]
    fn cursor_stays_on_top_while_rows_stream_in_until_the_user_moves() {
        let mut t: Table<R> = Table::new(2, Some((0, false)));
        t.set_height(10);
        t.upsert(R("a", "web-02", 3));
        t.rebuild(&|_| true);
        t.upsert(R("b", "db-01", 10));
        t.rebuild(&|_| true);
        assert_eq!(
            t.selected().map(|r| r.0),
            Some("b"),
            "first row, not the first to arrive"
        );
        t.move_by(1);
        t.upsert(R("c", "app-01", 1));
        t.rebuild(&|_| true);
        assert_eq!(
            t.selected().map(|r| r.0),
            Some("a"),
            "a chosen row is followed"
        );
    }

    #[test]
    fn reload_keeps_selection_and_marks() {
        let mut t = table();
        t.move_by(1); // web-01
        t.toggle_mark();
        t.set_rows(vec![
            R("z", "app-00", 1),
            R("c", "web-01", 2),
            R("a", "web-02", 3),
        ]);
        t.rebuild(&|_| true);
        assert_eq!(t.selected().map(|r| r.0), Some("c"));
        assert!(t.is_marked("c"));
        t.set_rows(vec![R("z", "app-00", 1)]);
        t.rebuild(&|_| true);
        assert!(t.marks().is_empty(), "marks of vanished rows are dropped");
        assert_eq!(t.selected().map(|r| r.0), Some("z"));
    }

    #[test]
    fn scrolls_to_keep_the_cursor_visible() {
        let mut t = table();
        t.set_height(2);
        t.bottom();
        assert_eq!(names(&t), ["web-01", "web-02"]);
        t.top();
        assert_eq!(names(&t), ["db-01", "web-01"]);
        t.page(true);
        assert_eq!(t.cursor(), 2);
        let mut empty: Table<R> = Table::new(2, None);
        empty.move_by(5);
        empty.bottom();
        assert!(empty.selected().is_none());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        struct P(String, String, u64);

        impl TableRow for P {
            fn id(&self) -> &str {
                &self.0
            }
            fn cell(&self, col: usize) -> Cow<'_, str> {
                match col {
                    0 => Cow::Borrowed(&self.1),
                    _ => Cow::Owned(self.2.to_string()),
                }
            }
        }

        #[derive(Debug, Clone)]
        enum Op {
            Upsert(u8, String, u64),
            /// One row re-read: placed without a rebuild.
            Replace(u8, String, u64),
            Retain(u8),
            Filter(String),
            /// Appends to the filter: the narrowing path.
            Type(String),
            /// Deletes the last char of the filter: back along a narrowing chain.
            Backspace,
            Move(i8),
            Page(bool),
            Top,
            Bottom,
            Sort,
            Reverse,
            Height(u8),
            Mark,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0u8..30, "[a-cA]{0,4}", 0u64..5).prop_map(|(i, n, v)| Op::Upsert(i, n, v)),
                (0u8..30, "[a-cA]{0,4}", 0u64..5).prop_map(|(i, n, v)| Op::Replace(i, n, v)),
                (0u8..30).prop_map(Op::Retain),
                "[a-c]{0,2}".prop_map(Op::Filter),
                "[a-cA !$^'~]{1,2}".prop_map(Op::Type),
                Just(Op::Backspace),
                any::<i8>().prop_map(Op::Move),
                any::<bool>().prop_map(Op::Page),
                Just(Op::Top),
                Just(Op::Bottom),
                Just(Op::Sort),
                Just(Op::Reverse),
                (0u8..8).prop_map(Op::Height),
                Just(Op::Mark),
            ]
        }

        proptest! {
            #[test]
            fn cursor_and_window_stay_consistent(
                ops in proptest::collection::vec(op(), 1..60),
                fuzzy in any::<bool>(),
            ) {
                let mut t: Table<P> = Table::new(2, None);
                t.set_filter_mode(if fuzzy { FilterMode::Fuzzy } else { FilterMode::Literal });
                for o in ops {
                    let replaced = matches!(o, Op::Replace(..));
                    match o {
                        Op::Upsert(i, n, v) => t.upsert(P(format!("id{i}"), n, v)),
                        Op::Replace(i, n, v) => {
                            t.replace(P(format!("id{i}"), n, v), &|_| true);
                        }
                        Op::Retain(i) => t.retain(|r| r.0 != format!("id{i}")),
                        Op::Filter(f) => t.set_filter(&f),
                        Op::Type(f) => {
                            let f = format!("{}{f}", t.filter());
                            t.set_filter(&f)
                        }
                        Op::Backspace => {
                            let mut f = t.filter().to_string();
                            f.pop();
                            t.set_filter(&f)
                        }
                        Op::Move(d) => t.move_by(d as isize),
                        Op::Page(d) => t.page(d),
                        Op::Top => t.top(),
                        Op::Bottom => t.bottom(),
                        Op::Sort => t.sort_next(),
                        Op::Reverse => t.sort_reverse(),
                        Op::Height(h) => t.set_height(h as usize),
                        Op::Mark => t.toggle_mark(),
                    }
                    if !replaced {
                        t.rebuild(&|_| true);
                    }
                    let mut full = t.clone();
                    full.view_filter = None;
                    full.narrowed_from.clear();
                    full.hay.clear();
                    full.keys.clear();
                    full.rebuild(&|_| true);
                    prop_assert_eq!(&t.view, &full.view, "narrowing and replacing give the full search's rows");
                    prop_assert_eq!(t.cursor, full.cursor);
                    let shown: Vec<usize> = t.visible().map(|(pos, _)| pos).collect();
                    prop_assert!(shown.len() <= t.height.max(1));
                    if t.shown() == 0 {
                        prop_assert!(t.selected().is_none());
                    } else {
                        prop_assert!(t.cursor() < t.shown());
                        prop_assert!(shown.contains(&t.cursor()), "cursor on screen");
                        let id = t.selected().map(|r| r.0.clone());
                        prop_assert_eq!(id.as_deref(), t.selected.as_deref());
                    }
                    for m in t.marks() {
                        prop_assert!(t.get(m).is_some(), "marks only name existing rows");
                    }
                }
            }
        }
    }
}

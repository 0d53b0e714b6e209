//! Servers pane: ECS and BMS in one table with a KIND column. Pages stream in; a refresh
//! updates rows in place (by id) and drops the vanished ones only when a listing completes,
//! so a failed refresh keeps the last good rows.

use super::view::TablePane;
use super::{Load, Shown, TableSpec, empty_text, render_table, shower, title};
use crate::cloud::model::{Server, ServerKind};
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::table::{Column, SortKey, Table, TableRow};
use crate::tui::theme::{Glyphs, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

pub const KIND: usize = 0;
pub const NAME: usize = 1;
pub const STATUS: usize = 2;
pub const TASK: usize = 3;
pub const FLAVOR: usize = 4;
pub const IMAGE: usize = 5;
pub const IP: usize = 6;
pub const AZ: usize = 7;
pub const CREATED: usize = 8;

pub const COLUMNS: &[Column] = &[
    Column::new("KIND", 4, 4, 1),
    Column::new("NAME", 10, 20, 0).grows(),
    Column::new("STATUS", 7, 9, 0),
    Column::new("TASK", 10, 16, 3),
    Column::new("FLAVOR", 10, 18, 2),
    Column::new("IMAGE", 12, 26, 1).grows(),
    Column::new("IP", 13, 15, 4),
    Column::new("AZ", 10, 14, 7),
    Column::new("CREATED", 10, 10, 6),
];

impl TableRow for Server {
    fn id(&self) -> &str {
        &self.id
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            KIND => Cow::Borrowed(self.kind.label()),
            NAME => Cow::Borrowed(&self.name),
            STATUS => Cow::Borrowed(&self.status),
            TASK => Cow::Borrowed(self.task().unwrap_or("")),
            FLAVOR => Cow::Borrowed(&self.flavor.name),
            IMAGE => Cow::Borrowed(self.image_name().unwrap_or(&self.image.id)),
            IP => Cow::Borrowed(self.primary_ip().unwrap_or("")),
            AZ => Cow::Borrowed(self.availability_zone.as_deref().unwrap_or("")),
            CREATED => Cow::Borrowed(self.created.get(..10).unwrap_or(&self.created)),
            _ => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            // Dates and addresses sort as text; ISO dates already do.
            IP => SortKey::Text(
                self.primary_ip()
                    .unwrap_or("")
                    .split('.')
                    .map(|o| format!("{o:0>3}"))
                    .collect(),
            ),
            CREATED => SortKey::Text(self.created.clone()),
            c => SortKey::text(&self.cell(c)),
        }
    }
}

#[derive(Debug)]
pub struct ServersPane {
    pub table: Table<Server>,
    pub load: Load,
    /// Kinds whose listing of the current generation has not finished.
    pending: BTreeSet<ServerKind>,
    /// Ids received in the current generation, to drop vanished rows at the end.
    seen: HashSet<String>,
    failed: BTreeSet<ServerKind>,
}

impl Default for ServersPane {
    fn default() -> Self {
        ServersPane {
            table: Table::new(COLUMNS.len(), Some((NAME, false))),
            load: Load::default(),
            pending: BTreeSet::new(),
            seen: HashSet::new(),
            failed: BTreeSet::new(),
        }
    }
}

impl ServersPane {
    pub fn start(&mut self, generation: u64) {
        self.load.start(generation);
        self.pending = [ServerKind::Ecs, ServerKind::Bms].into();
        self.seen.clear();
        self.failed.clear();
    }

    /// Applies one page; returns false if it was stale.
    pub fn page(
        &mut self,
        kind: ServerKind,
        generation: u64,
        page: Vec<Server>,
        done: bool,
        now: Duration,
    ) -> bool {
        if generation != self.load.generation || !self.pending.contains(&kind) {
            return false;
        }
        self.load.received += page.len();
        for mut s in page {
            s.kind = kind;
            self.seen.insert(s.id.clone());
            self.table.upsert(s);
        }
        if done {
            self.pending.remove(&kind);
            let seen = &self.seen;
            self.table
                .retain(|s| s.kind != kind || seen.contains(&s.id));
            self.finish_if_done(now);
        }
        TablePane::rebuild(self);
        true
    }

    /// Records a failed listing of `kind`; returns false if it was stale.
    pub fn fail(&mut self, kind: ServerKind, generation: u64, error: &str) -> bool {
        if generation != self.load.generation || !self.pending.remove(&kind) {
            return false;
        }
        self.failed.insert(kind);
        self.load.error = Some(error.to_string());
        if self.pending.is_empty() {
            self.load.fail(error);
        }
        true
    }

    /// Both listings answered (`now` is when a success happened).
    fn finish_if_done(&mut self, now: Duration) {
        if !self.pending.is_empty() {
            return;
        }
        if self.failed.is_empty() {
            self.load.succeed(now);
        } else {
            let e = self.load.error.clone().unwrap_or_default();
            self.load.fail(&e);
        }
    }

    /// One server re-read: its row is replaced and placed, the others stay as they are.
    /// `false` if the server is not listed.
    pub fn replace(&mut self, server: Server) -> bool {
        self.table.replace(server, &|_| true)
    }
}

impl TablePane for ServersPane {
    type Row = Server;
    fn table(&self) -> &Table<Server> {
        &self.table
    }
    fn table_mut(&mut self) -> &mut Table<Server> {
        &mut self.table
    }
    fn load(&self) -> Option<&Load> {
        Some(&self.load)
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let (th, g) = (&app.theme, &app.glyphs);
        let tb = &self.table;
        let mut name = title(
            g,
            "Servers",
            (tb.shown(), tb.total()),
            tb.filter(),
            self.load.status(g, app.spin, app.now),
        );
        if !tb.marks().is_empty() {
            name.push_str(&format!(" {} {} marked", g.sep, tb.marks().len()));
        }
        let show = shower(|s: &Server, c: usize| {
            // Only the TASK cell shows the job: no scan of the jobs for the other cells.
            let job = (c == TASK)
                .then(|| {
                    app.jobs
                        .running_on(&s.id)
                        .map(|j| super::jobs::status_word(j).to_string())
                })
                .flatten();
            show(s, c, th, g, job.as_deref())
        });
        let empty = empty_text(self.load.loading, "no servers");
        let spec = TableSpec {
            title: name,
            columns: COLUMNS,
            show: &show,
            empty,
        };
        render_table(f, area, app, tb, spec);
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        let s = self.table.selected()?;
        let title = format!("{} ({})", s.name, s.kind.label());
        Some((title, crate::tui::details::server_fields(app, s)))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::ChangeOs, Action::Reinstall, Action::Stop]
    }
}

/// How a server cell is drawn: status in its colour, the lock after the name, a running
/// job in the TASK column.
pub fn show<'a>(
    s: &'a Server,
    col: usize,
    theme: &Theme,
    glyphs: &Glyphs,
    job: Option<&str>,
) -> Shown<'a> {
    match col {
        STATUS => Shown {
            style: theme.server_status(&s.status),
            ..Shown::plain(s.cell(col))
        },
        NAME if s.locked => Shown::plain(Cow::Owned(format!("{} {}", s.name, glyphs.lock))),
        TASK => match job {
            Some(op) => Shown {
                text: Cow::Owned(format!("{} {op}", glyphs.job)),
                style: theme.busy,
                highlight: false,
            },
            None => Shown {
                style: theme.busy,
                ..Shown::plain(s.cell(col))
            },
        },
        KIND | CREATED | AZ => Shown {
            style: theme.dim,
            ..Shown::plain(s.cell(col))
        },
        _ => Shown::plain(s.cell(col)),
    }
}

/// Human words for the charging mode code.
pub fn charging(mode: Option<&str>) -> &'static str {
    match mode {
        Some("0") => "pay-per-use",
        Some("1") => "prepaid (yearly/monthly)",
        Some("2") => "spot",
        Some(_) => "other",
        None => "unknown",
    }
}

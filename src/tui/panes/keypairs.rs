//! Key pairs pane: name, type, fingerprint and scope (user or whole account).

use super::view::TablePane;
use super::{Load, Shown, TableSpec, empty_text, render_table, shower, title};
use crate::cloud::model::{Keypair, KeypairSource};
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::table::{Column, Table, TableRow};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::borrow::Cow;
use std::time::Duration;

pub const NAME: usize = 0;
pub const TYPE: usize = 1;
pub const SCOPE: usize = 2;
pub const FINGERPRINT: usize = 3;
pub const SOURCE: usize = 4;

pub const COLUMNS: &[Column] = &[
    Column::new("NAME", 12, 24, 0).grows(),
    Column::new("TYPE", 4, 5, 2),
    Column::new("SCOPE", 7, 7, 1),
    Column::new("FINGERPRINT", 20, 50, 1),
    Column::new("LISTED BY", 9, 9, 3),
];

pub fn scope(k: &Keypair) -> &'static str {
    match k.scope.as_deref() {
        Some("user") => "user",
        Some("domain") => "account",
        Some(_) => "other",
        None => "user",
    }
}

pub fn source(k: &Keypair) -> &'static str {
    match k.source {
        KeypairSource::Nova => "ECS",
        KeypairSource::Kps => "KPS",
        KeypairSource::Both => "ECS+KPS",
    }
}

impl TableRow for Keypair {
    fn id(&self) -> &str {
        &self.name
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            NAME => Cow::Borrowed(&self.name),
            TYPE => Cow::Borrowed(self.key_type.as_deref().unwrap_or("ssh")),
            SCOPE => Cow::Borrowed(scope(self)),
            FINGERPRINT => Cow::Borrowed(&self.fingerprint),
            SOURCE => Cow::Borrowed(source(self)),
            _ => Cow::Borrowed(""),
        }
    }
}

#[derive(Debug)]
pub struct KeypairsPane {
    pub table: Table<Keypair>,
    pub load: Load,
}

impl Default for KeypairsPane {
    fn default() -> Self {
        KeypairsPane {
            table: Table::new(COLUMNS.len(), Some((NAME, false))),
            load: Load::default(),
        }
    }
}

impl KeypairsPane {
    /// A listing's reply; false when it is stale.
    pub fn loaded(&mut self, generation: u64, keypairs: Vec<Keypair>, now: Duration) -> bool {
        if generation != self.load.generation || !self.load.loading {
            return false;
        }
        self.load.received = keypairs.len();
        self.table.set_rows(keypairs);
        self.load.succeed(now);
        TablePane::rebuild(self);
        true
    }
}

impl TablePane for KeypairsPane {
    type Row = Keypair;
    fn table(&self) -> &Table<Keypair> {
        &self.table
    }
    fn table_mut(&mut self) -> &mut Table<Keypair> {
        &mut self.table
    }
    fn load(&self) -> Option<&Load> {
        Some(&self.load)
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let (th, g) = (&app.theme, &app.glyphs);
        let tb = &self.table;
        let name = title(
            g,
            "Key pairs",
            (tb.shown(), tb.total()),
            tb.filter(),
            self.load.status(g, app.spin, app.now),
        );
        let show = shower(|k: &Keypair, c: usize| show(k, c, th));
        let empty = empty_text(self.load.loading, "no key pairs");
        let spec = TableSpec {
            title: name,
            columns: COLUMNS,
            show: &show,
            empty,
        };
        render_table(f, area, app, tb, spec);
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        let k = self.table.selected()?;
        Some((k.name.clone(), crate::tui::details::keypair_fields(app, k)))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::CopyId]
    }
}

pub fn show<'a>(k: &'a Keypair, col: usize, theme: &Theme) -> Shown<'a> {
    match col {
        FINGERPRINT | SOURCE => Shown {
            style: theme.dim,
            ..Shown::plain(k.cell(col))
        },
        _ => Shown::plain(k.cell(col)),
    }
}

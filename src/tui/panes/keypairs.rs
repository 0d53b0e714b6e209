//! Key pairs pane: name, type, fingerprint and scope (user or whole account).

use super::{Load, Shown};
use crate::cloud::model::{Keypair, KeypairSource};
use crate::tui::table::{Column, Table, TableRow};
use crate::tui::theme::Theme;
use std::borrow::Cow;

pub const NAME: usize = 0;
pub const TYPE: usize = 1;
pub const SCOPE: usize = 2;
pub const FINGERPRINT: usize = 3;
pub const SOURCE: usize = 4;

pub const COLUMNS: &[Column] = &[
    Column::new("NAME", 12, 24, 0),
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
    pub fn rebuild(&mut self) {
        self.table.rebuild(&|_| true);
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

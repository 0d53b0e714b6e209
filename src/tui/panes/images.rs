//! Images pane: the attributes that decide whether an image fits a server (ECS or BMS,
//! architecture, firmware, Cloud-Init, minimum disk), with quick filters that cycle.

use super::view::TablePane;
use super::{Load, Shown, TableSpec, empty_text, render_table, shower, title};
use crate::cloud::model::Image;
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::table::{Column, SortKey, Table, TableRow};
use crate::tui::text;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::borrow::Cow;
use std::time::Duration;

pub const NAME: usize = 0;
pub const OS: usize = 1;
pub const TYPE: usize = 2;
pub const FOR: usize = 3;
pub const ARCH: usize = 4;
pub const BOOT: usize = 5;
pub const CLOUD_INIT: usize = 6;
pub const MIN_DISK: usize = 7;
pub const SIZE: usize = 8;
pub const STATUS: usize = 9;

pub const COLUMNS: &[Column] = &[
    // The attributes that decide compatibility (target, arch, Cloud-Init, disk) go last.
    Column::new("NAME", 16, 36, 0).grows(),
    Column::new("OS", 10, 22, 4).grows(),
    Column::new("TYPE", 7, 7, 3),
    Column::new("FOR", 4, 4, 1),
    Column::new("ARCH", 4, 4, 2),
    Column::new("BOOT", 4, 4, 3),
    Column::new("CLOUD-INIT", 10, 10, 1),
    Column::new("MIN DISK", 8, 8, 2).right(),
    Column::new("SIZE", 8, 9, 6).right(),
    Column::new("STATUS", 6, 8, 5),
];

/// `gold` → `public`, the rest as is.
pub fn image_type(i: &Image) -> &str {
    match i.image_type.as_str() {
        "gold" => "public",
        "" => i.visibility.as_str(),
        t => t,
    }
}

/// What the image installs on: `ECS`, `BMS`, `ISO` or `data`.
pub fn target(i: &Image) -> &str {
    match i.virtual_env_type.as_str() {
        "FusionCompute" | "" => "ECS",
        "Ironic" => "BMS",
        "IsoImage" => "ISO",
        "DataImage" => "data",
        other => other,
    }
}

pub fn arch(i: &Image) -> &'static str {
    if i.is_arm() { "arm" } else { "x86" }
}

pub fn firmware(i: &Image) -> &'static str {
    if i.is_uefi() { "UEFI" } else { "BIOS" }
}

pub fn os_label(i: &Image) -> &str {
    i.os_version
        .as_deref()
        .or(i.platform.as_deref())
        .or(i.os_type.as_deref())
        .unwrap_or("")
}

impl TableRow for Image {
    fn id(&self) -> &str {
        &self.id
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            NAME => Cow::Borrowed(&self.name),
            OS => Cow::Borrowed(os_label(self)),
            TYPE => Cow::Borrowed(image_type(self)),
            FOR => Cow::Borrowed(target(self)),
            ARCH => Cow::Borrowed(arch(self)),
            BOOT => Cow::Borrowed(firmware(self)),
            CLOUD_INIT => Cow::Borrowed(if self.has_cloud_init() { "yes" } else { "no" }),
            MIN_DISK => Cow::Owned(self.min_disk.map(|d| format!("{d} GB")).unwrap_or_default()),
            SIZE => Cow::Owned(self.image_size.map(text::bytes).unwrap_or_default()),
            STATUS => Cow::Borrowed(&self.status),
            _ => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            MIN_DISK => SortKey::Num(self.min_disk.unwrap_or(0)),
            SIZE => SortKey::Num(self.image_size.unwrap_or(0)),
            c => SortKey::text(&self.cell(c)),
        }
    }
}

/// A quick filter that cycles through its values (None = all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cycle {
    pub value: Option<String>,
}

impl Cycle {
    /// Next value after the current one in `values`, then back to all.
    pub fn next(&mut self, values: &[String]) {
        let pos = self
            .value
            .as_ref()
            .and_then(|v| values.iter().position(|x| x == v));
        self.value = match pos {
            None => values.first().cloned(),
            Some(p) => values.get(p + 1).cloned(),
        };
    }

    fn keeps(&self, v: &str) -> bool {
        self.value.as_deref().is_none_or(|want| want == v)
    }
}

#[derive(Debug)]
pub struct ImagesPane {
    pub table: Table<Image>,
    pub load: Load,
    pub kind: Cycle,
    pub target: Cycle,
    pub arch: Cycle,
    pub platform: Cycle,
}

impl Default for ImagesPane {
    fn default() -> Self {
        ImagesPane {
            table: Table::new(COLUMNS.len(), Some((NAME, false))),
            load: Load::default(),
            kind: Cycle::default(),
            target: Cycle::default(),
            arch: Cycle::default(),
            platform: Cycle::default(),
        }
    }
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl ImagesPane {
    pub fn cycle_type(&mut self) {
        self.kind
            .next(&owned(&["public", "private", "shared", "market"]));
        TablePane::rebuild(self);
    }

    pub fn cycle_target(&mut self) {
        self.target.next(&owned(&["ECS", "BMS"]));
        TablePane::rebuild(self);
    }

    pub fn cycle_arch(&mut self) {
        self.arch.next(&owned(&["x86", "arm"]));
        TablePane::rebuild(self);
    }

    /// Cycles through the platforms present in the listing.
    pub fn cycle_platform(&mut self) {
        let mut present: Vec<String> = self
            .table
            .rows()
            .iter()
            .filter_map(|i| {
                i.platform
                    .as_ref()
                    .or(i.os_type.as_ref())
                    .map(|p| p.to_string())
            })
            .collect();
        present.sort();
        present.dedup();
        self.platform.next(&present);
        TablePane::rebuild(self);
    }

    /// A listing's reply; false when it is stale.
    pub fn loaded(&mut self, generation: u64, images: Vec<Image>, now: Duration) -> bool {
        if generation != self.load.generation || !self.load.loading {
            return false;
        }
        self.load.received = images.len();
        self.table.set_rows(images);
        self.load.succeed(now);
        TablePane::rebuild(self);
        true
    }

    /// The quick filters in force, for the title.
    pub fn active_filters(&self) -> Vec<&str> {
        [&self.kind, &self.target, &self.arch, &self.platform]
            .iter()
            .filter_map(|c| c.value.as_deref())
            .collect()
    }
}

impl TablePane for ImagesPane {
    type Row = Image;
    fn table(&self) -> &Table<Image> {
        &self.table
    }
    fn table_mut(&mut self) -> &mut Table<Image> {
        &mut self.table
    }
    fn load(&self) -> Option<&Load> {
        Some(&self.load)
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let (th, g) = (&app.theme, &app.glyphs);
        let tb = &self.table;
        let mut name = "Images".to_string();
        for q in self.active_filters() {
            name.push_str(&format!(" {} {q}", g.sep));
        }
        let name = title(
            g,
            &name,
            (tb.shown(), tb.total()),
            tb.filter(),
            self.load.status(g, app.spin, app.now),
        );
        let show = shower(|i: &Image, c: usize| show(i, c, th));
        let empty = empty_text(self.load.loading, "no images match");
        let spec = TableSpec {
            title: name,
            columns: COLUMNS,
            show: &show,
            empty,
        };
        render_table(f, area, app, tb, spec);
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        let i = self.table.selected()?;
        Some((i.name.clone(), crate::tui::details::image_fields(app, i)))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::ImageType,
            Action::ImageEnv,
            Action::ImageArch,
            Action::ImagePlatform,
        ]
    }

    /// The quick filters too.
    fn rebuild(&mut self) {
        let (k, t, a, p) = (
            self.kind.clone(),
            self.target.clone(),
            self.arch.clone(),
            self.platform.clone(),
        );
        self.table.rebuild(&move |i: &Image| {
            k.keeps(image_type(i))
                && t.keeps(target(i))
                && a.keeps(arch(i))
                && p.keeps(i.platform.as_deref().or(i.os_type.as_deref()).unwrap_or(""))
        });
    }
}

pub fn show<'a>(i: &'a Image, col: usize, theme: &Theme) -> Shown<'a> {
    let text = i.cell(col);
    match col {
        CLOUD_INIT if !i.has_cloud_init() => Shown {
            style: theme.warn,
            ..Shown::plain(text)
        },
        STATUS if i.status != "active" => Shown {
            style: theme.bad,
            ..Shown::plain(text)
        },
        FOR | TYPE | SIZE | STATUS => Shown {
            style: theme.dim,
            ..Shown::plain(text)
        },
        _ => Shown::plain(text),
    }
}

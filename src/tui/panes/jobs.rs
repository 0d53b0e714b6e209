//! Jobs pane: the jobs the tracker reports (`Msg::JobsReplaced` / `Msg::JobUpdated`).

use super::view::TablePane;
use super::{Shown, TableSpec, render_table, shower, title};
use crate::cloud::model::JobStatus;
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::layers::Layer;
use crate::tui::msg::{JobProgress, JobView};
use crate::tui::table::{Column, SortKey, Table, TableRow};
use crate::tui::text;
use crate::tui::theme::{Glyphs, Theme};
use crate::tui::viewer::{Para, Viewer, label_width};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::borrow::Cow;
use std::collections::HashMap;

pub const JOB: usize = 0;
pub const SERVER: usize = 1;
pub const OPERATION: usize = 2;
pub const STATUS: usize = 3;
pub const ELAPSED: usize = 4;
pub const DETAIL: usize = 5;

pub const COLUMNS: &[Column] = &[
    Column::new("JOB", 9, 14, 1),
    Column::new("SERVER", 8, 14, 0),
    Column::new("OPERATION", 13, 16, 2),
    Column::new("STATUS", 10, 10, 0),
    Column::new("ELAPSED", 7, 7, 1).right(),
    Column::new("DETAIL", 10, 60, 0).grows(),
];

/// Enter on a job: its whole details (failure reason, hint, sub jobs) in the viewer.
pub fn open_viewer(app: &mut App) {
    let Some(j) = app.jobs.table.selected().cloned() else {
        return;
    };
    let paras: Vec<Para> = crate::tui::details::job_fields(app, &j)
        .into_iter()
        .map(|(label, text, style)| Para {
            label: label.into(),
            label_style: app.theme.label,
            text,
            style,
        })
        .collect();
    let title = format!("job {} on {}", j.operation, j.server_name);
    let title = crate::safe_text::escape(&title).into_owned();
    let w = label_width(&paras);
    app.layers
        .push(Layer::Viewer(Box::new(Viewer::new(title, w, paras))));
}

pub fn status_word(j: &JobView) -> &'static str {
    if j.submitting {
        "SENDING"
    } else {
        j.gave_up.unwrap_or(j.status.as_str())
    }
}

impl TableRow for JobView {
    fn id(&self) -> &str {
        &self.key
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            JOB => Cow::Borrowed(self.job_id.as_deref().unwrap_or("")),
            SERVER => Cow::Borrowed(&self.server_name),
            OPERATION => Cow::Borrowed(&self.operation),
            STATUS => Cow::Borrowed(status_word(self)),
            ELAPSED => Cow::Owned(text::duration(self.elapsed)),
            DETAIL => Cow::Owned(match &self.error_code {
                Some(code) if !self.detail.contains(code.as_str()) => {
                    format!("{code} {}", self.detail)
                }
                _ => self.detail.clone(),
            }),
            _ => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            ELAPSED => SortKey::Num(self.elapsed.as_secs()),
            c => SortKey::text(&self.cell(c)),
        }
    }
}

#[derive(Debug)]
pub struct JobsPane {
    pub table: Table<JobView>,
    /// Sub jobs, hint and poll times by job key, for the details.
    pub progress: HashMap<String, JobProgress>,
}

impl Default for JobsPane {
    fn default() -> Self {
        JobsPane {
            table: Table::new(COLUMNS.len(), None),
            progress: HashMap::new(),
        }
    }
}

impl TablePane for JobsPane {
    type Row = JobView;
    fn table(&self) -> &Table<JobView> {
        &self.table
    }
    fn table_mut(&mut self) -> &mut Table<JobView> {
        &mut self.table
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let (th, g) = (&app.theme, &app.glyphs);
        let tb = &self.table;
        let name = title(g, "Jobs", (tb.shown(), tb.total()), tb.filter(), None);
        let show = shower(|j: &JobView, c: usize| show(j, c, th, g));
        let empty = "no jobs yet: change or reinstall an OS from the Servers pane".to_string();
        let spec = TableSpec {
            title: name,
            columns: COLUMNS,
            show: &show,
            empty,
        };
        render_table(f, area, app, tb, spec);
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        let j = self.table.selected()?;
        let title = format!("job on {}", j.server_name);
        Some((title, crate::tui::details::job_fields(app, j)))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::DismissJob]
    }
}

impl JobsPane {
    /// Every job the tracker knows, replacing the rows.
    pub fn set_jobs(&mut self, jobs: Vec<JobView>) {
        self.table.set_rows(jobs);
        TablePane::rebuild(self);
    }

    /// One job added or updated.
    pub fn upsert(&mut self, job: JobView) {
        self.table.upsert(job);
        TablePane::rebuild(self);
    }

    /// A job's row, gone (what its polls said stays until dismissed).
    pub fn remove(&mut self, key: &str) {
        self.table.retain(|j| j.key != key);
        TablePane::rebuild(self);
    }

    /// A live job on this server, if any: its operation, for the servers table.
    pub fn running_on(&self, server_id: &str) -> Option<&JobView> {
        self.table
            .rows()
            .iter()
            .find(|j| j.server_id == server_id && (j.submitting || !j.status.is_terminal()))
    }

    /// Job ids still being followed (for `r`).
    pub fn open_ids(&self) -> Vec<String> {
        self.table
            .rows()
            .iter()
            .filter(|j| !j.submitting && !j.status.is_terminal())
            .filter_map(|j| j.job_id.clone())
            .collect()
    }

    /// What one poll said about a job (`Msg::JobProgress`), added to what earlier polls
    /// said: a field the poll left empty keeps its value, and an answered poll clears the
    /// last poll error.
    pub fn note_progress(&mut self, p: JobProgress) {
        let kept = self.progress.entry(p.key.clone()).or_default();
        kept.key = p.key;
        if p.last_poll.is_some() {
            kept.last_poll = p.last_poll;
            kept.poll_error = None;
        }
        let set = |old: &mut Option<String>, new: Option<String>| {
            if new.is_some() {
                *old = new;
            }
        };
        set(&mut kept.poll_error, p.poll_error);
        set(&mut kept.fail_reason, p.fail_reason);
        set(&mut kept.hint, p.hint);
        if !p.sub_jobs.is_empty() {
            kept.sub_jobs = p.sub_jobs;
        }
    }

    pub fn submitting(&self) -> usize {
        self.table.rows().iter().filter(|j| j.submitting).count()
    }

    /// (running, succeeded, failed) for the header.
    pub fn counts(&self) -> (usize, usize, usize) {
        let rows = self.table.rows();
        let n = |f: &dyn Fn(&JobView) -> bool| rows.iter().filter(|j| f(j)).count();
        (
            n(&|j| j.submitting || !j.status.is_terminal()),
            n(&|j| !j.submitting && j.status == JobStatus::Success),
            n(&|j| !j.submitting && j.status == JobStatus::Fail),
        )
    }
}

pub fn status_style(j: &JobView, theme: &Theme) -> ratatui::style::Style {
    match (j.submitting, j.status) {
        (true, _) => theme.busy,
        (_, JobStatus::Success) => theme.ok,
        (_, JobStatus::Fail) => theme.bad,
        (_, JobStatus::Unknown) => theme.warn,
        _ => theme.busy,
    }
}

pub fn show<'a>(j: &'a JobView, col: usize, theme: &Theme, glyphs: &Glyphs) -> Shown<'a> {
    match col {
        JOB => Shown {
            text: Cow::Owned(match &j.job_id {
                Some(id) => text::short_id(id, glyphs.ellipsis),
                None => "-".to_string(),
            }),
            style: theme.dim,
            highlight: false,
        },
        STATUS => Shown {
            style: status_style(j, theme),
            ..Shown::plain(j.cell(col))
        },
        DETAIL if j.status == JobStatus::Fail => Shown {
            style: theme.bad,
            ..Shown::plain(j.cell(col))
        },
        _ => Shown::plain(j.cell(col)),
    }
}

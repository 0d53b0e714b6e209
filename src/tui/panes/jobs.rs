//! Jobs pane: the jobs the tracker reports (`Msg::JobsReplaced` / `Msg::JobUpdated`) and
//! the rollouts (`Msg::RolloutUpdated`). A rollout is one row standing for the jobs it
//! sent; Enter opens it (the pane then lists only its jobs, Esc goes back).

use super::rollouts::RolloutRow;
use super::view::{PaneView, TablePane};
use super::{Shown, TableSpec, render_table, shower, title};
use crate::cloud::model::JobStatus;
use crate::tui::app::App;
use crate::tui::details::Field;
use crate::tui::key_bindings::Action;
use crate::tui::layers::Layer;
use crate::tui::msg::{JobProgress, JobView, RolloutView};
use crate::tui::table::{Column, SortKey, Table, TableRow};
use crate::tui::text;
use crate::tui::theme::{Glyphs, Theme};
use crate::tui::viewer::{Para, Viewer, label_width};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

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

/// A row of the Jobs pane: a job, or a rollout standing for the jobs it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobRow {
    Job(JobView),
    Rollout(Box<RolloutRow>),
}

impl JobRow {
    pub fn job(&self) -> Option<&JobView> {
        match self {
            JobRow::Job(j) => Some(j),
            JobRow::Rollout(_) => None,
        }
    }

    pub fn rollout(&self) -> Option<&RolloutView> {
        match self {
            JobRow::Rollout(r) => Some(&r.view),
            JobRow::Job(_) => None,
        }
    }
}

impl TableRow for JobRow {
    fn id(&self) -> &str {
        match self {
            JobRow::Job(j) => j.id(),
            JobRow::Rollout(r) => &r.row_id,
        }
    }

    fn cell(&self, col: usize) -> Cow<'_, str> {
        match self {
            JobRow::Job(j) => j.cell(col),
            JobRow::Rollout(r) => r.cell(col),
        }
    }

    fn sort_key(&self, col: usize) -> SortKey {
        match self {
            JobRow::Job(j) => j.sort_key(col),
            JobRow::Rollout(r) => r.sort_key(col),
        }
    }
}

/// Enter on a job: its whole details (failure reason, hint, sub jobs) in the viewer. On a
/// rollout: the pane lists its jobs.
pub fn open_viewer(app: &mut App) {
    let Some(row) = app.jobs.table.selected().cloned() else {
        return;
    };
    let j = match row {
        JobRow::Job(j) => j,
        JobRow::Rollout(r) => {
            app.jobs.open_rollout(&r.row_id);
            return;
        }
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
    pub table: Table<JobRow>,
    /// Sub jobs, hint and poll times by job key, for the details.
    pub progress: HashMap<String, JobProgress>,
    /// The rollout opened with Enter (its row id): only its jobs are listed.
    pub opened: Option<String>,
}

impl Default for JobsPane {
    fn default() -> Self {
        JobsPane {
            table: Table::new(COLUMNS.len(), None),
            progress: HashMap::new(),
            opened: None,
        }
    }
}

impl TablePane for JobsPane {
    type Row = JobRow;
    fn table(&self) -> &Table<JobRow> {
        &self.table
    }
    fn table_mut(&mut self) -> &mut Table<JobRow> {
        &mut self.table
    }
    /// A rollout's jobs fold into its row, unless it is opened: then only they show.
    fn rebuild(&mut self) {
        let rollouts = || self.table.rows().iter().filter_map(JobRow::rollout);
        let folded: HashSet<String> = rollouts()
            .flat_map(|r| r.job_ids().map(str::to_string))
            .collect();
        let opened: Option<HashSet<String>> = self.opened.as_ref().map(|id| {
            self.table
                .get(id)
                .and_then(JobRow::rollout)
                .map(|r| r.job_ids().map(str::to_string).collect())
                .unwrap_or_default()
        });
        let job_id = |j: &JobView| j.job_id.clone().unwrap_or_default();
        self.table.rebuild(&|row| match (row, &opened) {
            (JobRow::Job(j), Some(ids)) => ids.contains(&job_id(j)),
            (JobRow::Rollout(_), Some(_)) => false,
            (JobRow::Job(j), None) => !folded.contains(&job_id(j)),
            (JobRow::Rollout(_), None) => true,
        });
    }
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let (th, g) = (&app.theme, &app.glyphs);
        let tb = &self.table;
        let name = match self.opened_rollout() {
            Some(r) => {
                // The way back first: a narrow screen cuts the end.
                let back = app.keymap.hint(&[Action::Cancel], false);
                format!(
                    "Jobs of rollout {} {} {back} back {} {}",
                    text::short_id(&r.id, g.ellipsis),
                    g.sep,
                    g.sep,
                    r.progress(g.sep, true)
                )
            }
            None => title(g, "Jobs", (tb.shown(), tb.total()), tb.filter(), None),
        };
        let show = shower(|row: &JobRow, c: usize| match row {
            JobRow::Job(j) => show(j, c, th, g),
            JobRow::Rollout(r) => r.show(c, th, g),
        });
        let empty = match self.opened_rollout() {
            Some(_) => "none of its requests was accepted yet".to_string(),
            None => "no jobs yet: change or reinstall an OS from the Servers pane".to_string(),
        };
        let spec = TableSpec {
            title: name,
            columns: COLUMNS,
            show: &show,
            empty,
        };
        render_table(f, area, app, tb, spec);
    }
    fn details(&self, app: &App) -> Option<(String, Vec<Field>)> {
        match self.table.selected()? {
            JobRow::Job(j) => {
                let title = format!("job on {}", j.server_name);
                Some((title, crate::tui::details::job_fields(app, j)))
            }
            JobRow::Rollout(r) => Some((
                format!("rollout of {} servers", r.view.servers.len()),
                super::rollouts::fields(&r.view, &app.theme, app.glyphs.sep),
            )),
        }
    }
    fn hints(&self) -> &'static [Action] {
        match self.table.selected() {
            Some(JobRow::Rollout(_)) => &[Action::PauseRollout, Action::AbandonRollout],
            _ => &[Action::DismissJob],
        }
    }
}

impl JobsPane {
    /// Every job row (the rollouts' jobs too).
    pub fn jobs(&self) -> impl Iterator<Item = &JobView> {
        self.table.rows().iter().filter_map(JobRow::job)
    }

    pub fn rollouts(&self) -> impl Iterator<Item = &RolloutView> {
        self.table.rows().iter().filter_map(JobRow::rollout)
    }

    pub fn job(&self, key: &str) -> Option<&JobView> {
        self.table.get(key).and_then(JobRow::job)
    }

    pub fn selected_job(&self) -> Option<&JobView> {
        self.table.selected().and_then(JobRow::job)
    }

    pub fn selected_rollout(&self) -> Option<&RolloutView> {
        self.table.selected().and_then(JobRow::rollout)
    }

    /// The rollout whose jobs the pane lists, if one is opened.
    pub fn opened_rollout(&self) -> Option<&RolloutView> {
        let id = self.opened.as_ref()?;
        self.table.get(id).and_then(JobRow::rollout)
    }

    /// Enter on a rollout row: list its jobs.
    pub fn open_rollout(&mut self, row_id: &str) {
        self.opened = Some(row_id.to_string());
        TablePane::rebuild(self);
        self.table.top();
    }

    /// Back to every row, on the rollout's row. False when none was opened.
    pub fn close_rollout(&mut self) -> bool {
        let Some(id) = self.opened.take() else {
            return false;
        };
        TablePane::rebuild(self);
        self.select(&id);
        true
    }

    /// The cursor on this row, when it is shown.
    pub fn select(&mut self, row_id: &str) {
        if let Some(i) = self.shown_ids().iter().position(|id| id == row_id) {
            self.table.top();
            self.table.move_by(isize::try_from(i).unwrap_or(0));
        }
    }

    /// Every job the tracker knows, replacing the job rows (rollouts stay).
    pub fn set_jobs(&mut self, jobs: Vec<JobView>) {
        let mut rows: Vec<JobRow> = self
            .table
            .rows()
            .iter()
            .filter(|r| r.rollout().is_some())
            .cloned()
            .collect();
        rows.extend(jobs.into_iter().map(JobRow::Job));
        self.table.set_rows(rows);
        TablePane::rebuild(self);
    }

    /// One job added or updated.
    pub fn upsert(&mut self, job: JobView) {
        self.table.upsert(JobRow::Job(job));
        TablePane::rebuild(self);
    }

    /// A rollout added or updated: the row of its start key, else of its id. Returns the
    /// row's id.
    pub fn upsert_rollout(&mut self, view: RolloutView) -> String {
        let row_id = self
            .table
            .rows()
            .iter()
            .find_map(|r| match r {
                JobRow::Rollout(r)
                    if (!view.key.is_empty() && r.view.key == view.key)
                        || (!view.id.is_empty() && r.view.id == view.id) =>
                {
                    Some(r.row_id.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| {
                format!(
                    "rollout {}",
                    if view.key.is_empty() {
                        &view.id
                    } else {
                        &view.key
                    }
                )
            });
        self.table.upsert(JobRow::Rollout(Box::new(RolloutRow {
            row_id: row_id.clone(),
            view,
        })));
        TablePane::rebuild(self);
        row_id
    }

    /// A row gone (what a job's polls said stays until dismissed).
    pub fn remove(&mut self, key: &str) {
        self.table.retain(|r| r.id() != key);
        TablePane::rebuild(self);
    }

    /// A live job on this server, if any: its operation, for the servers table.
    pub fn running_on(&self, server_id: &str) -> Option<&JobView> {
        self.jobs()
            .find(|j| j.server_id == server_id && (j.submitting || !j.status.is_terminal()))
    }

    /// A live rollout that has this server still to send.
    pub fn rollout_waiting_on(&self, server_id: &str) -> Option<&RolloutView> {
        self.rollouts().find(|r| r.waits_on(server_id))
    }

    /// Job ids still being followed (for `r`).
    pub fn open_ids(&self) -> Vec<String> {
        self.jobs()
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
        self.jobs().filter(|j| j.submitting).count()
    }

    /// Rollouts that would send more: quitting stops them (`apply --resume` goes on).
    pub fn live_rollouts(&self) -> usize {
        self.rollouts().filter(|r| r.is_live()).count()
    }

    /// (running, succeeded, failed) jobs for the header.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |f: &dyn Fn(&JobView) -> bool| self.jobs().filter(|j| f(j)).count();
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

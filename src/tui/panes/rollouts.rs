//! A rollout in the Jobs pane: one row standing for the jobs it sent (`wave 2/3 · 12 ok ·
//! 0 failed · 30 waiting`), its details, and what `p`, `r`, `x` and Enter do on it. The
//! rollout task sends where it stands (`Msg::RolloutUpdated`); the pane only keeps and
//! draws it.

use super::Shown;
use super::jobs::{DETAIL, ELAPSED, JOB, OPERATION, SERVER, STATUS};
use crate::tui::details::Field;
use crate::tui::msg::{RolloutState, RolloutView, ServerStage};
use crate::tui::table::SortKey;
use crate::tui::text;
use crate::tui::theme::{Glyphs, Theme};
use std::borrow::Cow;

/// A rollout's row: its view and the id the table knows it by (its start key, kept when
/// the effects name the rollout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRow {
    pub row_id: String,
    pub view: RolloutView,
}

/// Servers of a rollout by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub ok: usize,
    pub failed: usize,
    pub running: usize,
    pub waiting: usize,
}

impl RolloutView {
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for s in &self.servers {
            match s.stage {
                ServerStage::Ok => t.ok += 1,
                ServerStage::Failed(_) | ServerStage::Unknown(_) => t.failed += 1,
                ServerStage::Running => t.running += 1,
                ServerStage::Waiting => t.waiting += 1,
            }
        }
        t
    }

    /// More may be sent: `p`, `r` and `x` apply.
    pub fn is_live(&self) -> bool {
        matches!(
            self.state,
            RolloutState::Running | RolloutState::Pausing | RolloutState::Paused
        )
    }

    /// Nothing more will be sent; the servers never sent stay "not sent".
    pub fn sends_no_more(&self) -> bool {
        !self.is_live()
    }

    pub fn status_word(&self) -> &'static str {
        match self.state {
            RolloutState::Running => "RUNNING",
            RolloutState::Pausing => "PAUSING",
            RolloutState::Paused => "PAUSED",
            RolloutState::Halted(_) => "HALTED",
            RolloutState::Abandoned => "ABANDONED",
            // Fits the STATUS column: reimage stopped driving it; `apply --resume` goes on.
            RolloutState::Interrupted(_) => "STOPPED",
            RolloutState::Finished => "FINISHED",
            RolloutState::NotStarted(_) => "NOT STARTED",
        }
    }

    /// `wave 2/3 · 12 ok · 0 failed · 30 waiting` (`not sent` once nothing more goes);
    /// with `running`, the jobs still open too.
    pub fn progress(&self, sep: &str, running: bool) -> String {
        format!("{} {sep} {}", self.wave_word(), self.counts(sep, running))
    }

    /// `wave 2/3`.
    pub fn wave_word(&self) -> String {
        format!("wave {}/{}", self.wave, self.waves)
    }

    /// `12 ok · 0 failed · 30 waiting`, and the jobs open with `running`.
    pub fn counts(&self, sep: &str, running: bool) -> String {
        let t = self.tally();
        let mut parts = vec![format!("{} ok", t.ok)];
        parts.push(format!("{} failed", t.failed));
        if running && t.running > 0 {
            parts.push(format!("{} running", t.running));
        }
        // Once nothing more goes, the servers never sent are said only when there are any.
        if self.is_live() {
            parts.push(format!("{} waiting", t.waiting));
        } else if t.waiting > 0 {
            parts.push(format!("{} not sent", t.waiting));
        }
        parts.join(&format!(" {sep} "))
    }

    /// Why it stopped, when it did.
    pub fn reason(&self) -> Option<&str> {
        match &self.state {
            RolloutState::Halted(r)
            | RolloutState::Interrupted(r)
            | RolloutState::NotStarted(r) => Some(r),
            _ => None,
        }
    }

    /// The job ids it sent.
    pub fn job_ids(&self) -> impl Iterator<Item = &str> {
        self.servers.iter().filter_map(|s| s.job_id.as_deref())
    }

    /// The servers not sent yet while more may be: taken, for another form.
    pub fn waits_on(&self, server_id: &str) -> bool {
        self.is_live()
            && self
                .servers
                .iter()
                .any(|s| s.server_id == server_id && s.stage == ServerStage::Waiting)
    }
}

impl RolloutRow {
    pub fn cell(&self, col: usize) -> Cow<'_, str> {
        let v = &self.view;
        match col {
            JOB => Cow::Borrowed(&v.id),
            // What it does is in its details; the row says what it is and where it stands,
            // the counts last, where a narrow screen cuts.
            SERVER => Cow::Owned(format!("rollout of {}", v.servers.len())),
            OPERATION => Cow::Owned(v.wave_word()),
            STATUS => Cow::Borrowed(v.status_word()),
            ELAPSED => Cow::Borrowed(""),
            DETAIL => Cow::Owned(v.counts("·", false)),
            _ => Cow::Borrowed(""),
        }
    }

    pub fn sort_key(&self, col: usize) -> SortKey {
        match col {
            ELAPSED => SortKey::Num(0),
            c => SortKey::text(&self.cell(c)),
        }
    }

    pub fn show(&self, col: usize, theme: &Theme, glyphs: &Glyphs) -> Shown<'_> {
        let v = &self.view;
        match col {
            JOB => Shown {
                text: Cow::Owned(text::short_id(&v.id, glyphs.ellipsis)),
                style: theme.dim,
                highlight: false,
            },
            STATUS => Shown {
                style: state_style(&v.state, theme),
                ..Shown::plain(self.cell(col))
            },
            DETAIL => Shown::plain(Cow::Owned(v.counts(glyphs.sep, false))),
            _ => Shown::plain(self.cell(col)),
        }
    }
}

pub fn state_style(state: &RolloutState, theme: &Theme) -> ratatui::style::Style {
    match state {
        RolloutState::Running | RolloutState::Pausing => theme.busy,
        RolloutState::Paused => theme.warn,
        RolloutState::Finished => theme.ok,
        RolloutState::Halted(_) | RolloutState::NotStarted(_) => theme.bad,
        RolloutState::Abandoned | RolloutState::Interrupted(_) => theme.warn,
    }
}

/// The details of a rollout: where it stands, then every server by wave.
pub fn fields(v: &RolloutView, theme: &Theme, sep: &str) -> Vec<Field> {
    let b = theme.base;
    let mut out: Vec<Field> = vec![
        (
            "rollout",
            if v.id.is_empty() {
                "not journaled".into()
            } else {
                v.id.clone()
            },
            b,
        ),
        ("operation", v.operation.clone(), b),
        (
            "status",
            v.status_word().into(),
            state_style(&v.state, theme),
        ),
        ("progress", v.progress(sep, true), b),
    ];
    if let Some(r) = v.reason() {
        out.push(("why", r.to_string(), theme.bad));
    }
    if matches!(v.state, RolloutState::Interrupted(_)) {
        out.push((
            "resume",
            format!("reimage apply --resume {}", v.id),
            theme.warn,
        ));
    }
    // The servers come in wave order: a wave's label goes on its first.
    let mut last_wave = 0;
    for s in &v.servers {
        let (word, style) = match &s.stage {
            ServerStage::Waiting if v.sends_no_more() => ("not sent".to_string(), theme.warn),
            ServerStage::Waiting => ("waiting".to_string(), theme.dim),
            ServerStage::Running => ("running".to_string(), theme.busy),
            ServerStage::Ok => ("SUCCESS".to_string(), theme.ok),
            ServerStage::Failed(why) => (format!("FAILED {why}"), theme.bad),
            ServerStage::Unknown(why) => (format!("UNKNOWN, check it: {why}"), theme.warn),
        };
        let job = s
            .job_id
            .as_deref()
            .map(|j| format!(" {sep} job {j}"))
            .unwrap_or_default();
        let first_of_wave = s.wave != last_wave;
        last_wave = s.wave;
        out.push((
            if first_of_wave {
                wave_label(s.wave)
            } else {
                ""
            },
            format!("{} {sep} {word}{job}", s.name),
            style,
        ));
    }
    out
}

/// Labels of the details are `&'static str`: the first waves have their own.
fn wave_label(wave: usize) -> &'static str {
    const LABELS: [&str; 10] = [
        "wave 1", "wave 2", "wave 3", "wave 4", "wave 5", "wave 6", "wave 7", "wave 8", "wave 9",
        "wave 10",
    ];
    LABELS.get(wave.wrapping_sub(1)).copied().unwrap_or("wave")
}

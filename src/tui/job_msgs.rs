//! What the TUI does when the job poller reports: a note (and the bell) when a job ends,
//! `r` in the Jobs pane, and the lock of servers with an open job.

use super::app::{App, Pane};
use super::command::Command;
use super::panes::jobs::status_word;
use super::toast::Level;
use crate::cloud::model::JobStatus;

/// A job ended: say how, once, where any pane shows it.
pub(crate) fn job_ended(app: &mut App, key: &str, bell: bool) -> Vec<Command> {
    let Some(j) = app.jobs.table.get(key).cloned() else {
        return Vec::new();
    };
    let (level, hint) = match j.status {
        JobStatus::Success => (Level::Info, None),
        _ => (
            Level::Error,
            app.jobs.progress.get(key).and_then(|p| p.hint.clone()),
        ),
    };
    let mut text = format!("{} of {}: {}", j.operation, j.server_name, status_word(&j));
    let detail = super::table::TableRow::cell(&j, super::panes::jobs::DETAIL);
    if !detail.is_empty() {
        text.push_str(&format!(" {} {detail}", app.glyphs.sep));
    }
    app.note(level, text, hint);
    if bell {
        vec![Command::Bell]
    } else {
        Vec::new()
    }
}

/// `r` in the Jobs pane: poll every open job now.
pub(crate) fn poll_now(app: &mut App) -> Vec<Command> {
    let ids = app.jobs.open_ids();
    if ids.is_empty() {
        app.note(Level::Info, "no open job to poll", None);
        return Vec::new();
    }
    app.note(
        Level::Info,
        format!("polling {} open job(s)", ids.len()),
        None,
    );
    vec![Command::PollJobs(ids)]
}

/// Change, reinstall and stop are refused on a server whose job is still open; in bulk,
/// only when every marked server has one (the others go ahead, [`busy`] tells them apart).
pub(crate) fn refuse_busy(app: &mut App) -> bool {
    if app.pane != Pane::Servers {
        return false;
    }
    let marks = app.servers.table.marks();
    let ids: Vec<String> = if marks.is_empty() {
        app.servers
            .table
            .selected()
            .map(|s| s.id.clone())
            .into_iter()
            .collect()
    } else {
        marks.iter().cloned().collect()
    };
    let open: Vec<String> = ids
        .iter()
        .filter_map(|id| busy(app, id))
        .map(|(name, job)| format!("{name} ({job})"))
        .collect();
    if open.is_empty() || open.len() < ids.len() {
        return false;
    }
    app.note(
        Level::Warn,
        format!(
            "a job is running on this server: {}; wait for it to end (Jobs pane, 4)",
            open.join(", ")
        ),
        None,
    );
    true
}

/// The open job on a server, if it has one: the server's name and "operation status".
pub(crate) fn busy(app: &App, server_id: &str) -> Option<(String, String)> {
    let j = app.jobs.running_on(server_id)?;
    Some((
        j.server_name.clone(),
        format!("{} {}", j.operation, status_word(j)),
    ))
}

//! What the TUI does when the job poller reports: a note (and the bell) when a job ends,
//! `r` in the Jobs pane, `p`/`r`/`x` on a rollout, and the lock of servers with an open
//! job or a rollout that has them still to send.

use super::app::{App, Pane};
use super::command::{Command, Steer};
use super::msg::{RolloutState, RolloutView};
use super::panes::jobs::status_word;
use super::toast::Level;
use crate::cloud::model::JobStatus;

/// A job ended: say how, once, where any pane shows it.
pub(crate) fn job_ended(app: &mut App, key: &str, bell: bool) -> Vec<Command> {
    let Some(j) = app.jobs.job(key).cloned() else {
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

/// A rollout moved: its row follows, and an end (or a halt) is said once.
pub(crate) fn rollout_updated(app: &mut App, view: RolloutView) -> Vec<Command> {
    let before = app
        .jobs
        .rollouts()
        .find(|r| {
            (!view.key.is_empty() && r.key == view.key) || (!view.id.is_empty() && r.id == view.id)
        })
        .map(|r| r.state.clone());
    let progress = view.progress(app.glyphs.sep, true);
    let changed = before.as_ref() != Some(&view.state);
    let said = match &view.state {
        _ if !changed => None,
        // Replayed from the journal: listed, not announced.
        _ if before.is_none() && view.key.is_empty() => None,
        RolloutState::Finished => Some((
            Level::Info,
            format!("rollout {} finished: {progress}", view.id),
        )),
        RolloutState::Halted(why) => Some((
            Level::Error,
            format!("rollout {} halted: {why}; {progress}", view.id),
        )),
        RolloutState::NotStarted(why) => Some((
            Level::Error,
            format!("the rollout did not start, nothing was sent: {why}"),
        )),
        RolloutState::Interrupted(why) => Some((
            Level::Warn,
            format!(
                "rollout {} stopped: {why}; go on with reimage apply --resume {}",
                view.id, view.id
            ),
        )),
        RolloutState::Paused => Some((
            Level::Info,
            format!(
                "rollout {} paused after wave {}/{}: p or r resumes",
                view.id, view.wave, view.waves
            ),
        )),
        _ => None,
    };
    app.jobs.upsert_rollout(view);
    if let Some((level, text)) = said {
        app.note(level, text, None);
    }
    Vec::new()
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

/// The open job on a server, if it has one, or the live rollout that has it still to
/// send: the server's name and "operation status".
pub(crate) fn busy(app: &App, server_id: &str) -> Option<(String, String)> {
    if let Some(r) = app.jobs.rollout_waiting_on(server_id) {
        let name = r
            .servers
            .iter()
            .find(|s| s.server_id == server_id)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        return Some((name, format!("waits in rollout {}", r.id)));
    }
    let j = app.jobs.running_on(server_id)?;
    Some((
        j.server_name.clone(),
        format!("{} {}", j.operation, status_word(j)),
    ))
}

/// The selected rollout, if it can still be steered; else a note saying why not.
fn steerable(app: &mut App) -> Option<RolloutView> {
    let Some(r) = app.jobs.selected_rollout().cloned() else {
        app.note(Level::Info, "p, r and x act on a rollout row", None);
        return None;
    };
    if r.id.is_empty() && r.is_live() {
        app.note(
            Level::Info,
            "the rollout is starting; try again in a moment",
            None,
        );
        return None;
    }
    if !r.is_live() {
        let why = match &r.state {
            RolloutState::Interrupted(_) => format!(
                "rollout {} is not running here: go on with reimage apply --resume {}",
                r.id, r.id
            ),
            _ => format!("rollout {} sends no more: it is {}", r.id, r.status_word()),
        };
        app.note(Level::Info, why, None);
        return None;
    }
    Some(r)
}

fn steer(app: &mut App, r: &RolloutView, steer: Steer, state: RolloutState) -> Vec<Command> {
    let mut shown = r.clone();
    shown.state = state;
    app.jobs.upsert_rollout(shown);
    vec![Command::SteerRollout {
        id: r.id.clone(),
        steer,
    }]
}

/// `p` on a rollout: pause after the wave in flight; on a paused one, resume.
pub(crate) fn pause_rollout(app: &mut App) -> Vec<Command> {
    let Some(r) = steerable(app) else {
        return Vec::new();
    };
    if matches!(r.state, RolloutState::Pausing | RolloutState::Paused) {
        return resume(app, &r);
    }
    app.note(
        Level::Info,
        format!(
            "rollout {}: the wave in flight goes on; the next waits for p or r",
            r.id
        ),
        None,
    );
    steer(app, &r, Steer::Pause, RolloutState::Pausing)
}

/// `r` on a paused rollout: go on. `None` when the row is no paused rollout (`r` then
/// polls the jobs).
pub(crate) fn resume_rollout(app: &mut App) -> Option<Vec<Command>> {
    let r = app
        .jobs
        .selected_rollout()
        .filter(|r| matches!(r.state, RolloutState::Pausing | RolloutState::Paused))
        .cloned()?;
    Some(resume(app, &r))
}

fn resume(app: &mut App, r: &RolloutView) -> Vec<Command> {
    app.note(Level::Info, format!("rollout {}: resumed", r.id), None);
    steer(app, r, Steer::Resume, RolloutState::Running)
}

/// `x` on a rollout: send nothing more. The jobs sent go on to their end; it asks no
/// confirmation because it only ever sends less.
pub(crate) fn abandon_rollout(app: &mut App) -> Vec<Command> {
    let Some(r) = steerable(app) else {
        return Vec::new();
    };
    let waiting = r.tally().waiting;
    app.note(
        Level::Warn,
        format!(
            "rollout {}: abandoned; {waiting} server(s) will not be sent; the jobs sent go on",
            r.id
        ),
        None,
    );
    steer(app, &r, Steer::Abandon, RolloutState::Abandoned)
}

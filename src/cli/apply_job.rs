//! The job of `reimage apply`: before the send, the journal must be usable and hold no
//! open job for the server (a rerun after a lost poll must not change it twice); after
//! it, `--wait` follows the job with the TUI's poller, so each state goes to the journal
//! and the outcome to the audit log, once even when `reimage jobs --watch` follows it too.

use super::CliError;
use crate::config::Resolved;
use crate::jobs::audit::Actor;
use crate::jobs::journal::Journal;
use crate::jobs::poller::JobEvent;
use crate::jobs::record::{JobRecord, TrackedState};
use crate::safe_text::escape;
use std::sync::Arc;

/// The journal, opened before anything is sent. Refused when it or the audit log cannot
/// be used, or when it holds an open job for this server: that job is named, and nothing
/// is sent.
pub(super) fn open_journal_for(
    resolved: &Resolved,
    server_id: &str,
    server_name: &str,
) -> Result<Journal, CliError> {
    open_journal_for_all(resolved, &[(server_id, server_name)])
}

/// [`open_journal_for`] several servers (`reimage stop`): refused when any has an open job.
pub(super) fn open_journal_for_all(
    resolved: &Resolved,
    servers: &[(&str, &str)],
) -> Result<Journal, CliError> {
    let (journal, replay) = Journal::open(resolved.paths.jobs_journal())?;
    crate::fsio::state::open_append(&resolved.paths.audit_log(), crate::fsio::FileKind::AuditLog)?;
    for w in &replay.warnings {
        eprintln!("warning: {}", escape(w));
    }
    let open = servers.iter().find_map(|(id, name)| {
        let job = replay.unfinished().find(|j| j.server_id == *id)?;
        Some((job, *name))
    });
    if let Some((open, server_name)) = open {
        return Err(CliError::Usage(format!(
            "server {server_name} has an open job {} ({}, {} at {}) in the journal {}: nothing \
             was sent. Follow it to its end with `reimage jobs --watch`, then run this again",
            open.job_id,
            open.operation.label(),
            open.state.label(),
            open.updated_at,
            journal.path().display()
        )));
    }
    Ok(journal)
}

/// How following a job ended.
pub(super) enum Followed {
    /// Final, or waiting for payment (nothing more happens until the order is paid).
    Ended(JobRecord),
    /// A poll failed: the job goes on, its last known state is kept.
    PollFailed { last: JobRecord, error: String },
}

/// Follow `rec` with the poller until it ends, waits for payment, or a poll fails; one
/// line on stderr per state.
pub(super) async fn follow(
    resolved: &Resolved,
    client: crate::cloud::Client,
    journal: Arc<Journal>,
    actor: Actor,
    rec: JobRecord,
) -> Result<Followed, CliError> {
    let (handle, mut rx) = super::jobs::script_poller(resolved, client, journal, actor)?;
    let started = std::time::Instant::now();
    handle.track(rec.clone());
    let mut last = rec;
    while let Some(event) = rx.recv().await {
        match event {
            JobEvent::Changed { record, .. } => {
                last = *record;
                eprintln!(
                    "job {}: {} ({}s)",
                    escape(&last.job_id),
                    last.state.label(),
                    started.elapsed().as_secs()
                );
                if last.state.is_final() || last.state == TrackedState::PendingPayment {
                    return Ok(Followed::Ended(last));
                }
            }
            JobEvent::PollFailed { error, .. } => {
                return Ok(Followed::PollFailed { last, error });
            }
            JobEvent::Polled { .. } => {}
        }
    }
    Err(CliError::FollowFailed {
        job_id: last.job_id,
        error: "the job poller stopped".into(),
    })
}

//! The TUI's change/reinstall and stop requests, run by its effects: sent once (never
//! retried), the accepted job journaled (fsynced) before the TUI hears of it, then handed
//! to the poller. At most [`super::tui::DEFAULT_SUBMIT_CONCURRENCY`] (or as configured) are
//! in flight at once.

use crate::cloud::model::ServerKind;
use crate::cloud::{Client, CloudError, ErrorKind};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::poller::PollerHandle;
use crate::jobs::record::JobRecord;
use crate::jobs::submitted;
use crate::tui::{Msg, Submission, SubmitOutcome};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

/// Where accepted jobs go.
pub(super) struct Sink {
    pub journal: Arc<Journal>,
    pub audit: (AuditLog, Actor),
    pub poller: Option<PollerHandle>,
    pub permits: Arc<Semaphore>,
}

pub(super) struct StopTarget {
    /// `reimage stop --hard`'s choice: see [`crate::cloud::stop_type`].
    pub hard: bool,
    pub kind: ServerKind,
    pub server_id: String,
    pub server_name: String,
}

/// Sends one change/reinstall request and reports `Msg::Submitted` (after
/// `Msg::JobUpdated` when accepted).
pub(super) async fn os_request(
    client: Client,
    sink: Sink,
    sub: Submission,
    tx: UnboundedSender<Msg>,
) {
    let Ok(_permit) = sink.permits.clone().acquire_owned().await else {
        return;
    };
    let plan = &sub.plan;
    tracing::info!(server = %plan.server_name, path = %plan.path, body = %plan.masked_body(), "sending OS request");
    // The exact bytes the review showed (masked), in a buffer that is wiped once the
    // request is sent; see `Call::post_secret_once` for what the HTTP stack copies.
    let result = client
        .submit_os_request(plan.kind, &plan.path, plan.body.to_bytes())
        .await;
    let outcome = match result {
        Ok(accepted) => {
            // Journaled and audited in the words `apply` uses.
            let rec = submitted::record_for_plan(plan, &accepted, client.context());
            accept(&sink, &tx, rec, Some(&submitted::login_mode(plan)))
        }
        Err(e) => refused(&e),
    };
    let _ = tx.send(Msg::Submitted {
        key: sub.key,
        outcome,
    });
}

/// Stops one server, tracked like an OS job.
pub(super) async fn stop(
    client: Client,
    sink: Sink,
    key: String,
    server: StopTarget,
    tx: UnboundedSender<Msg>,
) {
    let Ok(_permit) = sink.permits.clone().acquire_owned().await else {
        return;
    };
    let result = client
        .stop_servers_as(
            server.kind,
            std::slice::from_ref(&server.server_id),
            crate::cloud::stop_type(server.kind, server.hard),
        )
        .await;
    let outcome = match result {
        Ok(accepted) => {
            let rec = submitted::record_for_stop(
                (server.kind, &server.server_id, &server.server_name),
                &accepted,
                client.context(),
            );
            accept(&sink, &tx, rec, None)
        }
        Err(e) => refused(&e),
    };
    let _ = tx.send(Msg::Submitted { key, outcome });
}

/// An accepted job: journaled (fsynced) first, then audited, shown and tracked, so that a
/// crash after the TUI showed it can never lose it. `login` names the login mode, never
/// its secret.
fn accept(
    sink: &Sink,
    tx: &UnboundedSender<Msg>,
    rec: JobRecord,
    login: Option<&str>,
) -> SubmitOutcome {
    if let Err(e) = sink.journal.record_submitted(&rec) {
        tracing::error!(job_id = %rec.job_id, error = %e, "journal write failed");
        let _ = tx.send(Msg::Error {
            error: format!(
                "job {} was accepted but could not be written to the journal: {e}",
                rec.job_id
            ),
            // `e` names the journal's path; there is no command that shows it.
            hint: Some("it is tracked until reimage quits; check the disk and that path".into()),
        });
    }
    let (log, actor) = &sink.audit;
    if let Err(e) = log.submitted(actor, &rec, login) {
        tracing::error!(job_id = %rec.job_id, error = %e, "cannot write the audit log");
    }
    let _ = tx.send(Msg::JobUpdated(super::tui_jobs::job_view(&rec)));
    if let Some(p) = &sink.poller {
        p.track(rec.clone());
    }
    SubmitOutcome::Accepted { job_id: rec.job_id }
}

/// A request that failed: the service's words and hint. A send whose outcome is unknown
/// is reported as such and never resent.
fn refused(e: &CloudError) -> SubmitOutcome {
    tracing::warn!(error = %e, "request refused or unanswered");
    let error = e.to_string();
    let hint = e.hint().map(str::to_string);
    if e.kind == ErrorKind::AmbiguousSend {
        SubmitOutcome::Unknown { error, hint }
    } else {
        SubmitOutcome::Rejected { error, hint }
    }
}

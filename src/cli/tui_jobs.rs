//! The TUI side of the job poller: turns each [`JobEvent`] into the TUI's messages (row,
//! details, end note, bell) and re-reads the job's server so its row shows the service's
//! own view (`REBUILD`/`rebuilding` while it runs, the new image after).

use super::tui::job_view;
use crate::cloud::Client;
use crate::cloud::model::{Job, Server};
use crate::jobs::poller::JobEvent;
use crate::jobs::record::{JobOperation, JobRecord, TrackedState};
use crate::tui::{JobProgress, Msg};
use std::collections::HashMap;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Forward poller events to the TUI until either side closes. `known` are the jobs the
/// TUI already shows (replayed), so a quiet poll can refresh their elapsed time.
pub(super) async fn forward(
    mut events: UnboundedReceiver<JobEvent>,
    tx: UnboundedSender<Msg>,
    client: Client,
    known: Vec<JobRecord>,
    bell: bool,
) {
    let mut records: HashMap<String, JobRecord> =
        known.into_iter().map(|r| (r.job_id.clone(), r)).collect();
    let mut progress: HashMap<String, JobProgress> = HashMap::new();
    while let Some(ev) = events.recv().await {
        let mut out = Vec::new();
        match ev {
            JobEvent::Changed { record, detail } => {
                let p = progress.entry(record.job_id.clone()).or_default();
                p.key = record.job_id.clone();
                p.last_poll = Some(clock());
                p.poll_error = None;
                p.fail_reason = record.fail_reason.clone();
                p.hint = record.hint().map(str::to_string);
                if let Some(job) = detail.as_deref() {
                    p.sub_jobs = sub_job_lines(job);
                }
                out.push(Msg::JobUpdated(job_view(&record)));
                out.push(Msg::JobProgress(p.clone()));
                if record.state.is_final() {
                    out.push(Msg::JobEnded {
                        key: record.job_id.clone(),
                        bell,
                    });
                }
                refresh_server(&client, &record, &tx);
                records.insert(record.job_id.clone(), *record);
            }
            JobEvent::Polled { job_id } => {
                if let Some(rec) = records.get(&job_id) {
                    out.push(Msg::JobUpdated(job_view(rec)));
                }
                let p = progress.entry(job_id.clone()).or_default();
                p.key = job_id;
                p.last_poll = Some(clock());
                p.poll_error = None;
                out.push(Msg::JobProgress(p.clone()));
            }
            JobEvent::PollFailed {
                job_id,
                error,
                paused,
            } => {
                let p = progress.entry(job_id.clone()).or_default();
                p.key = job_id;
                p.poll_error = Some(match paused {
                    Some(d) => format!("throttled, resuming in {}s: {error}", d.as_secs()),
                    None => error,
                });
                out.push(Msg::JobProgress(p.clone()));
            }
        }
        for msg in out {
            if tx.send(msg).is_err() {
                return;
            }
        }
    }
}

/// Re-read the job's server in the background; a failure only leaves the row as it was.
/// After a successful change the server must show the new image: if not, say so.
fn refresh_server(client: &Client, rec: &JobRecord, tx: &UnboundedSender<Msg>) {
    let (client, tx) = (client.clone(), tx.clone());
    let rec = rec.clone();
    tokio::spawn(async move {
        match client.show_server(rec.kind, &rec.server_id).await {
            Ok(server) => {
                if let Some(msg) = image_mismatch(&rec, &server) {
                    let _ = tx.send(msg);
                }
                let _ = tx.send(Msg::ServerUpdated(Box::new(server)));
            }
            Err(e) => {
                tracing::info!(server = %rec.server_id, error = %e, "cannot re-read the server")
            }
        }
    });
}

/// A change reported SUCCESS but the server shows another image (by name or id).
fn image_mismatch(rec: &JobRecord, server: &Server) -> Option<Msg> {
    let wanted = rec.new_image.as_deref()?;
    let ended_ok = rec.state == TrackedState::Success && rec.operation == JobOperation::ChangeOs;
    let shown = [server.image_name(), server.current_image_id()];
    if !ended_ok || shown.iter().flatten().any(|s| *s == wanted) {
        return None;
    }
    Some(Msg::Error {
        error: format!(
            "{}: the change reported SUCCESS but the server shows image {}, not {wanted}",
            rec.server_name,
            server.image_name().unwrap_or("(none)")
        ),
        hint: Some(format!(
            "check the server in the console and job {} before changing it again",
            rec.job_id
        )),
    })
}

/// `HH:MM:SS UTC` of now.
fn clock() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02} UTC", t.hour(), t.minute(), t.second())
}

/// One line per sub job: status, server, and the failure of those that failed.
pub fn sub_job_lines(job: &Job) -> Vec<String> {
    job.entities
        .sub_jobs
        .iter()
        .map(|s| {
            let mut line = format!(
                "{} {}",
                s.status,
                s.entities.server_id.as_deref().unwrap_or("-")
            );
            for part in [&s.error_code, &s.fail_reason].into_iter().flatten() {
                line.push(' ');
                line.push_str(part);
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::model::ServerKind;

    fn change(state: TrackedState, new_image: &str) -> JobRecord {
        JobRecord {
            job_id: "j1".into(),
            kind: ServerKind::Ecs,
            operation: JobOperation::ChangeOs,
            server_id: "s1".into(),
            server_name: "web-03".into(),
            route: Some("v2".into()),
            region: String::new(),
            project_id: String::new(),
            old_image: Some("CentOS 7.9 64bit".into()),
            new_image: Some(new_image.into()),
            order_id: None,
            submitted_at: crate::jobs::record::now_rfc3339(),
            state,
            error_code: None,
            fail_reason: None,
            updated_at: crate::jobs::record::now_rfc3339(),
        }
    }

    #[test]
    fn success_is_checked_against_the_server_image() {
        let server: Server = serde_json::from_str(
            r#"{"id":"s1","name":"web-03","status":"ACTIVE","image":{"id":"img-u"},
               "metadata":{"image_name":"Ubuntu 22.04 server 64bit"}}"#,
        )
        .expect("server");
        let ok = change(TrackedState::Success, "Ubuntu 22.04 server 64bit");
        assert!(image_mismatch(&ok, &server).is_none());
        assert!(image_mismatch(&change(TrackedState::Success, "img-u"), &server).is_none());
        let wrong = change(TrackedState::Success, "Debian 12.0.0 64bit");
        match image_mismatch(&wrong, &server) {
            Some(Msg::Error { error, hint }) => {
                assert!(
                    error.contains("Ubuntu 22.04") && error.contains("Debian 12"),
                    "{error}"
                );
                assert!(hint.is_some_and(|h| h.contains("j1")));
            }
            other => panic!("expected an error, got {other:?}"),
        }
        // Still running, or failed: the image is not expected to have changed.
        assert!(image_mismatch(&change(TrackedState::Running, "Debian 12"), &server).is_none());
        assert!(image_mismatch(&change(TrackedState::Fail, "Debian 12"), &server).is_none());
    }
}

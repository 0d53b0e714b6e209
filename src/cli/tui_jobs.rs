//! The TUI side of the job poller: turns each [`JobEvent`] into the TUI's messages (row,
//! details, end note, bell) and re-reads the job's server so its row shows the service's
//! own view (`REBUILD`/`rebuilding` while it runs, the new image after).

use super::tui::job_view;
use crate::cloud::Client;
use crate::cloud::model::Job;
use crate::jobs::poller::JobEvent;
use crate::jobs::record::JobRecord;
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
fn refresh_server(client: &Client, rec: &JobRecord, tx: &UnboundedSender<Msg>) {
    let (client, tx) = (client.clone(), tx.clone());
    let (kind, id) = (rec.kind, rec.server_id.clone());
    tokio::spawn(async move {
        match client.show_server(kind, &id).await {
            Ok(server) => {
                let _ = tx.send(Msg::ServerUpdated(Box::new(server)));
            }
            Err(e) => tracing::info!(server = %id, error = %e, "cannot re-read the server"),
        }
    });
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

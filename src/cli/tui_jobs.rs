//! Job wiring: starts the job poller (resuming the journal's unfinished jobs), hands it
//! the Jobs pane's `r` and `d`, hands each [`JobEvent`] to the rollouts driven here
//! (`tui_rollouts`) and turns it into the TUI's messages (row,
//! progress, end note, bell) and re-reads the job's server so its row shows the service's
//! own view (`REBUILD`/`rebuilding` while it runs, the new image after).
//!
//! A job's row ([`JobView`]) and what a poll said ([`JobProgress`]) are computed here and
//! only here; the Jobs pane keeps and draws them.

use super::tui_effects::EffectsState;
use crate::cloud::Client;
use crate::cloud::model::{Job, JobStatus, Server};
use crate::jobs::poller::{self, JobEvent, Sinks};
use crate::jobs::record::{JobOperation, JobRecord, TrackedState};
use crate::tui::{JobProgress, JobView, Msg};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

impl EffectsState {
    /// Start the job poller once, resuming the journal's unfinished jobs.
    pub(super) fn ensure_poller(self: &Arc<Self>, client: &Client, tx: &UnboundedSender<Msg>) {
        let Ok(mut slot) = self.poller.write() else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = poller::spawn(
            client.clone(),
            self.job_settings.poller.clone(),
            Sinks {
                journal: self.journal.clone(),
                audit: Some(self.audit()),
                events: events_tx,
            },
        );
        let views: Vec<JobView> = self.replay.iter().map(job_view).collect();
        let _ = tx.send(Msg::JobsReplaced(views));
        self.replay_rollouts(client, tx);
        let ctx = client.context();
        for rec in &self.replay {
            if rec.belongs_to(&ctx.region, &ctx.project_id) {
                handle.track(rec.clone());
            } else if !rec.state.is_final() {
                tracing::warn!(job_id = %rec.job_id, region = %rec.region, "job of another region or project: not polled here");
            }
        }
        tokio::spawn(self.clone().forward(events_rx, tx.clone(), client.clone()));
        *slot = Some(handle);
    }

    /// `r` in the Jobs pane: poll these jobs now.
    pub(super) fn poll_now(&self, ids: &[String]) {
        if let Some(p) = self.poller() {
            ids.iter().for_each(|id| p.poll_now(id));
        }
    }

    /// `d` in the Jobs pane: journal the dismissal and stop following the job.
    pub(super) fn dismiss(&self, id: &str) {
        if let Err(e) = self.journal.record_dismissed(id) {
            tracing::error!(job_id = %id, error = %e, "cannot journal a dismissal");
        }
        if let Some(p) = self.poller() {
            p.forget(id);
        }
    }

    /// Forward poller events to the TUI until either side closes; re-read the server of
    /// each job that moved.
    async fn forward(
        self: Arc<Self>,
        mut events: UnboundedReceiver<JobEvent>,
        tx: UnboundedSender<Msg>,
        client: Client,
    ) {
        // The jobs the TUI shows (replayed ones first), so a quiet poll can refresh the
        // elapsed time of their rows.
        let mut records: HashMap<String, JobRecord> = self
            .replay
            .iter()
            .map(|r| (r.job_id.clone(), r.clone()))
            .collect();
        while let Some(ev) = events.recv().await {
            self.hand_to_rollouts(&ev);
            let (out, moved) = messages(ev, &mut records, self.job_settings.bell);
            if let Some(rec) = moved {
                let (client, tx) = (client.clone(), tx.clone());
                self.listings.spawn_read(refresh_server(client, rec, tx));
            }
            for msg in out {
                if tx.send(msg).is_err() {
                    return;
                }
            }
        }
    }
}

/// What the TUI is told of one poller event, and the job whose server to re-read. Each
/// `JobProgress` says what this poll said; the Jobs pane keeps what earlier polls said.
fn messages(
    ev: JobEvent,
    records: &mut HashMap<String, JobRecord>,
    bell: bool,
) -> (Vec<Msg>, Option<JobRecord>) {
    match ev {
        JobEvent::Changed { record, detail } => {
            let mut out = vec![
                Msg::JobUpdated(job_view(&record)),
                Msg::JobProgress(JobProgress {
                    key: record.job_id.clone(),
                    last_poll: Some(clock()),
                    poll_error: None,
                    fail_reason: record.fail_reason.clone(),
                    hint: record.hint().map(str::to_string),
                    sub_jobs: detail.as_deref().map(sub_job_lines).unwrap_or_default(),
                }),
            ];
            if record.state.is_final() {
                out.push(Msg::JobEnded {
                    key: record.job_id.clone(),
                    bell,
                });
            }
            records.insert(record.job_id.clone(), (*record).clone());
            (out, Some(*record))
        }
        JobEvent::Polled { job_id } => {
            let mut out: Vec<Msg> = records
                .get(&job_id)
                .map(job_view)
                .map(Msg::JobUpdated)
                .into_iter()
                .collect();
            out.push(Msg::JobProgress(JobProgress {
                key: job_id,
                last_poll: Some(clock()),
                ..JobProgress::default()
            }));
            (out, None)
        }
        JobEvent::PollFailed {
            job_id,
            error,
            paused,
        } => {
            let poll_error = match paused {
                Some(d) => format!("throttled, resuming in {}s: {error}", d.as_secs()),
                None => error,
            };
            let progress = JobProgress {
                key: job_id,
                poll_error: Some(poll_error),
                ..JobProgress::default()
            };
            (vec![Msg::JobProgress(progress)], None)
        }
    }
}

/// How the Jobs pane shows a journal record: its row. The error code stays in its own
/// field (the pane puts it before the detail), so the detail is the rest: how a job
/// reimage gave up on ended, and the service's failure text.
pub(super) fn job_view(rec: &JobRecord) -> JobView {
    let status = match rec.state {
        TrackedState::Submitted | TrackedState::Init => JobStatus::Init,
        TrackedState::Running => JobStatus::Running,
        TrackedState::PendingPayment => JobStatus::PendingPayment,
        TrackedState::Success => JobStatus::Success,
        // Final for reimage: ended like failures, and named as reimage named them.
        TrackedState::Fail | TrackedState::Lost | TrackedState::TimedOut => JobStatus::Fail,
    };
    let gave_up =
        matches!(rec.state, TrackedState::Lost | TrackedState::TimedOut).then(|| rec.state.label());
    let elapsed = rec.elapsed(time::OffsetDateTime::now_utc());
    let detail = rec.fail_reason.clone().unwrap_or_default();
    let operation = match &rec.route {
        Some(route) => format!("{} {route}", rec.operation.label()),
        None => rec.operation.label().to_string(),
    };
    JobView {
        key: rec.job_id.clone(),
        job_id: Some(rec.job_id.clone()),
        server_id: rec.server_id.clone(),
        server_name: rec.server_name.clone(),
        kind: rec.kind,
        operation,
        submitting: false,
        status,
        gave_up,
        elapsed,
        detail: detail.trim_end().to_string(),
        error_code: rec.error_code.clone(),
    }
}

/// Re-read the job's server in the background; a failure only leaves the row as it was.
/// After a successful change the server must show the new image: if not, say so.
async fn refresh_server(client: Client, rec: JobRecord, tx: UnboundedSender<Msg>) {
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
fn sub_job_lines(job: &Job) -> Vec<String> {
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
    use crate::tui::{App, HeaderInfo, UiOptions};

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

    fn failed_bms() -> JobRecord {
        JobRecord {
            job_id: "j2".into(),
            kind: ServerKind::Bms,
            operation: JobOperation::ReinstallOs,
            server_id: "b1".into(),
            server_name: "bms-01".into(),
            route: None,
            region: String::new(),
            project_id: String::new(),
            old_image: None,
            new_image: None,
            order_id: None,
            submitted_at: crate::jobs::record::now_rfc3339(),
            state: TrackedState::Fail,
            error_code: Some("BMS.0111".into()),
            fail_reason: Some("none or multiple passwords".into()),
            updated_at: crate::jobs::record::now_rfc3339(),
        }
    }

    /// The code is shown once: the row puts `error_code` before the detail, so the
    /// detail must not carry it too (a LOST job showed `X LOST X reason`).
    #[test]
    fn the_error_code_is_not_repeated_in_the_detail() {
        let mut rec = failed_bms();
        let view = job_view(&rec);
        assert_eq!(view.detail, "none or multiple passwords");
        assert_eq!(view.error_code.as_deref(), Some("BMS.0111"));
        rec.state = TrackedState::Lost;
        let view = job_view(&rec);
        assert_eq!(view.detail, "none or multiple passwords");
        assert_eq!(view.gave_up, Some("LOST"));
        assert_eq!(view.status, JobStatus::Fail);
    }

    /// What each poll said adds up in the Jobs pane: a quiet poll keeps the sub jobs and
    /// the hint, a failed poll is shown until a poll answers again.
    #[test]
    fn progress_adds_up_across_polls() {
        let mut app = App::new(HeaderInfo::default(), &UiOptions::default());
        let mut records = HashMap::new();
        let job: Job = serde_json::from_str(
            r#"{"job_id":"j2","status":"FAIL","entities":{"sub_jobs":[
                {"job_id":"s","status":"FAIL","error_code":"BMS.0111",
                 "entities":{"server_id":"b1"}}]}}"#,
        )
        .expect("job");
        let mut failed = failed_bms();
        failed.error_code = Some("Ecs.0100".into());
        let events = [
            JobEvent::Changed {
                record: Box::new(failed),
                detail: Some(Box::new(job)),
            },
            JobEvent::Polled {
                job_id: "j2".into(),
            },
            JobEvent::PollFailed {
                job_id: "j2".into(),
                error: "connection reset".into(),
                paused: None,
            },
        ];
        for ev in events {
            let (msgs, _) = messages(ev, &mut records, false);
            for msg in msgs {
                app.update(msg);
            }
        }
        let kept = app.jobs.progress.get("j2").cloned().expect("progress kept");
        assert_eq!(kept.sub_jobs, vec!["FAIL b1 BMS.0111".to_string()]);
        assert_eq!(
            kept.fail_reason.as_deref(),
            Some("none or multiple passwords")
        );
        assert!(kept.hint.is_some(), "the code's hint");
        assert!(kept.last_poll.is_some());
        assert_eq!(kept.poll_error.as_deref(), Some("connection reset"));
        let (msgs, _) = messages(
            JobEvent::Polled {
                job_id: "j2".into(),
            },
            &mut records,
            false,
        );
        msgs.into_iter().for_each(|m| {
            app.update(m);
        });
        let kept = app.jobs.progress.get("j2").cloned().expect("progress kept");
        assert_eq!(kept.poll_error, None, "an answered poll clears the error");
        assert_eq!(kept.sub_jobs.len(), 1);
    }
}

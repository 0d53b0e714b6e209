//! What a rollout says at its end (which servers were sent, each with its outcome, and
//! which were not), the exit status it makes, and its line in `reimage jobs`.

use super::rollout::Ended;
use super::{CliError, table};
use crate::jobs::rollout::Rollout;

/// The end report: a headline, then one row per server in wave order.
pub(super) fn report(r: &Rollout) -> String {
    let sent = r.servers().filter(|(_, _, p)| p.was_sent()).count();
    let headline = match (&r.halted, r.finished) {
        (Some(reason), _) => format!("rollout {} halted: {reason}", r.start.id),
        (None, true) => format!("rollout {} finished", r.start.id),
        (None, false) if r.abandoned => format!("rollout {} abandoned", r.start.id),
        (None, false) => format!(
            "rollout {} stopped; `reimage apply --resume {}` continues it",
            r.start.id, r.start.id
        ),
    };
    let rows: Vec<Vec<String>> = r
        .servers()
        .map(|(wave, s, p)| {
            vec![
                wave.to_string(),
                s.name.clone(),
                s.id.clone(),
                if p.was_sent() { "sent" } else { "not sent" }.to_string(),
                p.job_id().unwrap_or("-").to_string(),
                p.label(),
            ]
        })
        .collect();
    let not_sent = r.total() - sent;
    format!(
        "{}\n{}\n{sent} sent, {} failed, {not_sent} not sent\n",
        crate::safe_text::escape(&headline),
        table::render(&["WAVE", "SERVER", "ID", "SENT", "JOB", "OUTCOME"], &rows).trim_end(),
        r.failures()
    )
}

/// The end report for scripts (`--format json`), one line.
pub(super) fn report_json(r: &Rollout) -> serde_json::Value {
    let servers: Vec<serde_json::Value> = r
        .servers()
        .map(|(wave, s, p)| {
            serde_json::json!({
                "wave": wave, "id": s.id, "name": s.name, "sent": p.was_sent(),
                "job_id": p.job_id(), "outcome": p.label(), "failed": p.is_failure(),
            })
        })
        .collect();
    let s = &r.start;
    serde_json::json!({
        "rollout": s.id, "state": r.state_label(), "halted": r.halted,
        "failures": r.failures(), "operation": s.operation, "image_id": s.image_id,
        "image_name": s.image_name, "login": s.login, "waves": s.waves_spec,
        "max_failures": s.max_failures, "region": s.region, "project_id": s.project_id,
        "started_at": s.created_at, "updated_at": r.updated_at, "servers": servers,
    })
}

/// The rollouts of the journal for `reimage jobs`.
pub(super) fn listing(rollouts: &[Rollout]) -> String {
    let rows: Vec<Vec<String>> = rollouts
        .iter()
        .map(|r| {
            let sent = r.servers().filter(|(_, _, p)| p.was_sent()).count();
            vec![
                r.start.id.clone(),
                r.state_label().to_string(),
                format!("{sent}/{}", r.total()),
                r.failures().to_string(),
                r.start.waves_spec.clone(),
                if r.start.image_name.is_empty() {
                    "reinstall".to_string()
                } else {
                    r.start.image_name.clone()
                },
                r.start.login.clone(),
                r.start.created_at.clone(),
            ]
        })
        .collect();
    table::render(
        &[
            "ROLLOUT", "STATE", "SENT", "FAILED", "WAVES", "IMAGE", "LOGIN", "STARTED",
        ],
        &rows,
    )
}

/// Print the report and turn the end into the exit status.
pub(super) fn finish(
    r: &Rollout,
    ended: Ended,
    format: super::list::OutputFormat,
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), CliError> {
    let text = match format {
        super::list::OutputFormat::Table => report(r),
        super::list::OutputFormat::Json => {
            crate::safe_text::json::to_string(&report_json(r))? + "\n"
        }
    };
    out.write_all(text.as_bytes())?;
    match ended {
        Ended::Finished if r.failures() == 0 => Ok(()),
        Ended::Finished => Err(CliError::RolloutFailed {
            id: r.start.id.clone(),
            failures: r.failures(),
        }),
        Ended::Halted(reason) => Err(CliError::RolloutHalted {
            id: r.start.id.clone(),
            reason,
            not_sent: r.servers().filter(|(_, _, p)| !p.was_sent()).count(),
        }),
        Ended::Interrupted(reason) => Err(CliError::RolloutInterrupted {
            id: r.start.id.clone(),
            reason,
        }),
        Ended::Abandoned => Err(CliError::RolloutHalted {
            id: r.start.id.clone(),
            reason: "abandoned".into(),
            not_sent: r.servers().filter(|(_, _, p)| !p.was_sent()).count(),
        }),
    }
}

//! `reimage jobs [--format table|json] [--all]` prints the job journal (and, in a table, the
//! rollouts under it); `reimage jobs --rollouts` prints the rollouts only, in JSON as
//! `apply` reports them; `reimage jobs --watch` resumes the unfinished jobs with the TUI's poller and prints one line per change
//! until every job is final (exit 0 when all succeeded, 1 otherwise). For a second SSH
//! window or a script.

use super::list::OutputFormat;
use super::{CliError, connect, table};
use crate::cloud::model::Job;
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::{Journal, Replay};
use crate::jobs::pacing::JobSettings;
use crate::jobs::poller::{self, JobEvent, Sinks};
use crate::jobs::record::{JobRecord, TrackedState, now_rfc3339};
use crate::safe_text::{self, escape};
use clap::Args;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

#[derive(Debug, Clone, Args)]
pub struct JobsArgs {
    /// Output format of the listing.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Every job in the journal (default: open jobs and those that ended in the last 24 h).
    #[arg(long)]
    pub all: bool,
    /// Poll the open jobs and print each change until all are final.
    #[arg(long, conflicts_with = "rollouts")]
    pub watch: bool,
    /// The rollouts of the rollout journal instead of the jobs (JSON: each server with its
    /// wave, whether it was sent, its job and outcome).
    #[arg(long)]
    pub rollouts: bool,
}

/// Open the journal, drop finished jobs older than `[jobs] keep_finished_days`, replay it.
/// Damaged lines are reported as warnings, never fatal: one warning when compaction moved
/// them aside, else one per line.
pub(crate) fn open_journal(resolved: &Resolved) -> Result<(Journal, Replay), CliError> {
    let settings = job_settings(resolved)?;
    let (journal, first) = Journal::open(resolved.paths.jobs_journal())?;
    let mut warnings = first.warnings;
    match journal.compact(settings.keep_finished) {
        Ok(c) => {
            if c.dropped > 0 {
                tracing::info!("compacted {} finished job(s) out of the journal", c.dropped);
            }
            if let Some(w) = c.warning {
                warnings = vec![w];
            }
        }
        Err(e) => tracing::warn!("cannot compact the job journal: {e}"),
    }
    let mut replay = journal.replay()?;
    replay.warnings = warnings;
    Ok((journal, replay))
}

/// The `[jobs]` table of config.toml, checked.
pub(crate) fn job_settings(resolved: &Resolved) -> Result<JobSettings, CliError> {
    JobSettings::from_config(&resolved.config.jobs).map_err(CliError::Usage)
}

/// Journal (fsynced) and audit an accepted job before anything reports it. A journal that
/// cannot be written is said on stderr: the job id is printed anyway, it must not be lost.
/// Returns whether the job is journaled.
pub(crate) fn journal_accepted(
    journal: &Journal,
    audit: &(AuditLog, Actor),
    rec: &JobRecord,
    login_mode: Option<&str>,
) -> bool {
    journal_accepted_to(journal, audit, rec, login_mode, &warn)
}

/// [`journal_accepted`], its warnings said by `warn` (a rollout in the TUI has no stderr).
pub(crate) fn journal_accepted_to(
    journal: &Journal,
    audit: &(AuditLog, Actor),
    rec: &JobRecord,
    login_mode: Option<&str>,
    warn: &dyn Fn(&str),
) -> bool {
    let journaled = match journal.record_submitted(rec) {
        Ok(()) => true,
        Err(e) => {
            warn(&format!("job {} not journaled: {e}", rec.job_id));
            false
        }
    };
    let (log, actor) = audit;
    if let Err(e) = log.submitted(actor, rec, login_mode) {
        warn(&format!(
            "cannot write the audit log {}: {e}",
            log.path().display()
        ));
    }
    journaled
}

/// The TUI's poller for a script: every change of the jobs it tracks goes to the journal,
/// each outcome to the audit log, then to the returned channel.
pub(crate) fn script_poller(
    resolved: &Resolved,
    client: crate::cloud::Client,
    journal: Arc<Journal>,
    actor: Actor,
) -> Result<(poller::PollerHandle, UnboundedReceiver<JobEvent>), CliError> {
    let settings = job_settings(resolved)?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = poller::spawn(
        client,
        settings.poller,
        Sinks {
            journal,
            audit: Some((AuditLog::new(resolved.paths.audit_log()), actor)),
            events: tx,
        },
    );
    Ok((handle, rx))
}

/// A warning on stderr; it can quote the cloud or the journal, so it is escaped.
fn warn(text: &str) {
    eprintln!("warning: {}", escape(text));
}

pub async fn run_jobs(
    global: &GlobalArgs,
    args: &JobsArgs,
    env: &Env,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let resolved = crate::config::resolve(global, env)?;
    let (journal, replay) = open_journal(&resolved)?;
    for w in &replay.warnings {
        warn(w);
    }
    if args.watch {
        return watch(global, env, &resolved, journal, replay, out).await;
    }
    if args.rollouts {
        return rollouts_only(&resolved, args.format, out);
    }
    let day_ago = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let shown: Vec<&JobRecord> = replay
        .jobs
        .iter()
        .filter(|j| args.all || !j.state.is_final() || updated_after(j, day_ago))
        .collect();
    let now = time::OffsetDateTime::now_utc();
    let text = match args.format {
        OutputFormat::Json => {
            let rows: Vec<JsonJob<'_>> = shown
                .iter()
                .map(|record| JsonJob {
                    record,
                    elapsed_secs: record.elapsed(now).as_secs(),
                })
                .collect();
            safe_text::json::to_string_pretty(&rows)?
        }
        OutputFormat::Table if shown.is_empty() => format!(
            "no jobs{} in {}",
            if args.all {
                ""
            } else {
                " open or ended in the last 24 h (--all for every one)"
            },
            journal.path().display()
        ),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = shown.iter().map(|j| row(j, now)).collect();
            table::render(
                &[
                    "JOB",
                    "SERVER",
                    "OPERATION",
                    "STATUS",
                    "SUBMITTED",
                    "ELAPSED",
                    "DETAIL",
                ],
                &rows,
            )
        }
    };
    out.write_all(text.trim_end().as_bytes())?;
    out.write_all(b"\n")?;
    if args.format == OutputFormat::Table {
        rollouts(&resolved, out)?;
    }
    Ok(())
}

/// A job for scripts: its record, and how long it ran (until now while open), as the
/// table's ELAPSED.
#[derive(serde::Serialize)]
struct JsonJob<'a> {
    #[serde(flatten)]
    record: &'a JobRecord,
    elapsed_secs: u64,
}

/// The rollout journal's rollouts, oldest first, and where it is (`None`: no journal yet).
fn read_rollouts(
    resolved: &Resolved,
) -> Result<Option<(Vec<crate::jobs::rollout::Rollout>, std::path::PathBuf)>, CliError> {
    let path = super::apply_rollout::rollouts_path(resolved);
    if !path.exists() {
        return Ok(None);
    }
    let journal = crate::jobs::rollout::RolloutJournal::open(path)?;
    let (list, warnings) = journal.read_all()?;
    for w in &warnings {
        warn(w);
    }
    Ok(Some((list, journal.path().to_path_buf())))
}

/// `--rollouts`: the rollouts alone, as a table or as `apply`'s JSON report of each.
fn rollouts_only(
    resolved: &Resolved,
    format: OutputFormat,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let (list, path) = read_rollouts(resolved)?
        .unwrap_or_else(|| (Vec::new(), super::apply_rollout::rollouts_path(resolved)));
    let text = match format {
        OutputFormat::Json => {
            let all: Vec<serde_json::Value> = list
                .iter()
                .map(super::rollout_report::report_json)
                .collect();
            safe_text::json::to_string_pretty(&all)?
        }
        OutputFormat::Table if list.is_empty() => format!("no rollouts in {}", path.display()),
        OutputFormat::Table => super::rollout_report::listing(&list),
    };
    out.write_all(text.trim_end().as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The rollouts of the rollout journal, under the jobs (nothing when there are none).
fn rollouts(resolved: &Resolved, out: &mut (dyn Write + Send)) -> Result<(), CliError> {
    let Some((list, path)) = read_rollouts(resolved)? else {
        return Ok(());
    };
    if !list.is_empty() {
        let text = super::rollout_report::listing(&list);
        writeln!(out, "\nrollouts ({}):\n{}", path.display(), text.trim_end())?;
    }
    Ok(())
}

fn updated_after(j: &JobRecord, t: time::OffsetDateTime) -> bool {
    time::OffsetDateTime::parse(
        &j.updated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map_or(true, |u| u >= t)
}

fn row(j: &JobRecord, now: time::OffsetDateTime) -> Vec<String> {
    vec![
        j.job_id.clone(),
        j.server_name.clone(),
        operation(j),
        j.state.label().to_string(),
        j.submitted_at.clone(),
        crate::tui::text::duration(j.elapsed(now)),
        detail(j),
    ]
}

/// `change OS v2`, `reinstall OS bms`, `stop`.
pub fn operation(j: &JobRecord) -> String {
    match &j.route {
        Some(route) => format!("{} {route}", j.operation.label()),
        None => j.operation.label().to_string(),
    }
}

/// Error code and reason of a job that did not succeed, with the hint for the code.
pub fn detail(j: &JobRecord) -> String {
    let mut parts: Vec<String> = vec![j.code_and_reason()];
    parts.retain(|p| !p.is_empty());
    if let Some(h) = j.hint() {
        parts.push(format!("(hint: {h})"));
    }
    parts.join(" ")
}

async fn watch(
    global: &GlobalArgs,
    env: &Env,
    resolved: &Resolved,
    journal: Journal,
    replay: Replay,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let open: Vec<JobRecord> = replay.unfinished().cloned().collect();
    if open.is_empty() {
        writeln!(out, "no open jobs in {}", journal.path().display())?;
        return Ok(());
    }
    let connected = connect(global, env).await?;
    let client = connected.client.clone();
    let ctx = client.context();
    let (mine, other): (Vec<_>, Vec<_>) = open
        .into_iter()
        .partition(|j| j.belongs_to(&ctx.region, &ctx.project_id));
    for j in &other {
        let skipping = format!(
            "skipping job {} of {}: it belongs to region {} project {}; use --region/--profile for it",
            j.job_id, j.server_name, j.region, j.project_id
        );
        eprintln!("{}", escape(&skipping));
    }
    if mine.is_empty() {
        return Err(CliError::Usage(
            "no open job belongs to this region and project".into(),
        ));
    }
    let actor = Actor::of(&client).await;
    let (handle, mut rx) = script_poller(resolved, client, Arc::new(journal), actor)?;
    let mut left = mine.len();
    for j in &mine {
        writeln!(out, "{}", line(j))?;
        handle.track(j.clone());
    }
    out.flush()?;
    let mut not_ok = 0;
    while left > 0 {
        let Some(ev) = rx.recv().await else { break };
        match ev {
            JobEvent::Changed { record, detail } => {
                writeln!(out, "{}", line(&record))?;
                if let Some(job) = detail.as_deref() {
                    sub_job_lines(job, out)?;
                }
                if record.state.is_final() {
                    left -= 1;
                    if record.state != TrackedState::Success {
                        not_ok += 1;
                    }
                }
                out.flush()?;
            }
            JobEvent::PollFailed { job_id, error, .. } => {
                let failed = format!("poll of {job_id} failed: {error}");
                eprintln!("{} {}", now_rfc3339(), escape(&failed));
            }
            JobEvent::Polled { .. } => {}
        }
    }
    drop(handle);
    match not_ok {
        0 => Ok(()),
        n => Err(CliError::JobsNotSucceeded(n)),
    }
}

/// One line per job state: time, job id, server, operation, state, detail; escaped, as
/// most of it comes from the cloud or the journal.
fn line(j: &JobRecord) -> String {
    let d = detail(j);
    let line = format!(
        "{}  {}  {}  {}  {}{}{}",
        now_rfc3339(),
        j.job_id,
        j.server_name,
        operation(j),
        j.state.label(),
        if d.is_empty() { "" } else { "  " },
        d
    );
    escape(&line).into_owned()
}

/// The sub jobs of a failed job: which server failed and why.
fn sub_job_lines(job: &Job, out: &mut (dyn Write + Send)) -> std::io::Result<()> {
    if job.state() != crate::cloud::model::JobStatus::Fail {
        return Ok(());
    }
    for sub in &job.entities.sub_jobs {
        let line = format!(
            "sub job {} server {}  {}  {} {}",
            sub.job_id,
            sub.entities.server_id.as_deref().unwrap_or("-"),
            sub.status,
            sub.error_code.as_deref().unwrap_or(""),
            sub.fail_reason.as_deref().unwrap_or("")
        );
        writeln!(out, "    {}", escape(&line))?;
    }
    Ok(())
}

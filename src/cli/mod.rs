//! The scriptable face: `reimage list` and `reimage doctor`, over the same client as the TUI.

mod apply_job;
mod apply_rollout;
mod connect;
mod console;
mod doctor;
mod jobs;
mod list;
mod names;
mod plan;
mod plan_file;
mod plan_view;
mod rollout;
mod rollout_face;
mod rollout_report;
mod rollout_source;
mod sandbox_store;
mod steps;
mod stop;
mod submit;
mod table;
mod targets;
mod tui;
mod tui_dispatch;
mod tui_effects;
mod tui_files;
mod tui_jobs;
mod tui_link;
mod tui_listings;
mod tui_rollouts;
mod user_data;

pub use connect::{Connected, Face, connect_with};
pub use console::Console;
pub use doctor::run_doctor;
pub use jobs::{JobsArgs, run_jobs};
pub use list::{ListArgs, ListWhat, OutputFormat, run_list};
pub use plan::{ApplyArgs, PlanArgs, PlanCommand, RouteArg, run_apply, run_plan};
pub use sandbox_store::run_sandbox;
pub use stop::{StopArgs, run_stop};
pub use targets::TargetArgs;
pub use tui::run_tui;
pub use tui_effects::{DEFAULT_SUBMIT_CONCURRENCY, EffectsParts, Start, TuiEffects};
pub use tui_files::user_data_answer;

use crate::cloud::CloudError;
use crate::safe_text::escape;
use connect::connect;

/// Errors of the CLI commands, printed by the binary. What they quote from the cloud is
/// escaped here, one line each, so a line break in a message cannot fake an output line;
/// the binary escapes the whole text again (keeping its own line breaks) before printing.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{}", cloud_line(.0))]
    Cloud(#[from] CloudError),
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
    /// The job journal cannot be used (its message says why and the fix).
    #[error(transparent)]
    Journal(#[from] crate::jobs::journal::JournalError),
    /// A file reimage reads or keeps cannot be used (its message says why and the fix).
    #[error(transparent)]
    File(#[from] crate::fsio::FileError),
    /// `doctor` found problems (already printed).
    #[error("{0} check(s) failed")]
    ChecksFailed(usize),
    /// `plan`/`apply`: ops refused the request (the field errors are already printed).
    #[error("request refused: {0} field error(s), nothing was sent")]
    Refused(usize),
    /// A command-line mistake, with what to do instead.
    #[error("{0}")]
    Usage(String),
    /// `apply --wait`: the job ended in FAIL.
    #[error("job {} failed: {} {}", escape(.job_id), escape(.code), escape(.reason))]
    JobFailed {
        job_id: String,
        code: String,
        reason: String,
    },
    /// `apply --wait`: the job was sent and journaled, but a poll failed.
    #[error(
        "following job {job_id} failed: {error}\n  the request was sent once and the job goes on; \
         follow it with `reimage jobs --watch` (nothing is sent again)"
    )]
    FollowFailed { job_id: String, error: String },
    /// `jobs --watch`: some jobs ended in FAIL, LOST or TIMED_OUT (already printed).
    #[error("{0} job(s) did not succeed")]
    JobsNotSucceeded(usize),
    /// A rollout went past `--max-failures` (the report is already printed).
    #[error("rollout {id} halted: {reason}; {not_sent} server(s) not sent")]
    RolloutHalted {
        id: String,
        reason: String,
        not_sent: usize,
    },
    /// A rollout sent every server, some failed within `--max-failures`.
    #[error("rollout {id} finished with {failures} failure(s)")]
    RolloutFailed { id: String, failures: usize },
    /// The link to the cloud failed mid-rollout: nothing more was sent.
    #[error(
        "rollout {id} stopped: {}\n  nothing more was sent; continue it with `reimage apply --resume {id}`",
        escape(.reason)
    )]
    RolloutInterrupted { id: String, reason: String },
}

/// The error (escaped), and its hint on a second line.
fn cloud_line(e: &CloudError) -> String {
    let line = e.to_string();
    match e.hint() {
        Some(h) => format!("{}\n  hint: {h}", escape(&line)),
        None => escape(&line).into_owned(),
    }
}

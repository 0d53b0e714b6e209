//! The scriptable face: `reimage list` and `reimage doctor`, over the same client as the TUI.

mod connect;
mod doctor;
mod jobs;
mod list;
mod plan;
mod submit;
mod table;
mod tui;
mod tui_jobs;

pub use connect::{Connected, Face, connect_with};
pub use doctor::run_doctor;
pub use jobs::{JobsArgs, run_jobs};
pub use list::{ListArgs, ListWhat, OutputFormat, run_list};
pub use plan::{ApplyArgs, PlanArgs, RouteArg, run_apply, run_plan};
pub use tui::{DEFAULT_SUBMIT_CONCURRENCY, EffectsParts, Start, TuiEffects, job_view, run_tui};

use crate::cloud::CloudError;
use connect::connect;

/// Errors of the CLI commands, printed by the binary.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{}", cloud_line(.0))]
    Cloud(#[from] CloudError),
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
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
    #[error("job {job_id} failed: {code} {reason}")]
    JobFailed {
        job_id: String,
        code: String,
        reason: String,
    },
    /// `jobs --watch`: some jobs ended in FAIL, LOST or TIMED_OUT (already printed).
    #[error("{0} job(s) did not succeed")]
    JobsNotSucceeded(usize),
}

/// The error, and its hint on a second line.
fn cloud_line(e: &CloudError) -> String {
    match e.hint() {
        Some(h) => format!("{e}\n  hint: {h}"),
        None => e.to_string(),
    }
}

//! Helpers shared by the test binaries (`suite` and `pty`); each binary uses a part.
#![allow(dead_code)]

pub mod client;
pub mod deadline;
pub mod hostile;
pub mod job_record;
pub mod poller;
pub mod pty;
pub mod sandbox_process;
pub mod signed;
pub mod tui;

//! Jobs: the journal of submitted jobs, the audit log, and (with the client) the poller.

pub mod audit;
pub mod journal;
pub mod pacing;
pub mod poller;
pub mod record;
pub mod rollout;
mod rollout_journal;
pub mod submitted;

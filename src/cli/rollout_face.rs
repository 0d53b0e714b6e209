//! What a driven rollout is wired to: the face it tells how it goes (stderr for `apply`,
//! the TUI's messages), the poller that follows its jobs, and the steering that pauses
//! or abandons it between requests.

use crate::jobs::poller::{JobEvent, PollerHandle};
use crate::jobs::record::JobRecord;
use crate::jobs::rollout::Rollout;
use crate::tui::Steer;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

/// Where a rollout tells how it goes.
pub(super) trait Face: Send + Sync {
    /// One line of progress, as `apply` prints it (already escaped).
    fn say(&self, line: &str);
    /// The rollout moved: a wave started (`wave`, 1-based), a server was sent or
    /// concluded, or it was steered; `paused`: it waits for `Resume` before wave
    /// `wave + 1`.
    fn changed(&self, _r: &Rollout, _wave: usize, _paused: bool) {}
    /// A job was accepted and journaled; its poller follows it from now.
    fn accepted(&self, _rec: &JobRecord) {}
}

/// `apply`'s face: the lines on stderr.
pub(super) struct Stderr;

impl Face for Stderr {
    fn say(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// The poller the rollout's jobs are tracked by, and its events (each of them: the
/// driver picks its own jobs).
pub(super) struct Follow {
    pub poller: PollerHandle,
    pub events: UnboundedReceiver<JobEvent>,
}

/// A rollout no one steers (`apply`): it goes on to its end.
pub(super) fn unsteered() -> watch::Receiver<Steer> {
    watch::channel(Steer::Resume).1
}

/// Before a wave: wait while paused. Returns what the rollout is steered to then. No job
/// of the rollout is open then: the poller's events meanwhile (of other jobs) are dropped,
/// so they do not pile up during a long pause.
pub(super) async fn hold(
    steer: &mut watch::Receiver<Steer>,
    events: &mut UnboundedReceiver<JobEvent>,
) -> Steer {
    loop {
        let now = *steer.borrow_and_update();
        if now != Steer::Pause {
            return now;
        }
        tokio::select! {
            changed = steer.changed() => {
                if changed.is_err() {
                    // No one can resume it: it stays paused, open in the journal.
                    std::future::pending::<()>().await;
                }
            }
            Some(_) = events.recv() => {}
        }
    }
}

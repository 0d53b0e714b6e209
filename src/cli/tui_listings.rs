//! The TUI's reads from the cloud: listings, latest wins, and a bound on reads in flight.
//!
//! Latest wins: each listing (ECS servers, BMS servers, images, key pairs) has at most one
//! task. A request with a newer generation aborts the task of the older one, which sends
//! nothing more and stops paging (its reply would be stale anyway); a request older than
//! the one running is dropped. Without this a user pressing refresh ten times during an
//! 11,000-server listing started ten listings that all ran to the end.
//!
//! The bound: at most [`READS_IN_FLIGHT`] read tasks (listings, the user id, servers
//! re-read after their job moved) hold a permit at once; the others wait for one.

use crate::cloud::Client;
use crate::cloud::ImageQuery;
use crate::cloud::model::{Server, ServerKind};
use crate::tui::{Msg, Resource};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// Read tasks in flight at once. Four, because the TUI asks for four listings together
/// (at start and on every refresh) and none should wait behind another; with latest wins
/// they never exceed four, so the bound is for the reads that come in bursts: a bulk
/// change of 200 servers re-reads each server as its job moves, and those queue here
/// instead of putting 200 GETs in flight against the API gateway's per-minute throttle.
/// (The job poller and submissions have their own bounds.)
pub(super) const READS_IN_FLIGHT: usize = 4;

/// The listings in flight and the permits every read takes.
pub(super) struct Listings {
    /// The task of the newest request of each listing, with its generation.
    latest: Mutex<HashMap<Resource, (u64, AbortHandle)>>,
    reads: Arc<Semaphore>,
}

impl Default for Listings {
    fn default() -> Self {
        Listings {
            latest: Mutex::new(HashMap::new()),
            reads: Arc::new(Semaphore::new(READS_IN_FLIGHT)),
        }
    }
}

impl Listings {
    /// Run `read` once a permit is free.
    pub(super) fn spawn_read(&self, read: impl Future<Output = ()> + Send + 'static) {
        tokio::spawn(with_permit(self.reads.clone(), read));
    }

    /// Start the listing `what` for `generation`, aborting an older one still running.
    pub(super) fn start(
        &self,
        what: Resource,
        generation: u64,
        read: impl Future<Output = ()> + Send + 'static,
    ) {
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((running, _)) = latest.get(&what)
            && *running > generation
        {
            tracing::debug!(?what, generation, running, "older listing request dropped");
            return;
        }
        let task = tokio::spawn(with_permit(self.reads.clone(), read));
        if let Some((older, handle)) = latest.insert(what, (generation, task.abort_handle())) {
            tracing::debug!(?what, older, generation, "older listing aborted");
            handle.abort();
        }
    }

    /// The permits free now (tests of the bound).
    #[cfg(test)]
    fn free(&self) -> usize {
        self.reads.available_permits()
    }
}

async fn with_permit(reads: Arc<Semaphore>, read: impl Future<Output = ()>) {
    // The semaphore is never closed; were it, the read would run unbounded, not vanish.
    let _permit = reads.acquire_owned().await;
    read.await;
}

/// A listing that failed, tagged with its request.
pub(super) fn failed(what: Resource, generation: u64, error: &str, hint: Option<&str>) -> Msg {
    Msg::LoadFailed {
        what,
        generation,
        error: error.to_string(),
        hint: hint.map(str::to_string),
    }
}

/// Servers of `kind` as they arrive, then `done` (or the failure). The first page goes at
/// once (the first rows on screen); later pages go in batches at least as large as what
/// was sent before, because the table is rebuilt for each message: 100,000 servers are 8
/// messages, not 100 rebuilds of a growing table.
pub(super) async fn servers(
    client: Client,
    kind: ServerKind,
    generation: u64,
    tx: UnboundedSender<Msg>,
) {
    let send = |page: Vec<Server>, done: bool| {
        let _ = tx.send(Msg::ServersLoaded {
            kind,
            generation,
            page,
            done,
        });
    };
    let mut batch: Vec<Server> = Vec::new();
    let mut sent = 0usize;
    let result = client
        .list_servers_pages(kind, |page| {
            batch.extend(page);
            if batch.len() >= sent.max(1) {
                sent += batch.len();
                send(std::mem::take(&mut batch), false);
            }
        })
        .await;
    match result {
        Ok(_) => send(batch, true),
        Err(e) => {
            if !batch.is_empty() {
                send(batch, false);
            }
            let _ = tx.send(failed(
                Resource::Servers(kind),
                generation,
                &e.to_string(),
                e.hint(),
            ));
        }
    }
}

pub(super) async fn images(client: Client, generation: u64, tx: UnboundedSender<Msg>) {
    let _ = tx.send(match client.list_images(&ImageQuery::default()).await {
        Ok(images) => Msg::ImagesLoaded { generation, images },
        Err(e) => failed(Resource::Images, generation, &e.to_string(), e.hint()),
    });
}

pub(super) async fn keypairs(client: Client, generation: u64, tx: UnboundedSender<Msg>) {
    let _ = tx.send(match client.list_keypairs().await {
        Ok(keypairs) => Msg::KeypairsLoaded {
            generation,
            keypairs,
        },
        Err(e) => failed(Resource::Keypairs, generation, &e.to_string(), e.hint()),
    });
}

pub(super) async fn user_id(client: Client, tx: UnboundedSender<Msg>) {
    let _ = tx.send(Msg::UserIdLoaded(
        client.user_id().await.map_err(|e| e.to_string()),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::{mpsc, oneshot, watch};

    /// A read that reports when it starts, waits for `gate`, and says on `done` that it
    /// ran to the end (an aborted read drops `done` unsent).
    fn read(
        gate: &watch::Receiver<bool>,
        started: &mpsc::UnboundedSender<()>,
    ) -> (
        impl Future<Output = ()> + Send + 'static,
        oneshot::Receiver<()>,
    ) {
        let (done, ended) = oneshot::channel();
        let (mut gate, started) = (gate.clone(), started.clone());
        let read = async move {
            let _ = started.send(());
            let _ = gate.wait_for(|open| *open).await;
            let _ = done.send(());
        };
        (read, ended)
    }

    /// 5,500 ECS servers in pages of 1,000: the first page alone, then batches that double
    /// what was sent; every server once, `done` on the last message only.
    #[tokio::test]
    async fn server_pages_are_sent_first_alone_then_in_growing_batches() {
        use crate::sandbox::InventorySpec;
        let (sandbox, client) = crate::cli::connect::test_client(InventorySpec::Generated {
            servers: 5_500,
            bms: 0,
            images: 1,
            keypairs: 0,
            seed: 5,
        })
        .await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        servers(client, ServerKind::Ecs, 3, tx).await;
        let mut sizes = Vec::new();
        let mut ids = std::collections::HashSet::new();
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::ServersLoaded {
                    generation: 3,
                    page,
                    done,
                    ..
                } => {
                    assert!(!sizes.last().is_some_and(|(_, d)| *d), "after done");
                    ids.extend(page.iter().map(|s| s.id.clone()));
                    sizes.push((page.len(), done));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(ids.len(), 5_500, "every server once");
        assert_eq!(
            sizes,
            [(1000, false), (1000, false), (2000, false), (1500, true)]
        );
        sandbox.shutdown();
    }

    #[tokio::test]
    async fn a_newer_request_aborts_the_older_listing() {
        let listings = Listings::default();
        let (open, gate) = watch::channel(false);
        let (started, mut starts) = mpsc::unbounded_channel();
        let what = Resource::Servers(ServerKind::Bms);
        let (first, first_ended) = read(&gate, &started);
        listings.start(what, 1, first);
        starts.recv().await.expect("the first listing runs");
        let (second, second_ended) = read(&gate, &started);
        listings.start(what, 2, second);
        // Another listing is not touched.
        let (images, images_ended) = read(&gate, &started);
        listings.start(Resource::Images, 3, images);
        let _ = open.send(true);
        assert!(
            first_ended.await.is_err(),
            "the older listing ran to its end"
        );
        assert!(second_ended.await.is_ok());
        assert!(images_ended.await.is_ok());
    }

    #[tokio::test]
    async fn an_older_request_does_not_replace_a_newer_one() {
        let listings = Listings::default();
        let (open, gate) = watch::channel(false);
        let (started, _starts) = mpsc::unbounded_channel();
        let (newer, newer_ended) = read(&gate, &started);
        listings.start(Resource::Keypairs, 7, newer);
        // Queued while connecting, run after a newer request went straight through.
        let (older, older_ended) = read(&gate, &started);
        listings.start(Resource::Keypairs, 5, older);
        let _ = open.send(true);
        assert!(newer_ended.await.is_ok(), "the newer listing was aborted");
        assert!(older_ended.await.is_err(), "the older request ran");
    }

    #[tokio::test]
    async fn reads_in_flight_are_bounded() {
        let listings = Listings::default();
        let (open, gate) = watch::channel(false);
        let (started, mut starts) = mpsc::unbounded_channel();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut ends = Vec::new();
        let n = READS_IN_FLIGHT + 3;
        for _ in 0..n {
            let (inner, ended) = read(&gate, &started);
            let (running, most) = (running.clone(), most.clone());
            listings.spawn_read(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                inner.await;
                running.fetch_sub(1, Ordering::SeqCst);
            });
            ends.push(ended);
        }
        for _ in 0..READS_IN_FLIGHT {
            starts.recv().await.expect("a read starts");
        }
        // Give every other task its chance to start before the gate opens.
        for _ in 0..n * 4 {
            tokio::task::yield_now().await;
        }
        assert_eq!(running.load(Ordering::SeqCst), READS_IN_FLIGHT);
        assert_eq!(listings.free(), 0);
        let _ = open.send(true);
        for ended in ends {
            assert!(ended.await.is_ok(), "every read runs in the end");
        }
        assert_eq!(most.load(Ordering::SeqCst), READS_IN_FLIGHT);
        assert_eq!(listings.free(), READS_IN_FLIGHT);
    }
}

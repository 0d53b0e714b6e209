//! Dispatch: each TUI command to what runs it. Some need no cloud (a switch of profile or
//! region, the job poller's orders); the others run on the client once connected.

use super::submit;
use super::tui_effects::EffectsState;
use super::tui_listings as listings;
use crate::cloud::Client;
use crate::cloud::model::ServerKind;
use crate::tui::{Command, Msg, Resource};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

impl EffectsState {
    /// Runs `cmd` now, or once connected when it needs the cloud. Every command is named
    /// here, so a new one does not compile until it is routed.
    pub(super) fn run(self: &Arc<Self>, cmd: Command, tx: UnboundedSender<Msg>) {
        match cmd {
            // Without the cloud.
            Command::SwitchRegion(region) => {
                let mut global = self.global.clone();
                global.region = Some(region);
                self.switch(global, tx);
            }
            Command::SwitchProfile(profile) => {
                let mut global = self.global.clone();
                global.profile = Some(profile);
                global.region = None;
                self.switch(global, tx);
            }
            Command::PollJobs(ids) => self.poll_now(&ids),
            Command::DismissJob(id) => self.dismiss(&id),
            Command::ReadUserData { id, path } => self.read_user_data(id, path, tx),
            Command::SteerRollout { id, steer } => self.steer_rollout(&id, steer, &tx),
            // On the cloud.
            Command::LoadServers { .. }
            | Command::LoadImages { .. }
            | Command::LoadKeypairs { .. }
            | Command::LoadUserId
            | Command::Submit(_)
            | Command::StartRollout(_)
            | Command::StopServer { .. } => self.when_connected(cmd, tx),
            // Handled by the run loop itself.
            Command::CopyToClipboard(_) | Command::RepaintAll | Command::Quit | Command::Bell => {}
        }
    }

    /// The commands that need the cloud (`run` sends no other here).
    pub(super) fn on_cloud(
        self: &Arc<Self>,
        client: Client,
        cmd: Command,
        tx: UnboundedSender<Msg>,
    ) {
        match cmd {
            Command::LoadServers { kind, generation } => {
                if kind == ServerKind::Ecs {
                    self.ensure_poller(&client, &tx);
                }
                let what = Resource::Servers(kind);
                let read = listings::servers(client, kind, generation, tx);
                self.listings.start(what, generation, read);
            }
            Command::LoadImages { generation } => {
                let read = listings::images(client, generation, tx);
                self.listings.start(Resource::Images, generation, read);
            }
            Command::LoadKeypairs { generation } => {
                let read = listings::keypairs(client, generation, tx);
                self.listings.start(Resource::Keypairs, generation, read);
            }
            Command::LoadUserId => self.listings.spawn_read(listings::user_id(client, tx)),
            Command::Submit(sub) => {
                self.ensure_poller(&client, &tx);
                tokio::spawn(submit::os_request(client, self.sink(), *sub, tx));
            }
            Command::StartRollout(order) => self.start_rollout(client, *order, tx),
            Command::StopServer {
                key,
                hard,
                kind,
                server_id,
                server_name,
            } => {
                self.ensure_poller(&client, &tx);
                let server = submit::StopTarget {
                    hard,
                    kind,
                    server_id,
                    server_name,
                };
                tokio::spawn(submit::stop(client, self.sink(), key, server, tx));
            }
            other => tracing::error!(command = ?other, "not a cloud command: not run"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::{Connected, EffectsParts, Start, TuiEffects};
    use crate::cloud::model::ServerKind;
    use crate::config::{Env, GlobalArgs};
    use crate::jobs::audit::{Actor, AuditLog};
    use crate::jobs::journal::Journal;
    use crate::jobs::pacing::JobSettings;
    use crate::sandbox::InventorySpec;
    use crate::tui::{Command, Effects, Msg};
    use std::sync::Arc;

    /// Refresh pressed while a 3-page BMS listing runs: the first listing stops paging
    /// and never reports done; the second lists every server.
    #[tokio::test]
    async fn a_refresh_during_a_listing_stops_the_older_one() {
        const BMS: usize = 2500;
        let (sandbox, client) = crate::cli::connect::test_client(InventorySpec::Generated {
            servers: 1,
            bms: BMS,
            images: 1,
            keypairs: 0,
            seed: 7,
        })
        .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (journal, _) = Journal::open(dir.path().join("jobs.jsonl")).expect("journal");
        let connected = Connected {
            client,
            sandbox: None,
            notices: Vec::new(),
        };
        let effects = TuiEffects::new(EffectsParts {
            global: GlobalArgs::default(),
            env: Env::default(),
            start: Start::Up(Box::new(connected), Actor::default()),
            journal: Arc::new(journal),
            replay: Vec::new(),
            job_settings: JobSettings::default(),
            audit_log: AuditLog::new(dir.path().join("audit.log")),
            submit_concurrency: 1,
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let load = |generation| Command::LoadServers {
            kind: ServerKind::Bms,
            generation,
        };
        effects.run(load(1), tx.clone());
        let mut first_pages = 0;
        match rx.recv().await {
            Some(Msg::ServersLoaded {
                generation: 1,
                done: false,
                ..
            }) => first_pages += 1,
            other => panic!("expected the first page, got {other:?}"),
        }
        effects.run(load(2), tx.clone());
        let mut listed = 0;
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::ServersLoaded {
                    generation: 1,
                    done,
                    ..
                } => {
                    assert!(!done, "the older listing ran to its end");
                    first_pages += 1;
                }
                Msg::ServersLoaded {
                    generation: 2,
                    page,
                    done,
                    ..
                } => {
                    listed += page.len();
                    if done {
                        break;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(listed, BMS);
        assert!(first_pages < 3, "the older listing fetched every page");
        sandbox.shutdown();
    }
}

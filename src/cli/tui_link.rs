//! The TUI's connection, as a small state machine: `Idle` (settings kept for the next
//! attempt) → `Connecting` (commands that need the cloud wait in order) → `Up`. A failure
//! answers every waiting command and goes back to `Idle`, so the next refresh tries again;
//! a profile or region switch connects anew and replaces the client.

use super::CliError;
use super::connect::{Connected, Face, connect_with};
use super::tui_effects::EffectsState;
use super::tui_listings::failed;
use crate::config::{GlobalArgs, Resolved};
use crate::jobs::audit::Actor;
use crate::tui::{Command, HeaderInfo, Msg, Resource, SubmitOutcome};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Where the connection stands.
pub(super) enum Link {
    /// Not connected: the next command that needs the cloud connects with these settings
    /// (at start, and again after a failed attempt).
    Idle(Box<Resolved>),
    /// Connecting: these commands run once it is up.
    Connecting(Vec<(Command, UnboundedSender<Msg>)>),
    Up,
}

impl EffectsState {
    /// Runs a command that needs the cloud now, or once connected (connecting first when
    /// nothing is under way).
    pub(super) fn when_connected(self: &Arc<Self>, cmd: Command, tx: UnboundedSender<Msg>) {
        let mut link = self.link();
        match &mut *link {
            Link::Up => {
                drop(link);
                if let Some(client) = self.client() {
                    self.on_cloud(client, cmd, tx);
                }
            }
            Link::Connecting(waiting) => waiting.push((cmd, tx)),
            Link::Idle(_) => {
                let Link::Idle(resolved) =
                    std::mem::replace(&mut *link, Link::Connecting(vec![(cmd, tx.clone())]))
                else {
                    unreachable!("matched Idle above");
                };
                drop(link);
                tokio::spawn(self.clone().connect(resolved, tx));
            }
        }
    }

    /// Connects, then runs the commands that waited; a failure answers each of them and
    /// leaves the settings for the next attempt (the next refresh).
    async fn connect(self: Arc<Self>, resolved: Box<Resolved>, tx: UnboundedSender<Msg>) {
        let outcome = connect_with(&resolved, Face::Tui).await;
        let connected = match outcome {
            Ok(connected) => connected,
            Err(e) => {
                let (error, hint) = (format!("cannot connect: {e}"), e.hint());
                let waiting = match std::mem::replace(&mut *self.link(), Link::Idle(resolved)) {
                    Link::Connecting(waiting) => waiting,
                    other => {
                        // A profile switch connected meanwhile: keep it.
                        *self.link() = other;
                        return;
                    }
                };
                tracing::error!("{error}");
                // The whole error once; the other waiting commands only say they failed.
                for (i, (cmd, tx)) in waiting.into_iter().enumerate() {
                    let error = if i == 0 {
                        error.as_str()
                    } else {
                        "not connected"
                    };
                    let _ = tx.send(not_connected(cmd, error, hint));
                }
                return;
            }
        };
        let _ = self.actor.set(Actor::of(&connected.client).await);
        for n in &connected.notices {
            tracing::info!("{n}");
            if n.starts_with("WARNING") {
                let _ = tx.send(Msg::Error {
                    error: n.clone(),
                    hint: None,
                });
            }
        }
        let header = header_of(&resolved, &connected);
        let waiting = {
            let mut link = self.link();
            if !matches!(*link, Link::Connecting(_)) {
                // A profile switch connected meanwhile: this connection is not needed.
                drop(link);
                if let Some(sandbox) = connected.sandbox {
                    sandbox.shutdown();
                }
                return;
            }
            // The client is in place before the link says Up: `when_connected` reads them
            // in that order under the link's lock, and must never see Up without a client.
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(connected);
            match std::mem::replace(&mut *link, Link::Up) {
                Link::Connecting(waiting) => waiting,
                _ => Vec::new(),
            }
        };
        let _ = tx.send(Msg::Connected(header));
        for (cmd, tx) in waiting {
            self.run(cmd, tx);
        }
    }

    /// Re-resolve with other flags and reconnect; the TUI reloads on `ContextChanged`.
    pub(super) fn switch(self: &Arc<Self>, global: GlobalArgs, tx: UnboundedSender<Msg>) {
        let state = self.clone();
        tokio::spawn(async move {
            let outcome = async {
                let resolved = crate::config::resolve(&global, &state.env)?;
                let connected = connect_with(&resolved, Face::Tui).await?;
                Ok::<_, CliError>((header_of(&resolved, &connected), connected))
            }
            .await;
            let (header, connected) = match outcome {
                Ok(up) => up,
                Err(e) => {
                    let _ = tx.send(Msg::Error {
                        error: e.to_string(),
                        hint: None,
                    });
                    return;
                }
            };
            let _ = state.actor.set(Actor::of(&connected.client).await);
            let old = state
                .current
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .replace(connected);
            if let Some(sandbox) = old.and_then(|c| c.sandbox) {
                sandbox.shutdown();
            }
            let waiting = match std::mem::replace(&mut *state.link(), Link::Up) {
                Link::Connecting(waiting) => waiting,
                _ => Vec::new(),
            };
            let _ = tx.send(Msg::ContextChanged(header));
            for (cmd, tx) in waiting {
                state.run(cmd, tx);
            }
        });
    }
}

/// The header once connected: where the client points, and with which credentials.
fn header_of(resolved: &Resolved, connected: &Connected) -> HeaderInfo {
    let ctx = connected.client.context();
    HeaderInfo {
        cloud_label: if ctx.is_sandbox {
            "sandbox".into()
        } else {
            "Huawei Cloud".into()
        },
        is_sandbox: ctx.is_sandbox,
        profile: resolved.profile.clone().unwrap_or_else(|| "default".into()),
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        read_only: ctx.read_only,
        insecure: resolved.settings.insecure,
        credential_source: ctx.source_label(),
    }
}

/// The answer to a command that waited for a connection that failed: nothing was sent.
fn not_connected(cmd: Command, error: &str, hint: Option<&str>) -> Msg {
    let rejected = |key| Msg::Submitted {
        key,
        outcome: SubmitOutcome::Rejected {
            error: format!("not sent: {error}"),
            hint: hint.map(str::to_string),
        },
    };
    match cmd {
        Command::LoadServers { kind, generation } => {
            failed(Resource::Servers(kind), generation, error, hint)
        }
        Command::LoadImages { generation } => failed(Resource::Images, generation, error, hint),
        Command::LoadKeypairs { generation } => failed(Resource::Keypairs, generation, error, hint),
        Command::LoadUserId => Msg::UserIdLoaded(Err(error.to_string())),
        Command::Submit(sub) => rejected(sub.key),
        Command::StopServer { key, .. } => rejected(key),
        _ => Msg::Error {
            error: error.to_string(),
            hint: hint.map(str::to_string),
        },
    }
}

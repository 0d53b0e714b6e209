//! The full-screen TUI (Elm shape): one [`Msg`] enum, [`App::update`] mutates state and
//! returns [`Command`]s, [`draw`] only reads state. The TUI never awaits the network nor
//! reads a file or a clock in `update`: the caller's [`Effects`] run commands in tasks
//! that send `Msg`s back, and the run loop tells the app the time.
//!
//! Entry point: [`run`]. Everything else is public for tests and for the caller's wiring.
//!
//! Wiring, in outline (the caller owns the cloud client):
//!
//! ```text
//! let effects = move |cmd: Command, tx: UnboundedSender<Msg>| match cmd {
//!     Command::LoadServers { kind, generation } => { tokio::spawn(/* list pages; send
//!         Msg::ServersLoaded { kind, generation, page, done } per page, or
//!         Msg::LoadFailed { what: Resource::Servers(kind), generation, error, hint } */); }
//!     Command::LoadImages { generation } => { /* Msg::ImagesLoaded or LoadFailed */ }
//!     Command::LoadKeypairs { generation } => { /* Msg::KeypairsLoaded or LoadFailed */ }
//!     Command::SwitchRegion(r) | Command::SwitchProfile(r) => {
//!         /* rebuild the client; send Msg::ContextChanged(new HeaderInfo) or Msg::Error */ }
//!     Command::Submit(sub) | Command::StopServer { .. } => { /* send once (never retry);
//!         journal the job, then Msg::JobUpdated(view) and Msg::Submitted { key, outcome } */ }
//!     Command::LoadUserId => { /* Msg::UserIdLoaded(client.user_id()) */ }
//!     Command::ReadUserData { id, path } => { /* read the file off the UI task;
//!         Msg::UserDataRead { id, result } */ }
//!     _ => {} // CopyToClipboard, RepaintAll and Quit never reach the effects
//! };
//! reimage::tui::run(header, UiOptions { keymap: Keymap::from_config(&cfg.keys)?, ..Default::default() }, effects).await?;
//! ```
//!
//! Keys: every binding is a [`key_bindings::Action`] with a config name (`[keys]` in
//! config.toml, checked by [`key_bindings::Keymap::from_config`]); `?` lists them all.
//!
//! Where things are: `key_parse` reads and prints one key (`ctrl-r`, `G`);
//! `key_bindings` says which key fires which action where (defaults, config, read-only);
//! `key_routing` sends a press to the top layer or the pane and does the pane actions;
//! `layers` is the stack over the panes (input line, form, stop, help, viewer, quit),
//! each drawn in the one frame of `popup`; `panes/` holds a pane each, written against
//! `panes/view.rs`; `form/` is the change / reinstall form.

mod app;
mod clipboard;
mod cmdline;
mod columns;
mod command;
mod details;
mod filter;
mod footer;
mod form;
mod header;
mod help;
mod job_msgs;
pub mod key_bindings;
pub mod key_parse;
mod key_routing;
mod layers;
mod layout;
mod msg;
mod panes;
mod popup;
mod run;
pub mod scroll_backend;
mod sort_order;
mod table;
mod terminal;
pub mod text;
pub mod theme;
mod toast;
mod ui;
mod viewer;

pub use app::{App, Pane};
pub use clipboard::osc52;
pub use command::{Command, RolloutOrder, Steer, Submission};
pub use msg::{
    JobProgress, JobView, Msg, Resource, RolloutServer, RolloutState, RolloutView, ServerStage,
    SubmitOutcome,
};
pub use run::{Effects, Screen, run, run_on};
pub use ui::draw;

use key_bindings::Keymap;
use theme::{ColorChoice, GlyphChoice};

/// What the header shows about where the TUI is pointed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderInfo {
    /// e.g. `Huawei Cloud`.
    pub cloud_label: String,
    pub is_sandbox: bool,
    pub profile: String,
    pub region: String,
    pub project_id: String,
    pub read_only: bool,
    /// TLS certificates are not checked (`--insecure` or `insecure = true`).
    pub insecure: bool,
    /// Where the credentials came from, e.g. `env`, `profile default`, `sandbox`.
    pub credential_source: String,
}

/// How the TUI presents itself.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub color: ColorChoice,
    pub glyphs: GlyphChoice,
    /// Already checked by [`Keymap::with_overrides`].
    pub keymap: Keymap,
    /// Mouse capture (off by default: it breaks text selection over SSH).
    pub mouse: bool,
    /// How `/` matches rows (`[ui] filter` in config.toml); a `~` query is always fuzzy.
    pub filter: crate::config::FilterMode,
    /// config.toml's profile names, for `:profile` completion.
    pub profiles: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("reimage needs an interactive terminal: {0}")]
    NotATerminal(String),
    #[error("terminal I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

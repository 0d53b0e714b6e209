//! What [`App::update`](super::App::update) asks the outside world to do. The run loop
//! handles the terminal-side ones itself ([`Command::is_local`]) and hands the rest to the
//! caller's effects, which reply with [`Msg`](super::Msg)s.

use crate::cloud::model::ServerKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// List servers of `kind`, sending `Msg::ServersLoaded` page by page (`done` on the
    /// last) or `Msg::LoadFailed`, both tagged with `generation`.
    LoadServers {
        kind: ServerKind,
        generation: u64,
    },
    LoadImages {
        generation: u64,
    },
    LoadKeypairs {
        generation: u64,
    },
    /// Switch region, then send `Msg::ContextChanged` (or `Msg::Error`).
    SwitchRegion(String),
    /// Switch profile, then send `Msg::ContextChanged` (or `Msg::Error`).
    SwitchProfile(String),
    /// Poll these jobs now (`r` in the Jobs pane).
    PollJobs(Vec<String>),
    /// Forget a finished job: journal the dismissal, stop following it (`d`).
    DismissJob(String),
    /// Local: ring the terminal bell (a job ended and `[jobs] bell = true`).
    Bell,
    /// Local: write the text to the clipboard with OSC 52.
    CopyToClipboard(String),
    /// Local: repaint the whole screen (resize, re-attach, Ctrl-L).
    RepaintAll,
    /// Local: leave the TUI.
    Quit,
}

impl Command {
    /// Handled by the run loop, never passed to the effects.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Command::CopyToClipboard(_) | Command::RepaintAll | Command::Quit | Command::Bell
        )
    }
}

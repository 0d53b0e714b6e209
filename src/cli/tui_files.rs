//! The TUI's file reads: the user-data file named in the form is read here, off the UI
//! task, with the one reader `plan` uses too; the answer goes back as `Msg::UserDataRead`.

use super::tui_effects::EffectsState;
use super::user_data::{expand_home, read_user_data};
use crate::tui::Msg;
use std::path::Path;
use tokio::sync::mpsc::UnboundedSender;

impl EffectsState {
    /// Reads on a blocking thread: a file on a stalled network mount holds that thread,
    /// never the TUI.
    pub(super) fn read_user_data(&self, id: u64, path: String, tx: UnboundedSender<Msg>) {
        let home = self.env.home().cloned();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(user_data_answer(id, &path, home.as_deref()));
        });
    }
}

/// The answer to `Command::ReadUserData { id, path }`, read now (on the caller's thread).
pub fn user_data_answer(id: u64, path: &str, home: Option<&Path>) -> Msg {
    let result = read_user_data(&expand_home(path, home)).map_err(|e| {
        if e.is_missing() {
            format!("no file at {path}; check the path")
        } else {
            e.to_string()
        }
    });
    Msg::UserDataRead { id, result }
}

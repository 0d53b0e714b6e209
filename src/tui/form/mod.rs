//! The change / reinstall OS form: a modal over the server list that takes every key
//! (Ctrl-C excepted) from the selected servers to submitted requests. It holds no rule of
//! its own: what to show, which fields apply, every error and the request itself come from
//! [`crate::ops`]; the form only keeps what the user entered and where the cursor is.
//!
//! Stages: editing ([`fields`], [`picker`]) → review with a typed confirmation
//! ([`review`]) → sending, with one result per server. `Esc` in the review goes back with
//! every field kept; a rejected request reopens the form (the password only if the user
//! chose to keep it in memory). Secrets live in [`crate::ops::Secret`] from the keystroke
//! to the body and are wiped when the form closes.

pub(crate) mod bulk;
mod draw;
mod errors;
mod fields;
pub(crate) mod host;
mod paste;
mod picker;
mod review;
mod rollout;
mod rows;
pub(crate) mod stop;

pub(crate) use draw::draw;
pub(crate) use fields::Slot;
pub(crate) use host::Changes;

use crate::cloud::model::{Image, Keypair, Server};
use crate::ops::{self, Entries, Input, OpKind, Operation, Plan, Route, UserData};
use crate::tui::cmdline::LineInput;
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;
use std::collections::BTreeSet;
use zeroize::{Zeroize, Zeroizing};

/// What the form reads from the app: the listings and who the caller is.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub project_id: &'a str,
    pub images: &'a [Image],
    pub keypairs: &'a [Keypair],
    /// Empty until IAM has answered (a key pair then shows why it cannot be used yet).
    pub user_id: &'a str,
    /// The terminal's size: the review scrolls no further than its last row.
    pub screen: ratatui::layout::Rect,
    pub look: draw::Look<'a>,
}

/// One request the form asks to send.
pub(crate) struct Request {
    pub key: String,
    pub plan: Plan,
}

/// What a key did that the app must act on.
pub(crate) enum Outcome {
    Stay,
    Close,
    /// Read the user-data file at this path (as typed).
    ReadUserData(String),
    /// Send these plans, one request each (the app names them: [`FormState::start_sending`]).
    Submit(Vec<Plan>),
    /// Several servers: send these plans as one rollout, wave after wave, as `line` says.
    Rollout {
        plans: Vec<Plan>,
        line: ops::ApplyLine,
    },
    /// Copy this text to the clipboard (the review's `y`).
    Copy(String),
}

/// Beside the "from file" row: a read in flight, or how the last one went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileNote {
    /// Asked with this id; an answer with another id (an older read) is dropped.
    Reading {
        id: u64,
        path: String,
    },
    Loaded(String),
    Failed(String),
    /// Enter was pressed on this path while the editor holds user data: the next Enter
    /// replaces it.
    Confirm(String),
}

/// How one server's request went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendState {
    Pending,
    Accepted {
        job_id: String,
    },
    Rejected {
        error: String,
        hint: Option<String>,
    },
    /// Sent, but no answer: never resent.
    Unknown {
        error: String,
        hint: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct SendResult {
    pub key: String,
    pub server_name: String,
    pub state: SendState,
}

/// What is on top inside the form: keys and drawing both go by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The image or key pair picker, over the fields.
    Picker,
    Edit,
    Review,
    Sending,
}

pub(crate) enum Stage {
    Edit,
    Review {
        plans: Vec<Plan>,
        confirm: LineInput,
        scroll: u16,
        /// Why the confirmation did not go through (shown as an error).
        note: Option<String>,
        /// What `y` copied, until the next key.
        copied: Option<String>,
    },
    Sending {
        results: Vec<SendResult>,
    },
}

pub(crate) struct FormState {
    pub op: OpKind,
    pub targets: Vec<Server>,
    pub excluded: Vec<bulk::Excluded>,
    /// Change only: the chosen image id.
    pub image_id: Option<String>,
    /// What was entered, but for the user data and the KMS key: their fields below hold
    /// them, and [`FormState::entries`] puts them in.
    pub entries: Entries,
    /// Typed user data (or a text file loaded into it).
    pub user_data: TextArea<'static>,
    /// Binary (gzip) user data loaded from a file; typed text replaces it.
    pub file_data: Option<ops::UserData>,
    pub file_path: LineInput,
    pub file_note: Option<FileNote>,
    pub kms: LineInput,
    /// Several servers: the rollout's `--waves` and `--max-failures`, as typed.
    pub waves: LineInput,
    pub max_failures: LineInput,
    pub focus: Slot,
    pub touched: BTreeSet<Slot>,
    pub show_all_errors: bool,
    pub show_password: bool,
    /// Keep the password after sending, so a rejected request can be retried as entered.
    pub keep_secrets: bool,
    pub picker: Option<picker::Picker>,
    pub stage: Stage,
    pub note: Option<String>,
    /// `Esc` was pressed once on a form with input: the next `Esc` discards it.
    pub discard_armed: bool,
    /// Ctrl-C was pressed once on a form with input: the next one quits.
    pub quit_armed: bool,
}

/// How the TUI names the step of a fix: its key or form field (a script names its flag).
pub(crate) fn key_hint(step: Option<ops::Step>) -> &'static str {
    match step {
        None => "",
        Some(ops::Step::Refresh) => " (press r to refresh)",
        Some(ops::Step::Stop) => " (press s)",
        Some(ops::Step::StopFirst) => " (tick \"stop first\", or press s)",
        Some(ops::Step::StopYourself) => " (untick \"stop first\", then press s)",
        Some(ops::Step::ForceRoute) => " (r refreshes the list; Left/Right on the route forces it)",
    }
}

impl FormState {
    /// A form for `servers`, or why none of them can take `op` now (reason and way out).
    pub fn open(op: OpKind, servers: Vec<Server>) -> Result<FormState, String> {
        let single = servers.len() == 1;
        let (targets, excluded) = bulk::select(servers, op);
        let Some(first) = targets.first() else {
            return Err(match excluded.as_slice() {
                [one] if single => format!("{}: {} refused: {}", one.name, op.label(), one.reason),
                _ => format!(
                    "{}: none of the {} marked servers can take it now (first: {} {})",
                    op.label(),
                    excluded.len(),
                    excluded.first().map_or("", |e| e.name.as_str()),
                    excluded.first().map_or("", |e| e.reason.as_str()),
                ),
            });
        };
        let many = targets.len() > 1;
        let mut entries = Entries::defaults_for(first);
        // Every running ECS needs it, not only the first.
        entries.stop_first = targets
            .iter()
            .any(|s| s.kind == crate::cloud::model::ServerKind::Ecs && s.status == "ACTIVE");
        entries.password = fields::secret_buffer();
        entries.password_confirm = fields::secret_buffer();
        let mut user_data = TextArea::default();
        // Undo history would keep copies of the text that cannot be wiped.
        user_data.set_max_histories(0);
        user_data.set_placeholder_text("#cloud-config or #!/bin/sh script");
        let focus = match op {
            OpKind::Change => Slot::Image,
            OpKind::Reinstall => Slot::Login,
        };
        Ok(FormState {
            op,
            targets,
            excluded,
            image_id: None,
            entries,
            user_data,
            file_data: None,
            file_path: LineInput::default(),
            file_note: None,
            kms: LineInput::default(),
            // Several servers: a canary first, then the rest once it succeeded.
            waves: LineInput::with_text(if many { "1,100%" } else { "" }),
            max_failures: LineInput::with_text(if many { "0" } else { "" }),
            focus,
            touched: BTreeSet::new(),
            show_all_errors: false,
            show_password: false,
            keep_secrets: false,
            picker: None,
            stage: Stage::Edit,
            note: None,
            discard_armed: false,
            quit_armed: false,
        })
    }

    /// Something typed or picked that one `Esc` would lose: a password, user data, a KMS
    /// key, the chosen image.
    pub fn has_input(&self) -> bool {
        !self.entries.password.expose().is_empty()
            || !self.entries.password_confirm.expose().is_empty()
            || !self.typed_user_data().is_empty()
            || self.file_data.is_some()
            || !self.kms.text.is_empty()
            || self.image_id.is_some()
    }

    pub fn is_bulk(&self) -> bool {
        self.targets.len() > 1
    }

    pub fn operation(&self) -> Operation {
        match self.op {
            OpKind::Change => Operation::Change {
                image_id: self.image_id.clone().unwrap_or_default(),
            },
            OpKind::Reinstall => Operation::Reinstall,
        }
    }

    /// The editor's text, wiped when dropped.
    pub fn typed_user_data(&self) -> Zeroizing<String> {
        Zeroizing::new(self.user_data.lines().join("\n"))
    }

    /// Everything entered, as ops takes it: the typed user data (else the loaded binary
    /// file) and the KMS key come from their fields. Build it once per check of the
    /// targets; its secrets are wiped when it drops.
    pub fn entries(&self) -> Entries {
        let text = self.typed_user_data();
        let user_data = if text.is_empty() {
            self.file_data.clone()
        } else {
            Some(UserData::typed(&text))
        };
        Entries {
            user_data,
            kms_key_id: self.kms.text.trim().to_string(),
            ..self.entries.clone()
        }
    }

    /// Runs `f` on the ops input for `server`, with `entries` from [`FormState::entries`].
    pub fn with_input<R>(
        &self,
        ctx: &Ctx<'_>,
        entries: &Entries,
        server: &Server,
        f: impl FnOnce(&Input<'_>) -> R,
    ) -> R {
        let op = self.operation();
        // "Stop first" is for the ECS of a mixed bulk form: a BMS has no such mode. (The
        // copy's secrets are wiped when it drops.)
        let bms_copy = (server.kind == crate::cloud::model::ServerKind::Bms
            && entries.stop_first
            && self.targets.iter().any(|t| t.kind != server.kind))
        .then(|| Entries {
            stop_first: false,
            ..entries.clone()
        });
        let input = Input {
            project_id: ctx.project_id,
            server,
            system_disk_gb: None,
            operation: &op,
            images: ctx.images,
            keypairs: ctx.keypairs,
            user_id: ctx.user_id,
            entries: bms_copy.as_ref().unwrap_or(entries),
        };
        f(&input)
    }

    pub fn target_image<'a>(&self, ctx: &Ctx<'a>) -> Option<&'a Image> {
        let id = self.image_id.as_deref()?;
        ctx.images.iter().find(|i| i.id == id)
    }

    /// The route of each target (None while it cannot be told).
    pub fn routes(&self, ctx: &Ctx<'_>) -> Vec<Option<Route>> {
        let target = self.target_image(ctx);
        self.targets
            .iter()
            .map(|s| bulk::route_of(s, self.op, target, ctx.images, self.entries.route_override))
            .collect()
    }

    /// One plan per target, or the errors.
    pub fn plans(&self, ctx: &Ctx<'_>) -> Option<Vec<Plan>> {
        let entries = self.entries();
        self.targets
            .iter()
            .map(|s| self.with_input(ctx, &entries, s, |i| ops::plan(i).ok()))
            .collect()
    }

    /// The text the user types to confirm: the server name, or the count in bulk.
    pub fn confirm_word(&self) -> String {
        match self.targets.as_slice() {
            [one] => one.name.clone(),
            many => many.len().to_string(),
        }
    }

    /// Marks each request's result as it arrives.
    pub fn result(&mut self, key: &str, state: SendState) -> bool {
        if let Stage::Sending { results } = &mut self.stage
            && let Some(r) = results.iter_mut().find(|r| r.key == key)
        {
            r.state = state;
            return true;
        }
        false
    }

    pub fn sending(&self) -> bool {
        matches!(&self.stage, Stage::Sending { results } if results.iter().any(|r| r.state == SendState::Pending))
    }

    /// Moves to the review, or marks every field in error.
    fn go_review(&mut self, ctx: &Ctx<'_>) {
        self.picker = None;
        let rollout_ok = !self.is_bulk() || self.rollout().is_ok();
        match self.plans(ctx).filter(|_| rollout_ok) {
            Some(plans) => {
                self.note = None;
                self.stage = Stage::Review {
                    plans,
                    confirm: LineInput::default(),
                    scroll: 0,
                    note: None,
                    copied: None,
                }
            }
            None => {
                self.show_all_errors = true;
                let errors = self.errors(ctx);
                if let Some(slot) = self
                    .visible_slots(ctx)
                    .into_iter()
                    .find(|s| errors.contains_key(&s.field()))
                {
                    self.focus = slot;
                }
                self.note = Some("fix the marked fields first; nothing was sent".into());
            }
        }
    }

    /// Starts sending `requests` (one per plan, named by the app). The password is wiped
    /// unless kept.
    pub fn start_sending(&mut self, requests: &[Request]) {
        let results = requests
            .iter()
            .map(|r| SendResult {
                key: r.key.clone(),
                server_name: r.plan.server_name.clone(),
                state: SendState::Pending,
            })
            .collect();
        if !self.keep_secrets {
            self.wipe_password();
        }
        self.stage = Stage::Sending { results };
    }

    pub fn wipe_password(&mut self) {
        // Replacing drops the old buffers, which zero themselves.
        self.entries.password = fields::secret_buffer();
        self.entries.password_confirm = fields::secret_buffer();
    }

    /// Zeroes every secret the form holds (on close).
    pub fn wipe(&mut self) {
        self.wipe_password();
        self.file_data = None;
        let editor = std::mem::take(&mut self.user_data);
        for mut line in editor.into_lines() {
            line.zeroize();
        }
        if let Stage::Review { plans, .. } = &mut self.stage {
            plans.clear();
        }
    }

    pub fn part(&self) -> Part {
        match &self.stage {
            Stage::Edit if self.picker.is_some() => Part::Picker,
            Stage::Edit => Part::Edit,
            Stage::Review { .. } => Part::Review,
            Stage::Sending { .. } => Part::Sending,
        }
    }

    /// Handles one key (the form takes them all while open).
    pub fn handle_key(&mut self, ctx: &Ctx<'_>, key: &KeyEvent) -> Outcome {
        match self.part() {
            Part::Picker => {
                picker::handle_key(self, ctx, key);
                Outcome::Stay
            }
            Part::Edit => fields::handle_key(self, ctx, key),
            Part::Review => review::handle_key(self, ctx, key),
            Part::Sending => review::handle_sending_key(self, ctx, key),
        }
    }
}

impl Drop for FormState {
    fn drop(&mut self) {
        self.wipe();
    }
}

//! The form's rows ([`Slot`]s), which of them `ops` says apply, and what each key does to
//! the focused one. Text fields take only editing keys, so Tab, Esc and Ctrl-S always reach
//! the form.

use super::{Ctx, FileNote, FormState, Outcome, picker};
use crate::cloud::model::ServerKind;
use crate::ops::{self, Field, LoginMode, Route, Secret, UserData};
use crate::tui::cmdline::{Edit, LineInput};
use crate::tui::key_bindings::{Action, Scope};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// Longest password buffer, reserved up front so typing never reallocates (a reallocation
/// would leave an unwiped copy behind). The cloud takes at most 26 characters.
const SECRET_CAP: usize = 128;

pub(crate) fn secret_buffer() -> Secret {
    Secret::new(String::with_capacity(SECRET_CAP))
}

/// One row of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Slot {
    Image,
    Route,
    Login,
    Password,
    Confirm,
    Keypair,
    UserData,
    UserDataFile,
    Encrypt,
    KmsKey,
    Byol,
    StopFirst,
    AutoPay,
    Waves,
    MaxFailures,
}

impl Slot {
    const ALL: [Slot; 15] = [
        Slot::Image,
        Slot::Route,
        Slot::Login,
        Slot::Password,
        Slot::Confirm,
        Slot::Keypair,
        Slot::UserData,
        Slot::UserDataFile,
        Slot::Encrypt,
        Slot::KmsKey,
        Slot::Byol,
        Slot::StopFirst,
        Slot::AutoPay,
        Slot::Waves,
        Slot::MaxFailures,
    ];

    /// The ops field whose errors show under this row.
    pub fn field(self) -> Field {
        match self {
            Slot::Image => Field::Image,
            Slot::Route => Field::Route,
            Slot::Login => Field::LoginMode,
            Slot::Password => Field::Password,
            Slot::Confirm => Field::PasswordConfirm,
            Slot::Keypair => Field::Keypair,
            Slot::UserData | Slot::UserDataFile => Field::UserData,
            Slot::Encrypt | Slot::KmsKey => Field::KmsKey,
            Slot::Byol => Field::Byol,
            Slot::StopFirst => Field::StopFirst,
            Slot::AutoPay => Field::AutoPay,
            Slot::Waves => Field::Waves,
            Slot::MaxFailures => Field::MaxFailures,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::Image => "Image",
            Slot::Route => "Route",
            Slot::Login => "Login",
            Slot::Password => "Password",
            Slot::Confirm => "Confirm",
            Slot::Keypair => "Key pair",
            Slot::UserData => "User data",
            Slot::UserDataFile => "  from file",
            Slot::Encrypt => "Encrypt",
            Slot::KmsKey => "  KMS key",
            Slot::Byol => "License",
            Slot::StopFirst => "Stop first",
            Slot::AutoPay => "Auto-pay",
            Slot::Waves => "Waves",
            Slot::MaxFailures => "Max failed",
        }
    }
}

impl FormState {
    /// The rows shown, in order: a row shows when ops says its field applies to any target.
    pub(crate) fn visible_slots(&self, ctx: &Ctx<'_>) -> Vec<Slot> {
        let entries = self.entries();
        Slot::ALL
            .into_iter()
            .filter(|slot| match slot {
                Slot::Image => self.op == ops::OpKind::Change,
                Slot::KmsKey => self.entries.encrypt,
                Slot::Waves | Slot::MaxFailures => self.is_bulk(),
                // Errors about the user data show under "User data", never twice.
                s => self.targets.iter().any(|t| {
                    self.with_input(ctx, &entries, t, |i| ops::field_applies(i, s.field()))
                }),
            })
            .collect()
    }

    /// Login modes ops accepts for every target's route and OS (all of them while unknown).
    pub(crate) fn login_modes(&self, ctx: &Ctx<'_>) -> Vec<LoginMode> {
        let all = [
            LoginMode::Password,
            LoginMode::Keypair,
            LoginMode::UserDataOnly,
            LoginMode::PasswordHash,
        ];
        let routes = self.routes(ctx);
        let entries = self.entries();
        let ok: Vec<LoginMode> = all
            .into_iter()
            .filter(|m| {
                self.targets.iter().zip(&routes).all(|(t, r)| match r {
                    Some(r) => {
                        let os = self.with_input(ctx, &entries, t, |i| i.resulting_os());
                        ops::check_login_mode(*r, os, *m, self.op).is_none()
                    }
                    // The hashed password needs a known route and OS (Linux, /v2 or BMS).
                    None => *m != LoginMode::PasswordHash,
                })
            })
            .collect();
        if ok.is_empty() { all[..3].to_vec() } else { ok }
    }

    /// After the editor changed: typed text replaces a loaded binary file, and a read in
    /// flight would overwrite what was typed, so its answer is dropped.
    pub(crate) fn user_data_edited(&mut self) {
        if !self.typed_user_data().is_empty() {
            self.file_data = None;
        }
        match &self.file_note {
            Some(FileNote::Reading { path, .. }) => {
                let note = format!("{path} was not loaded: you typed user data meanwhile");
                self.file_note = Some(FileNote::Failed(note));
            }
            // The editor no longer holds the file as loaded.
            Some(FileNote::Loaded(_)) => self.file_note = None,
            _ => {}
        }
    }

    fn move_focus(&mut self, ctx: &Ctx<'_>, forward: bool) {
        let slots = self.visible_slots(ctx);
        self.touched.insert(self.focus);
        let i = slots.iter().position(|s| *s == self.focus).unwrap_or(0);
        let n = slots.len().max(1);
        let next = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        if let Some(s) = slots.get(next) {
            self.focus = *s;
        }
    }

    fn is_last(&self, ctx: &Ctx<'_>) -> bool {
        self.visible_slots(ctx).last() == Some(&self.focus)
    }
}

fn cycle<T: PartialEq + Copy>(options: &[T], current: T, forward: bool) -> T {
    let n = options.len();
    if n == 0 {
        return current;
    }
    let i = options.iter().position(|o| *o == current);
    let next = match (i, forward) {
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
        (None, _) => 0,
    };
    options[next]
}

pub(super) fn handle_key(form: &mut FormState, ctx: &Ctx<'_>, key: &KeyEvent) -> Outcome {
    let esc_again = std::mem::take(&mut form.discard_armed);
    form.note = None;
    // A text row takes its typing first; the other keys are the form's bindings.
    let action = if takes_text(form.focus, key) {
        None
    } else {
        ctx.look.keymap.action_in(Scope::Form, key)
    };
    match action {
        Some(Action::Cancel) if esc_again || !form.has_input() => return Outcome::Close,
        // What was typed is not thrown away by one stray key.
        Some(Action::Cancel) => {
            form.discard_armed = true;
            let esc = ctx.look.keymap.hint(&[Action::Cancel], true);
            form.note = Some(format!(
                "{esc} again discards what you typed; any other key goes on"
            ));
        }
        Some(Action::NextField) => form.move_focus(ctx, true),
        Some(Action::PrevField) => form.move_focus(ctx, false),
        Some(Action::Review) => form.go_review(ctx),
        Some(Action::ShowSecret) => form.show_password = !form.show_password,
        _ => return edit(form, ctx, key, action),
    }
    Outcome::Stay
}

/// Keys a text row takes before any binding: what it types, deletes or moves with.
fn takes_text(slot: Slot, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match slot {
        Slot::UserData => editing_key(key) || (ctrl && key.code == KeyCode::Char('u')),
        Slot::Password | Slot::Confirm => match key.code {
            KeyCode::Char('u') => true,
            KeyCode::Char(_) => !ctrl,
            KeyCode::Backspace => true,
            _ => false,
        },
        Slot::UserDataFile | Slot::KmsKey | Slot::Waves | Slot::MaxFailures => {
            LineInput::is_editing_key(key)
        }
        _ => false,
    }
}

/// A key for the focused row, with the form action it is bound to (none when the row
/// takes it as text). Toggle changes a choice; Advance (Enter) never does: it moves on.
fn edit(form: &mut FormState, ctx: &Ctx<'_>, key: &KeyEvent, action: Option<Action>) -> Outcome {
    let mut outcome = Outcome::Stay;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let toggle = action == Some(Action::Toggle);
    let advance = action == Some(Action::Advance);
    let slot = form.focus;
    match slot {
        Slot::Image | Slot::Keypair if toggle || advance => {
            form.picker = Some(picker::Picker::open(form, ctx, slot));
        }
        Slot::Route => {
            let options = [None, Some(Route::V2), Some(Route::V1)];
            if toggle || key.code == KeyCode::Right {
                form.entries.route_override = cycle(&options, form.entries.route_override, true);
            } else if key.code == KeyCode::Left {
                form.entries.route_override = cycle(&options, form.entries.route_override, false);
            }
        }
        Slot::Login => {
            let modes = form.login_modes(ctx);
            if toggle || key.code == KeyCode::Right {
                form.entries.login = cycle(&modes, form.entries.login, true);
            } else if key.code == KeyCode::Left {
                form.entries.login = cycle(&modes, form.entries.login, false);
            }
        }
        Slot::Password | Slot::Confirm => {
            let secret = if slot == Slot::Password {
                &mut form.entries.password
            } else {
                &mut form.entries.password_confirm
            };
            match key.code {
                KeyCode::Char('u') if ctrl => *secret = secret_buffer(),
                KeyCode::Char(c) if !ctrl => {
                    push_secret(secret, c);
                }
                KeyCode::Backspace => secret.pop(),
                _ => {}
            }
        }
        Slot::UserData => {
            let changed = if ctrl && key.code == KeyCode::Char('u') {
                form.user_data.move_cursor(CursorMove::Head);
                form.user_data.delete_line_by_end()
            } else {
                editing_key(key) && form.user_data.input(*key)
            };
            if changed {
                form.user_data_edited();
            }
        }
        Slot::UserDataFile => match form.file_path.handle(key) {
            Edit::Submit => outcome = ask_file(form),
            Edit::Changed => form.file_note = None,
            _ => {}
        },
        // Enter is Advance, below.
        Slot::KmsKey => {
            form.kms.handle(key);
        }
        Slot::Waves => {
            form.waves.handle(key);
        }
        Slot::MaxFailures => {
            form.max_failures.handle(key);
        }
        Slot::Encrypt | Slot::Byol | Slot::StopFirst | Slot::AutoPay if toggle => {
            let e = &mut form.entries;
            let flag = match slot {
                Slot::Encrypt => &mut e.encrypt,
                Slot::Byol => &mut e.byol,
                Slot::StopFirst => &mut e.stop_first,
                _ => &mut e.auto_pay,
            };
            *flag = !*flag;
        }
        _ => {}
    }
    // Enter on "from file" loads it; on a picker row it opens the picker.
    if advance && !matches!(slot, Slot::Image | Slot::Keypair | Slot::UserDataFile) {
        if form.is_last(ctx) {
            form.go_review(ctx);
        } else {
            form.move_focus(ctx, true);
        }
    }
    form.touched.insert(slot);
    if form.op == ops::OpKind::Change && form.targets.iter().all(|t| t.kind == ServerKind::Bms) {
        form.entries.stop_first = false;
    }
    outcome
}

/// Appends `c` unless the buffer is full; false when it was.
pub(super) fn push_secret(secret: &mut Secret, c: char) -> bool {
    let room = secret.expose().len() + c.len_utf8() <= SECRET_CAP;
    if room {
        secret.push(c);
    }
    room
}

/// Keys the multi-line editor may have: characters, Enter, deletion and movement.
fn editing_key(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char(_) => !ctrl,
        KeyCode::Enter
        | KeyCode::Backspace
        | KeyCode::Delete
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Up
        | KeyCode::Down
        | KeyCode::Home
        | KeyCode::End
        | KeyCode::PageUp
        | KeyCode::PageDown => true,
        _ => false,
    }
}

/// Enter on "from file": the app reads the file (off the UI task); meanwhile the row says
/// so, and every field keeps what it holds.
fn ask_file(form: &mut FormState) -> Outcome {
    let path = form.file_path.text.trim().to_string();
    if path.is_empty() {
        form.file_note = Some(FileNote::Failed("type the path of a file first".into()));
        return Outcome::Stay;
    }
    // A file replaces what is in the editor: a second Enter says so.
    // (Loading the same file again replaces nothing typed.)
    let asked = matches!(&form.file_note, Some(FileNote::Confirm(p)) if *p == path)
        || matches!(&form.file_note, Some(FileNote::Loaded(_)));
    if !asked && (!form.typed_user_data().is_empty() || form.file_data.is_some()) {
        form.file_note = Some(FileNote::Confirm(path));
        return Outcome::Stay;
    }
    Outcome::ReadUserData(path)
}

impl FormState {
    /// The answer to the read asked with `id`: text goes into the editor, gzip is kept as
    /// is; an error shows under the field. An answer to an older read is dropped, and one
    /// that comes once the review is open is not used.
    pub(crate) fn user_data_read(&mut self, id: u64, result: Result<UserData, String>) {
        let path = match &self.file_note {
            Some(FileNote::Reading { id: asked, path }) if *asked == id => path.clone(),
            _ => return,
        };
        // The review shows what would be sent: the file never changes it behind the user.
        if !matches!(self.stage, super::Stage::Edit) {
            let note = format!("{path} was not loaded: the review had opened; Enter loads it");
            self.file_note = Some(FileNote::Failed(note));
            return;
        }
        self.file_note = Some(match result.and_then(|data| self.load(&path, data)) {
            Ok(note) => FileNote::Loaded(note),
            Err(e) => FileNote::Failed(e),
        });
    }

    /// Puts a file's content in place: UTF-8 text into the editor, gzip aside.
    fn load(&mut self, path: &str, data: UserData) -> Result<String, String> {
        let bytes = data.content.expose();
        let name = match &data.source {
            ops::UserDataSource::File { name } => name.as_str(),
            ops::UserDataSource::Typed => path,
        };
        let note = format!("loaded {name} ({} B)", bytes.len());
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                // split, not lines: a final newline survives the round trip through the editor.
                let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
                replace_editor(self, TextArea::new(lines));
                self.file_data = None;
            }
            Err(_) if bytes.starts_with(&[0x1f, 0x8b]) => {
                replace_editor(self, TextArea::default());
                self.file_data = Some(data);
            }
            Err(_) => {
                return Err(format!(
                    "{path} is not UTF-8 text (nor gzip); save it as UTF-8"
                ));
            }
        }
        Ok(note)
    }
}

/// Swaps the editor, wiping the text of the old one.
fn replace_editor(form: &mut FormState, mut editor: TextArea<'static>) {
    editor.set_max_histories(0);
    let old = std::mem::replace(&mut form.user_data, editor);
    for mut line in old.into_lines() {
        zeroize::Zeroize::zeroize(&mut line);
    }
}

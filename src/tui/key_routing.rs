//! Key handling, in the order that keeps typing safe: Ctrl-C always quits; else the top
//! layer over the panes takes the key ([`super::layers`]); else the pane's binding in the
//! keymap in force, and here is what each pane action does.

use super::app::{App, Pane};
use super::cmdline::{self, Edit, LineInput, Verb};
use super::command::Command;
use super::help::HelpState;
use super::key_bindings::{Action, Key};
use super::layers::{Input, Layer, Outcome};
use super::layout;
use super::panes::view::PaneView;
use super::text::short_id;
use super::toast::Level;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

pub(crate) fn handle_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        if ask_before_dropping_form(app) {
            return Vec::new();
        }
        return request_quit(app, true);
    }
    if let Some(cmds) = super::layers::key(app, &key) {
        return cmds;
    }
    if key.code == KeyCode::Esc {
        escape(app);
        return Vec::new();
    }
    let Some(k) = Key::from_event(&key) else {
        return Vec::new();
    };
    let scope = Some(app.pane.scope());
    match app.keymap.lookup(scope, k) {
        Some(action) => act(app, action),
        None => {
            if let Some(action) = app.keymap.refused(scope, k) {
                app.note(
                    Level::Warn,
                    format!(
                        "read-only: {} is disabled (--read-only or read_only = true in the profile)",
                        action.name()
                    ),
                    Some(READ_ONLY_WHY.into()),
                );
            }
            Vec::new()
        }
    }
}

/// Esc outside inputs: leave the zoomed details, else clear the filter, else leave an
/// opened rollout, else dismiss the note.
fn escape(app: &mut App) {
    if app.zoom {
        app.zoom = false;
        app.apply_layout();
    } else if !app.view(app.pane).filter().is_empty() {
        set_filter(app, "");
    } else if !(app.pane == Pane::Jobs && app.jobs.close_rollout()) {
        app.toasts.dismiss();
    }
}

/// Ctrl-C over a form with input asks first, as Esc does: the first press says what the
/// next one loses, and any other key goes on with the form.
fn ask_before_dropping_form(app: &mut App) -> bool {
    let Some(Layer::Form(form)) = app.layers.last_mut() else {
        return false;
    };
    if form.quit_armed || form.part() == super::form::Part::Sending || !form.has_input() {
        return false;
    }
    form.quit_armed = true;
    let text = "Ctrl-C again quits and discards what you typed; any other key goes on";
    match &mut form.stage {
        super::form::Stage::Review { note, .. } => *note = Some(text.into()),
        _ => form.note = Some(text.into()),
    }
    app.note(Level::Warn, text, None);
    true
}

fn request_quit(app: &mut App, force_key: bool) -> Vec<Command> {
    let sending = app.jobs.submitting() + app.jobs.live_rollouts();
    if sending == 0 || (force_key && app.confirm_quit_open()) {
        return app.quit();
    }
    if !app.confirm_quit_open() {
        app.layers.push(Layer::ConfirmQuit);
    }
    Vec::new()
}

/// A bracketed paste: into the text field on top, applied and drawn at once like a key.
/// Never read as keys: a line break in a one-line field cuts the paste (with a note)
/// instead of pressing Enter, and with no text field focused nothing happens.
pub(crate) fn paste(app: &mut App, text: &str) {
    super::layers::paste(app, text);
}

/// A paste into the `/` or `:` line.
pub(crate) fn input_paste(app: &mut App, input: &mut Input, text: &str) {
    match input {
        Input::Filter { line, note } => {
            *note = line.paste(text).note(false);
            let t = line.text.clone();
            set_filter(app, &t);
        }
        Input::Command { line, note } => {
            *note = line.paste(text).note(false);
        }
    }
}

/// Mouse (only when enabled): the wheel scrolls, a click picks a tab or a row; false
/// when the event did nothing.
pub(crate) fn mouse(app: &mut App, m: MouseEvent) -> bool {
    if !app.layers.is_empty() {
        return false;
    }
    match m.kind {
        MouseEventKind::ScrollDown => current(app).move_by(3),
        MouseEventKind::ScrollUp => current(app).move_by(-3),
        MouseEventKind::Down(MouseButton::Left) => {
            let Some(a) = layout::areas(app.size, app.zoom) else {
                return false;
            };
            if m.row == a.tabs.y {
                let hit = super::header::tabs(app)
                    .into_iter()
                    .find(|(_, _, x0, x1)| m.column >= *x0 && m.column < *x1);
                if let Some((p, ..)) = hit {
                    app.pane = p;
                }
            } else if let Some(t) = a.table {
                // Rows start below the border and the header line.
                let first = t.y + 2;
                if m.row >= first && m.row < t.y + t.height.saturating_sub(1) {
                    let i = (m.row - first) as usize;
                    current(app).pick_visible(i);
                }
            }
        }
        _ => return false,
    }
    true
}

/// Keys in the `/` or `:` line: every one is the line's.
pub(crate) fn input_key(app: &mut App, input: &mut Input, key: &KeyEvent) -> Outcome {
    match input {
        // Up in an empty line recalls the last query.
        Input::Filter { line, note } if key.code == KeyCode::Up && line.text.is_empty() => {
            *line = LineInput::with_text(&app.last_filter);
            *note = None;
            let t = line.text.clone();
            set_filter(app, &t);
            Outcome::Keep(Vec::new())
        }
        Input::Filter { line, note } => match line.handle(key) {
            Edit::Submit => {
                remember_filter(app, &line.text);
                Outcome::Close(Vec::new())
            }
            Edit::Cancel => {
                remember_filter(app, &line.text);
                set_filter(app, "");
                Outcome::Close(Vec::new())
            }
            Edit::Changed => {
                *note = None;
                let t = line.text.clone();
                set_filter(app, &t);
                Outcome::Keep(Vec::new())
            }
            _ => Outcome::Keep(Vec::new()),
        },
        Input::Command { line, note } => match line.handle(key) {
            Edit::Submit => {
                let text = line.text.clone();
                Outcome::Close(run_command(app, &text))
            }
            Edit::Cancel => Outcome::Close(Vec::new()),
            Edit::Complete => {
                *note = match cmdline::complete(line.text.trim_start(), &app.profiles) {
                    Ok(done) => {
                        *line = LineInput::with_text(&done);
                        None
                    }
                    Err(c) if c.is_empty() => None,
                    Err(c) => Some(c.join(" ")),
                };
                Outcome::Keep(Vec::new())
            }
            Edit::Changed => {
                *note = None;
                Outcome::Keep(Vec::new())
            }
            _ => Outcome::Keep(Vec::new()),
        },
    }
}

fn run_command(app: &mut App, text: &str) -> Vec<Command> {
    match cmdline::parse(text) {
        Err(e) => {
            app.note(Level::Error, e, None);
            Vec::new()
        }
        Ok(Verb::Servers) => switch(app, Pane::Servers),
        Ok(Verb::Images) => switch(app, Pane::Images),
        Ok(Verb::Keypairs) => switch(app, Pane::Keypairs),
        Ok(Verb::Jobs) => switch(app, Pane::Jobs),
        Ok(Verb::Refresh) => app.refresh_all(),
        Ok(Verb::Help) => act(app, Action::Help),
        Ok(Verb::Messages) => act(app, Action::Messages),
        Ok(Verb::Quit) => request_quit(app, false),
        Ok(Verb::Region(r)) => {
            app.invalidate();
            app.note(Level::Info, format!("switching to region {r}"), None);
            vec![Command::SwitchRegion(r)]
        }
        Ok(Verb::Profile(p)) => {
            app.invalidate();
            app.note(Level::Info, format!("switching to profile {p}"), None);
            vec![Command::SwitchProfile(p)]
        }
    }
}

fn switch(app: &mut App, pane: Pane) -> Vec<Command> {
    app.pane = pane;
    Vec::new()
}

/// The pane on screen.
fn current(app: &mut App) -> &mut dyn PaneView {
    app.view_mut(app.pane)
}

fn remember_filter(app: &mut App, text: &str) {
    if !text.is_empty() {
        app.last_filter = text.to_string();
    }
}

fn set_filter(app: &mut App, text: &str) {
    current(app).set_filter(text);
}

/// `A`: marks every row the filter keeps, and says how many; a fuzzy filter (opted into)
/// also keeps rows that do not contain the text, so that is said too.
fn mark_all(app: &mut App) {
    let table = &mut app.servers.table;
    table.mark_all_shown();
    let (shown, marked) = (table.shown(), table.marks().len());
    let text = format!("marked {shown} shown server(s), {marked} marked in all");
    if table.matcher().is_fuzzy() {
        app.note(
            Level::Warn,
            format!("{text}: the filter is fuzzy, so not every one contains the typed text; check them before a bulk change"),
            None,
        );
    } else {
        app.note(Level::Info, text, None);
    }
}

/// The way out of a read-only refusal (kept whole on the status line).
pub(crate) const READ_ONLY_WHY: &str = "--write lifts it for one run";

pub(crate) fn act(app: &mut App, action: Action) -> Vec<Command> {
    if matches!(action, Action::ChangeOs | Action::Reinstall | Action::Stop)
        && super::job_msgs::refuse_busy(app)
    {
        return Vec::new();
    }
    if action == Action::Refresh && app.pane == Pane::Jobs {
        // On a paused rollout, r goes on with it; elsewhere it polls the open jobs.
        if let Some(cmds) = super::job_msgs::resume_rollout(app) {
            return cmds;
        }
        return super::job_msgs::poll_now(app);
    }
    match action {
        // As Esc: the details first, then the app.
        Action::Quit if app.zoom => escape(app),
        Action::Quit => return request_quit(app, false),
        Action::Help => app.layers.push(Layer::Help(HelpState::default())),
        Action::CommandLine => app.layers.push(Layer::Input(Input::Command {
            line: LineInput::default(),
            note: None,
        })),
        Action::Refresh => return app.refresh_all(),
        Action::NextPane => app.pane = app.pane.step(true),
        Action::PrevPane => app.pane = app.pane.step(false),
        Action::GoServers => app.pane = Pane::Servers,
        Action::GoImages => app.pane = Pane::Images,
        Action::GoKeypairs => app.pane = Pane::Keypairs,
        Action::GoJobs => app.pane = Pane::Jobs,
        Action::Redraw => return vec![Command::RepaintAll],
        Action::Messages => {
            let v = super::layers::messages(app);
            app.layers.push(Layer::Viewer(Box::new(v)))
        }
        Action::Up => current(app).move_by(-1),
        Action::Down => current(app).move_by(1),
        Action::PageUp => current(app).page(false),
        Action::PageDown => current(app).page(true),
        Action::Top => current(app).top(),
        Action::Bottom => current(app).bottom(),
        // Opens empty, as in less and vim: typing replaces the filter, Up recalls it.
        Action::Filter => {
            let current = app.view(app.pane).filter().to_string();
            remember_filter(app, &current);
            app.view_mut(app.pane).prepare_search();
            app.layers.push(Layer::Input(Input::Filter {
                line: LineInput::default(),
                note: None,
            }))
        }
        Action::SortNext => current(app).sort_next(),
        Action::SortReverse => current(app).sort_reverse(),
        Action::Details if app.pane == Pane::Jobs => super::panes::jobs::open_viewer(app),
        Action::Details => {
            if layout::details_toggle(app.size.width, app.size.height) {
                app.zoom = !app.zoom;
                app.apply_layout();
            }
        }
        Action::CopyId => {
            if let Some(id) = app.selected_id() {
                let short = short_id(&id, app.glyphs.ellipsis);
                app.note(
                    Level::Info,
                    format!("copied {short} to the clipboard"),
                    None,
                );
                return vec![Command::CopyToClipboard(id)];
            }
        }
        Action::Mark => {
            app.servers.table.toggle_mark();
            app.servers.table.move_by(1);
        }
        Action::MarkAll => mark_all(app),
        Action::UnmarkAll => app.servers.table.unmark_all(),
        Action::ChangeOs => return super::form::host::open(app, crate::ops::OpKind::Change),
        Action::Reinstall => return super::form::host::open(app, crate::ops::OpKind::Reinstall),
        Action::Stop => return super::form::host::open_stop(app),
        Action::ImageType => app.images.cycle_type(),
        Action::ImageEnv => app.images.cycle_target(),
        Action::ImageArch => app.images.cycle_arch(),
        Action::ImagePlatform => app.images.cycle_platform(),
        Action::PauseRollout => return super::job_msgs::pause_rollout(app),
        Action::AbandonRollout => return super::job_msgs::abandon_rollout(app),
        Action::DismissJob => {
            let done = app
                .jobs
                .selected_job()
                .filter(|j| !j.submitting && j.status.is_terminal())
                .map(|j| j.key.clone());
            match done {
                Some(key) => {
                    app.jobs.remove(&key);
                    app.jobs.progress.remove(&key);
                    return vec![Command::DismissJob(key)];
                }
                None => app.note(Level::Info, "only a finished job can be dismissed", None),
            }
        }
        // A popup's own: its layer handles them (super::layers).
        Action::NextField
        | Action::PrevField
        | Action::Toggle
        | Action::Advance
        | Action::HardStop
        | Action::Review
        | Action::ShowSecret
        | Action::Cancel
        | Action::Submit
        | Action::ShowUnfit
        | Action::KeepSecret
        | Action::CopyCommand
        | Action::Choose
        | Action::No
        | Action::Yes
        | Action::SearchNext
        | Action::SearchPrev
        | Action::Close => {}
    }
    Vec::new()
}

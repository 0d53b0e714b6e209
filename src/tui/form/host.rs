//! Between the app and the form: opening it from the selected or marked servers, routing
//! keys while it is open, turning its requests into commands and the effects' answers into
//! results. The app keeps one [`Changes`] for all of it.

use super::draw::Look;
use super::stop::StopConfirm;
use super::{Ctx, FileNote, FormState, Outcome, Request, SendState};
use crate::cloud::model::{JobStatus, Server};
use crate::ops::OpKind;
use crate::tui::app::App;
use crate::tui::command::{Command, Submission};
use crate::tui::msg::{JobView, SubmitOutcome};
use crate::tui::toast::Level;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use std::time::Duration;

/// The change/reinstall form and the stop confirmation, when open, and the caller's user id.
#[derive(Default)]
pub(crate) struct Changes {
    pub form: Option<FormState>,
    pub stop: Option<StopConfirm>,
    pub user_id: Option<String>,
    user_id_asked: bool,
}

impl Changes {
    pub fn is_open(&self) -> bool {
        self.form.is_some() || self.stop.is_some()
    }

    /// Requests are being sent (the spinner runs).
    pub fn sending(&self) -> bool {
        self.form.as_ref().is_some_and(FormState::sending)
    }
}

fn ctx<'a>(app: &'a App) -> Ctx<'a> {
    Ctx {
        project_id: &app.header.project_id,
        images: app.images.table.rows(),
        keypairs: app.keypairs.table.rows(),
        user_id: app.changes.user_id.as_deref().unwrap_or(""),
        screen: app.size,
        look: Look {
            theme: &app.theme,
            glyphs: &app.glyphs,
            spin: app.spin,
        },
    }
}

/// The marked servers by name (as the form and the review list them), or the one under
/// the cursor.
pub(crate) fn chosen_servers(app: &App) -> Vec<Server> {
    let marks = app.servers.table.marks();
    if marks.is_empty() {
        return app.servers.table.selected().cloned().into_iter().collect();
    }
    let mut servers: Vec<Server> = marks
        .iter()
        .filter_map(|id| app.servers.table.get(id).cloned())
        .collect();
    servers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    servers
}

/// `c` / `R`: opens the form, or says why the server cannot take it.
pub(crate) fn open(app: &mut App, op: OpKind) -> Vec<Command> {
    let servers = chosen_servers(app);
    if servers.is_empty() {
        app.note(Level::Info, "no server selected", None);
        return Vec::new();
    }
    match FormState::open(op, servers) {
        Err(why) => {
            app.note(Level::Error, why, None);
            Vec::new()
        }
        Ok(form) => {
            app.changes.form = Some(form);
            ask_user_id(app)
        }
    }
}

fn ask_user_id(app: &mut App) -> Vec<Command> {
    if app.changes.user_id.is_some() || app.changes.user_id_asked {
        return Vec::new();
    }
    app.changes.user_id_asked = true;
    vec![Command::LoadUserId]
}

/// `s`: asks to stop the chosen servers.
pub(crate) fn open_stop(app: &mut App) -> Vec<Command> {
    let servers = chosen_servers(app);
    match StopConfirm::open(servers) {
        Ok(s) => app.changes.stop = Some(s),
        Err(why) => app.note(Level::Error, why, None),
    }
    Vec::new()
}

/// Keys while the form or the stop confirmation is open; `None` when neither is.
pub(crate) fn handle_key(app: &mut App, key: &KeyEvent) -> Option<Vec<Command>> {
    if let Some(mut stop) = app.changes.stop.take() {
        return Some(match stop.handle_key(key) {
            None => {
                app.changes.stop = Some(stop);
                Vec::new()
            }
            Some(servers) => servers
                .into_iter()
                .map(|s| {
                    let key = app.request_key("stop");
                    placeholder(app, &key, &s, "stop");
                    Command::StopServer {
                        key,
                        kind: s.kind,
                        server_id: s.id,
                        server_name: s.name,
                    }
                })
                .collect(),
        });
    }
    let mut form = app.changes.form.take()?;
    let outcome = form.handle_key(&ctx(app), key);
    Some(match outcome {
        Outcome::Stay => {
            app.changes.form = Some(form);
            Vec::new()
        }
        // Dropping the form wipes its secrets.
        Outcome::Close => Vec::new(),
        Outcome::ReadUserData(path) => {
            let id = app.request_id();
            form.file_note = Some(FileNote::Reading {
                id,
                path: path.clone(),
            });
            app.changes.form = Some(form);
            vec![Command::ReadUserData { id, path }]
        }
        Outcome::Submit(plans) => {
            let requests: Vec<Request> = plans
                .into_iter()
                .map(|plan| Request {
                    key: app.request_key("submit"),
                    plan,
                })
                .collect();
            form.start_sending(&requests);
            let cmds = requests
                .into_iter()
                .map(|r| {
                    if let Some(s) = form.targets.iter().find(|t| t.id == r.plan.server_id) {
                        let what =
                            format!("{} {}", r.plan.op.label(), r.plan.route.route.version());
                        placeholder(app, &r.key, s, &what);
                    }
                    Command::Submit(Box::new(Submission {
                        key: r.key,
                        plan: r.plan,
                    }))
                })
                .collect();
            app.changes.form = Some(form);
            cmds
        }
    })
}

/// A "sending" row in the Jobs pane, so quitting asks first while it is in flight.
fn placeholder(app: &mut App, key: &str, s: &Server, operation: &str) {
    app.jobs.table.upsert(JobView {
        key: key.to_string(),
        job_id: None,
        server_id: s.id.clone(),
        server_name: s.name.clone(),
        kind: s.kind,
        operation: operation.to_string(),
        submitting: true,
        status: JobStatus::Init,
        gave_up: None,
        elapsed: Duration::ZERO,
        detail: "sending".into(),
        error_code: None,
    });
    app.jobs.rebuild();
}

/// A paste while the form or the stop confirmation is open (which has no text field);
/// false when neither is.
pub(crate) fn paste(app: &mut App, text: &str) -> bool {
    match app.changes.form.as_mut() {
        Some(form) => {
            form.paste(text);
            true
        }
        None => app.changes.stop.is_some(),
    }
}

pub(crate) fn user_id_loaded(app: &mut App, result: Result<String, String>) -> Vec<Command> {
    app.dirty_key();
    match result {
        Ok(id) => app.changes.user_id = Some(id),
        Err(e) => {
            // Asked again the next time a form opens.
            app.changes.user_id_asked = false;
            app.note(
                Level::Warn,
                format!("your IAM user id is unknown, so key pairs cannot be used: {e}"),
                None,
            );
        }
    }
    Vec::new()
}

/// The file the form asked for, read (or not); dropped when the form has closed.
pub(crate) fn user_data_read(
    app: &mut App,
    id: u64,
    result: Result<crate::ops::UserData, String>,
) -> Vec<Command> {
    app.dirty_key();
    if let Some(form) = app.changes.form.as_mut() {
        form.user_data_read(id, result);
    }
    Vec::new()
}

/// The effects' answer to one request: into the form's results, or a note when the form
/// is closed.
pub(crate) fn submitted(app: &mut App, key: &str, outcome: SubmitOutcome) -> Vec<Command> {
    app.dirty_key();
    app.jobs.table.retain(|j| j.key != key);
    app.jobs.rebuild();
    let state = match &outcome {
        SubmitOutcome::Accepted { job_id } => SendState::Accepted {
            job_id: job_id.clone(),
        },
        SubmitOutcome::Rejected { error, hint } => SendState::Rejected {
            error: error.clone(),
            hint: hint.clone(),
        },
        SubmitOutcome::Unknown { error, hint } => SendState::Unknown {
            error: error.clone(),
            hint: hint.clone(),
        },
    };
    if app
        .changes
        .form
        .as_mut()
        .is_some_and(|f| f.result(key, state))
    {
        return Vec::new();
    }
    match outcome {
        SubmitOutcome::Accepted { job_id } => {
            app.note(Level::Info, format!("accepted: job {job_id}"), None)
        }
        SubmitOutcome::Rejected { error, hint } => app.note(Level::Error, error, hint),
        SubmitOutcome::Unknown { error, hint } => app.note(
            Level::Error,
            format!("outcome unknown, not resent: {error}"),
            hint,
        ),
    }
    Vec::new()
}

pub(crate) fn draw(f: &mut Frame, app: &App) {
    let ctx = ctx(app);
    if let Some(form) = &app.changes.form {
        super::draw(f, f.area(), form, &ctx, &ctx.look);
    }
    if let Some(stop) = &app.changes.stop {
        stop.draw(f, f.area(), &ctx.look);
    }
}

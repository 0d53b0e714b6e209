//! Between the app and the form: opening it from the selected or marked servers (as a
//! layer, [`crate::tui::layers`]), its keys and drawing as a layer, turning its requests
//! into commands and the effects' answers into results.

use super::draw::Look;
use super::stop::StopConfirm;
use super::{Ctx, FileNote, FormState, Outcome, Request, SendState};
use crate::cloud::model::{JobStatus, Server};
use crate::ops::OpKind;
use crate::tui::app::App;
use crate::tui::command::{Command, RolloutOrder, Submission};
use crate::tui::layers::{self, Layer};
use crate::tui::msg::{JobView, SubmitOutcome};
use crate::tui::toast::Level;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use std::time::Duration;

/// The caller's user id, asked once for the forms.
#[derive(Default)]
pub(crate) struct Changes {
    pub user_id: Option<String>,
    user_id_asked: bool,
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
            keymap: &app.keymap,
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

/// The chosen servers without an open job, and those with one (name and why). A second
/// pass over the same marks thus leaves out the servers the first one sent.
fn chosen_free(app: &App) -> (Vec<Server>, Vec<(String, String)>) {
    let (free, busy): (Vec<Server>, Vec<Server>) = chosen_servers(app)
        .into_iter()
        .partition(|s| crate::tui::job_msgs::busy(app, &s.id).is_none());
    let why = busy
        .into_iter()
        .filter_map(|s| {
            let (_, job) = crate::tui::job_msgs::busy(app, &s.id)?;
            Some((
                s.name,
                format!("a job is open ({job}); wait for it to end (Jobs pane, 4)"),
            ))
        })
        .collect();
    (free, why)
}

/// `c` / `R`: opens the form, or says why the server cannot take it.
pub(crate) fn open(app: &mut App, op: OpKind) -> Vec<Command> {
    let (servers, busy) = chosen_free(app);
    if servers.is_empty() {
        app.note(Level::Info, "no server selected", None);
        return Vec::new();
    }
    match FormState::open(op, servers) {
        Err(why) => {
            app.note(Level::Error, why, None);
            Vec::new()
        }
        Ok(mut form) => {
            form.excluded.extend(
                busy.into_iter()
                    .map(|(name, reason)| super::bulk::Excluded { name, reason }),
            );
            // The first login mode the route and OS accept (a BMS Windows takes no password).
            let modes = form.login_modes(&ctx(app));
            if !modes.contains(&form.entries.login)
                && let Some(&first) = modes.first()
            {
                form.entries.login = first;
            }
            app.layers.push(Layer::Form(Box::new(form)));
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
    let (servers, busy) = chosen_free(app);
    match StopConfirm::open(servers) {
        Ok(mut s) => {
            s.skipped
                .extend(busy.into_iter().map(|(name, why)| format!("{name} {why}")));
            app.layers.push(Layer::Stop(s))
        }
        Err(why) => app.note(Level::Error, why, None),
    }
    Vec::new()
}

/// Keys of the stop confirmation.
pub(crate) fn stop_key(app: &mut App, stop: &mut StopConfirm, key: &KeyEvent) -> layers::Outcome {
    let hard = stop.hard;
    match stop.handle_key(&app.keymap, key) {
        None => layers::Outcome::Keep(Vec::new()),
        Some(servers) => layers::Outcome::Close(
            servers
                .into_iter()
                .map(|s| {
                    let key = app.request_key("stop");
                    placeholder(app, &key, &s, "stop");
                    app.servers.table.unmark(&s.id);
                    Command::StopServer {
                        key,
                        hard,
                        kind: s.kind,
                        server_id: s.id,
                        server_name: s.name,
                    }
                })
                .collect(),
        ),
    }
}

/// Keys of the form.
pub(crate) fn form_key(app: &mut App, form: &mut FormState, key: &KeyEvent) -> layers::Outcome {
    form.quit_armed = false;
    match form.handle_key(&ctx(app), key) {
        Outcome::Stay => layers::Outcome::Keep(Vec::new()),
        // Dropping the form wipes its secrets.
        Outcome::Close => layers::Outcome::Close(Vec::new()),
        Outcome::ReadUserData(path) => {
            let id = app.request_id();
            form.file_note = Some(FileNote::Reading {
                id,
                path: path.clone(),
            });
            layers::Outcome::Keep(vec![Command::ReadUserData { id, path }])
        }
        Outcome::Copy(text) => layers::Outcome::Keep(vec![Command::CopyToClipboard(text)]),
        Outcome::Rollout { plans, line } => {
            layers::Outcome::Close(vec![start_rollout(app, form, plans, line)])
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
                    // Sent: its mark goes, so the marks left are the servers still to do.
                    app.servers.table.unmark(&r.plan.server_id);
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
            layers::Outcome::Keep(cmds)
        }
    }
}

/// The confirmed rollout: its row in the Jobs pane at once (every server waiting until
/// the effects name it), the servers unmarked, the Jobs pane shown.
fn start_rollout(
    app: &mut App,
    form: &FormState,
    plans: Vec<crate::ops::Plan>,
    line: crate::ops::ApplyLine,
) -> Command {
    let key = app.request_key("rollout");
    let expect_images: Vec<String> = plans
        .iter()
        .map(|p| match &line.image_id {
            Some(id) => id.clone(),
            None => form
                .targets
                .iter()
                .find(|t| t.id == p.server_id)
                .and_then(Server::current_image_id)
                .unwrap_or_default()
                .to_string(),
        })
        .collect();
    for p in &plans {
        app.servers.table.unmark(&p.server_id);
    }
    let order = RolloutOrder {
        key,
        plans,
        expect_images,
        line,
    };
    let row = app.jobs.upsert_rollout(order.waiting());
    app.pane = crate::tui::app::Pane::Jobs;
    app.jobs.select(&row);
    Command::StartRollout(Box::new(order))
}

/// A "sending" row in the Jobs pane, so quitting asks first while it is in flight.
fn placeholder(app: &mut App, key: &str, s: &Server, operation: &str) {
    app.jobs.upsert(JobView {
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
}

pub(crate) fn user_id_loaded(app: &mut App, result: Result<String, String>) -> Vec<Command> {
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
    if let Some(form) = layers::form_mut(&mut app.layers) {
        form.user_data_read(id, result);
    }
    Vec::new()
}

/// The effects' answer to one request: into the form's results, or a note when the form
/// is closed.
pub(crate) fn submitted(app: &mut App, key: &str, outcome: SubmitOutcome) -> Vec<Command> {
    app.jobs.remove(key);
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
    if layers::form_mut(&mut app.layers).is_some_and(|f| f.result(key, state)) {
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

pub(crate) fn draw_form(f: &mut Frame, app: &App, form: &FormState) {
    let ctx = ctx(app);
    super::draw(f, f.area(), form, &ctx, &ctx.look);
}

pub(crate) fn draw_stop(f: &mut Frame, app: &App, stop: &StopConfirm) {
    stop.draw(f, f.area(), &ctx(app).look);
}

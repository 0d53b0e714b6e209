//! Rollouts in the TUI, without a terminal or a network: the bulk form's Waves and Max
//! failed fields, the review by wave and its `y`, the command the confirmation sends, the
//! Jobs pane's rollout row and what p, r, x, Enter and Esc do on it.
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::{JobStatus, ServerKind};
use reimage::tui::{
    App, Command, JobView, Msg, RolloutOrder, RolloutServer, RolloutState, RolloutView,
    ServerStage, Steer,
};
use std::time::Duration;

const USER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const SERVERS: [&str; 3] = ["web-02", "web-03", "web-05"];

fn ready() -> App {
    let mut app = loaded(100, 30);
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    app
}

/// web-02, web-03 and web-05 marked, their reinstall form open.
fn bulk_form() -> App {
    let mut app = ready();
    for name in SERVERS {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    key(&mut app, KeyCode::Char('R'));
    app
}

/// From the form to the confirmed review: the commands the confirmation gave.
fn confirm(app: &mut App) -> Vec<Command> {
    ctrl(app, 's');
    let mut cmds = typing(app, "3");
    cmds.extend(key(app, KeyCode::Enter));
    cmds
}

fn order(cmds: Vec<Command>) -> Box<RolloutOrder> {
    let mut orders: Vec<Box<RolloutOrder>> = cmds
        .into_iter()
        .filter_map(|c| match c {
            Command::StartRollout(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(orders.len(), 1, "one rollout started");
    orders.remove(0)
}

fn view(order: &RolloutOrder, id: &str, stages: &[(ServerStage, Option<&str>)]) -> RolloutView {
    let waves = order.line.waves.sizes(order.plans.len());
    let mut wave_of = Vec::new();
    for (w, n) in waves.iter().enumerate() {
        wave_of.extend(std::iter::repeat_n(w + 1, *n));
    }
    RolloutView {
        key: order.key.clone(),
        id: id.into(),
        operation: "reinstall OS".into(),
        wave: 1,
        waves: waves.len(),
        state: RolloutState::Running,
        servers: order
            .plans
            .iter()
            .zip(stages)
            .zip(wave_of)
            .map(|((p, (stage, job)), wave)| RolloutServer {
                server_id: p.server_id.clone(),
                name: p.server_name.clone(),
                wave,
                job_id: job.map(str::to_string),
                stage: stage.clone(),
            })
            .collect(),
    }
}

fn job(id: &str, server: &str, status: JobStatus) -> JobView {
    JobView {
        key: id.into(),
        job_id: Some(id.into()),
        server_id: format!("id-{server}"),
        server_name: server.into(),
        kind: ServerKind::Ecs,
        operation: "reinstall OS v2".into(),
        submitting: false,
        status,
        gave_up: None,
        elapsed: Duration::from_secs(30),
        detail: String::new(),
        error_code: None,
    }
}

#[test]
fn the_bulk_form_starts_with_a_canary_and_refuses_a_bad_wave_list() {
    let mut app = bulk_form();
    let s = screen(&app, 100, 30);
    assert!(s.contains("[ 1,100%"), "a canary first by default: {s}");
    assert!(s.contains("servers per wave: 1 + 2"), "{s}");
    assert!(s.contains("halts past 0 failed server(s) of 3"), "{s}");
    set_field(&mut app, "Waves", "2,1");
    let cmds = ctrl(&mut app, 's');
    assert!(cmds.is_empty(), "{cmds:?}");
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("smaller than wave 1"),
        "the error under Waves: {s}"
    );
    assert!(!s.contains("Review"), "no review with a bad wave list: {s}");
    set_field(&mut app, "Waves", "1,50%");
    set_field(&mut app, "Max failed", "x");
    ctrl(&mut app, 's');
    let s = screen(&app, 100, 30);
    assert!(s.contains("neither a count nor a percentage"), "{s}");
    assert!(!s.contains("--max-failures"), "the form names no flag: {s}");
    set_field(&mut app, "Max failed", "1");
    ctrl(&mut app, 's');
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("wave 1: web-02"),
        "the review lists the waves: {s}"
    );
    assert!(s.contains("wave 2: web-03"), "{s}");
    assert!(s.contains("wave 3: web-05"), "{s}");
    assert!(s.contains("halts past 1 failed server(s)"), "{s}");
}

#[test]
fn one_server_has_no_rollout_fields() {
    let mut app = ready();
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    let s = screen(&app, 100, 30);
    assert!(s.contains("Reinstall"), "{s}");
    assert!(!s.contains("Waves") && !s.contains("Max failed"), "{s}");
}

#[test]
fn y_in_the_review_copies_the_apply_command_without_a_secret() {
    let mut app = bulk_form();
    // Password login, typed twice.
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, "Str0ng!Pass-42");
    key(&mut app, KeyCode::Tab);
    typing(&mut app, "Str0ng!Pass-42");
    ctrl(&mut app, 's');
    assert!(
        !screen(&app, 100, 30).contains("keep the password in memory"),
        "a rollout never reopens the form: no retry to keep the password for"
    );
    let cmds = typing(&mut app, "y");
    let copied: Vec<&String> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::CopyToClipboard(t) => Some(t),
            _ => None,
        })
        .collect();
    let [line] = copied.as_slice() else {
        panic!("one copy: {cmds:?}")
    };
    assert!(
        line.starts_with("reimage apply --reinstall --server "),
        "{line}"
    );
    assert_eq!(line.matches("--server ").count(), 3, "{line}");
    assert!(line.contains("--password-stdin"), "{line}");
    assert!(line.contains("--waves 1,100% --max-failures 0"), "{line}");
    assert!(!line.contains("Str0ng"), "no secret in the command: {line}");
    assert!(
        screen(&app, 100, 30).contains("reads the password from stdin"),
        "it says where the password goes"
    );
    // The confirmation took no "y".
    let cmds = typing(&mut app, "3");
    assert!(cmds.is_empty());
    assert!(screen(&app, 100, 30).contains("to confirm: 3_"));
}

#[test]
fn on_one_server_y_types_and_ctrl_y_copies() {
    let mut app = ready();
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    ctrl(&mut app, 's');
    let cmds = typing(&mut app, "y");
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(screen(&app, 100, 30).contains("to confirm: y_"));
    let cmds = ctrl(&mut app, 'y');
    assert!(
        matches!(cmds.as_slice(), [Command::CopyToClipboard(t)] if !t.contains("--waves")),
        "{cmds:?}"
    );
}

#[test]
fn the_confirmation_starts_one_rollout_in_wave_order_and_shows_its_row() {
    let mut app = bulk_form();
    let cmds = confirm(&mut app);
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Submit(_))),
        "no request sent outside the rollout: {cmds:?}"
    );
    let o = order(cmds);
    let names: Vec<&str> = o.plans.iter().map(|p| p.server_name.as_str()).collect();
    assert_eq!(names, SERVERS);
    assert_eq!(o.line.waves.sizes(3), vec![1, 2]);
    assert_eq!(o.expect_images.len(), 3);
    assert!(
        o.expect_images.iter().all(|i| !i.is_empty()),
        "{:?}",
        o.expect_images
    );
    assert!(app.marked_servers().is_empty(), "the servers are unmarked");
    let s = screen(&app, 160, 40);
    assert!(s.contains("rollout "), "the Jobs pane shows it: {s}");
    assert!(s.contains("wave 0/2"), "{s}");
    assert!(s.contains("3 waiting"), "{s}");
    // A server the rollout has still to send is taken.
    key(&mut app, KeyCode::Char('1'));
    select(&mut app, "web-05");
    key(&mut app, KeyCode::Char('R'));
    assert!(
        app.toast().is_some_and(|t| t.contains("waits in rollout")),
        "{:?}",
        app.toast()
    );
}

#[test]
fn the_rollout_row_stands_for_its_jobs_and_enter_lists_them() {
    let mut app = bulk_form();
    let o = order(confirm(&mut app));
    app.update(Msg::JobUpdated(job(
        "job-canary",
        "web-02",
        JobStatus::Running,
    )));
    app.update(Msg::JobUpdated(job(
        "job-other",
        "db-01",
        JobStatus::Running,
    )));
    app.update(Msg::RolloutUpdated(view(
        &o,
        "r20261202-160000-abcd",
        &[
            (ServerStage::Running, Some("job-canary")),
            (ServerStage::Waiting, None),
            (ServerStage::Waiting, None),
        ],
    )));
    let s = screen(&app, 160, 40);
    let row = s
        .lines()
        .find(|l| l.contains("rollout of 3") && l.contains("RUNNING"))
        .unwrap_or_else(|| panic!("the rollout row: {s}"));
    assert!(
        row.contains("wave 1/2") && row.contains("0 ok · 0 failed · 2 waiting"),
        "{row}"
    );
    assert!(
        !s.lines()
            .any(|l| l.contains("web-02") && l.contains("reinstall OS")),
        "its job folds into the row: {s}"
    );
    assert!(s.contains("db-01"), "other jobs stay: {s}");
    // The row stays under the cursor as jobs come and go.
    key(&mut app, KeyCode::Enter);
    let s = screen(&app, 160, 40);
    assert!(s.contains("Jobs of rollout r202…abcd · Esc back"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.contains("web-02") && l.contains("reinstall OS"))
            && !s.contains("db-01"),
        "only its jobs: {s}"
    );
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, 160, 40);
    assert!(s.contains("db-01") && s.contains("rollout "), "{s}");
}

/// A confirmed rollout named r-1, with its canary running.
fn running() -> (App, Box<RolloutOrder>) {
    let mut app = bulk_form();
    let o = order(confirm(&mut app));
    app.update(Msg::RolloutUpdated(view(
        &o,
        "r-1",
        &[
            (ServerStage::Running, Some("job-canary")),
            (ServerStage::Waiting, None),
            (ServerStage::Waiting, None),
        ],
    )));
    (app, o)
}

fn steers(cmds: &[Command]) -> Vec<Steer> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::SteerRollout { id, steer } if id == "r-1" => Some(*steer),
            _ => None,
        })
        .collect()
}

#[test]
fn p_pauses_p_or_r_resumes_and_x_abandons() {
    let (mut app, o) = running();
    assert_eq!(steers(&typing(&mut app, "p")), [Steer::Pause]);
    assert!(screen(&app, 100, 30).contains("PAUSING"));
    let mut paused = view(
        &o,
        "r-1",
        &[
            (ServerStage::Ok, Some("job-canary")),
            (ServerStage::Waiting, None),
            (ServerStage::Waiting, None),
        ],
    );
    paused.state = RolloutState::Paused;
    app.update(Msg::RolloutUpdated(paused.clone()));
    let s = screen(&app, 100, 30);
    assert!(s.contains("PAUSED") && s.contains("p or r resumes"), "{s}");
    // r on a paused rollout resumes it rather than polling.
    let cmds = typing(&mut app, "r");
    assert_eq!(steers(&cmds), [Steer::Resume], "{cmds:?}");
    assert!(!cmds.iter().any(|c| matches!(c, Command::PollJobs(_))));
    app.update(Msg::RolloutUpdated(paused));
    assert_eq!(steers(&typing(&mut app, "p")), [Steer::Resume]);
    assert_eq!(steers(&typing(&mut app, "x")), [Steer::Abandon]);
    let s = screen(&app, 160, 40);
    assert!(s.contains("ABANDONED") && s.contains("2 not sent"), "{s}");
    // Nothing more to steer.
    assert!(steers(&typing(&mut app, "p")).is_empty());
    assert!(steers(&typing(&mut app, "x")).is_empty());
}

#[test]
fn an_ended_rollout_says_so_once_and_takes_no_keys() {
    let (mut app, o) = running();
    let mut halted = view(
        &o,
        "r-1",
        &[
            (
                ServerStage::Failed("FAIL Ecs.0001".into()),
                Some("job-canary"),
            ),
            (ServerStage::Waiting, None),
            (ServerStage::Waiting, None),
        ],
    );
    halted.state = RolloutState::Halted("1 server(s) failed, more than 0 allows".into());
    app.update(Msg::RolloutUpdated(halted));
    assert!(
        app.toast()
            .is_some_and(|t| t.contains("halted") && t.contains("2 not sent")),
        "{:?}",
        app.toast()
    );
    let s = screen(&app, 100, 30);
    assert!(s.contains("HALTED") && s.contains("1 failed"), "{s}");
    assert!(steers(&typing(&mut app, "p")).is_empty());
    assert!(steers(&typing(&mut app, "x")).is_empty());
}

#[test]
fn quitting_with_a_live_rollout_asks_first() {
    let (mut app, _) = running();
    typing(&mut app, "q");
    assert!(!app.should_quit(), "the first q asks");
    let s = screen(&app, 100, 30);
    assert!(s.contains("rollout(s) would send more waves"), "{s}");
    typing(&mut app, "y");
    assert!(app.should_quit());
}

#[test]
fn a_pasted_wave_list_is_cut_at_its_line_break_and_checked() {
    let mut app = bulk_form();
    set_field(&mut app, "Waves", "");
    app.update(Msg::Paste("1,\n100%".into()));
    let s = screen(&app, 100, 30);
    assert!(s.contains("[ 1,"), "the first line only: {s}");
    assert!(s.contains("cut at the line break"), "{s}");
    assert!(s.contains("wave 2 is empty"), "checked as typed: {s}");
    assert!(ctrl(&mut app, 's').is_empty());
}

#[test]
fn a_rollout_draws_at_any_size() {
    let (mut app, _) = running();
    for (w, h) in [(40, 12), (80, 24), (230, 60), (20, 6)] {
        app.update(Msg::Resize(w, h));
        let s = screen(&app, w, h);
        if w >= 80 {
            assert!(s.contains("rollout of 3"), "{w}x{h}: {s}");
        }
        key(&mut app, KeyCode::Enter);
        let opened = screen(&app, w, h);
        if w >= 80 {
            assert!(opened.contains("Jobs of rollout"), "{w}x{h}: {opened}");
        }
        key(&mut app, KeyCode::Esc);
    }
}

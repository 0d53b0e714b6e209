//! Keys that behave as in k9s, less and vim, and flows that go to their end: driven by
//! key presses on the fixture inventory, without a terminal.
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::{JobStatus, ServerKind};
use reimage::tui::{App, Command, JobView, Msg};
use std::time::Duration;

const USER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

fn ready(w: u16, h: u16) -> App {
    let mut app = loaded(w, h);
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    app
}

fn line_with<'a>(s: &'a str, text: &str) -> Option<(usize, &'a str)> {
    s.lines().enumerate().find(|(_, l)| l.contains(text))
}

#[test]
fn q_in_the_zoomed_details_goes_back_and_quits_only_from_the_table() {
    let mut app = loaded(80, 24);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    assert!(!screen(&app, 80, 24).contains("NAME"), "details zoomed");
    typing(&mut app, "q");
    assert!(!app.should_quit(), "q in the details went back, not out");
    assert!(screen(&app, 80, 24).contains("NAME"), "the table is back");
    assert_eq!(app.marked_servers().len(), 1, "the mark is kept");
    typing(&mut app, "q");
    assert!(app.should_quit());
}

#[test]
fn q_cancels_the_stop_confirmation() {
    let mut app = ready(100, 30);
    select(&mut app, "web-01");
    key(&mut app, KeyCode::Char('s'));
    assert!(screen(&app, 100, 30).contains("Stop 1 server?"));
    let cmds = typing(&mut app, "q");
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(!app.should_quit());
    assert!(!screen(&app, 100, 30).contains("Stop 1 server?"));
}

#[test]
fn ctrl_c_in_a_filled_form_asks_first() {
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    // Login on password, then type one.
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, "Str0ng!Pass-42");
    ctrl(&mut app, 'c');
    assert!(!app.should_quit(), "the first Ctrl-C asks");
    assert!(
        screen(&app, 100, 30).contains("Ctrl-C again quits"),
        "{}",
        screen(&app, 100, 30)
    );
    // Any other key goes on; the question is asked again.
    key(&mut app, KeyCode::Tab);
    ctrl(&mut app, 'c');
    assert!(!app.should_quit());
    ctrl(&mut app, 'c');
    assert!(app.should_quit(), "the second Ctrl-C quits");
    // An empty form does not ask.
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    ctrl(&mut app, 'c');
    assert!(app.should_quit());
}

#[test]
fn slash_opens_empty_and_up_recalls_the_last_query() {
    let mut app = loaded(100, 30);
    typing(&mut app, "/web");
    key(&mut app, KeyCode::Enter);
    let web = app.shown_ids().len();
    assert!(web < fixture().ecs.len(), "filtered");
    typing(&mut app, "/");
    let s = screen(&app, 100, 30);
    let (_, line) = line_with(&s, " /").expect("the / line");
    assert!(!line.contains("web"), "opens empty: {line}");
    assert_eq!(
        app.shown_ids().len(),
        web,
        "the filter stays until typed over"
    );
    key(&mut app, KeyCode::Up);
    let s = screen(&app, 100, 30);
    assert!(s.contains(" /web"), "{s}");
    // Esc clears it; / then Up brings it back.
    key(&mut app, KeyCode::Esc);
    let all = app.shown_ids().len();
    assert!(all > web);
    typing(&mut app, "/");
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.shown_ids().len(), web);
}

/// The picker's title counts and the row under its cursor.
fn picker_state(app: &App) -> (String, String) {
    let s = screen(app, 100, 30);
    let title = line_with(&s, "Pick an image")
        .map(|(_, l)| l.to_string())
        .expect("picker open");
    let row = s
        .lines()
        .find(|l| l.contains("│▶ ") || l.contains("│> "))
        .map(str::to_string)
        .unwrap_or_default();
    (title, row)
}

#[test]
fn picker_home_end_page_and_counts_that_follow_the_filter() {
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Enter);
    let (all_title, first) = picker_state(&app);
    key(&mut app, KeyCode::End);
    let (_, last) = picker_state(&app);
    assert_ne!(first, last, "End moves to the last row");
    key(&mut app, KeyCode::Home);
    assert_eq!(picker_state(&app).1, first, "Home goes back to the first");
    key(&mut app, KeyCode::PageDown);
    assert_eq!(picker_state(&app).1, last, "a page holds every row here");
    key(&mut app, KeyCode::PageUp);
    assert_eq!(picker_state(&app).1, first);
    typing(&mut app, "ubuntu 22");
    let (title, _) = picker_state(&app);
    assert_ne!(title, all_title, "the counts follow the filter: {title}");
}

/// The focused row of the form.
fn focused(app: &App) -> String {
    let s = screen(app, 100, 30);
    s.lines()
        .find(|l| l.starts_with("│ ▶"))
        .map(str::to_string)
        .unwrap_or_default()
}

#[test]
fn enter_moves_on_space_toggles_and_enter_on_the_last_field_reviews_once() {
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    // Enter on the login choice moves on and changes nothing.
    let login = focused(&app);
    assert!(login.contains("(*) key pair"), "{login}");
    key(&mut app, KeyCode::Enter);
    assert!(focused(&app).contains("Key pair"), "{}", focused(&app));
    key(&mut app, KeyCode::Up);
    assert_eq!(focused(&app), login, "Enter toggled nothing");
    // To the last row ("Stop first").
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    assert!(focused(&app).contains("Stop first"), "{}", focused(&app));
    let before = screen(&app, 100, 30);
    // Space toggles without leaving.
    key(&mut app, KeyCode::Char(' '));
    assert!(
        focused(&app).contains("[x] stop the server"),
        "{}",
        focused(&app)
    );
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(screen(&app, 100, 30), before);
    // Enter opens the review in one press, and toggles nothing.
    key(&mut app, KeyCode::Enter);
    let s = screen(&app, 100, 30);
    assert!(s.contains("Review"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(screen(&app, 100, 30), before, "the tick is as it was");
}

#[test]
fn the_kms_error_sits_under_the_kms_field() {
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    while !focused(&app).contains("Encrypt") {
        key(&mut app, KeyCode::Tab);
    }
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Tab);
    typing(&mut app, "abc");
    key(&mut app, KeyCode::Tab);
    let s = screen(&app, 100, 30);
    let kms = s
        .lines()
        .position(|l| l.contains("  KMS key   ["))
        .expect("kms row");
    let err = s
        .lines()
        .position(|l| l.contains("a KMS key id has 36 characters"))
        .expect("the error shows");
    assert_eq!(err, kms + 1, "the KMS error is under the KMS key row:\n{s}");
}

fn open_job_on(app: &mut App, name: &str) {
    let fx = fixture();
    let s = fx
        .ecs
        .iter()
        .find(|s| s.name == name)
        .expect("server")
        .clone();
    app.update(Msg::JobUpdated(JobView {
        key: format!("job-{name}"),
        job_id: Some(format!("job-{name}")),
        server_id: s.id,
        server_name: s.name,
        kind: ServerKind::Ecs,
        operation: "reinstall v2".into(),
        submitting: false,
        status: JobStatus::Running,
        gave_up: None,
        elapsed: Duration::from_secs(5),
        detail: String::new(),
        error_code: None,
    }));
}

#[test]
fn a_second_bulk_pass_leaves_out_busy_servers_and_goes_ahead() {
    let mut app = ready(100, 30);
    for name in ["web-02", "web-03"] {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    open_job_on(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    let s = screen(&app, 100, 30);
    assert!(s.contains("Reinstall"), "the form opened: {s}");
    assert!(s.contains("web-02") && s.contains("job is open"), "{s}");
    // Every marked server busy: refused, with why.
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char(' '));
    open_job_on(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    assert!(app.toast().is_some_and(|t| t.contains("job is running")));
}

#[test]
fn sent_servers_lose_their_marks() {
    let mut app = ready(100, 30);
    for name in ["web-01", "cache-01"] {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    assert_eq!(app.marked_servers().len(), 2);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Right);
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert!(
        app.marked_servers().is_empty(),
        "{:?}",
        app.marked_servers()
    );
}

#[test]
fn stop_offers_soft_or_hard() {
    let mut app = ready(100, 30);
    select(&mut app, "web-01");
    key(&mut app, KeyCode::Char('s'));
    assert!(screen(&app, 100, 30).contains("soft stop (shutdown)"));
    key(&mut app, KeyCode::Right);
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Command::StopServer { hard: false, .. }]),
        "{cmds:?}"
    );
    let mut app = ready(100, 30);
    select(&mut app, "web-01");
    key(&mut app, KeyCode::Char('s'));
    typing(&mut app, "h");
    assert!(screen(&app, 100, 30).contains("hard stop (power off)"));
    key(&mut app, KeyCode::Right);
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Command::StopServer { hard: true, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn a_bms_windows_reinstall_opens_on_a_login_mode_it_offers() {
    let (mut app, cmds) = app(100, 30);
    let mut fx = fixture();
    let bms = fx
        .bms
        .iter()
        .find(|s| s.name == "bms-db-01")
        .expect("bms-db-01");
    let image = bms.current_image_id().expect("image").to_string();
    // Without a key pair of its own, a server opens on password login.
    for s in fx.bms.iter_mut().filter(|s| s.name == "bms-db-01") {
        s.key_name = None;
    }
    for i in fx.images.iter_mut().filter(|i| i.id == image) {
        i.os_type = Some("Windows".into());
    }
    for msg in cmds.iter().filter_map(|c| load_reply(&fx, c)) {
        app.update(msg);
    }
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    select(&mut app, "bms-db-01");
    key(&mut app, KeyCode::Char('R'));
    let s = screen(&app, 100, 30);
    let (_, login) = line_with(&s, "Login").expect("login row");
    assert!(
        login.contains("(*)") && !login.to_lowercase().contains("password"),
        "a mode it offers is chosen: {s}"
    );
    assert!(!s.contains("do not support password"), "{s}");
}

#[test]
fn loading_a_file_over_typed_user_data_asks_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("init.yaml");
    std::fs::write(&good, "#cloud-config\npackages: [nginx]\n").expect("write");
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Enter);
    typing(&mut app, "ubuntu 22");
    key(&mut app, KeyCode::Enter);
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab);
    }
    typing(&mut app, "#!/bin/sh");
    key(&mut app, KeyCode::Tab);
    typing(&mut app, &good.to_string_lossy());
    let first = key(&mut app, KeyCode::Enter);
    assert!(first.is_empty(), "nothing read yet: {first:?}");
    let s = screen(&app, 100, 30);
    assert!(s.contains("again replaces"), "{s}");
    let second = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(second.as_slice(), [Command::ReadUserData { .. }]),
        "{second:?}"
    );
}

#[test]
fn the_table_keeps_80_columns_beside_the_details_and_grows_on_wide_screens() {
    // 100 columns: the details no longer squeeze the table under 80.
    let app = loaded(100, 30);
    let s = screen(&app, 100, 30);
    let top = s.lines().nth(2).expect("the table's top border");
    let table_w = top.chars().take_while(|&c| c != '┐').count() + 1;
    assert!(table_w >= 80, "table {table_w} wide:\n{s}");
    // 230 columns: NAME is wider than its 20 of before.
    let app = loaded(230, 50);
    let s = screen(&app, 230, 50);
    let head = s
        .lines()
        .find(|l| l.contains("NAME") && l.contains("STATUS"))
        .expect("the header row");
    let name = head.find("NAME").expect("NAME");
    let status = head.find("STATUS").expect("STATUS");
    assert!(
        status - name > 21,
        "NAME is {} wide:\n{head}",
        status - name - 1
    );
}

#[test]
fn q_closes_the_results_of_sending() {
    let mut app = ready(100, 30);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('R'));
    ctrl(&mut app, 's');
    typing(&mut app, "web-02");
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Command::Submit(_)]), "{cmds:?}");
    assert!(screen(&app, 100, 30).contains("Reinstall OS ·"));
    typing(&mut app, "q");
    assert!(!app.should_quit());
    let s = screen(&app, 100, 30);
    assert!(!s.contains("Reinstall OS ·"), "the results closed: {s}");
}

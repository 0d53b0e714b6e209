//! `App::update` is pure: a file the form names is read by a command (never by `update`),
//! the app's clock is what it is told, and request keys come from the app, so the same
//! messages at the same times give the same screen.
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::{App, Command, Msg};
use std::time::Duration;

/// The fixture app with the caller's user id known.
fn ready() -> App {
    let mut app = loaded(100, 30);
    app.update(Msg::UserIdLoaded(Ok(
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0".into()
    )));
    app
}

/// Opens the change form for web-02 with the focus on "from file".
fn at_file_field(app: &mut App) {
    select(app, "web-02");
    key(app, KeyCode::Char('c'));
    key(app, KeyCode::Enter);
    typing(app, "ubuntu 22");
    key(app, KeyCode::Enter);
    for _ in 0..5 {
        key(app, KeyCode::Tab);
    }
}

/// The one read the commands ask for.
fn read_asked(cmds: &[Command]) -> (u64, String) {
    match cmds {
        [Command::ReadUserData { id, path }] => (*id, path.clone()),
        other => panic!("expected one ReadUserData, got {other:?}"),
    }
}

fn fifo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("pipe.yaml");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    path
}

#[test]
fn a_user_data_path_is_read_by_a_command_while_the_form_keeps_answering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pipe = fifo(dir.path());
    let mut app = ready();
    at_file_field(&mut app);
    typing(&mut app, &pipe.to_string_lossy());
    let cmds = key(&mut app, KeyCode::Enter);
    let (id, path) = read_asked(&cmds);
    assert_eq!(path, pipe.to_string_lossy());
    let s = screen(&app, 100, 30);
    assert!(s.contains("reading"), "the row says it is reading: {s}");
    assert!(!s.contains("FIFO"), "update did not read the file: {s}");
    // The form answers keys meanwhile: back to the editor, type, and the text is there.
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, "kms-key-1");
    assert!(screen(&app, 100, 30).contains("reading"));
    // The effects' answer, from the effects' reader: an error under the field, and what
    // was typed stays.
    app.update(reimage::cli::user_data_answer(id, &path, None));
    let s = screen(&app, 100, 30);
    assert!(s.contains("FIFO (named pipe)"), "{s}");
    assert!(!s.contains("reading"), "{s}");
}

#[test]
fn a_device_or_a_large_file_is_an_error_under_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.sh");
    std::fs::write(&big, "#!/bin/sh\n".repeat(6000)).expect("write");
    for (path, says) in [
        (std::path::PathBuf::from("/dev/zero"), "a character device"),
        (big, "larger than 48 KiB"),
    ] {
        let mut app = ready();
        at_file_field(&mut app);
        typing(&mut app, &path.to_string_lossy());
        let cmds = key(&mut app, KeyCode::Enter);
        let (id, path) = read_asked(&cmds);
        app.update(reimage::cli::user_data_answer(id, &path, None));
        let s = screen(&app, 100, 30);
        assert!(s.contains(says), "{says}: {s}");
    }
}

#[test]
fn an_answer_to_an_older_read_or_after_typing_is_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first.sh");
    std::fs::write(&first, "#!/bin/sh\necho first\n").expect("write");
    let second = dir.path().join("second.sh");
    std::fs::write(&second, "#!/bin/sh\necho second\n").expect("write");
    let mut app = ready();
    at_file_field(&mut app);
    typing(&mut app, &first.to_string_lossy());
    let (old, old_path) = read_asked(&key(&mut app, KeyCode::Enter));
    ctrl(&mut app, 'u');
    typing(&mut app, &second.to_string_lossy());
    let (new, new_path) = read_asked(&key(&mut app, KeyCode::Enter));
    assert_ne!(old, new);
    app.update(reimage::cli::user_data_answer(old, &old_path, None));
    let s = screen(&app, 100, 30);
    assert!(!s.contains("first.sh (") && s.contains("reading"), "{s}");
    app.update(reimage::cli::user_data_answer(new, &new_path, None));
    assert!(screen(&app, 100, 30).contains("loaded second.sh"));

    // Text typed in the editor while a read is in flight is kept: the answer is dropped.
    let (id, path) = read_asked(&key(&mut app, KeyCode::Enter));
    key(&mut app, KeyCode::BackTab);
    typing(&mut app, "# mine");
    app.update(reimage::cli::user_data_answer(id, &path, None));
    let s = screen(&app, 100, 30);
    assert!(s.contains("not loaded: you typed user data"), "{s}");
    key(&mut app, KeyCode::Tab);
    let s = screen(&app, 100, 30);
    assert!(s.contains("# mine"), "{s}");
}

#[test]
fn an_answer_once_the_review_is_open_leaves_the_review_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("late.sh");
    std::fs::write(&file, "#!/bin/sh\necho late\n").expect("write");
    let mut app = ready();
    at_file_field(&mut app);
    typing(&mut app, &file.to_string_lossy());
    let (id, path) = read_asked(&key(&mut app, KeyCode::Enter));
    ctrl(&mut app, 's');
    let review = screen(&app, 100, 30);
    assert!(review.contains("Review"), "{review}");
    app.update(reimage::cli::user_data_answer(id, &path, None));
    assert_eq!(screen(&app, 100, 30), review);
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, 100, 30);
    assert!(s.contains("not loaded: the review had opened"), "{s}");
    assert!(s.contains("0 B / 32 KB"), "nothing loaded: {s}");
}

/// The messages of a short session: a listing failure, a note, ticks.
fn session(app: &mut App, times: &[u64]) -> Vec<String> {
    let msgs = [
        Msg::Error {
            error: "first".into(),
            hint: None,
        },
        Msg::Tick,
        Msg::Info("copied".into()),
        Msg::Tick,
        Msg::Tick,
    ];
    let mut toasts = Vec::new();
    for (msg, t) in msgs.into_iter().zip(times) {
        app.set_time(Duration::from_secs(*t));
        app.update(msg);
        toasts.push(app.toast().unwrap_or_default());
    }
    toasts
}

#[test]
fn the_same_messages_at_the_same_times_give_the_same_state() {
    let times = [0, 1, 2, 30, 40];
    let (mut a, mut b) = (loaded(100, 30), loaded(100, 30));
    let toasts = session(&mut a, &times);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(session(&mut b, &times), toasts);
    assert_eq!(screen(&a, 100, 30), screen(&b, 100, 30));
    // The error stays its 12 s, then the info note shows, until its own 5 s are past:
    // by the app's clock, not the wall clock (the whole test takes milliseconds).
    assert_eq!(toasts, ["first", "first", "first", "copied", ""]);
}

#[test]
fn a_stale_listing_says_its_age_by_the_apps_clock() {
    let (mut app, cmds) = app(100, 30);
    app.set_time(Duration::from_secs(10));
    answer(&mut app, cmds);
    app.set_time(Duration::from_secs(200));
    let cmds = key(&mut app, KeyCode::Char('r'));
    for c in cmds {
        if let Command::LoadServers { kind, generation } = c {
            app.update(Msg::LoadFailed {
                what: reimage::tui::Resource::Servers(kind),
                generation,
                error: "timed out".into(),
                hint: None,
            });
        }
    }
    let s = screen(&app, 100, 30);
    assert!(s.contains("stale 3m"), "{s}");
}

#[test]
fn request_keys_belong_to_the_app() {
    let stop_key = || {
        let mut app = ready();
        select(&mut app, "web-01");
        key(&mut app, KeyCode::Char('s'));
        key(&mut app, KeyCode::Right);
        match key(&mut app, KeyCode::Enter).as_slice() {
            [Command::StopServer { key, .. }] => key.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        stop_key(),
        stop_key(),
        "a second app numbers from the start too"
    );
}

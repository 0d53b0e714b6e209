//! Bracketed paste, one `Msg::Paste` per paste: it lands in the text field on top (filter,
//! command line, help filter, form fields, password, the review's confirmation, the
//! user-data editor, the picker's search), marks the screen for a redraw at once, and is
//! never read as keys: a line break in a one-line field cuts it, with a note, and never
//! presses Enter.

use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::{App, Command, Msg};

const USER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const PASSWORD: &str = "Kx9@mQ2$vLp7w";

fn ready() -> App {
    let mut app = loaded(100, 30);
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    app
}

/// Pastes `text` into a freshly drawn app; returns the commands and whether a redraw is due.
fn paste(app: &mut App, text: &str) -> (Vec<Command>, bool) {
    app.mark_drawn();
    let cmds = app.update(Msg::Paste(text.into()));
    (cmds, app.needs_redraw())
}

fn shows(app: &App, text: &str) -> bool {
    screen(app, 100, 30).contains(text)
}

#[test]
fn a_paste_into_the_filter_filters_and_is_drawn_at_once() {
    let mut app = ready();
    typing(&mut app, "/");
    let (cmds, redraw) = paste(&mut app, "web-0");
    assert!(cmds.is_empty());
    assert!(redraw, "the paste must be drawn without waiting for a key");
    assert!(shows(&app, "filter \"web-0\""), "{}", screen(&app, 100, 30));
    assert_eq!(app.shown_ids().len(), 5, "web-01..05");
}

#[test]
fn a_line_break_cuts_a_one_line_paste_and_never_presses_enter() {
    let mut app = ready();
    typing(&mut app, "/");
    paste(&mut app, "web-01\nq");
    assert!(
        !app.should_quit(),
        "the q after the line break is not a key"
    );
    assert_eq!(app.shown_ids().len(), 1);
    assert!(
        shows(&app, "cut at the line break"),
        "{}",
        screen(&app, 100, 30)
    );
    // Still typing in the filter: Enter was not pressed.
    typing(&mut app, "x");
    assert!(
        shows(&app, "filter \"web-01x\""),
        "{}",
        screen(&app, 100, 30)
    );
    key(&mut app, KeyCode::Esc);

    typing(&mut app, ":");
    let (cmds, redraw) = paste(&mut app, "quit\n");
    assert!(redraw && cmds.is_empty() && !app.should_quit());
    assert!(shows(&app, ":quit"), "{}", screen(&app, 100, 30));
    paste(&mut app, "\nregion eu-west-0");
    assert!(
        shows(&app, "cut at the line break"),
        "{}",
        screen(&app, 100, 30)
    );
}

#[test]
fn with_no_text_field_a_paste_does_nothing() {
    let mut app = ready();
    let before = app.selected_id();
    let (cmds, _) = paste(&mut app, "jjjq:quit\n");
    assert!(cmds.is_empty() && !app.should_quit());
    assert_eq!(app.selected_id(), before, "not read as keys");
    // The help filter takes it; other keys of the help are not fired.
    typing(&mut app, "?/");
    let (_, redraw) = paste(&mut app, "arch");
    assert!(redraw && app.help_open());
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("filter: x86 / arm") && !s.contains("move down"),
        "{s}"
    );
}

/// The change form for web-02 with an image and password login, focus on Password.
fn at_password(app: &mut App) {
    select(app, "web-02");
    key(app, KeyCode::Char('c'));
    key(app, KeyCode::Enter);
    paste(app, "Ubuntu 22.04 server 64bit");
    key(app, KeyCode::Enter);
    key(app, KeyCode::Tab);
    key(app, KeyCode::Tab);
    key(app, KeyCode::Left);
    key(app, KeyCode::Tab);
}

#[test]
fn a_password_paste_says_how_many_characters_arrived() {
    let mut app = ready();
    at_password(&mut app);
    assert!(
        shows(&app, "Ubuntu 22.04 server 64bit"),
        "picked by a pasted search"
    );
    let (_, redraw) = paste(&mut app, PASSWORD);
    assert!(redraw);
    let s = screen(&app, 100, 30);
    assert!(s.contains("pasted 13 characters into password"), "{s}");
    assert!(s.contains("13 chars") && s.contains(&"*".repeat(13)), "{s}");
    assert!(!s.contains(PASSWORD), "{s}");
    key(&mut app, KeyCode::Tab);
    // A line break cuts it: what follows is neither typed into the password nor a key.
    paste(&mut app, &format!("{PASSWORD}\r\nrm -rf /"));
    let s = screen(&app, 100, 30);
    assert!(s.contains("pasted 13 characters"), "{s}");
    assert!(s.contains("cut at the line break"), "{s}");
    assert_eq!(s.matches("13 chars").count(), 2, "{s}");
    // Both match: the review opens and the paste into its confirmation sends nothing.
    ctrl(&mut app, 's');
    let (cmds, redraw) = paste(&mut app, "web-02\n");
    assert!(
        cmds.is_empty() && redraw,
        "a pasted line break never submits: {cmds:?}"
    );
    assert!(shows(&app, "web-02_"), "{}", screen(&app, 100, 30));
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(
        cmds.iter()
            .filter(|c| matches!(c, Command::Submit(_)))
            .count(),
        1
    );
}

#[test]
fn a_paste_in_the_review_never_reaches_the_field_behind_it() {
    let mut app = ready();
    at_password(&mut app);
    paste(&mut app, PASSWORD);
    key(&mut app, KeyCode::Tab);
    paste(&mut app, PASSWORD);
    key(&mut app, KeyCode::BackTab);
    ctrl(&mut app, 's');
    assert!(shows(&app, "Review"), "{}", screen(&app, 100, 30));
    paste(&mut app, "xyz");
    assert!(shows(&app, "to confirm: xyz_"), "{}", screen(&app, 100, 30));
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, 100, 30);
    assert_eq!(s.matches("13 chars").count(), 2, "password untouched: {s}");
}

#[test]
fn the_user_data_editor_takes_a_multi_line_paste_whole() {
    let mut app = ready();
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Enter);
    typing(&mut app, "ubuntu 22");
    key(&mut app, KeyCode::Enter);
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab);
    }
    let script = "#cloud-config\r\npackages:\r  - nginx\n";
    let (cmds, redraw) = paste(&mut app, script);
    assert!(cmds.is_empty() && redraw);
    let s = screen(&app, 100, 30);
    for line in ["#cloud-config", "packages:", "  - nginx"] {
        assert!(s.contains(line), "{line}: {s}");
    }
    // 13 + 1 + 9 + 1 + 9 + 1: every line break is one "\n".
    assert!(s.contains("34 B / 32 KB"), "{s}");
    // A row that takes no text says so rather than swallowing it.
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    paste(&mut app, "anything");
    assert!(shows(&app, "nothing pasted"), "{}", screen(&app, 100, 30));
}

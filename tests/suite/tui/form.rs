//! The change/reinstall form on the fixture inventory, driven by key presses: snapshots of
//! each state at 80x24 and 100x30, and the rules the screen must keep (errors from ops,
//! nothing sent while a field is wrong, the password never drawn or printed).

use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::{App, Command, Msg, SubmitOutcome};

const USER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const PASSWORD: &str = "Str0ng!Pass-42";

/// The fixture app with the caller's user id known.
fn ready(w: u16, h: u16) -> App {
    let mut app = loaded(w, h);
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    app
}

fn both_sizes(name: &str, prepare: impl Fn(&mut App)) {
    for (w, h) in [(80, 24), (100, 30)] {
        let mut app = ready(w, h);
        prepare(&mut app);
        snapshots().bind(|| insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&app, w, h)));
    }
}

/// Picks the image whose name best matches `name` in the picker.
fn pick_image(app: &mut App, name: &str) {
    key(app, KeyCode::Enter);
    typing(app, name);
    key(app, KeyCode::Enter);
}

fn submits(cmds: &[Command]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Command::Submit(_)))
        .count()
}

#[test]
fn change_form_empty() {
    both_sizes("form_change_empty", |app| {
        select(app, "web-02");
        let cmds = key(app, KeyCode::Char('c'));
        assert!(cmds.is_empty(), "user id already known: {cmds:?}");
    });
}

#[test]
fn change_form_asks_for_the_user_id_once() {
    let mut app = loaded(80, 24);
    select(&mut app, "web-02");
    let cmds = key(&mut app, KeyCode::Char('c'));
    assert_eq!(cmds, vec![Command::LoadUserId]);
    key(&mut app, KeyCode::Esc);
    assert!(key(&mut app, KeyCode::Char('c')).is_empty());
}

#[test]
fn review_refused_shows_every_error() {
    both_sizes("form_change_errors", |app| {
        select(app, "web-02");
        key(app, KeyCode::Char('c'));
        // Password login with a weak password and no image: all errors at once.
        key(app, KeyCode::Tab);
        key(app, KeyCode::Tab);
        key(app, KeyCode::Left);
        key(app, KeyCode::Tab);
        typing(app, "short");
        let cmds = ctrl(app, 's');
        assert_eq!(submits(&cmds), 0);
    });
}

#[test]
fn image_picker_lists_fitting_images_first() {
    both_sizes("form_image_picker", |app| {
        select(app, "web-02");
        key(app, KeyCode::Char('c'));
        key(app, KeyCode::Enter);
    });
    both_sizes("form_image_picker_all", |app| {
        select(app, "web-02");
        key(app, KeyCode::Char('c'));
        key(app, KeyCode::Enter);
        key(app, KeyCode::Tab);
    });
}

#[test]
fn review_shows_body_warnings_and_the_typed_confirmation() {
    both_sizes("form_review", |app| {
        select(app, "web-02");
        key(app, KeyCode::Char('c'));
        pick_image(app, "ubuntu 22");
        ctrl(app, 's');
        typing(app, "web-0");
    });
}

#[test]
fn bulk_groups_and_exclusions() {
    both_sizes("form_bulk", |app| {
        for name in ["web-02", "web-03", "web-05", "bms-db-01"] {
            select(app, name);
            key(app, KeyCode::Char(' '));
        }
        key(app, KeyCode::Char('R'));
    });
    both_sizes("form_bulk_review", |app| {
        for name in ["web-02", "web-03", "web-05", "bms-db-01"] {
            select(app, name);
            key(app, KeyCode::Char(' '));
        }
        key(app, KeyCode::Char('R'));
        ctrl(app, 's');
        typing(app, "3");
    });
}

/// The fixture with `n` more stopped ECS servers (web-02's twins, bulk-01...) at `w`x`h`.
fn with_twins(n: usize, w: u16, h: u16) -> App {
    let (mut app, cmds) = crate::support::tui::app(w, h);
    let mut fx = fixture();
    let web02 = fx
        .ecs
        .iter()
        .find(|s| s.name == "web-02")
        .cloned()
        .expect("web-02");
    for i in 1..=n {
        let mut twin = web02.clone();
        twin.id = format!("0000{i:04}-0000-4000-8000-00000000{i:04}");
        twin.name = format!("bulk-{i:02}");
        fx.ecs.push(twin);
    }
    for msg in cmds.iter().filter_map(|c| load_reply(&fx, c)) {
        app.update(msg);
    }
    app.update(Msg::UserIdLoaded(Ok(USER.into())));
    app
}

#[test]
fn the_bulk_review_lists_every_server_by_name_and_scrolls_to_the_last_row() {
    let (w, h) = (80, 24);
    let mut app = with_twins(30, w, h);
    typing(&mut app, "/bulk-");
    key(&mut app, KeyCode::Enter);
    typing(&mut app, "A");
    key(&mut app, KeyCode::Char('R'));
    let names: Vec<String> = (1..=30).map(|i| format!("bulk-{i:02}")).collect();
    // The form names every one of them (wrapped, none behind an ellipsis).
    let form = screen(&app, w, h);
    for n in &names {
        assert!(form.contains(n.as_str()), "{n} not on the form:\n{form}");
    }
    ctrl(&mut app, 's');
    let first = screen(&app, w, h);
    snapshots().bind(|| insta::assert_snapshot!("form_bulk_many_review_80x24", first.clone()));
    assert!(first.contains("Down for more"), "{first}");
    let mut seen = first.clone();
    let mut last = first;
    for _ in 0..20 {
        key(&mut app, KeyCode::PageDown);
        let now = screen(&app, w, h);
        assert!(
            now.contains("servers (30) to confirm"),
            "the count prompt stays: {now}"
        );
        seen.push_str(&now);
        if now == last {
            break;
        }
        last = now;
    }
    for n in &names {
        assert!(seen.contains(&format!("{n}  ECS /v2")), "{n} never shown");
    }
    // The end: the last row is at the bottom, and Down goes no further.
    assert!(!last.contains("Down for more"), "{last}");
    let body: Vec<&str> = last.lines().skip(2).take(18).collect();
    assert!(
        body.iter().all(|l| !l.trim_matches(['│', ' ']).is_empty()),
        "no blank rows below the end:\n{last}"
    );
    key(&mut app, KeyCode::Down);
    assert_eq!(screen(&app, w, h), last);
    // Back up one row at a time from there, not from past the end.
    key(&mut app, KeyCode::Up);
    assert_ne!(screen(&app, w, h), last);
}

/// Web-02 through review to sending; returns the submit commands.
fn submit_web02(app: &mut App) -> Vec<Command> {
    select(app, "web-02");
    key(app, KeyCode::Char('c'));
    pick_image(app, "ubuntu 22");
    ctrl(app, 's');
    typing(app, "web-02");
    key(app, KeyCode::Enter)
}

#[test]
fn submitting_and_rejected() {
    both_sizes("form_submitting", |app| {
        let cmds = submit_web02(app);
        assert_eq!(submits(&cmds), 1);
    });
    both_sizes("form_rejected", |app| {
        let cmds = submit_web02(app);
        let Some(Command::Submit(sub)) = cmds.first() else {
            panic!("no submit: {cmds:?}");
        };
        app.update(Msg::Submitted {
            key: sub.key.clone(),
            outcome: SubmitOutcome::Rejected {
                error: "Ecs.0100: The server status does not meet the requirements".into(),
                hint: Some("stop the server first, or tick \"stop first\"".into()),
            },
        });
    });
}

#[test]
fn a_rejected_request_reopens_the_form_with_the_entries() {
    let mut app = ready(80, 24);
    let cmds = submit_web02(&mut app);
    let Some(Command::Submit(sub)) = cmds.first() else {
        panic!("no submit");
    };
    assert!(
        app.requests_in_flight() == 1,
        "quitting must ask while sending"
    );
    app.update(Msg::Submitted {
        key: sub.key.clone(),
        outcome: SubmitOutcome::Rejected {
            error: "Ecs.0100: no".into(),
            hint: None,
        },
    });
    assert_eq!(app.requests_in_flight(), 0);
    key(&mut app, KeyCode::Enter);
    let s = screen(&app, 80, 24);
    assert!(s.contains("Ubuntu 22.04 server 64bit"), "{s}");
    assert!(s.contains("rejected: every field is kept"), "{s}");
}

#[test]
fn refused_up_front_with_the_way_out() {
    let mut app = ready(80, 24);
    select(&mut app, "web-04");
    key(&mut app, KeyCode::Char('R'));
    let toast = app.toast().unwrap_or_default();
    assert!(toast.contains("a task is running"), "{toast}");
    assert!(toast.contains("wait for it to finish"), "{toast}");
    let mut app = ready(80, 24);
    select(&mut app, "bms-db-02");
    key(&mut app, KeyCode::Char('c'));
    let toast = app.toast().unwrap_or_default();
    assert!(toast.contains("stop it first (press s)"), "{toast}");
}

#[test]
fn the_password_is_masked_until_shown() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    pick_image(&mut app, "ubuntu 22");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, PASSWORD);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, PASSWORD);
    let s = screen(&app, 80, 24);
    assert!(!s.contains(PASSWORD), "{s}");
    assert!(s.contains(&"*".repeat(PASSWORD.len())), "{s}");
    ctrl(&mut app, 't');
    assert!(screen(&app, 80, 24).contains(PASSWORD));
    ctrl(&mut app, 't');
    ctrl(&mut app, 's');
    let review = screen(&app, 100, 30);
    assert!(review.contains("********"), "{review}");
    assert!(!review.contains(PASSWORD), "{review}");
    typing(&mut app, "web-02");
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(submits(&cmds), 1);
    let printed = format!("{cmds:?}");
    assert!(!printed.contains(PASSWORD), "{printed}");
    // Wiped after sending: a retry asks for it again.
    assert!(!screen(&app, 80, 24).contains(&"*".repeat(PASSWORD.len())));
}

#[test]
fn field_errors_never_send() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    let mut cmds = ctrl(&mut app, 's');
    assert!(screen(&app, 80, 24).contains("nothing was sent"));
    for k in [KeyCode::Enter, KeyCode::F(2)] {
        cmds.extend(key(&mut app, k));
    }
    typing(&mut app, "web-02");
    cmds.extend(key(&mut app, KeyCode::Enter));
    assert_eq!(submits(&cmds), 0, "{cmds:?}");
    assert!(
        screen(&app, 80, 24).contains("Change OS"),
        "still in the form"
    );
}

#[test]
fn stop_confirmation_starts_on_cancel() {
    both_sizes("form_stop", |app| {
        select(app, "web-01");
        key(app, KeyCode::Char('s'));
    });
    let mut app = ready(80, 24);
    select(&mut app, "web-01");
    key(&mut app, KeyCode::Char('s'));
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "Enter on Cancel stops nothing"
    );
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Right);
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Command::StopServer { server_name, .. }] if server_name == "web-01"),
        "{cmds:?}"
    );
}

#[test]
fn typing_in_the_form_never_fires_pane_keys() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Enter);
    // q, 2, ? and : would quit, switch pane, open help, open the command line.
    let cmds = typing(&mut app, "q2?:r");
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(!app.should_quit());
    assert!(!app.help_open());
}

/// Opens the change form for web-02 with the focus on "from file".
fn at_file_field(app: &mut App) {
    select(app, "web-02");
    key(app, KeyCode::Char('c'));
    pick_image(app, "ubuntu 22");
    for _ in 0..5 {
        key(app, KeyCode::Tab);
    }
}

#[test]
fn user_data_file_errors_show_beside_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = dir.path().join("data.bin");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let big = dir.path().join("big.sh");
    std::fs::write(&big, "#!/bin/sh\n".repeat(6000)).expect("write");
    let good = dir.path().join("init.yaml");
    std::fs::write(&good, "#cloud-config\npackages: [nginx]\n").expect("write");
    let cases = [
        (dir.path().join("missing.yaml"), "no file at"),
        (bin, "is not UTF-8 text"),
        (big, "user data is at most 32 KB"),
        (good, "loaded init.yaml"),
    ];
    for (path, expected) in cases {
        let mut app = ready(100, 30);
        at_file_field(&mut app);
        typing(&mut app, &path.to_string_lossy());
        let read = key(&mut app, KeyCode::Enter);
        answer(&mut app, read);
        let s = screen(&app, 100, 30);
        assert!(s.contains(expected), "{expected}: {s}");
    }
    let mut app = ready(100, 30);
    at_file_field(&mut app);
    typing(&mut app, &dir.path().join("init.yaml").to_string_lossy());
    let read = key(&mut app, KeyCode::Enter);
    answer(&mut app, read);
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("32 B / 32 KB") && s.contains("#cloud-config"),
        "{s}"
    );
}

#[test]
fn user_data_editor() {
    both_sizes("form_user_data", |app| {
        select(app, "web-02");
        key(app, KeyCode::Char('c'));
        pick_image(app, "ubuntu 22");
        for _ in 0..4 {
            key(app, KeyCode::Tab);
        }
        typing(app, "#cloud-config");
        key(app, KeyCode::Enter);
        typing(app, "packages: [nginx]");
    });
}

#[test]
fn an_invalid_field_is_styled_as_an_error() {
    use reimage::tui::theme::Theme;
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    ctrl(&mut app, 's');
    let buf = buffer(&app, 80, 24);
    let error = Theme::new(true).error;
    let row = (0..24)
        .find(|&y| {
            let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
            line.contains("Image ")
        })
        .expect("image row");
    let label_x = (0..80)
        .find(|&x| buf[(x, row)].symbol() == "I")
        .expect("label");
    assert_eq!(buf[(label_x, row)].fg, error.fg.expect("error colour"));
    let ok_row = (0..24)
        .find(|&y| {
            let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
            line.contains("License")
        })
        .expect("license row");
    let x = (0..80)
        .find(|&x| buf[(x, ok_row)].symbol() == "L")
        .expect("label");
    assert_ne!(buf[(x, ok_row)].fg, error.fg.expect("error colour"));
}

#[test]
fn ctrl_c_still_quits_from_the_form() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    let cmds = ctrl(&mut app, 'c');
    assert!(cmds.contains(&Command::Quit), "{cmds:?}");
}

#[test]
fn read_only_refuses_before_any_form() {
    let (mut app, cmds) = app_with(80, 24, true, false);
    answer(&mut app, cmds);
    select(&mut app, "web-02");
    for k in ['c', 'R', 's'] {
        assert!(key(&mut app, KeyCode::Char(k)).is_empty());
        let s = screen(&app, 80, 24);
        assert!(!s.contains("Change OS ·") && !s.contains("Stop 1"), "{s}");
    }
    assert!(app.toast().unwrap_or_default().contains("read-only"));
}

#[test]
fn quitting_asks_while_a_request_is_in_flight() {
    let mut app = ready(80, 24);
    let cmds = submit_web02(&mut app);
    assert_eq!(submits(&cmds), 1);
    let cmds = ctrl(&mut app, 'c');
    assert!(!cmds.contains(&Command::Quit), "{cmds:?}");
    assert!(app.confirm_quit_open());
}

#[test]
fn esc_in_the_review_keeps_every_field() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    pick_image(&mut app, "ubuntu 22");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, PASSWORD);
    key(&mut app, KeyCode::Tab);
    typing(&mut app, PASSWORD);
    ctrl(&mut app, 's');
    assert!(screen(&app, 80, 24).contains("Review"));
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, 80, 24);
    assert!(s.contains("Ubuntu 22.04 server 64bit"), "{s}");
    assert_eq!(s.matches(&"*".repeat(PASSWORD.len())).count(), 2, "{s}");
    ctrl(&mut app, 's');
    assert!(screen(&app, 80, 24).contains("Review"), "still valid");
}

#[test]
fn esc_asks_once_before_discarding_what_was_typed() {
    let mut app = ready(80, 24);
    select(&mut app, "web-02");
    key(&mut app, KeyCode::Char('c'));
    let open = |app: &App| screen(app, 80, 24).contains("web-02 (ECS");
    pick_image(&mut app, "ubuntu 22");
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, 80, 24);
    assert!(open(&app), "one Esc keeps a form with input: {s}");
    assert!(s.contains("Esc again discards"), "{s}");
    // Any other key goes on editing and disarms it.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Esc);
    assert!(open(&app));
    key(&mut app, KeyCode::Esc);
    assert!(!open(&app), "the second Esc closes it");
    // A form with nothing typed closes at once.
    key(&mut app, KeyCode::Char('c'));
    assert!(open(&app));
    key(&mut app, KeyCode::Esc);
    assert!(!open(&app));
}

#[test]
fn a_bulk_change_leaves_servers_of_the_other_kind_for_a_second_pass() {
    let mut app = ready(100, 30);
    for name in ["web-02", "web-03", "bms-db-01"] {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    key(&mut app, KeyCode::Char('c'));
    let s = screen(&app, 100, 30);
    // Before an image is chosen the ECS route is not known; the label keeps its gap.
    assert!(s.contains("ECS route unknown web-0"), "{s}");
    assert!(s.contains("web-02") && s.contains("web-03"), "{s}");
    assert!(
        s.contains("excluded: bms-db-01 (BMS servers take other images than ECS ones"),
        "{s}"
    );
}

/// Every hint line (the popups' bottom borders, the status line and the footer) in each
/// popup, drawn with the ASCII glyph set as under `LANG=C`.
#[test]
fn hint_lines_are_ascii_without_a_utf8_locale() {
    use reimage::tui::UiOptions;
    use reimage::tui::theme::GlyphChoice;
    let opts = UiOptions {
        glyphs: GlyphChoice::Ascii,
        ..options(false)
    };
    let (w, h) = (100, 30);
    let fresh = || {
        let mut app = App::new(header(false), &opts);
        app.update(Msg::Resize(w, h));
        let cmds = app.start();
        answer(&mut app, cmds);
        app.update(Msg::UserIdLoaded(Ok(USER.into())));
        app
    };
    type Step = fn(&mut App);
    let states: [(&str, Step); 10] = [
        ("form", |app| {
            select(app, "web-02");
            key(app, KeyCode::Char('c'));
        }),
        ("picker", |app| {
            select(app, "web-02");
            key(app, KeyCode::Char('c'));
            key(app, KeyCode::Enter);
        }),
        ("review", |app| {
            select(app, "web-02");
            key(app, KeyCode::Char('c'));
            pick_image(app, "ubuntu 22");
            ctrl(app, 's');
        }),
        ("sending", |app| {
            submit_web02(app);
        }),
        ("sent", |app| {
            let cmds = submit_web02(app);
            if let Some(Command::Submit(sub)) = cmds.first() {
                app.update(Msg::Submitted {
                    key: sub.key.clone(),
                    outcome: SubmitOutcome::Accepted {
                        job_id: "job-1".into(),
                    },
                });
            }
        }),
        ("stop", |app| {
            select(app, "web-01");
            key(app, KeyCode::Char('s'));
        }),
        ("help", |app| {
            typing(app, "?");
        }),
        ("messages", |app| {
            typing(app, "M");
        }),
        ("quit", |app| {
            submit_web02(app);
            key(app, KeyCode::Esc);
            typing(app, "q");
        }),
        ("command", |app| {
            typing(app, ":re");
        }),
    ];
    for (name, step) in states {
        let mut app = fresh();
        step(&mut app);
        let text = screen(&app, w, h);
        let rows: Vec<&str> = text.lines().collect();
        let hint_rows = rows
            .iter()
            .enumerate()
            // Border rows (a popup's hints are on its bottom one), the status line and the
            // footer; a table row with the CJK server name is data, not chrome.
            .filter(|(y, l)| (*y + 2 >= rows.len() || l.contains('+')) && !l.contains("数据库"));
        let mut seen = 0;
        for (_, line) in hint_rows {
            seen += 1;
            assert!(
                line.is_ascii(),
                "{name}: non-ASCII hint line: {line}\n{text}"
            );
        }
        assert!(seen >= 3, "{name}: no popup border found\n{text}");
    }
}

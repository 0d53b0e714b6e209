//! Key handling and message handling of `App::update`, without a terminal.

use crate::support::tui::*;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use reimage::cloud::model::ServerKind;
use reimage::tui::{Command, Msg, Pane, Resource};

fn names(app: &reimage::tui::App) -> Vec<String> {
    let fx = fixture();
    app.shown_ids()
        .iter()
        .map(|id| {
            fx.ecs
                .iter()
                .chain(fx.bms.iter())
                .find(|s| &s.id == id)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect()
}

fn selected_name(app: &reimage::tui::App) -> String {
    let id = app.selected_id().expect("a row is selected");
    let fx = fixture();
    fx.ecs
        .iter()
        .chain(fx.bms.iter())
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
        .unwrap_or(id)
}

#[test]
fn navigation_keys_move_the_cursor() {
    let mut app = loaded(80, 24);
    assert_eq!(selected_name(&app), "app-golden-test");
    typing(&mut app, "jj");
    assert_eq!(selected_name(&app), "bms-db-01");
    key(&mut app, KeyCode::Up);
    assert_eq!(selected_name(&app), "arm-build-01");
    typing(&mut app, "G");
    assert_eq!(selected_name(&app), "数据库-主节点");
    typing(&mut app, "g");
    assert_eq!(selected_name(&app), "app-golden-test");
    key(&mut app, KeyCode::End);
    assert_eq!(selected_name(&app), "数据库-主节点");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::PageDown);
    // 80x24 shows 17 rows per page; 15 rows in all, so a page down lands on the last.
    assert_eq!(selected_name(&app), "数据库-主节点");
    key(&mut app, KeyCode::PageUp);
    assert_eq!(selected_name(&app), "app-golden-test");
}

#[test]
fn key_releases_and_repeats_are_ignored() {
    let mut app = loaded(80, 24);
    let mut ev = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    app.update(Msg::Key(ev));
    assert_eq!(selected_name(&app), "app-golden-test");
}

#[test]
fn filter_takes_all_keys_and_esc_clears_it() {
    let mut app = loaded(80, 24);
    let cmds = typing(&mut app, "/web-0q1");
    assert!(
        cmds.is_empty(),
        "q and 1 typed into the filter fire nothing: {cmds:?}"
    );
    assert!(!app.should_quit());
    assert_eq!(app.pane(), Pane::Servers);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    typing(&mut app, "2");
    assert_eq!(names(&app)[0], "web-02", "best match first");
    assert_eq!(selected_name(&app), "web-02");
    key(&mut app, KeyCode::Enter);
    // The filter stays after Enter; keys act on the table again.
    let shown = names(&app).len();
    assert!(shown < 15, "filter still applied");
    typing(&mut app, "j");
    key(&mut app, KeyCode::Esc);
    assert_eq!(names(&app).len(), 15, "Esc clears the filter");
}

#[test]
fn filter_is_per_pane_and_matches_visible_columns() {
    let mut app = loaded(80, 24);
    typing(&mut app, "2/bms");
    key(&mut app, KeyCode::Enter);
    let fx = fixture();
    let shown = app.shown_ids();
    assert!(shown.len() < 12, "filtered: {shown:?}");
    for id in &shown[..2] {
        let img = fx.images.iter().find(|i| &i.id == id).expect("an image");
        assert_eq!(
            img.virtual_env_type, "Ironic",
            "BMS images match best: {}",
            img.name
        );
    }
    typing(&mut app, "1");
    assert_eq!(app.shown_ids().len(), 15, "servers are not filtered");
}

#[test]
fn sort_keys_cycle_columns_and_reverse() {
    let mut app = loaded(80, 24);
    assert_eq!(names(&app)[0], "app-golden-test");
    typing(&mut app, "O");
    assert_eq!(names(&app)[0], "数据库-主节点", "name descending");
    typing(&mut app, "o"); // STATUS ascending
    let first = names(&app)[0].clone();
    let fx = fixture();
    let status = |n: &str| {
        fx.ecs
            .iter()
            .chain(fx.bms.iter())
            .find(|s| s.name == n)
            .map(|s| s.status.clone())
            .expect("known")
    };
    assert_eq!(status(&first), "ACTIVE");
    assert_eq!(status(names(&app).last().expect("rows")), "SHUTOFF");
}

#[test]
fn marks_for_bulk_actions() {
    let mut app = loaded(80, 24);
    typing(&mut app, " ");
    assert_eq!(app.marked_servers().len(), 1);
    assert_eq!(selected_name(&app), "arm-build-01", "space moves down");
    typing(&mut app, " ");
    typing(&mut app, "k ");
    assert_eq!(app.marked_servers().len(), 1, "space again unmarks");
    typing(&mut app, "/bms");
    key(&mut app, KeyCode::Enter);
    typing(&mut app, "A");
    let marked = app.marked_servers();
    assert!(
        app.shown_ids().iter().all(|id| marked.contains(id)),
        "A marks every filtered row"
    );
    assert_eq!(
        marked.len(),
        app.shown_ids().len() + 1,
        "plus the earlier mark, kept"
    );
    typing(&mut app, "u");
    assert!(app.marked_servers().is_empty());
}

#[test]
fn panes_switch_by_number_tab_and_command() {
    let mut app = loaded(80, 24);
    typing(&mut app, "3");
    assert_eq!(app.pane(), Pane::Keypairs);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.pane(), Pane::Jobs);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.pane(), Pane::Servers);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.pane(), Pane::Jobs);
    typing(&mut app, ":im");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane(), Pane::Images);
}

#[test]
fn commands_switch_region_profile_and_quit() {
    let mut app = loaded(80, 24);
    typing(&mut app, ":region cn-north-4");
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(cmds, vec![Command::SwitchRegion("cn-north-4".into())]);
    typing(&mut app, ":profile prod");
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(cmds, vec![Command::SwitchProfile("prod".into())]);
    typing(&mut app, ":bogus");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.toast()
            .expect("error shown")
            .contains("unknown command")
    );
    typing(&mut app, ":q");
    let cmds = key(&mut app, KeyCode::Enter);
    assert_eq!(cmds, vec![Command::Quit]);
    assert!(app.should_quit());
}

#[test]
fn context_change_reloads_everything_and_drops_replies_in_flight() {
    let (mut app, first) = app(80, 24);
    typing(&mut app, ":region cn-north-4");
    key(&mut app, KeyCode::Enter);
    // A reply to the request made before the switch arrives late: dropped.
    answer(&mut app, first);
    assert!(app.shown_ids().is_empty(), "stale listing must not show");
    let mut h = header(false);
    h.region = "cn-north-4".into();
    let cmds = app.update(Msg::ContextChanged(h));
    assert_eq!(app.header().region, "cn-north-4");
    assert_eq!(
        cmds.len(),
        4,
        "servers ECS+BMS, images, key pairs: {cmds:?}"
    );
    answer(&mut app, cmds);
    assert_eq!(app.shown_ids().len(), 15);
}

#[test]
fn stale_generation_is_dropped() {
    let (mut app, first) = app(80, 24);
    let second = key(&mut app, KeyCode::Char('r'));
    assert_eq!(second.len(), 4);
    answer(&mut app, first);
    assert!(
        app.shown_ids().is_empty(),
        "replies to the first request are stale"
    );
    // A late failure of the old request is dropped too, without a toast.
    app.update(Msg::LoadFailed {
        what: Resource::Images,
        generation: 0,
        error: "boom".into(),
        hint: None,
    });
    assert_eq!(app.toast(), None);
    answer(&mut app, second);
    assert_eq!(app.shown_ids().len(), 15);
}

#[test]
fn selection_is_kept_by_id_across_a_reload() {
    let mut app = loaded(80, 24);
    typing(&mut app, "/web-03");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    assert_eq!(selected_name(&app), "web-03");
    let cmds = typing(&mut app, "r");
    // The reload brings the rows in another order, in two pages, and one server less.
    let fx = fixture();
    let mut ecs = fx.ecs.clone();
    ecs.reverse();
    ecs.retain(|s| s.name != "app-golden-test");
    for c in cmds {
        if let Command::LoadServers { kind, generation } = c {
            let rows = if kind == ServerKind::Ecs {
                ecs.clone()
            } else {
                fx.bms.clone()
            };
            let (a, b) = rows.split_at(rows.len() / 2);
            app.update(Msg::ServersLoaded {
                kind,
                generation,
                page: a.to_vec(),
                done: false,
            });
            assert_eq!(selected_name(&app), "web-03");
            app.update(Msg::ServersLoaded {
                kind,
                generation,
                page: b.to_vec(),
                done: true,
            });
        }
    }
    assert_eq!(selected_name(&app), "web-03");
    assert_eq!(
        app.shown_ids().len(),
        14,
        "the vanished server is gone once the listing is done"
    );
}

#[test]
fn failed_refresh_keeps_the_rows_and_shows_the_hint() {
    let mut app = loaded(80, 24);
    let cmds = typing(&mut app, "r");
    for c in cmds {
        if let Command::LoadServers { kind, generation } = c {
            app.update(Msg::LoadFailed {
                what: Resource::Servers(kind),
                generation,
                error: "HTTP 503".into(),
                hint: Some("retry later".into()),
            });
        }
    }
    assert_eq!(app.shown_ids().len(), 15);
    let screen = screen(&app, 80, 24);
    assert!(screen.contains("stale 0s · r to retry"), "{screen}");
    assert!(
        screen.contains("error: ECS servers: HTTP 503 · retry later"),
        "{screen}"
    );
}

#[test]
fn help_lists_every_binding_and_takes_keys() {
    let mut app = loaded(120, 60);
    typing(&mut app, "?");
    assert!(app.help_open());
    let text = screen(&app, 120, 60);
    for needle in [
        "quit",
        "change OS",
        "filter: rows containing it (~text fuzzy",
        "filter: x86 / arm",
        ":region X",
    ] {
        assert!(text.contains(needle), "help lacks {needle}:\n{text}");
    }
    typing(&mut app, "j");
    typing(&mut app, "/arch");
    let text = screen(&app, 120, 60);
    assert!(
        text.contains("filter: x86 / arm") && !text.contains("move down"),
        "{text}"
    );
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc); // clears the help filter
    assert!(app.help_open());
    typing(&mut app, "q"); // closes help, does not quit
    assert!(!app.help_open());
    assert!(!app.should_quit());
    assert_eq!(
        selected_name(&app),
        "app-golden-test",
        "keys in help never moved the table"
    );
}

#[test]
fn read_only_refuses_changes_and_says_why() {
    let (mut app, cmds) = app_with(80, 24, true, true);
    answer(&mut app, cmds);
    for k in ["c", "R", "s"] {
        let cmds = typing(&mut app, k);
        assert!(cmds.is_empty());
        let toast = app.toast().expect("a reason is shown");
        assert!(toast.contains("read-only"), "{toast}");
    }
    let text = screen(&app, 80, 24);
    assert!(text.contains("READ-ONLY"));
    assert!(
        !text.contains("c change OS"),
        "no change hint in the footer"
    );
}

#[test]
fn copy_id_emits_an_osc52_command() {
    let mut app = loaded(80, 24);
    let id = app.selected_id().expect("row");
    let cmds = typing(&mut app, "y");
    assert_eq!(cmds, vec![Command::CopyToClipboard(id)]);
    assert!(app.toast().expect("note").starts_with("copied"));
}

#[test]
fn quit_asks_while_a_request_is_being_sent() {
    let mut app = loaded(80, 24);
    let mut sending = jobs().remove(0);
    sending.submitting = true;
    sending.job_id = None;
    app.update(Msg::JobUpdated(sending));
    let cmds = typing(&mut app, "q");
    assert!(cmds.is_empty());
    assert!(app.confirm_quit_open());
    typing(&mut app, "n");
    assert!(!app.confirm_quit_open() && !app.should_quit());
    typing(&mut app, "q");
    assert_eq!(typing(&mut app, "y"), vec![Command::Quit]);

    let mut app = loaded(80, 24);
    assert_eq!(
        typing(&mut app, "q"),
        vec![Command::Quit],
        "nothing in flight: no question"
    );
    let mut app = loaded(80, 24);
    assert_eq!(ctrl(&mut app, 'c'), vec![Command::Quit]);
}

#[test]
fn quit_signal_leaves_without_asking() {
    let mut app = loaded(80, 24);
    let mut sending = jobs().remove(0);
    sending.submitting = true;
    app.update(Msg::JobUpdated(sending));
    assert_eq!(app.update(Msg::QuitSignal), vec![Command::Quit]);
}

#[test]
fn image_quick_filters_cycle() {
    let mut app = loaded(160, 48);
    typing(&mut app, "2");
    assert_eq!(app.shown_ids().len(), 12);
    typing(&mut app, "a");
    assert_eq!(app.shown_ids().len(), 11, "x86");
    typing(&mut app, "a");
    assert_eq!(app.shown_ids().len(), 1, "arm");
    typing(&mut app, "a");
    typing(&mut app, "t");
    assert_eq!(app.shown_ids().len(), 8, "public");
    typing(&mut app, "tt");
    assert_eq!(app.shown_ids().len(), 1, "shared");
    typing(&mut app, "tt");
    assert_eq!(app.shown_ids().len(), 12, "back to all");
    typing(&mut app, "p");
    assert!(screen(&app, 160, 48).contains("Images · CentOS"));
}

#[test]
fn enter_toggles_details_on_narrow_screens() {
    let mut app = loaded(80, 24);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 24);
    assert!(text.contains("app-golden-test (ECS) · Esc back"), "{text}");
    key(&mut app, KeyCode::Esc);
    let text = screen(&app, 80, 24);
    assert!(text.contains("KIND NAME"), "{text}");
}

#[test]
fn past_messages_stay_one_key_away() {
    let mut app = loaded(80, 24);
    app.update(Msg::Error {
        error: "profile prod: no credentials".into(),
        hint: Some("set HUAWEICLOUD_SDK_AK".into()),
    });
    app.update(Msg::Info("copied".into()));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.toast(), None, "dismissed from the status line");
    typing(&mut app, "M");
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("error profile prod: no credentials"),
        "{text}"
    );
    assert!(text.contains("set HUAWEICLOUD_SDK_AK"), "{text}");
    typing(&mut app, "j");
    key(&mut app, KeyCode::Esc);
    assert!(!screen(&app, 80, 24).contains("Messages"));
}

#[test]
fn insecure_is_marked_in_the_header_and_kept_in_the_messages() {
    let mut h = header(true);
    h.insecure = true;
    let mut app = reimage::tui::App::new(h.clone(), &options(false));
    app.update(Msg::Resize(80, 24));
    let cmds = app.start();
    answer(&mut app, cmds);
    let text = screen(&app, 80, 24);
    let top = text.lines().next().unwrap_or_default();
    for marker in ["SANDBOX", "READ-ONLY", "INSECURE"] {
        assert!(top.contains(marker), "{marker} missing at 80x24: {top}");
    }
    // Long after the note left the status line, `M` still has it.
    key(&mut app, KeyCode::Esc);
    typing(&mut app, "M");
    let text = screen(&app, 80, 24);
    assert!(text.contains("TLS certificates are NOT checked"), "{text}");
    assert!(text.contains("drop --insecure"), "{text}");
    key(&mut app, KeyCode::Esc);
    // Said again only when a switch turns the checks off.
    app.update(Msg::Connected(h.clone()));
    let mut safe = h.clone();
    safe.insecure = false;
    app.update(Msg::ContextChanged(safe));
    assert!(
        !screen(&app, 80, 24)
            .lines()
            .next()
            .unwrap_or_default()
            .contains("INSECURE")
    );
    app.update(Msg::ContextChanged(h));
    typing(&mut app, "M");
    let text = screen(&app, 80, 24);
    assert_eq!(
        text.matches("TLS certificates are NOT checked").count(),
        2,
        "{text}"
    );
}

#[test]
fn mouse_clicks_pick_tabs_and_rows_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = loaded(80, 24);
    let click = |col: u16, row: u16| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: col,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Row 6 is the third data row (tabs 1, border 2, header 3, rows from 4).
    app.update(click(10, 6));
    assert_eq!(selected_name(&app), "bms-db-01");
    app.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 6,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected_name(&app), "cache-01");
    let text = screen(&app, 80, 24);
    let tabs = text.lines().nth(1).expect("tab row");
    let x = tabs.find("3 Key pairs").expect("tab shown") as u16;
    app.update(click(x + 2, 1));
    assert_eq!(app.pane(), Pane::Keypairs);
    app.update(click(70, 23)); // the footer: nothing
    assert_eq!(app.pane(), Pane::Keypairs);
}

/// Read-only mode takes change OS, reinstall and stop out of the keymap once: they fire no
/// popup, help does not list them and the footer does not offer them. The same checks
/// see all three in write mode, so none passes by accident.
#[test]
fn read_only_drops_the_change_actions_from_keys_help_and_footer_at_once() {
    let changes = [
        ("c", "Change OS ·", "change OS of the row", "c change OS"),
        (
            "R",
            "Reinstall OS ·",
            "reinstall OS of the row",
            "R reinstall",
        ),
        ("s", "Stop 1 server?", "stop the server", "s stop"),
    ];
    for read_only in [false, true] {
        let (mut app, cmds) = app_with(160, 48, read_only, false);
        answer(&mut app, cmds);
        select(&mut app, "web-01");
        let footer = screen(&app, 160, 48);
        typing(&mut app, "?");
        let help = screen(&app, 160, 48);
        key(&mut app, KeyCode::Esc);
        for (k, popup, in_help, in_footer) in changes {
            typing(&mut app, k);
            let after = screen(&app, 160, 48);
            assert_eq!(after.contains(popup), !read_only, "{k} fired\n{after}");
            assert_eq!(help.contains(in_help), !read_only, "help: {k}\n{help}");
            let last = footer.lines().last().unwrap_or_default();
            assert_eq!(last.contains(in_footer), !read_only, "footer: {last}");
            key(&mut app, KeyCode::Esc);
            key(&mut app, KeyCode::Esc);
        }
    }
}

//! Snapshots of every pane at 80x24 and 160x48, driven by `Msg`s and the fixture inventory.

use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::Msg;

fn both_sizes(name: &str, prepare: impl Fn(&mut reimage::tui::App)) {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = loaded(w, h);
        app.update(Msg::JobsReplaced(jobs()));
        prepare(&mut app);
        snapshots().bind(|| insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&app, w, h)));
    }
}

#[test]
fn servers_pane() {
    both_sizes("servers", |_| {});
}

#[test]
fn servers_pane_with_cursor_marks_and_filter() {
    both_sizes("servers_filtered", |app| {
        typing(app, "/web");
        key(app, KeyCode::Enter);
        typing(app, "j ");
    });
}

#[test]
fn server_details_zoomed_on_narrow_screens() {
    both_sizes("server_details", |app| {
        typing(app, "/web-02");
        key(app, KeyCode::Enter);
        key(app, KeyCode::Enter);
    });
}

#[test]
fn images_pane() {
    both_sizes("images", |app| {
        typing(app, "2");
    });
}

#[test]
fn images_pane_quick_filters() {
    both_sizes("images_bms", |app| {
        typing(app, "2ee");
    });
}

#[test]
fn keypairs_pane() {
    both_sizes("keypairs", |app| {
        typing(app, "3");
    });
}

#[test]
fn jobs_pane() {
    both_sizes("jobs", |app| {
        typing(app, "4");
    });
}

#[test]
fn help_overlay() {
    both_sizes("help", |app| {
        typing(app, "?");
    });
}

#[test]
fn command_line_with_completion() {
    both_sizes("cmdline", |app| {
        typing(app, ":re");
        key(app, KeyCode::Tab);
    });
}

#[test]
fn read_only_header_and_loading_state() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, cmds) = app_with(w, h, true, true);
        // Only the first ECS page has arrived.
        let fx = fixture();
        if let Some(reimage::tui::Command::LoadServers { kind, generation }) = cmds.first().cloned()
        {
            app.update(Msg::ServersLoaded {
                kind,
                generation,
                page: fx.ecs[..5].to_vec(),
                done: false,
            });
        }
        snapshots().bind(|| {
            insta::assert_snapshot!(format!("loading_read_only_{w}x{h}"), screen(&app, w, h))
        });
    }
}

#[test]
fn failed_refresh_keeps_rows_and_says_stale() {
    both_sizes("stale", |app| {
        let cmds = key(app, KeyCode::Char('r'));
        for c in cmds {
            if let reimage::tui::Command::LoadServers { kind, generation } = c {
                app.update(Msg::LoadFailed {
                    what: reimage::tui::Resource::Servers(kind),
                    generation,
                    error: "HTTP 503 from ecs.ap-southeast-3.myhuaweicloud.com".into(),
                    hint: Some("the service is busy; r retries".into()),
                });
            }
        }
    });
}

#[test]
fn in_between_sizes() {
    // 100x30: the ux.md sketch size, side-by-side details; 80x48: details below the table.
    for (w, h) in [(100, 30), (80, 48)] {
        let mut app = loaded(w, h);
        app.update(Msg::JobsReplaced(jobs()));
        typing(&mut app, "/web");
        key(&mut app, KeyCode::Enter);
        typing(&mut app, "jj ");
        snapshots()
            .bind(|| insta::assert_snapshot!(format!("servers_{w}x{h}"), screen(&app, w, h)));
    }
}

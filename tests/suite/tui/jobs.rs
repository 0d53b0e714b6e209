//! The TUI's side of jobs: the Jobs pane with a failed job's details, servers locked while
//! their job runs, the note and bell when a job ends, rows re-read after a job, `r` and `d`.

use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::JobStatus;
use reimage::tui::{App, Command, JobProgress, Msg};

fn with_jobs(w: u16, h: u16) -> App {
    let mut app = loaded(w, h);
    app.update(Msg::JobsReplaced(jobs()));
    app
}

fn failed_progress() -> JobProgress {
    JobProgress {
        key: "2c9eb2c58e6a4b0f018e6b2f2b4f0001".into(),
        last_poll: Some("09:41:07 UTC".into()),
        poll_error: None,
        fail_reason: Some("none or multiple passwords".into()),
        hint: Some("set exactly one of password or key pair".into()),
        sub_jobs: vec!["FAIL 5b7c0e2a-bms BMS.0111 none or multiple passwords".into()],
    }
}

#[test]
fn jobs_pane_shows_a_failed_job_with_sub_jobs_and_hint() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = with_jobs(w, h);
        app.update(Msg::JobProgress(failed_progress()));
        typing(&mut app, "4/BMS.0111");
        key(&mut app, KeyCode::Enter);
        if w == 80 {
            key(&mut app, KeyCode::Enter); // narrow: the job opens in the viewer
        }
        let text = screen(&app, w, h);
        assert!(text.contains("BMS.0111"), "{text}");
        assert!(text.contains("FAIL 5b7c0e2a-bms"), "sub job shown:\n{text}");
        assert!(text.contains("09:41:07"), "last poll shown:\n{text}");
        snapshots().bind(|| insta::assert_snapshot!(format!("jobs_failed_details_{w}x{h}"), text));
    }
}

#[test]
fn server_with_an_open_job_shows_it_and_refuses_another_change() {
    let mut app = with_jobs(160, 48);
    let busy = fixture().ecs[3].name.clone();
    typing(&mut app, &format!("/{busy}"));
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 160, 48);
    assert!(
        text.lines()
            .any(|l| l.contains(&busy) && l.contains("RUNNING")),
        "row of {busy} shows its job:\n{text}"
    );
    assert!(
        text.contains("change OS v2 RUNNING"),
        "details name the job:\n{text}"
    );
    for k in ['c', 'R', 's'] {
        let cmds = typing(&mut app, &k.to_string());
        assert!(cmds.is_empty(), "{k}: nothing may start: {cmds:?}");
        let note = app.toast().expect("a note says why");
        assert!(note.contains("a job is running on this server"), "{note}");
    }
    // Once the job is over the server is free again (the refusal is the job, not the key).
    let mut done = jobs().remove(0);
    done.status = JobStatus::Success;
    app.update(Msg::JobUpdated(done));
    typing(&mut app, "c");
    let note = app.toast().unwrap_or_default();
    assert!(!note.contains("a job is running"), "{note}");
}

#[test]
fn a_job_end_is_noted_and_rings_only_when_asked() {
    let mut app = with_jobs(100, 30);
    let failed = jobs().remove(1);
    app.update(Msg::JobProgress(failed_progress()));
    let cmds = app.update(Msg::JobEnded {
        key: failed.key.clone(),
        bell: false,
    });
    assert!(cmds.is_empty());
    let note = app.toast().expect("note");
    assert!(
        note.contains(&failed.server_name) && note.contains("FAIL") && note.contains("BMS.0111"),
        "{note}"
    );
    let cmds = app.update(Msg::JobEnded {
        key: failed.key,
        bell: true,
    });
    assert_eq!(cmds, vec![Command::Bell]);
}

#[test]
fn a_re_read_server_replaces_its_row() {
    let mut app = with_jobs(160, 48);
    let mut s = fixture().ecs[3].clone();
    s.status = "REBUILD".into();
    let name = s.name.clone();
    app.update(Msg::ServerUpdated(Box::new(s)));
    typing(&mut app, &format!("/{name}"));
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 160, 48);
    assert!(
        text.lines()
            .any(|l| l.contains(&name) && l.contains("REBUILD")),
        "{text}"
    );
}

#[test]
fn r_polls_open_jobs_and_d_dismisses_a_finished_one() {
    let mut app = with_jobs(100, 30);
    typing(&mut app, "4");
    let cmds = typing(&mut app, "r");
    assert_eq!(
        cmds,
        vec![Command::PollJobs(vec![
            "ff8080817e8a1f6c017e8b2a0a5c686a".into()
        ])]
    );
    // The running job cannot be dismissed; the succeeded one can.
    let fx = fixture();
    typing(&mut app, &format!("/{}", fx.ecs[3].name));
    key(&mut app, KeyCode::Enter);
    assert!(typing(&mut app, "d").is_empty());
    key(&mut app, KeyCode::Esc);
    typing(&mut app, &format!("/{}", fx.ecs[6].name));
    key(&mut app, KeyCode::Enter);
    let cmds = typing(&mut app, "d");
    assert_eq!(
        cmds,
        vec![Command::DismissJob(
            "a1b2c3d4e5f60718293a4b5c6d7e9f00".into()
        )]
    );
    key(&mut app, KeyCode::Esc);
    let text = screen(&app, 100, 30);
    assert!(!text.contains("a1b2"), "dismissed row gone:\n{text}");
}

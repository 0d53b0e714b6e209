//! Text that matters is never cut off: a job's whole failure in the details and the
//! viewer, notes that keep their way out, the quit warning, the message history wrapped,
//! the header's job counts in words.
mod tui_support;
use tui_support as common;

use common::*;
use crossterm::event::KeyCode;
use reimage::tui::{App, Command, JobProgress, Msg};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

const REASON: &str = "Failed to install the operating system from image broken-centos-7.9 [fail]: the image's disk could not be attached to the server, so the system disk was left as it was.";
const HINT: &str = "pick another image, or check the image's status in the console before you retry";

fn failed_job(w: u16, h: u16) -> App {
    let mut app = loaded(w, h);
    let mut jobs = jobs();
    jobs[1].detail = REASON.into();
    jobs[1].error_code = Some("Ecs.1000".into());
    app.update(Msg::JobsReplaced(jobs));
    app.update(Msg::JobProgress(JobProgress {
        key: "2c9eb2c58e6a4b0f018e6b2f2b4f0001".into(),
        last_poll: Some("09:41:07 UTC".into()),
        poll_error: None,
        fail_reason: Some(REASON.into()),
        hint: Some(HINT.into()),
        sub_jobs: vec![
            "FAIL 5b7c0e2a-bms Ecs.1000 the system disk could not be attached to the server".into(),
        ],
    }));
    typing(&mut app, "4/bms-db");
    key(&mut app, KeyCode::Enter);
    app
}

/// Every word of `text` is on `screen`, in order, whatever the wrapping.
fn all_words_in_order(screen: &str, text: &str) -> bool {
    let flat: Vec<&str> = screen
        .split(|c: char| c.is_whitespace() || "│┃║|".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    flat.windows(words.len()).any(|w| w == words.as_slice())
}

#[test]
fn a_jobs_whole_failure_is_readable_in_the_details_and_the_viewer() {
    let app = failed_job(200, 50);
    let text = screen(&app, 200, 50);
    assert!(all_words_in_order(&text, REASON), "details wrap:\n{text}");
    assert!(all_words_in_order(&text, HINT), "hint wraps:\n{text}");

    let mut app = failed_job(100, 30);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 100, 30);
    assert!(all_words_in_order(&text, REASON), "viewer:\n{text}");
    assert!(all_words_in_order(&text, HINT), "viewer:\n{text}");
    assert!(text.contains("FAIL 5b7c0e2a-bms"), "{text}");
    settings().bind(|| insta::assert_snapshot!("text_job_viewer_100x30", text));
}

#[test]
fn the_viewer_scrolls_searches_copies_and_closes() {
    let mut app = failed_job(80, 14);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 14);
    assert!(text.contains("job reinstall BMS"), "{text}");
    assert!(!text.contains("sub jobs"), "below the fold at first:\n{text}");
    typing(&mut app, "/sub jobs");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 14);
    assert!(text.contains("sub jobs"), "search scrolled to it:\n{text}");
    typing(&mut app, "g");
    assert!(!screen(&app, 80, 14).contains("sub jobs"), "g goes back to the top");
    typing(&mut app, "n");
    assert!(screen(&app, 80, 14).contains("sub jobs"), "n finds it again");
    typing(&mut app, "g");
    let cmds = typing(&mut app, "y");
    let copied = cmds.iter().find_map(|c| match c {
        Command::CopyToClipboard(t) => Some(t.clone()),
        _ => None,
    });
    assert!(copied.is_some_and(|t| t.contains(REASON) && t.contains(HINT)));
    key(&mut app, KeyCode::Char('q'));
    assert!(!screen(&app, 80, 14).contains("job reinstall BMS"), "q closes");
}

//! Text that matters is never cut off: a job's whole failure in the details and the
//! viewer, notes that keep their way out, the quit warning, the message history wrapped,
//! the header's job counts in words.
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::{App, Command, JobProgress, Msg};

const REASON: &str = "Failed to install the operating system from image broken-centos-7.9 [fail]: the image's disk could not be attached to the server, so the system disk was left as it was.";
const HINT: &str =
    "pick another image, or check the image's status in the console before you retry";

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
    snapshots().bind(|| insta::assert_snapshot!("text_job_viewer_100x30", text));
}

#[test]
fn the_viewer_scrolls_searches_copies_and_closes() {
    let mut app = failed_job(80, 14);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 14);
    assert!(text.contains("job reinstall BMS"), "{text}");
    assert!(
        !text.contains("sub jobs"),
        "below the fold at first:\n{text}"
    );
    typing(&mut app, "/sub jobs");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 14);
    assert!(text.contains("sub jobs"), "search scrolled to it:\n{text}");
    typing(&mut app, "g");
    assert!(
        !screen(&app, 80, 14).contains("sub jobs"),
        "g goes back to the top"
    );
    typing(&mut app, "n");
    assert!(
        screen(&app, 80, 14).contains("sub jobs"),
        "n finds it again"
    );
    typing(&mut app, "g");
    let cmds = typing(&mut app, "y");
    let copied = cmds.iter().find_map(|c| match c {
        Command::CopyToClipboard(t) => Some(t.clone()),
        _ => None,
    });
    assert!(copied.is_some_and(|t| t.contains(REASON) && t.contains(HINT)));
    key(&mut app, KeyCode::Char('q'));
    assert!(
        !screen(&app, 80, 14).contains("job reinstall BMS"),
        "q closes"
    );
}

#[test]
fn the_header_counts_jobs_in_words_at_every_width() {
    for w in [80u16, 100, 200] {
        let mut app = loaded(w, 24);
        app.update(Msg::JobsReplaced(jobs()));
        let text = screen(&app, w, 24);
        let top = text.lines().next().unwrap_or("");
        assert!(
            top.contains("1 running · 1 ok · 1 failed"),
            "{w} columns:\n{top}"
        );
        assert!(!top.contains("jobs "), "{top}");
    }
}

#[test]
fn the_images_title_counts_what_the_quick_filters_leave() {
    let mut app = loaded(160, 48);
    typing(&mut app, "2ttt");
    assert_eq!(app.shown_ids().len(), 1, "shared");
    let text = screen(&app, 160, 48);
    assert!(text.contains("Images · shared 1 of 12"), "{text}");
}

#[test]
fn a_refusal_keeps_its_way_out_and_its_whole_text_in_messages() {
    for (w, h) in [(80u16, 24u16), (100, 30)] {
        let (mut app, cmds) = app_with(w, h, true, false);
        answer(&mut app, cmds);
        typing(&mut app, "c");
        let text = screen(&app, w, h);
        let bottom: String = text
            .lines()
            .skip(h as usize - 2)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            all_words_in_order(
                &bottom,
                "read-only: change_os is disabled (--read-only or read_only = true in the profile) · --write lifts it for one run"
            ),
            "{w}x{h}: the note is cut:\n{bottom}"
        );
        typing(&mut app, "M");
        let text = screen(&app, w, h);
        assert!(
            all_words_in_order(
                &text,
                "read-only: change_os is disabled (--read-only or read_only = true in the profile)"
            ),
            "{text}"
        );
        assert!(text.contains("--write lifts it for one run"), "{text}");
    }
}

#[test]
fn the_quit_warning_is_whole_and_messages_wrap() {
    let mut app = loaded(40, 20);
    let mut sending = jobs().remove(0);
    sending.submitting = true;
    sending.job_id = None;
    app.update(Msg::JobUpdated(sending));
    typing(&mut app, "q");
    let text = screen(&app, 40, 20);
    assert!(
        all_words_in_order(
            &text,
            "1 request(s) are being sent; quitting now leaves their outcome unknown."
        ),
        "{text}"
    );
    snapshots().bind(|| insta::assert_snapshot!("text_quit_40x20", text));
}

#[test]
fn profile_names_complete_with_tab() {
    let mut opts = options(false);
    opts.profiles = vec!["prod".into(), "prod-eu".into(), "stack".into()];
    let mut app = App::new(header(false), &opts);
    app.update(Msg::Resize(100, 30));
    typing(&mut app, ":profile s");
    key(&mut app, KeyCode::Tab);
    let text = screen(&app, 100, 30);
    assert!(text.contains(":profile stack"), "{text}");
    typing(&mut app, "");
    key(&mut app, KeyCode::Esc);
    typing(&mut app, ":pro p");
    key(&mut app, KeyCode::Tab);
    let text = screen(&app, 100, 30);
    assert!(text.contains("prod prod-eu"), "candidates shown:\n{text}");
}

#[test]
fn a_note_too_long_for_two_rows_keeps_its_hint_whole() {
    let (mut app, cmds) = app_with(80, 24, false, false);
    let generation = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadImages { generation } => Some(*generation),
            _ => None,
        })
        .expect("images load");
    app.update(Msg::LoadFailed {
        what: reimage::tui::Resource::Images,
        generation,
        error: "the image service answered 503 ".repeat(8),
        hint: Some("r tries again".into()),
    });
    let text = screen(&app, 80, 24);
    let status = text.lines().nth(22).unwrap_or("");
    assert!(status.contains("the image service answered 503"), "{text}");
    let below = text.lines().nth(23).unwrap_or("");
    assert!(below.contains("· r tries again  M more"), "{text}");
    typing(&mut app, "M");
    let text = screen(&app, 80, 24);
    assert!(
        all_words_in_order(&text, &"the image service answered 503 ".repeat(8)),
        "{text}"
    );
}

/// Resized while open, the viewer wraps again for the new width: the whole text stays
/// readable, the bottom stays reachable, and a tiny terminal draws without a panic.
#[test]
fn the_viewer_wraps_again_when_the_terminal_is_resized() {
    let mut app = failed_job(100, 30);
    key(&mut app, KeyCode::Enter);
    for (w, h) in [(40u16, 12u16), (10, 4), (200, 50), (60, 16)] {
        app.update(Msg::Resize(w, h));
        let top = screen(&app, w, h);
        if w >= 40 {
            assert!(
                top.contains("job"),
                "{w}x{h}: the viewer stays open:\n{top}"
            );
        }
        typing(&mut app, "G");
        let bottom = screen(&app, w, h);
        if w >= 40 {
            assert!(
                bottom.contains("polled"),
                "{w}x{h}: G reaches the last line:\n{bottom}"
            );
        }
        typing(&mut app, "g");
    }
    // (At 100 columns no details pane shares the viewer's lines.)
    app.update(Msg::Resize(100, 30));
    let text = screen(&app, 100, 30);
    assert!(all_words_in_order(&text, REASON), "whole again:\n{text}");
}

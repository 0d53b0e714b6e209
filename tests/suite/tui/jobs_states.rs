//! The Jobs pane names a job reimage gave up on as reimage does (LOST, TIMED_OUT), not
//! FAIL, with its error code once.

use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::JobStatus;
use reimage::tui::Msg;

#[test]
fn a_lost_job_shows_lost_and_its_code_once() {
    let mut app = loaded(120, 30);
    let mut jobs = jobs();
    let lost = &mut jobs[1];
    lost.status = JobStatus::Fail;
    lost.gave_up = Some("LOST");
    lost.error_code = Some("Common.0011".into());
    lost.detail = "the service does not know this job (job x does not exist.)".into();
    app.update(Msg::JobsReplaced(jobs));
    key(&mut app, KeyCode::Char('4'));
    let text = screen(&app, 120, 30);
    let row = text
        .lines()
        .find(|l| l.contains("Common.0011"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("LOST"), "{row}");
    assert!(!row.contains("FAIL"), "{row}");
    assert_eq!(row.matches("Common.0011").count(), 1, "{row}");
}

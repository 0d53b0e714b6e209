//! The job journal survives crashes, damage and a second reimage process.

use crate::support::job_record;
use reimage::cloud::model::ServerKind;
use reimage::jobs::audit::{Actor, AuditLog, mask_access_key};
use reimage::jobs::journal::Journal;
use reimage::jobs::record::{JobOperation, JobRecord, TrackedState};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

fn record(job_id: &str) -> JobRecord {
    job_record::submitted(
        job_id,
        ServerKind::Ecs,
        JobOperation::ChangeOs,
        ("7c3e9b1a-5d2f-4e8a-9b6c-1f0e2d3c4b5a", "web-01"),
    )
    .route("v2")
    .project("5f3c0e6d2a8b4c1e9f7a6b5c4d3e2f6b")
    .images(Some("CentOS 7.9 64bit"), Some("Ubuntu 22.04 server 64bit"))
    .build()
}

#[test]
fn replay_folds_updates_and_lists_unfinished() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/jobs.jsonl");
    {
        let (j, replay) = Journal::open(&path).expect("open");
        assert!(replay.jobs.is_empty());
        j.record_submitted(&record("job-a")).expect("a");
        j.record_submitted(&record("job-b")).expect("b");
        j.record_update("job-a", TrackedState::Running, None, None)
            .expect("run");
        j.record_update(
            "job-b",
            TrackedState::Fail,
            Some("Ecs.0100"),
            Some("bad state"),
        )
        .expect("fail");
    }
    // A new process starts: the unfinished job comes back, the failed one keeps its reason.
    let (_j, replay) = Journal::open(&path).expect("reopen");
    assert_eq!(replay.jobs.len(), 2);
    assert_eq!(replay.jobs[0].state, TrackedState::Running);
    assert_eq!(replay.jobs[1].error_code.as_deref(), Some("Ecs.0100"));
    let open: Vec<_> = replay.unfinished().map(|j| j.job_id.as_str()).collect();
    assert_eq!(open, vec!["job-a"]);
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "journal must be private");
    let dir_mode = std::fs::metadata(path.parent().expect("dir"))
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}

#[test]
fn damaged_lines_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jobs.jsonl");
    {
        let (j, _) = Journal::open(&path).expect("open");
        j.record_submitted(&record("job-a")).expect("a");
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("append");
    f.write_all(b"{\"event\":\"submitted\",\"job_id\":\"tru")
        .expect("torn"); // torn write
    f.write_all(b"\nnot json at all\n\xff\xfe\n{\"event\":\"update\",\"job_id\":\"nobody\",\"state\":\"RUNNING\",\"at\":\"x\"}\n")
        .expect("junk");
    drop(f);
    let (j, replay) = Journal::open(&path).expect("open survives damage");
    assert_eq!(replay.jobs.len(), 1);
    assert_eq!(replay.warnings.len(), 4, "{:?}", replay.warnings);
    // And the journal still takes new records after the damage.
    j.record_submitted(&record("job-c")).expect("c");
    assert_eq!(j.replay().expect("replay").jobs.len(), 2);
}

#[test]
fn dismissed_jobs_are_gone_and_compaction_keeps_open_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jobs.jsonl");
    let (j, _) = Journal::open(&path).expect("open");
    for id in ["a", "b", "c", "d"] {
        j.record_submitted(&record(id)).expect("submit");
    }
    j.record_update("a", TrackedState::Success, None, None)
        .expect("a");
    j.record_update("b", TrackedState::Fail, Some("Ecs.0005"), None)
        .expect("b");
    j.record_dismissed("c").expect("c");
    let dropped = j
        .compact(std::time::Duration::ZERO)
        .expect("compact")
        .dropped;
    assert_eq!(dropped, 2, "finished jobs older than zero seconds go");
    let replay = j.replay().expect("replay");
    let ids: Vec<_> = replay.jobs.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, vec!["d"]);
    let lines = std::fs::read_to_string(&path)
        .expect("read")
        .lines()
        .count();
    assert_eq!(lines, 1);
    // Writing after compaction lands in the new file.
    j.record_update("d", TrackedState::Running, None, None)
        .expect("d");
    assert_eq!(
        j.replay().expect("replay").jobs[0].state,
        TrackedState::Running
    );
}

#[test]
fn two_processes_share_the_journal_without_losing_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jobs.jsonl");
    let (first, _) = Journal::open(&path).expect("first");
    let (second, _) = Journal::open(&path).expect("second");
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..200 {
                first
                    .record_submitted(&record(&format!("p1-{i}")))
                    .expect("p1");
            }
        });
        s.spawn(|| {
            for i in 0..200 {
                second
                    .record_submitted(&record(&format!("p2-{i}")))
                    .expect("p2");
                if i == 100 {
                    // A compaction in the middle must not make the other writer lose lines.
                    second
                        .compact(std::time::Duration::from_secs(3600))
                        .expect("compact");
                }
            }
        });
    });
    let replay = first.replay().expect("replay");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    assert_eq!(replay.jobs.len(), 400);
}

#[test]
fn audit_log_masks_the_access_key_and_holds_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::new(dir.path().join("audit.log"));
    let actor = Actor {
        region: "ap-southeast-3".into(),
        project_id: "p".into(),
        credential_source: "env HUAWEICLOUD_SDK_AK".into(),
        access_key: mask_access_key("HPUASANDBOX000000001"),
    };
    let mut job = record("job-a");
    log.submitted(&actor, &job, Some("password"))
        .expect("submitted");
    job.state = TrackedState::Success;
    log.finished(&actor, &job).expect("finished");
    let text = std::fs::read_to_string(log.path()).expect("read");
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("HPUA…0001"));
    assert!(!text.contains("HPUASANDBOX000000001"));
    let last: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("line")).expect("json");
    assert_eq!(last["status"], "SUCCESS");
    assert_eq!(last["new_image"], "Ubuntu 22.04 server 64bit");
    assert_eq!(mask_access_key("short"), "*****");
}

#[test]
fn compaction_moves_unreadable_lines_aside_and_never_deletes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jobs.jsonl");
    let (j, _) = Journal::open(&path).expect("open");
    j.record_submitted(&record("job-a")).expect("a");
    let damaged = [
        r#"{"event":"update","job_id":"job-a","state":"CANCELLED","at":"x"}"#,
        r#"{"event":"update","job_id":"job-a","state":7,"at":"x"}"#,
        "\u{1}garbage",
    ];
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("append");
    for l in damaged {
        writeln!(f, "{l}").expect("write");
    }
    drop(f);
    let c = j
        .compact(std::time::Duration::from_secs(3600))
        .expect("compact");
    assert_eq!((c.dropped, c.moved), (0, 3));
    let w = c.warning.expect("one warning");
    assert!(
        w.contains("3 damaged line") && w.contains("jobs.damaged.jsonl"),
        "{w}"
    );
    let kept = std::fs::read_to_string(j.damaged_path()).expect("damaged file");
    assert_eq!(kept.lines().collect::<Vec<_>>(), damaged);
    let replay = j.replay().expect("replay");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    assert_eq!(replay.jobs.len(), 1);
    // Nothing new to move: no second warning.
    let c = j
        .compact(std::time::Duration::from_secs(3600))
        .expect("again");
    assert!(c.warning.is_none() && c.moved == 0);
}

#[test]
fn two_followers_of_a_job_record_each_state_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jobs.jsonl");
    let (first, _) = Journal::open(&path).expect("first");
    let (second, _) = Journal::open(&path).expect("second");
    first.record_submitted(&record("job-a")).expect("a");
    let running = |j: &Journal| j.record_update("job-a", TrackedState::Running, None, None);
    assert!(running(&first).expect("first"));
    assert!(!running(&second).expect("second"), "already there");
    let ended = |j: &Journal, s| j.record_update("job-a", s, None, None);
    assert!(ended(&second, TrackedState::Success).expect("second"));
    assert!(!ended(&first, TrackedState::Success).expect("first"));
    assert!(
        !ended(&first, TrackedState::TimedOut).expect("after the end"),
        "nothing follows an outcome"
    );
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert_eq!(
        first.replay().expect("replay").jobs[0].state,
        TrackedState::Success
    );
}

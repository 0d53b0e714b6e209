//! `reimage apply --wait` against an in-process sandbox, the real binary: every state of
//! the job goes to the journal and the outcome to the audit log; a failed poll never hides
//! the job id and a rerun sends nothing twice; several followers of one job write one
//! outcome between them. Also the state files `apply` writes: never through a symlink.

use crate::support::client::sandbox_with;
use crate::support::deadline::{run, run_on_sandbox};
use reimage::jobs::journal::Journal;
use reimage::jobs::record::TrackedState;
use reimage::sandbox::faults::{FaultSpec, Faults};
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const PASSWORD: &str = "Str0ng!Pass9\n";
const REINSTALL: [&str; 6] = [
    "apply",
    "--server",
    "web-03",
    "--reinstall",
    "--password-stdin",
    "--yes",
];

async fn sandbox(job_seconds: f64) -> Sandbox {
    sandbox_with(SandboxConfig {
        job_seconds,
        ..SandboxConfig::default()
    })
    .await
}

/// The binary on `sb` with its state under `home`, off the async runtime.
/// A directory as reimage makes it (0700, whatever the umask).
fn private_dir(dir: &Path) {
    std::fs::create_dir(dir).expect("mkdir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

fn journal_path(home: &Path) -> PathBuf {
    home.join("state/jobs.jsonl")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Lines of `text` that name `job_id` and contain `what`.
fn count(text: &str, job_id: &str, what: &str) -> usize {
    text.lines()
        .filter(|l| l.contains(job_id) && l.contains(what))
        .count()
}

fn reinstalls_sent(sb: &Sandbox) -> u64 {
    sb.counters()
        .by_operation
        .iter()
        .filter(|(op, _)| op.starts_with("ecs.reinstallos"))
        .map(|(_, n)| n)
        .sum()
}

fn job_state(home: &Path, job_id: &str) -> TrackedState {
    let (_j, replay) = Journal::open(journal_path(home)).expect("journal");
    replay
        .jobs
        .iter()
        .find(|j| j.job_id == job_id)
        .unwrap_or_else(|| panic!("{job_id} in the journal"))
        .state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_wait_journals_every_state_and_audits_the_outcome() {
    let sb = sandbox(1.0).await;
    let home = tempfile::tempdir().expect("tmp");
    let mut args = REINSTALL.to_vec();
    args.push("--wait");
    let ran = run_on_sandbox(home.path(), &sb, &args, PASSWORD).await;
    assert!(ran.ok(), "{ran:?}");
    let job_id = ran.stdout.split_whitespace().next().expect("job id");
    assert!(ran.stdout.contains("SUCCESS"), "{ran:?}");
    let accepted = ran
        .stderr
        .find(&format!("job {job_id} accepted; journaled"));
    let ended = ran.stderr.find(&format!("job {job_id}: SUCCESS"));
    assert!(
        matches!((accepted, ended), (Some(a), Some(e)) if a < e),
        "the id is journaled and said before the wait:\n{}",
        ran.stderr
    );
    assert_eq!(job_state(home.path(), job_id), TrackedState::Success);
    let journal = read(&journal_path(home.path()));
    assert_eq!(count(&journal, job_id, "\"SUCCESS\""), 1, "{journal}");
    let audit = read(&home.path().join("state/audit.log"));
    assert_eq!(count(&audit, job_id, "\"submitted\""), 1, "{audit}");
    assert_eq!(count(&audit, job_id, "\"finished\""), 1, "{audit}");
    assert_eq!(
        count(&audit, job_id, "\"status\":\"SUCCESS\""),
        1,
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_poll_keeps_the_job_id_and_a_rerun_sends_nothing_twice() {
    let sb = sandbox(1.0).await;
    let home = tempfile::tempdir().expect("tmp");
    sb.set_faults(Faults {
        operations: [(
            "jobs.show".to_string(),
            FaultSpec {
                error_500: 1.0,
                ..FaultSpec::default()
            },
        )]
        .into(),
        ..Faults::default()
    });
    let mut args = REINSTALL.to_vec();
    args.push("--wait");
    let ran = run_on_sandbox(home.path(), &sb, &args, PASSWORD).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let job_id = ran
        .stdout
        .split_whitespace()
        .next()
        .expect("job id on stdout");
    assert!(
        ran.stderr
            .contains(&format!("job {job_id} accepted; journaled")),
        "{}",
        ran.stderr
    );
    let last = ran.stderr.lines().last().unwrap_or_default();
    assert!(
        ran.stderr
            .contains(&format!("following job {job_id} failed"))
            && last.contains("reimage jobs --watch"),
        "{}",
        ran.stderr
    );
    assert_eq!(reinstalls_sent(&sb), 1);
    assert_eq!(job_state(home.path(), job_id), TrackedState::Submitted);

    // A rerun (the server runs now, hence --stop) is refused, naming the open job:
    // nothing is sent twice.
    let mut again = REINSTALL.to_vec();
    again.push("--stop");
    let ran = run_on_sandbox(home.path(), &sb, &again, PASSWORD).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains(&format!("open job {job_id}"))
            && ran.stderr.contains("nothing was sent"),
        "{ran:?}"
    );
    assert_eq!(reinstalls_sent(&sb), 1, "the change went once");

    // Healthy again: the watcher ends it, once, in the journal and the audit log.
    sb.set_faults(Faults::default());
    let ran = run_on_sandbox(home.path(), &sb, &["jobs", "--watch"], "").await;
    assert!(ran.ok(), "{ran:?}");
    assert_eq!(job_state(home.path(), job_id), TrackedState::Success);
    let audit = read(&home.path().join("state/audit.log"));
    assert_eq!(count(&audit, job_id, "\"finished\""), 1, "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_of_one_job_write_one_outcome_between_them() {
    let sb = sandbox(4.0).await;
    let home = tempfile::tempdir().expect("tmp");
    let ran = run_on_sandbox(home.path(), &sb, &REINSTALL, PASSWORD).await;
    assert!(ran.ok(), "{ran:?}");
    let job_id = ran.stdout.trim().to_string();
    let watch = ["jobs", "--watch"];
    let (a, b, c) = tokio::join!(
        run_on_sandbox(home.path(), &sb, &watch, ""),
        run_on_sandbox(home.path(), &sb, &watch, ""),
        run_on_sandbox(home.path(), &sb, &watch, ""),
    );
    for ran in [&a, &b, &c] {
        assert!(ran.ok(), "{ran:?}");
        assert!(
            ran.stdout.contains("SUCCESS"),
            "each follower saw it: {ran:?}"
        );
    }
    let journal = read(&journal_path(home.path()));
    assert_eq!(count(&journal, &job_id, "\"SUCCESS\""), 1, "{journal}");
    assert_eq!(count(&journal, &job_id, "\"RUNNING\""), 1, "{journal}");
    let audit = read(&home.path().join("state/audit.log"));
    assert_eq!(count(&audit, &job_id, "\"finished\""), 1, "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_sends_nothing_when_a_state_file_is_a_symlink() {
    let sb = sandbox(1.0).await;
    for file in ["audit.log", "jobs.jsonl", "jobs.jsonl.lock"] {
        let home = tempfile::tempdir().expect("tmp");
        let victim = home.path().join("victim.txt");
        std::fs::write(&victim, "precious\n").expect("victim");
        let state = home.path().join("state");
        private_dir(&state);
        let link = state.join(file);
        std::os::unix::fs::symlink(&victim, &link).expect("link");
        let ran = run_on_sandbox(home.path(), &sb, &REINSTALL, PASSWORD).await;
        assert_eq!(ran.code, Some(1), "{file}: {ran:?}");
        assert!(
            ran.stderr.contains("symbolic link")
                && ran.stderr.contains(&format!("rm {}", link.display())),
            "{file}: {}",
            ran.stderr
        );
        assert_eq!(
            read(&victim),
            "precious\n",
            "{file}: the target is untouched"
        );
        assert!(ran.stdout.is_empty(), "{file}: {ran:?}");
    }
    assert_eq!(reinstalls_sent(&sb), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_project_cache_is_not_a_hang() {
    let sb = sandbox(1.0).await;
    let home = tempfile::tempdir().expect("tmp");
    let cache = home.path().join("cache/projects.json");
    private_dir(&home.path().join("cache"));
    nix::unistd::mkfifo(&cache, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--endpoint", &sb.url, "--region", &sb.region])
        .args(["list", "servers"])
        .env("HOME", home.path())
        .env("REIMAGE_HOME", home.path())
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("REIMAGE_METADATA_URL", "off");
    let ran = tokio::task::spawn_blocking(move || run(cmd, ""))
        .await
        .expect("joined");
    assert!(ran.ok(), "{ran:?}");
    assert!(ran.stderr.contains("project cache"), "{}", ran.stderr);
    let meta = std::fs::symlink_metadata(&cache).expect("cache");
    assert!(meta.is_file(), "replaced by the discovered id: {meta:?}");
    assert!(read(&cache).contains(&sb.project_id));
}

//! Hostile files, through the real binary: every file reimage reads is a regular file read
//! up to a cap (a FIFO, a directory, a device or an oversize file is an error naming the
//! file, never a hang or an OOM); its state is never written through a symlink or into a
//! directory others can write; damaged journal lines are moved aside, never deleted.

use crate::support::deadline::{Ran, reimage};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A fake HOME with `REIMAGE_HOME` at `HOME/rh`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tmp"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str], extra: &[(&str, &Path)]) -> Ran {
        let (home, rh) = (self.path(""), self.path("rh"));
        let mut vars: Vec<(&str, &Path)> = vec![("HOME", &home), ("REIMAGE_HOME", &rh)];
        vars.extend_from_slice(extra);
        reimage(args, &vars, "")
    }
}

fn parent_dirs(path: &Path) {
    let dir = path.parent().expect("parent");
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

fn fifo(path: &Path) {
    parent_dirs(path);
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
}

fn symlink(target: &Path, link: &Path) {
    parent_dirs(link);
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

fn refused(ran: &Ran, says: &[&str]) {
    assert!(!ran.ok(), "accepted: {ran:?}");
    for s in says {
        assert!(
            ran.stderr.contains(s),
            "{s:?} not in stderr:\n{}",
            ran.stderr
        );
    }
}

fn plan_with_user_data(file: &str) -> [&str; 9] {
    [
        "--sandbox",
        "plan",
        "--server",
        "web-03",
        "--reinstall",
        "--keypair",
        "kp-admin",
        "--user-data",
        file,
    ]
}

#[test]
fn user_data_that_is_not_a_small_regular_file_is_refused_at_once() {
    let home = Home::new();
    let pipe = home.path("pipe.yaml");
    fifo(&pipe);
    let dir = home.path("a-dir");
    std::fs::create_dir(&dir).expect("mkdir");
    let big = home.path("big.sh");
    std::fs::write(&big, "#!/bin/sh\n".repeat(5000)).expect("write");
    for (path, what) in [
        (pipe.as_path(), "FIFO"),
        (Path::new("/dev/zero"), "character device"),
        (dir.as_path(), "directory"),
        (big.as_path(), "larger than 48 KiB"),
    ] {
        let file = path.to_str().expect("utf-8");
        let ran = home.run(&plan_with_user_data(file), &[]);
        refused(&ran, &["user data file", file, what]);
    }
    let ran = home.run(&plan_with_user_data(big.to_str().expect("utf-8")), &[]);
    assert!(ran.stderr.contains("user data is at most 32 KB"), "{ran:?}");
}

#[test]
fn config_and_credential_files_that_are_fifos_or_devices_are_errors_naming_them() {
    let cases: [(&str, &str, &str); 4] = [
        ("rh/config.toml", "config file", "FIFO"),
        (".huaweicloud/credentials", "credentials file", "FIFO"),
        (".hcloud/config.json", "KooCLI config file", "FIFO"),
        ("rh/config.toml", "config file", "character device"),
    ];
    for (rel, label, what) in cases {
        let home = Home::new();
        let path = home.path(rel);
        if what == "FIFO" {
            fifo(&path);
        } else {
            symlink(Path::new("/dev/zero"), &path);
        }
        let ran = home.run(&["jobs"], &[]);
        refused(&ran, &[label, path.to_str().expect("utf-8"), what]);
    }
}

#[test]
fn endpoint_and_ca_files_that_are_fifos_are_errors_naming_them() {
    let home = Home::new();
    let pipe = home.path("pipe");
    fifo(&pipe);
    let keys = [
        ("HUAWEICLOUD_SDK_AK", Path::new("HPUATEST000000000001")),
        (
            "HUAWEICLOUD_SDK_SK",
            Path::new("testsecretkey000000000000000000000000001"),
        ),
        (
            "HUAWEICLOUD_SDK_PROJECT_ID",
            Path::new("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ),
    ];
    let list = ["--region", "ap-southeast-3", "list", "servers"];
    let mut with_regions = keys.to_vec();
    with_regions.push(("HUAWEICLOUD_SDK_REGIONS_FILE", &pipe));
    refused(&home.run(&list, &with_regions), &["regions file", "FIFO"]);
    let pipe_arg = pipe.to_str().expect("utf-8");
    let args = [
        "--ca-file",
        pipe_arg,
        "--region",
        "ap-southeast-3",
        "list",
        "servers",
    ];
    refused(&home.run(&args, &keys), &["CA file", pipe_arg, "FIFO"]);
}

#[test]
fn a_fifo_journal_is_an_error_not_a_hang() {
    let home = Home::new();
    let journal = home.path("rh/state/jobs.jsonl");
    fifo(&journal);
    let ran = home.run(&["jobs"], &[]);
    refused(
        &ran,
        &["job journal", journal.to_str().expect("utf-8"), "FIFO"],
    );
}

/// A journal holding one job, in the binary's layout under `home`.
fn journal_with_a_job(home: &Home) -> PathBuf {
    let path = home.path("rh/state/jobs.jsonl");
    parent_dirs(&path);
    let line = serde_json::json!({
        "event": "submitted", "job_id": "job-a", "kind": "Ecs", "operation": "change_os",
        "server_id": "srv-1", "server_name": "web-01", "submitted_at": "2030-01-01T00:00:00Z",
        "state": "RUNNING", "updated_at": "2030-01-01T00:00:00Z",
    });
    std::fs::write(&path, format!("{line}\n")).expect("journal");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

#[test]
fn compaction_moves_damaged_lines_aside_and_says_so_once() {
    let home = Home::new();
    let journal = journal_with_a_job(&home);
    let damaged = [
        // A state from a newer reimage.
        r#"{"event":"update","job_id":"job-a","state":"CANCELLED","at":"2030-01-01T00:00:01Z"}"#,
        // An event from a newer reimage.
        r#"{"event":"paused","job_id":"job-a","at":"2030-01-01T00:00:02Z"}"#,
        // A field of the wrong type.
        r#"{"event":"submitted","job_id":42,"kind":"Ecs"}"#,
        "not json at all",
        // About a job whose submission is not here.
        r#"{"event":"update","job_id":"ghost","state":"RUNNING","at":"2030-01-01T00:00:03Z"}"#,
    ];
    let mut text = std::fs::read_to_string(&journal).expect("read");
    for l in damaged {
        text += l;
        text += "\n";
    }
    std::fs::write(&journal, text).expect("write");

    let ran = home.run(&["jobs", "--all"], &[]);
    assert!(ran.ok(), "{ran:?}");
    assert!(
        ran.stdout.contains("job-a"),
        "the good job is kept: {ran:?}"
    );
    let warnings: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.contains("damaged") || l.contains("unreadable"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning:\n{}", ran.stderr);
    let moved_to = home.path("rh/state/jobs.damaged.jsonl");
    assert!(
        warnings[0].contains("5 damaged line")
            && warnings[0].contains(journal.to_str().expect("utf-8"))
            && warnings[0].contains(moved_to.to_str().expect("utf-8")),
        "{}",
        warnings[0]
    );
    let kept = std::fs::read_to_string(&moved_to).expect("damaged lines kept");
    let kept: Vec<&str> = kept.lines().collect();
    assert_eq!(kept, damaged, "every damaged line, as it was");
    let mode = std::fs::metadata(&moved_to)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // Said once: the next start finds a clean journal, and loses nothing more.
    let ran = home.run(&["jobs", "--all"], &[]);
    assert!(ran.ok() && ran.stdout.contains("job-a"), "{ran:?}");
    assert!(!ran.stderr.contains("damaged"), "{}", ran.stderr);
    let again = std::fs::read_to_string(&moved_to).expect("still there");
    assert_eq!(again.lines().count(), damaged.len());
}

#[test]
fn a_planted_temporary_file_link_does_not_redirect_the_compaction() {
    let home = Home::new();
    let journal = journal_with_a_job(&home);
    let victim = home.path("victim.txt");
    std::fs::write(&victim, "precious\n").expect("victim");
    symlink(&victim, &home.path("rh/state/jobs.jsonl.tmp"));
    let ran = home.run(&["jobs", "--all"], &[]);
    assert!(ran.ok(), "{ran:?}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    let meta = std::fs::symlink_metadata(&journal).expect("journal");
    assert!(meta.is_file(), "the journal is a regular file: {meta:?}");
    assert!(
        std::fs::read_to_string(&journal)
            .expect("journal")
            .contains("job-a")
    );
}

#[test]
fn a_symlinked_journal_is_refused_and_its_target_untouched() {
    let home = Home::new();
    let victim = home.path("victim.txt");
    std::fs::write(&victim, "precious\n").expect("victim");
    let journal = home.path("rh/state/jobs.jsonl");
    symlink(&victim, &journal);
    let ran = home.run(&["jobs"], &[]);
    let rm = format!("rm {}", journal.display());
    refused(&ran, &["job journal", "symbolic link", &rm]);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    assert!(
        std::fs::symlink_metadata(&journal)
            .expect("link")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_state_directory_others_can_write_is_refused_with_the_chmod() {
    let home = Home::new();
    let journal = journal_with_a_job(&home);
    let dir = journal.parent().expect("dir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    let ran = home.run(&["jobs"], &[]);
    refused(&ran, &[&format!("`chmod 700 {}`", dir.display())]);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    assert!(home.run(&["jobs"], &[]).ok());
}

#[test]
fn a_journal_others_can_read_is_made_private_and_that_is_said() {
    let home = Home::new();
    let journal = journal_with_a_job(&home);
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let ran = home.run(&["jobs"], &[]);
    assert!(ran.ok(), "{ran:?}");
    assert!(ran.stderr.contains("made it 600"), "{}", ran.stderr);
    let mode = std::fs::metadata(&journal)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

//! Text from the cloud or from a file never reaches the terminal raw: the real binary's
//! `list`, `plan`, `apply`, `jobs`, `jobs --watch`, `doctor` and error lines, against a
//! sandbox whose inventory carries terminal controls in every listed field, a journal
//! file with them, and a deliberately hostile service that answers with them.
//!
//! Each check is on the exact bytes written: valid UTF-8, no control but the line feed,
//! no DEL, no C1, no bidirectional control; and the escaped form is there to read.

use crate::support::client::*;
use crate::support::job_record;
use crate::support::pty;
use reimage::cloud::model::ServerKind;
use reimage::jobs::journal::Journal;
use reimage::jobs::record::{JobOperation, JobRecord};
use reimage::sandbox::{InventoryAssets, InventorySpec, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Output, Stdio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An OSC 52 clipboard write (`rm -rf ~`), then a screen clear and a cursor home.
const OSC52_CLEAR: &str = "\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\x1b[H";
const OSC52_CLEAR_SHOWN: &str = r"\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\x1b[H";

/// Where the first unsafe character is, if any: every C0 control but the line feed, DEL,
/// the C1 controls and the bidirectional controls (this test's own list, not the code's).
fn first_unsafe(bytes: &[u8]) -> Option<(usize, char)> {
    let text = std::str::from_utf8(bytes).expect("the output is valid UTF-8");
    text.char_indices().find(|&(_, c)| {
        (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[track_caller]
fn assert_inert(what: &str, bytes: &[u8]) {
    if let Some((at, c)) = first_unsafe(bytes) {
        let before = String::from_utf8_lossy(&bytes[..at]);
        let tail: String = before
            .chars()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!("{what}: raw {c:?} at byte {at}, after {tail:?}");
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Set `field` of the record whose `key` is `value`, in one asset file's JSON array.
fn poison(asset: &mut String, key: &str, value: &str, field: &str, to: &str) {
    let mut records: Vec<Value> = serde_json::from_str(asset).expect("asset JSON");
    let rec = records
        .iter_mut()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no record with {key} = {value}"));
    rec[field] = Value::from(to);
    *asset = serde_json::to_string(&records).expect("asset JSON");
}

const WEB01: &str = "c63956ad-ab84-5d96-ac1a-4e9ad82035cd";
const WEB03: &str = "a6bfe467-7569-5842-9abd-15e54e3eeb55";
const UBUNTU2004: &str = "684adc57-00b7-5637-84f6-2a9e4091714f";

/// The default inventory with terminal controls in names and fields of every kind.
fn hostile_inventory() -> InventoryAssets {
    let mut a = InventoryAssets::builtin();
    let ecs = &mut a.ecs_servers;
    poison(ecs, "id", WEB01, "name", &format!("web-01{OSC52_CLEAR}"));
    poison(ecs, "id", WEB01, "key_name", "kp\u{202E}nimda");
    poison(ecs, "id", WEB01, "ip", "192.168.0.10\u{9b}31m");
    poison(ecs, "name", "web-02", "status", "ACTIVE\x1b[5m");
    poison(
        ecs,
        "id",
        WEB03,
        "name",
        "web-03\x1b]0;owned\x07\u{2066}x\u{2069}",
    );
    let first_bms = serde_json::from_str::<Vec<Value>>(&a.bms_servers).expect("bms")[0]["name"]
        .as_str()
        .expect("name")
        .to_string();
    poison(
        &mut a.bms_servers,
        "name",
        &first_bms,
        "name",
        "bms\x7f\0\u{85}-01",
    );
    poison(
        &mut a.images,
        "id",
        UBUNTU2004,
        "name",
        "Ubuntu 20.04\u{9b}2J\x1b[8m",
    );
    poison(
        &mut a.images,
        "id",
        UBUNTU2004,
        "os_version",
        "Ubuntu\u{202E} 20.04",
    );
    let kp = &mut a.keypairs;
    poison(kp, "name", "kp-deploy", "fingerprint", "fa:55\x1b[2K");
    poison(kp, "name", "kp-deploy", "type", "ssh\u{9d}");
    poison(
        kp,
        "name",
        "kp-deploy",
        "name",
        "kp-deploy\u{2067}x\u{2069}\r",
    );
    a
}

async fn hostile_sandbox() -> Sandbox {
    sandbox_with(SandboxConfig {
        job_seconds: 0.2,
        inventory: InventorySpec::Custom(hostile_inventory()),
        ..SandboxConfig::default()
    })
    .await
}

/// The binary with keys for `url`, a temp home, and `stdin` piped in.
async fn reimage(home: &Path, url: &str, args: &[&str], stdin: &str) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home)
        .env("REIMAGE_METADATA_URL", "off")
        .env("HUAWEICLOUD_SDK_AK", reimage::sandbox::DEFAULT_AK)
        .env("HUAWEICLOUD_SDK_SK", reimage::sandbox::DEFAULT_SK)
        .env(
            "HUAWEICLOUD_SDK_PROJECT_ID",
            reimage::sandbox::DEFAULT_PROJECT_ID,
        )
        .args([
            "--endpoint",
            url,
            "--region",
            reimage::sandbox::DEFAULT_REGION,
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("runs");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.as_bytes()).await.expect("stdin");
    drop(pipe);
    child.wait_with_output().await.expect("ends")
}

/// Both streams inert; stdout and stderr together returned as text.
#[track_caller]
fn inert(what: &str, out: &Output) -> String {
    assert_inert(&format!("{what}: stdout"), &out.stdout);
    assert_inert(&format!("{what}: stderr"), &out.stderr);
    text(&out.stdout) + &text(&out.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_tables_show_hostile_fields_escaped() {
    let sb = hostile_sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let cases: [(&str, &[&str]); 4] = [
        (
            "servers",
            &[
                r"web-01\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\x1b[H",
                r"ACTIVE\x1b[5m",
                r"Ubuntu 20.04\x9b2J\x1b[8m",
                r"192.168.0.10\x9b31m",
                r"kp\u{202e}nimda",
            ],
        ),
        ("bms", &[r"bms\x7f\x00\x85-01"]),
        (
            "images",
            &[r"Ubuntu 20.04\x9b2J\x1b[8m", r"Ubuntu\u{202e} 20.04"],
        ),
        (
            "keypairs",
            &[r"kp-deploy\u{2067}x\u{2069}\r", r"ssh\x9d", r"fa:55\x1b[2K"],
        ),
    ];
    for (what, shown) in cases {
        let out = reimage(home.path(), &sb.url, &["list", what], "").await;
        let all = inert(&format!("list {what}"), &out);
        assert!(out.status.success(), "{all}");
        for s in shown {
            assert!(all.contains(s), "list {what} shows {s}:\n{all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_escapes_hostile_fields_and_parses_back_to_them() {
    let sb = hostile_sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let cases = [
        ("servers", "name", format!("web-01{OSC52_CLEAR}")),
        ("servers", "key_name", "kp\u{202E}nimda".to_string()),
        ("bms", "name", "bms\x7f\0\u{85}-01".to_string()),
        ("images", "name", "Ubuntu 20.04\u{9b}2J\x1b[8m".to_string()),
        (
            "keypairs",
            "name",
            "kp-deploy\u{2067}x\u{2069}\r".to_string(),
        ),
        ("keypairs", "fingerprint", "fa:55\x1b[2K".to_string()),
    ];
    for (what, field, raw) in cases {
        let out = reimage(
            home.path(),
            &sb.url,
            &["list", what, "--format", "json"],
            "",
        )
        .await;
        let all = inert(&format!("list {what} --format json"), &out);
        assert!(out.status.success(), "{all}");
        let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        assert!(
            v.as_array()
                .expect("array")
                .iter()
                .any(|r| r[field].as_str() == Some(&raw)),
            "list {what}: a {field} parses back to {raw:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_apply_show_the_hostile_server_escaped_and_confirm_as_shown() {
    let sb = hostile_sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let shown_name = r"web-03\x1b]0;owned\x07\u{2066}x\u{2069}";
    let plan = ["plan", "--server", WEB03, "--reinstall", "--password-stdin"];
    let out = reimage(home.path(), &sb.url, &plan, "Str0ng!Pass9\n").await;
    let all = inert("plan", &out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(shown_name), "{all}");
    assert!(all.contains(r"Ubuntu 20.04\x9b2J\x1b[8m"), "{all}");

    let json_plan = [&plan[..], &["--format", "json"]].concat();
    let out = reimage(home.path(), &sb.url, &json_plan, "Str0ng!Pass9\n").await;
    let all = inert("plan --format json", &out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {all}"));
    assert_eq!(
        v["server"]["name"],
        "web-03\x1b]0;owned\x07\u{2066}x\u{2069}"
    );

    // The prompt names the server as shown, and typing what is shown confirms.
    let apply = [
        "--write",
        "apply",
        "--server",
        WEB03,
        "--reinstall",
        "--password-stdin",
    ];
    let out = reimage(
        home.path(),
        &sb.url,
        &apply,
        &format!("Str0ng!Pass9\n{shown_name}\n"),
    )
    .await;
    let all = inert("apply", &out);
    assert!(out.status.success(), "{all}");
    assert!(
        text(&out.stderr).contains(&format!("system disk of {shown_name}. Type")),
        "{all}"
    );
    assert_eq!(op_count(&sb, "ecs.reinstallos.v2"), 1, "{all}");
}

/// A deliberately hostile service: every request gets the same answer.
async fn hostile_service(status: u16, content_type: &'static str, body: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                // Read the request head; these tests send no request bodies.
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 {status} Hostile\r\ncontent-type: {content_type}\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.write_all(&body).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_codes_messages_and_raw_bodies_are_printed_escaped() {
    let home = tempfile::tempdir().expect("tmp");
    let json_body = json!({"error": {
        "code": "Ecs.0005\x1b[2J",
        "message": format!("bad{OSC52_CLEAR}\u{9b}31m\u{202E}txt.exe\r\nhint: fake"),
    }});
    let url = hostile_service(400, "application/json", json_body.to_string().into_bytes()).await;
    let out = reimage(home.path(), &url, &["list", "servers"], "").await;
    let all = inert("JSON error body", &out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let want =
        format!(r"Ecs.0005\x1b[2J: bad{OSC52_CLEAR_SHOWN}\x9b31m\u{{202e}}txt.exe\r\nhint: fake");
    assert!(all.contains(&want), "{want}\n{all}");
    assert!(
        !all.lines().any(|l| l.starts_with("hint: fake")),
        "a line break in a message cannot fake an output line:\n{all}"
    );

    let html = b"<html>\x1b]0;owned\x07\r\n\x1b[2J\xc2\x9b31mdown\x7f</html>".to_vec();
    let url = hostile_service(400, "text/html", html).await;
    let out = reimage(home.path(), &url, &["list", "images"], "").await;
    let all = inert("raw error body", &out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(r"<html>\x1b]0;owned\x07\r\n\x1b[2J\x9b31mdown\x7f</html>"),
        "{all}"
    );

    // doctor echoes each service's answer.
    let out = reimage(home.path(), &url, &["doctor"], "").await;
    let all = inert("doctor", &out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains(r"FAIL  ecs"), "{all}");
    assert!(all.contains(r"\x1b]0;owned\x07"), "{all}");
}

fn hostile_record(job_id: &str) -> JobRecord {
    let name = format!("web-01{OSC52_CLEAR}");
    job_record::submitted(
        job_id,
        ServerKind::Ecs,
        JobOperation::ReinstallOs,
        (WEB01, &name),
    )
    .route("v2")
    .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_listing_and_watch_print_hostile_journal_and_job_text_escaped() {
    let home = tempfile::tempdir().expect("tmp");
    let job_id = "ff80808a8f2b1c0e018f3a5d2e7b0001";
    {
        let (j, _) = Journal::open(home.path().join("state/jobs.jsonl")).expect("journal");
        j.record_submitted(&hostile_record(job_id)).expect("record");
    }
    // The journal is a file: its server name is shown escaped, and parses back in JSON.
    let url = "http://127.0.0.1:9"; // the listing needs no service
    let out = reimage(home.path(), url, &["jobs"], "").await;
    let all = inert("jobs", &out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(&format!("web-01{OSC52_CLEAR_SHOWN}")), "{all}");
    let out = reimage(home.path(), url, &["jobs", "--format", "json"], "").await;
    let all = inert("jobs --format json", &out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {all}"));
    assert_eq!(v[0]["server_name"], format!("web-01{OSC52_CLEAR}"));

    // The service says the job failed, in hostile words, with a hostile sub job.
    let job = json!({
        "job_id": job_id,
        "job_type": "rebuildServer",
        "status": "FAIL",
        "error_code": "Ecs.0100\x1b[2J",
        "fail_reason": format!("disk{OSC52_CLEAR}\u{202E}"),
        "entities": {"sub_jobs": [{
            "job_id": "sub\u{9b}1",
            "status": "FAIL\x07",
            "error_code": "Ecs.9\x1b[1A",
            "fail_reason": "why\u{2068}",
            "entities": {"server_id": "srv\x1b[K"},
        }]},
    });
    let url = hostile_service(200, "application/json", job.to_string().into_bytes()).await;
    let out = reimage(home.path(), &url, &["jobs", "--watch"], "").await;
    let all = inert("jobs --watch", &out);
    assert_eq!(out.status.code(), Some(1), "the job failed:\n{all}");
    for shown in [
        &format!("web-01{OSC52_CLEAR_SHOWN}")[..],
        r"Ecs.0100\x1b[2J",
        &format!(r"disk{OSC52_CLEAR_SHOWN}\u{{202e}}"),
        r"sub job sub\x9b1 server srv\x1b[K  FAIL\x07  Ecs.9\x1b[1A why\u{2068}",
    ] {
        assert!(all.contains(shown), "{shown}\n{all}");
    }
}

/// A home whose path carries controls, with a config.toml holding the sandbox's secret
/// key readable by others: reimage warns about it, naming the path.
fn readable_config_home(tmp: &Path, sb: &Sandbox) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let home = tmp.join("home\x1b]0;owned\x07\u{202E}");
    std::fs::create_dir(&home).expect("dir");
    let config = home.join("config.toml");
    let profile = format!(
        "default_profile = \"a\"\n[profiles.a]\naccess_key = \"{}\"\nsecret_key = \"{}\"\n",
        sb.ak, sb.sk
    );
    std::fs::write(&config, profile).expect("config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    home
}

const HOSTILE_PATH_SHOWN: &str = r"home\x1b]0;owned\x07\u{202e}/config.toml holds a secret key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_naming_a_hostile_path_are_escaped() {
    let sb = hostile_sandbox().await;
    let tmp = tempfile::tempdir().expect("tmp");
    let home = readable_config_home(tmp.path(), &sb);
    let out = reimage(&home, &sb.url, &["list", "keypairs"], "").await;
    let all = inert("note about a readable config", &out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(HOSTILE_PATH_SHOWN), "{all}");
}

#[test]
fn the_tui_prints_its_start_warnings_escaped() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sb = rt.block_on(hostile_sandbox());
    let tmp = tempfile::tempdir().expect("tmp");
    let home = readable_config_home(tmp.path(), &sb);
    let h = home.to_str().expect("UTF-8 path");
    let env = [
        ("REIMAGE_HOME", h),
        ("HOME", h),
        ("REIMAGE_METADATA_URL", "off"),
        ("NO_COLOR", "1"),
    ];
    let args = ["--endpoint", &sb.url, "--region", &sb.region];
    let mut pty = pty::Pty::spawn(&args, &env, 160, 40);
    pty.wait_for("api-01", std::time::Duration::from_secs(30));
    pty.send("q");
    assert!(pty.wait_exit(std::time::Duration::from_secs(30)).is_some());
    // The TUI writes its own escape sequences: look for the injected ones only.
    let raw = pty.raw_output();
    let has = |needle: &str| raw.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!has("\x1b]0;owned") && !has("\u{202E}"), "{}", text(&raw));
    assert!(has(HOSTILE_PATH_SHOWN), "{}", text(&raw));
}

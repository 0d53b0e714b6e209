//! The scriptable faces speak flags and commands: `reimage stop`, `--change-to` by name,
//! each command's own `--help`, unknown regions, fix texts without keys, and a built-in
//! sandbox that keeps its servers and jobs across runs. The real binary, `--sandbox`, a
//! temporary home.

use crate::support::deadline::run_on_sandbox;
use std::path::Path;
use std::process::{Output, Stdio};
use tokio::io::AsyncWriteExt;

async fn run(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.as_bytes()).await.expect("write stdin");
    drop(pipe);
    child.wait_with_output().await.expect("ends")
}

async fn sandbox(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut all = vec!["--sandbox"];
    all.extend_from_slice(args);
    run(home, &all, stdin, &[]).await
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn change_to_takes_a_unique_name_and_says_what_else_to_pass() {
    let home = tempfile::tempdir().expect("tmp");
    let p = home.path();
    let plan = |image: &'static str| {
        let args = [
            "plan",
            "--server",
            "web-03",
            "--change-to",
            image,
            "--keypair",
            "kp-admin",
        ];
        async move { sandbox(p, &args, "").await }
    };
    let out = plan("Ubuntu 22.04 server 64bit").await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        text(&out.stdout).contains("9c237b29-11fa-5e75-8317-1a32160370e7"),
        "{}",
        both(&out)
    );
    // Not a whole name: the names that contain it, with their ids; never "not a UUID".
    let out = plan("Ubuntu").await;
    assert!(!out.status.success());
    let said = both(&out);
    assert!(!said.contains("UUID"), "{said}");
    assert!(
        said.contains("no image has the id or the name \"Ubuntu\""),
        "{said}"
    );
    assert!(
        said.contains("9c237b29-11fa-5e75-8317-1a32160370e7  Ubuntu 22.04 server 64bit"),
        "{said}"
    );
    let out = plan("no-such-image-anywhere").await;
    assert!(both(&out).contains("reimage list images"), "{}", both(&out));
}

#[tokio::test]
async fn fixes_name_flags_and_commands_never_keys() {
    let home = tempfile::tempdir().expect("tmp");
    let p = home.path();
    // A running BMS must be stopped; a running ECS needs --stop.
    let bms = [
        "plan",
        "--server",
        "bms-hpc-01",
        "--change-to",
        "Ubuntu 22.04 server 64bit for BareMetal",
        "--keypair",
        "kp-bms",
    ];
    let ecs = [
        "plan",
        "--server",
        "web-01",
        "--change-to",
        "Ubuntu 22.04 server 64bit",
        "--keypair",
        "kp-admin",
        "--format",
        "json",
    ];
    let mut said = String::new();
    for args in [&bms[..], &ecs[..]] {
        let out = sandbox(p, args, "").await;
        assert!(!out.status.success());
        said += &both(&out);
    }
    assert!(said.contains("`reimage stop bms-hpc-01`"), "{said}");
    assert!(
        said.contains("pass --stop, or run `reimage stop web-01` first"),
        "{said}"
    );
    // Errors of every face that speaks to scripts: not one key to press.
    let runs: [&[&str]; 5] = [
        &["list", "nothing"],
        &["jobs", "--watch"],
        &["stop", "web-03", "--yes"],
        &["apply", "--server", "bms-hpc-01", "--reinstall", "--yes"],
        &["doctor"],
    ];
    for args in runs {
        said += &both(&sandbox(p, args, "").await);
    }
    said += &both(&run(p, &["doctor"], "", &[]).await);
    said += &both(&run(p, &["list", "servers"], "", &[]).await);
    assert!(!said.to_lowercase().contains("press"), "{said}");
}

#[tokio::test]
async fn stop_confirms_sends_once_per_server_and_journals_the_jobs() {
    let home = tempfile::tempdir().expect("tmp");
    let p = home.path();
    // A wrong confirmation sends nothing.
    let out = sandbox(p, &["stop", "web-01", "web-02"], "web-01\n").await;
    assert!(!out.status.success());
    assert!(both(&out).contains("nothing was sent"), "{}", both(&out));
    let out = sandbox(p, &["stop", "web-01", "web-02", "--hard"], "2\n").await;
    assert!(out.status.success(), "{}", both(&out));
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{}", both(&out));
    assert!(text(&out.stderr).contains("HARD"), "{}", both(&out));
    // What the service was asked: the kept sandbox state records each stop's type.
    let kept = std::fs::read_to_string(p.join("rh/cache/sandbox.json")).expect("sandbox state");
    let kept: serde_json::Value = serde_json::from_str(&kept).expect("json");
    for name in ["web-01", "web-02"] {
        let server = kept["servers"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["name"] == name))
            .unwrap_or_else(|| panic!("{name} in {kept}"));
        assert_eq!(server["last_stop_type"], "HARD", "{name}");
    }
    let journal = std::fs::read_to_string(p.join("rh/state/jobs.jsonl")).expect("journal");
    for id in &ids {
        assert!(journal.contains(id.as_str()), "{journal}");
    }
    // A stopped server is said, with nothing to do; an open job refuses a second stop.
    let out = sandbox(p, &["stop", "web-03", "--yes"], "").await;
    assert!(!out.status.success());
    assert!(
        both(&out).contains("web-03 is SHUTOFF, not running"),
        "{}",
        both(&out)
    );
    let out = sandbox(p, &["stop", "web-01", "--yes"], "").await;
    assert!(!out.status.success());
}

#[tokio::test]
async fn help_lists_own_options_then_client_then_global() {
    let home = tempfile::tempdir().expect("tmp");
    let out = run(home.path(), &["sandbox", "--help"], "", &[]).await;
    let help = text(&out.stdout);
    assert!(help.contains("--listen"), "{help}");
    for client in [
        "--read-only",
        "--write",
        "--insecure",
        "--ca-file",
        "--endpoint",
        "--profile",
    ] {
        assert!(
            !help.contains(client),
            "{client} in sandbox --help:\n{help}"
        );
    }
    assert!(
        help.contains("Global options:\n      --log-level"),
        "{help}"
    );
    let out = run(home.path(), &["plan", "--help"], "", &[]).await;
    let help = text(&out.stdout);
    let own = help.find("--change-to").expect("own option");
    let client = help.find("Client options:").expect("client heading");
    let global = help.find("Global options:").expect("global heading");
    assert!(own < client && client < global, "{help}");
    assert!(help[client..global].contains("--read-only"), "{help}");
    // Client options before a command that takes none are refused, not ignored.
    let out = run(home.path(), &["--insecure", "sandbox", "--reset"], "", &[]).await;
    assert!(!out.status.success());
    assert!(both(&out).contains("--insecure"), "{}", both(&out));
    // ... and still accepted before a client command.
    let out = run(
        home.path(),
        &["--sandbox", "list", "keypairs", "--read-only"],
        "",
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", both(&out));
}

#[tokio::test]
async fn an_unknown_region_is_an_error_naming_the_known_ones() {
    let home = tempfile::tempdir().expect("tmp");
    let keys = [
        ("HUAWEICLOUD_SDK_AK", "HPUAEXAMPLEKEY000001"),
        ("HUAWEICLOUD_SDK_SK", "example-secret-key-0001"),
    ];
    let out = run(
        home.path(),
        &["list", "servers", "--region", "nowhere-1"],
        "",
        &keys,
    )
    .await;
    assert!(!out.status.success());
    let said = both(&out);
    assert!(said.contains("unknown region \"nowhere-1\""), "{said}");
    assert!(
        said.contains("ap-southeast-3") && said.contains("cn-north-4"),
        "{said}"
    );
    let out = sandbox(
        home.path(),
        &["list", "servers", "--region", "nowhere-1"],
        "",
    )
    .await;
    assert!(!out.status.success());
    assert!(
        both(&out).contains("serves one region, ap-southeast-3"),
        "{}",
        both(&out)
    );
}

#[tokio::test]
async fn doctor_says_what_to_set_and_checks_what_the_tui_checks() {
    let home = tempfile::tempdir().expect("tmp");
    let p = home.path();
    let out = run(p, &["doctor"], "", &[]).await;
    let said = both(&out);
    assert!(!out.status.success());
    assert!(said.contains("HUAWEICLOUD_SDK_AK"), "{said}");
    assert!(!said.contains("run `reimage doctor`"), "{said}");
    std::fs::create_dir_all(p.join("rh")).expect("dir");
    std::fs::write(
        p.join("rh/config.toml"),
        "bulk_concurrency = 0\n[keys]\nrefresh = [\"nope-key\"]\n",
    )
    .expect("config");
    let out = sandbox(p, &["doctor"], "").await;
    let said = both(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("FAIL  settings"), "{said}");
}

#[tokio::test]
async fn the_sandbox_keeps_servers_and_jobs_across_runs_until_reset() {
    let home = tempfile::tempdir().expect("tmp");
    let p = home.path();
    let args = [
        "apply",
        "--server",
        "web-03",
        "--change-to",
        "Ubuntu 24.04 server 64bit",
        "--password-stdin",
        "--yes",
    ];
    let out = sandbox(p, &args, "Str0ng!Pass9\n").await;
    assert!(out.status.success(), "{}", both(&out));
    let job = text(&out.stdout).trim().to_string();
    // Another process, another sandbox: the job goes on there and ends in SUCCESS.
    let out = sandbox(p, &["jobs", "--watch"], "").await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        text(&out.stdout).contains(&format!("{job}  web-03  change OS v2  SUCCESS")),
        "{}",
        both(&out)
    );
    let out = sandbox(p, &["list", "servers", "--format", "json"], "").await;
    let servers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let web03 = servers
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "web-03"))
        .cloned()
        .expect("web-03");
    assert_eq!(web03["status"], "ACTIVE", "{web03}");
    assert!(
        web03.to_string().contains("Ubuntu 24.04 server 64bit"),
        "{web03}"
    );
    let state = p.join("rh/cache/sandbox.json");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&state)
        .expect("kept")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A damaged file is a warning and a fresh start.
    std::fs::write(&state, "{not json").expect("damage");
    let out = sandbox(p, &["list", "servers"], "").await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(both(&out).contains("cannot be used"), "{}", both(&out));
    let out = run(p, &["sandbox", "--reset"], "", &[]).await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(!state.exists());
}

#[tokio::test]
async fn jobs_show_lost_and_a_finished_jobs_own_duration() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("rh/state");
    std::fs::create_dir_all(&dir).expect("dir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        home.path().join("rh"),
        std::fs::Permissions::from_mode(0o700),
    )
    .expect("mode");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("mode");
    // An hour ago, 11 s long: its ELAPSED must stay 11s, not run to now.
    let rfc = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .expect("whole seconds")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats")
    };
    let start = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let (submitted, updated) = (rfc(start), rfc(start + time::Duration::seconds(11)));
    let line = |id: &str, state: &str, code: Option<&str>, reason: Option<&str>| {
        serde_json::json!({"event": "submitted",
            "job_id": id, "kind": "Ecs", "operation": "stop", "server_id": id,
            "server_name": "web-01", "submitted_at": submitted, "state": state,
            "error_code": code, "fail_reason": reason, "updated_at": updated})
        .to_string()
    };
    let journal = [
        line(
            "j-lost",
            "LOST",
            Some("Common.0011"),
            Some("the service does not know this job (Common.0011: gone)"),
        ),
        line("j-ok", "SUCCESS", None, None),
    ]
    .join("\n");
    std::fs::write(dir.join("jobs.jsonl"), journal + "\n").expect("journal");
    let out = run(home.path(), &["jobs", "--all"], "", &[]).await;
    let table = text(&out.stdout);
    let lost = table
        .lines()
        .find(|l| l.starts_with("j-lost"))
        .unwrap_or_else(|| panic!("{}", both(&out)));
    assert!(lost.contains(" LOST "), "{lost}");
    assert_eq!(lost.matches("Common.0011").count(), 1, "{lost}");
    assert!(lost.contains(" 11s "), "{lost}");
}

/// A change answered 500 with a body is described from that body: the service's code and
/// message, and a hint that the service failed (it may still have acted), not that no
/// answer came back.
#[tokio::test]
async fn a_500_with_a_body_is_described_from_the_body() {
    use reimage::sandbox::{FaultSpec, Faults, SandboxConfig};
    let sb = reimage::sandbox::start(SandboxConfig {
        faults: Faults {
            global: FaultSpec::default(),
            operations: [(
                "ecs.action".to_string(),
                FaultSpec {
                    error_500: 1.0,
                    ..FaultSpec::default()
                },
            )]
            .into(),
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let home = tempfile::tempdir().expect("tmp");
    let out = run_on_sandbox(home.path(), &sb, &["stop", "web-01", "--yes"], "").await;
    assert!(!out.ok());
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("Common.0001: System exception."), "{said}");
    assert!(
        said.contains("the service failed while taking the request"),
        "{said}"
    );
    assert!(!said.contains("no answer came back"), "{said}");
    let sent = sb.counters().by_operation.get("ecs.action").copied();
    assert_eq!(sent, Some(1), "sent once");
}

/// Two images share a name: `--change-to NAME` lists both ids and sends nothing.
#[tokio::test]
async fn a_name_two_images_share_lists_their_ids() {
    use reimage::sandbox::{InventoryAssets, InventorySpec, SandboxConfig};
    let mut assets = InventoryAssets::builtin();
    let mut images: Vec<serde_json::Value> = serde_json::from_str(&assets.images).expect("images");
    let twin = "2b831177-91cc-52bd-afd8-133ae7ec6d5a";
    for i in images.iter_mut().filter(|i| i["id"] == twin) {
        i["name"] = "Ubuntu 22.04 server 64bit".into();
    }
    assets.images = serde_json::to_string(&images).expect("json");
    let sb = reimage::sandbox::start(SandboxConfig {
        inventory: InventorySpec::Custom(assets),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let home = tempfile::tempdir().expect("tmp");
    let args = [
        "plan",
        "--server",
        "web-03",
        "--change-to",
        "Ubuntu 22.04 server 64bit",
        "--keypair",
        "kp-admin",
    ];
    let out = run_on_sandbox(home.path(), &sb, &args, "").await;
    assert!(!out.ok());
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("2 images are named \"Ubuntu 22.04 server 64bit\""),
        "{said}"
    );
    assert!(
        said.contains(twin) && said.contains("9c237b29-11fa-5e75-8317-1a32160370e7"),
        "{said}"
    );
}

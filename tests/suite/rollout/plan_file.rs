//! `reimage plan --out FILE` and `reimage apply --plan FILE`, the real binary against an
//! in-process sandbox: the file holds no secret, applying it sends exactly its bodies (the
//! sandbox keeps the SHA-256 of each body it accepted), and a plan whose server changed
//! since is refused without sending anything.

use crate::support::client::sandbox_with;
use crate::support::deadline::{Ran, run_on_sandbox};
use reimage::sandbox::{Sandbox, SandboxConfig};
use sha2::Digest;
use std::path::Path;

const PASSWORD: &str = "Str0ng!Pa\"ss9";
const WEB_03: &str = "a6bfe467-7569-5842-9abd-15e54e3eeb55";
const GITLAB: &str = "797c2177-e9c8-5e1f-a2ac-2a500e4e0402";

fn requests(sb: &Sandbox, id: &str) -> u64 {
    sb.server_state(id).expect("server")["os_requests"]
        .as_u64()
        .expect("count")
}

async fn plan(home: &Path, sb: &Sandbox, file: &Path, servers: &[&str]) -> Ran {
    let file = file.to_str().expect("utf-8");
    let mut args = vec!["plan"];
    for s in servers {
        args.extend(["--server", s]);
    }
    args.extend(["--reinstall", "--password-stdin", "--out", file]);
    run_on_sandbox(home, sb, &args, &format!("{PASSWORD}\n")).await
}

/// `apply --plan FILE`, the password on stdin, confirmed.
async fn apply_plan(home: &Path, sb: &Sandbox, file: &Path) -> Ran {
    let file = file.to_str().expect("utf-8");
    let args = ["apply", "--plan", file, "--password-stdin", "--yes"];
    run_on_sandbox(home, sb, &args, &format!("{PASSWORD}\n")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_file_holds_no_secret_and_apply_sends_exactly_its_bodies() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.5,
        ..SandboxConfig::default()
    })
    .await;
    let home = tempfile::tempdir().expect("tmp");
    let file = home.path().join("reinstall.plan");
    let planned = plan(home.path(), &sb, &file, &["web-03", "gitlab-runner-01"]).await;
    assert!(planned.ok(), "{planned:?}");
    let text = std::fs::read_to_string(&file).expect("plan file");
    assert!(
        !text.contains("Str0ng"),
        "no secret in the plan file:\n{text}"
    );
    assert!(text.contains("<secret:adminpass>") && text.contains("\"hash\": \"sha256:"));
    assert_eq!(
        (requests(&sb, WEB_03), requests(&sb, GITLAB)),
        (0, 0),
        "plan sends nothing"
    );

    let plan: serde_json::Value = serde_json::from_str(&text).expect("json");
    let ran = apply_plan(home.path(), &sb, &file).await;
    assert!(ran.ok(), "{ran:?}");
    let password_json = serde_json::to_string(PASSWORD).expect("json string");
    for server in plan["servers"].as_array().expect("servers") {
        let id = server["id"].as_str().expect("id");
        let body = server["body"]
            .as_str()
            .expect("body")
            .replace("\"<secret:adminpass>\"", &password_json);
        let state = sb.server_state(id).expect("state");
        assert_eq!(state["os_requests"], 1, "{ran:?}");
        assert_eq!(
            state["last_os_body_sha256"].as_str(),
            Some(hex::encode(sha2::Sha256::digest(body.as_bytes())).as_str()),
            "the planned body, byte for byte"
        );
        assert_eq!(state["injected"], "password");
    }
    // Applied again, the plan is stale: the servers changed since.
    let again = apply_plan(home.path(), &sb, &file).await;
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.contains("stale"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_whose_server_changed_is_refused_without_sending_and_an_edit_is_caught() {
    let sb = sandbox_with(SandboxConfig {
        job_seconds: 0.5,
        ..SandboxConfig::default()
    })
    .await;
    let home = tempfile::tempdir().expect("tmp");
    let file = home.path().join("p.json");
    let planned = plan(home.path(), &sb, &file, &["web-03", "gitlab-runner-01"]).await;
    assert!(planned.ok(), "{planned:?}");
    // Someone reinstalls gitlab-runner-01 meanwhile.
    let other = run_on_sandbox(
        home.path(),
        &sb,
        &[
            "apply",
            "--server",
            "gitlab-runner-01",
            "--reinstall",
            "--password-stdin",
            "--yes",
            "--wait",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(other.ok(), "{other:?}");
    let ran = apply_plan(home.path(), &sb, &file).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("stale") && ran.stderr.contains("gitlab-runner-01"),
        "{ran:?}"
    );
    assert!(ran.stderr.contains("nothing was"), "{ran:?}");
    assert_eq!(
        requests(&sb, WEB_03),
        0,
        "nothing sent for the unchanged one either"
    );
    assert_eq!(requests(&sb, GITLAB), 1, "only the other reinstall");

    // An edited plan fails its hash.
    let text = std::fs::read_to_string(&file).expect("plan");
    std::fs::write(&file, text.replace("\"web-03\"", "\"web-3\"")).expect("edit");
    let edited = apply_plan(home.path(), &sb, &file).await;
    assert_eq!(edited.code, Some(1), "{edited:?}");
    assert!(edited.stderr.contains("hash does not match"), "{edited:?}");
    assert_eq!(requests(&sb, WEB_03), 0);
}

//! What `y` copies in the review of several servers is the reviewed request: run by a
//! shell against the same sandbox (as `reimage plan`, which sends nothing), it plans the
//! same servers, in the same order, with the same paths and the same bodies the TUI's
//! confirmation would send.
use crate::support::tui::live::Live;
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::tui::Command;

/// The copied line, as `plan` with the sandbox's endpoint, its output as `format`.
fn run_as_plan(live: &Live, line: &str, format: &str) -> std::process::Output {
    let rest = line
        .strip_prefix("reimage apply ")
        .unwrap_or_else(|| panic!("not an apply command: {line}"));
    let script =
        format!("\"$BIN\" --endpoint \"$URL\" --region \"$REGION\" plan {rest} --format {format}");
    let sb = &live.sandbox;
    let home = tempfile::tempdir().expect("tmp");
    std::process::Command::new("sh")
        .args(["-c", &script])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BIN", env!("CARGO_BIN_EXE_reimage"))
        .env("URL", &sb.url)
        .env("REGION", &sb.region)
        .env("HOME", home.path())
        .env("REIMAGE_HOME", home.path())
        .env("REIMAGE_METADATA_URL", "off")
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id)
        .output()
        .expect("sh runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copied_command_plans_exactly_the_reviewed_requests() {
    let mut live = Live::start(3.0).await;
    // Running servers (stop first ticked), a change to another image, by key pair.
    live.open_form_on(&["web-01", "web-02", "web-03"], 'c')
        .await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, "ubuntu 24.04");
        key(a, KeyCode::Enter);
        set_field(a, "Waves", "1,50%");
        set_field(a, "Max failed", "1");
        ctrl(a, 's')
    });
    let copied: Vec<String> = typing(&mut live.app, "y")
        .into_iter()
        .filter_map(|c| match c {
            Command::CopyToClipboard(t) => Some(t),
            _ => None,
        })
        .collect();
    let [line] = copied.as_slice() else {
        panic!("one copy: {copied:?}\n{}", screen(&live.app, 100, 30))
    };
    assert!(line.contains("--waves 1,50% --max-failures 1"), "{line}");
    // What the confirmation would send (not run: nothing goes to the sandbox).
    let mut cmds = typing(&mut live.app, "3");
    cmds.extend(key(&mut live.app, KeyCode::Enter));
    let order = cmds
        .into_iter()
        .find_map(|c| match c {
            Command::StartRollout(o) => Some(o),
            _ => None,
        })
        .expect("the rollout order");
    let out = run_as_plan(&live, line, "json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{line}\n{}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let planned: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(planned.len(), order.plans.len(), "{stdout}");
    for (p, cli) in order.plans.iter().zip(&planned) {
        assert_eq!(cli["server"]["id"], p.server_id.as_str(), "same order");
        assert_eq!(cli["path"], p.path.as_str());
        let body: serde_json::Value = serde_json::from_str(&p.masked_body()).expect("body");
        assert_eq!(cli["body"], body, "{}", p.server_name);
    }
    let table = run_as_plan(&live, line, "table");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("wave 1: web-01") && text.contains("wave 3: web-03"),
        "the same waves: {text}"
    );
    assert_eq!(live.os_requests(), 0, "nothing was sent");
}

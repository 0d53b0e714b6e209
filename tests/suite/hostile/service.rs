//! A hostile or broken service: requests and secrets go only where the user sent them,
//! and no answer can exhaust memory or time. The real binary (and the client, where a
//! setting must be lowered) against the front of `tests/hostile`.

use crate::support::hostile;
use crate::support::hostile::{Answer, GUARD_CODE, Hostile, guard, text};
use reimage::cloud::model::ServerKind;
use serde_json::json;

const PASSWORD: &str = "Str0ng!Pass7";

/// `apply` of a change that ops accepts on the sandbox's `web-03`.
const APPLY: [&str; 8] = [
    "apply",
    "--server",
    "web-03",
    "--change-to",
    "Ubuntu 22.04 server 64bit",
    "--password-stdin",
    "--yes",
    "--format=json",
];

fn stdin() -> String {
    format!("{PASSWORD}\n")
}

/// The host:port of a URL like `http://127.0.0.1:1234`.
fn host(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// The run failed, `op` was received once (not re-sent, not retried), nothing reached the
/// sink, and stderr says where the service pointed. Returns stderr.
fn assert_redirect_refused(h: &Hostile, out: &std::process::Output, op: &str) -> String {
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(h.sink.seen().is_empty(), "followed: {:?}", h.sink.seen());
    assert_eq!(h.count(op), 1, "{op} sent once: {err}");
    assert!(
        err.contains("redirect") && err.contains(host(&h.sink.url)),
        "says where the service pointed: {err}"
    );
    err
}

#[tokio::test]
async fn a_change_answered_307_is_not_resent_and_fails() {
    let h = Hostile::start().await;
    h.answer("ecs.changeos.v2", h.redirect_to_sink(307));
    let out = h.reimage(&APPLY, &stdin()).await;
    let err = assert_redirect_refused(&h, &out, "ecs.changeos.v2");
    assert!(err.contains("not accepted"), "{err}");
    assert!(h.journal().is_empty(), "no job: {:?}", h.journal());
}

#[tokio::test]
async fn a_cross_host_redirect_of_a_read_forwards_no_token() {
    let h = Hostile::start().await;
    h.answer("ecs.list", h.redirect_to_sink(302));
    let token = [("HUAWEICLOUD_SDK_SECURITY_TOKEN", "tok-never-elsewhere")];
    let out = h.reimage_with(&token, &["list", "servers"], "").await;
    assert_redirect_refused(&h, &out, "ecs.list");
}

/// Every redirect status, on a change, a read and the IAM project lookup, at the client.
#[tokio::test]
async fn no_redirect_status_is_followed_by_the_client() {
    let h = Hostile::start().await;
    let c = h.client().await;
    let server = c
        .list_servers(reimage::cloud::model::ServerKind::Ecs)
        .await
        .expect("servers")
        .into_iter()
        .find(|s| s.name == "web-03")
        .expect("web-03");
    let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", server.id);
    let body = json!({"os-change": {"adminpass": PASSWORD, "imageid": "x"}});
    for status in [301, 302, 303, 307, 308] {
        h.answer("ecs.changeos.v2", h.redirect_to_sink(status));
        h.answer("ims.list", h.redirect_to_sink(status));
        let e = c
            .submit_os_request(reimage::cloud::model::ServerKind::Ecs, &path, &body)
            .await
            .expect_err("a redirect is not an answer");
        assert_ne!(
            e.kind,
            reimage::cloud::ErrorKind::AmbiguousSend,
            "{status}: a redirect is a refusal, not an unknown outcome: {e}"
        );
        assert!(e.to_string().contains("redirect"), "{status}: {e}");
        let e = c
            .list_images(&Default::default())
            .await
            .expect_err("a redirect is not a listing");
        assert!(e.to_string().contains("redirect"), "{status}: {e}");
    }
    assert_eq!(h.count("ims.list"), 5, "no read retried a redirect");
    let mut settings = h.settings();
    settings.project_id = None;
    h.answer("iam.projects.list", h.redirect_to_sink(307));
    let e = reimage::cloud::Client::connect(settings)
        .await
        .expect_err("IAM redirected");
    assert!(e.to_string().contains("redirect"), "{e}");
    assert!(h.sink.seen().is_empty(), "followed: {:?}", h.sink.seen());
}

#[tokio::test]
async fn the_metadata_service_redirect_is_not_followed() {
    let h = Hostile::start().await;
    h.answer("metadata.securitykey", h.redirect_to_sink(302));
    let mut cmd = h.command();
    cmd.env("REIMAGE_METADATA_URL", &h.url)
        .env("HUAWEICLOUD_SDK_REGION", &h.sandbox.region)
        .args(["--endpoint", &h.url, "list", "servers"]);
    let out = hostile::run(cmd, "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(h.sink.seen().is_empty(), "followed: {:?}", h.sink.seen());
    assert!(h.count("metadata.securitykey") >= 1, "{err}");
    assert!(
        err.contains("REIMAGE_METADATA_URL"),
        "names the source: {err}"
    );
}

/// A case name, its environment, its flags, and the origin the error must name.
type OriginCase<'a> = (&'a str, Vec<(String, String)>, Vec<String>, &'a str);

/// Plain http to a host that is not loopback: refused before anything is sent, naming
/// where the endpoint came from and the fix. (`.invalid` never resolves: a refusal that
/// came too late would be a DNS error instead.)
#[tokio::test]
async fn plain_http_is_refused_off_loopback_naming_the_origin() {
    let h = Hostile::start().await;
    let far = "http://ecs.ap-southeast-3.example.invalid";
    let region = h.sandbox.region.to_ascii_uppercase().replace('-', "_");
    let env_name = format!("HUAWEICLOUD_SDK_REGION_ECS_{region}");
    let yaml = h.home().join("regions.yaml");
    std::fs::write(
        &yaml,
        format!("IMS:\n  - id: {}\n    endpoint: {far}\n", h.sandbox.region),
    )
    .expect("yaml");
    let cases: Vec<OriginCase> = vec![
        (
            "flag",
            vec![],
            vec!["--endpoint".into(), far.into()],
            "--endpoint",
        ),
        (
            "flag for one service",
            vec![],
            vec!["--endpoint".into(), format!("ecs={far}")],
            "--endpoint ecs=",
        ),
        (
            "environment",
            vec![(env_name.clone(), far.into())],
            vec![],
            &env_name,
        ),
        (
            "regions file",
            vec![(
                "HUAWEICLOUD_SDK_REGIONS_FILE".into(),
                yaml.display().to_string(),
            )],
            vec![],
            "regions.yaml",
        ),
        (
            "IAM variable",
            vec![(
                "HUAWEICLOUD_SDK_IAM_ENDPOINT".into(),
                "http://iam.example.invalid".into(),
            )],
            vec![],
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
        ),
    ];
    for (name, env, flags, origin) in cases {
        let mut cmd = h.command();
        cmd.envs(h.credentials()).envs(env);
        cmd.args(&flags).args(["list", "images"]);
        let out = hostile::run(cmd, "").await;
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{name}: {err}");
        assert!(
            err.contains("http://") && err.contains("https://") && err.contains(origin),
            "{name}: names the endpoint, {origin:?} and the fix: {err}"
        );
        assert!(
            !err.contains("dns error"),
            "{name}: refused before sending: {err}"
        );
    }
    h.write_config(&format!("[profiles.far]\nendpoint = \"{far}\"\n"));
    let mut cmd = h.command();
    cmd.envs(h.credentials())
        .args(["--profile", "far", "list", "images"]);
    let out = hostile::run(cmd, "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("profile 'far'") && err.contains("config.toml") && err.contains("https://"),
        "{err}"
    );
}

#[tokio::test]
async fn doctor_fails_on_a_plain_http_endpoint() {
    let h = Hostile::start().await;
    let mut cmd = h.command();
    cmd.envs(h.credentials()).args([
        "--endpoint",
        "http://ecs.ap-southeast-3.example.invalid",
        "doctor",
    ]);
    let out = hostile::run(cmd, "").await;
    let report = text(&out.stdout);
    assert!(!out.status.success(), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("http://")),
        "{report}"
    );
    assert!(report.contains("https://"), "says the fix: {report}");
}

/// `HUAWEICLOUD_SDK_AK=` (set, empty) is a mistake to report, not "no credentials": nothing
/// is sent anywhere, the explicit endpoint is not traded for the sandbox.
#[tokio::test]
async fn an_empty_access_key_is_an_error_naming_it() {
    let h = Hostile::start().await;
    let empty = [("HUAWEICLOUD_SDK_AK", ""), ("HUAWEICLOUD_SDK_SK", "")];
    let out = h.reimage_with(&empty, &APPLY, &stdin()).await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("HUAWEICLOUD_SDK_AK"), "{err}");
    assert!(!err.contains("SANDBOX"), "{err}");
    assert!(h.seen().is_empty(), "nothing sent: {:?}", h.seen());
    assert!(h.journal().is_empty(), "{:?}", h.journal());
}

/// No credential source: an explicit `--endpoint` is not silently traded for the sandbox.
#[tokio::test]
async fn an_endpoint_without_credentials_is_an_error() {
    let h = Hostile::start().await;
    let mut cmd = h.command();
    cmd.args(["--endpoint", &h.url, "list", "servers"]);
    let out = hostile::run(cmd, "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(!err.contains("using the built-in SANDBOX"), "{err}");
    assert!(
        err.contains("--endpoint") && err.contains("credentials"),
        "{err}"
    );
}

/// One ECS server as the list gives it, smaller than any real one.
fn tiny_server(i: u64) -> serde_json::Value {
    json!({"id": format!("00000000-0000-0000-0000-{i:012}"), "name": format!("s{i}"), "status": "ACTIVE"})
}

#[tokio::test]
async fn a_page_with_more_items_than_asked_is_refused() {
    let h = Hostile::start().await;
    h.answer(
        "ecs.list",
        Answer::page_of("servers", &tiny_server(1), 1001, 1001),
    );
    let out = h.reimage(&["list", "servers"], "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("ECS") && err.contains("1001") && err.contains("1000"),
        "{err}"
    );
    h.answer(
        "ims.list",
        Answer::page_of("images", &json!({"id": "i", "name": "n"}), 501, 0),
    );
    let out = h.reimage(&["list", "images"], "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("IMS") && err.contains("501"), "{err}");
}

/// A service that claims a billion servers is refused at once, not paged.
#[tokio::test]
async fn a_claimed_billion_servers_is_refused_before_paging() {
    let h = Hostile::start().await;
    h.on(
        "ecs.list",
        guard(20, |_| {
            Answer::page_of("servers", &tiny_server(1), 1000, 1_000_000_000)
        }),
    );
    let out = h.reimage(&["list", "servers"], "").await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(!err.contains(GUARD_CODE), "paged: {err}");
    assert!(
        err.contains("ECS") && err.contains("1000000000") && err.contains("1000000"),
        "names the claim and the ceiling: {err}"
    );
    assert_eq!(h.count("ecs.list"), 1, "no page after the claim");
}

/// A body over the size limit, with its length declared or streamed: refused without
/// reading it all.
#[tokio::test]
async fn a_huge_body_is_refused() {
    let h = Hostile::start().await;
    for declared in [true, false] {
        h.answer(
            "ecs.list",
            Answer::Flood {
                prefix: br#"{"count":0,"servers":[]"#.to_vec(),
                item: vec![b' '; 64 * 1024],
                sep: Vec::new(),
                count: 1100,
                suffix: b"}".to_vec(),
                declared,
            },
        );
        let out = h.reimage(&["list", "servers"], "").await;
        let err = text(&out.stderr);
        assert!(!out.status.success(), "declared {declared}: {err}");
        assert!(
            err.contains("larger than") && err.contains("MiB"),
            "declared {declared}: {err}"
        );
    }
}

/// A body stalled under a large `Content-Length` ends after one timeout: a body that
/// stopped is not asked for again as if the connection had failed.
#[tokio::test]
async fn a_stalled_body_ends_after_one_timeout() {
    let h = Hostile::start().await;
    h.write_config("[profiles.quick]\ntimeout_secs = 2\n");
    h.answer(
        "ecs.list",
        Answer::Stall {
            // Large, yet under the size limit: it must be waited for, not refused.
            length: 32 << 20,
            first: br#"{"count":1,"servers":["#.to_vec(),
        },
    );
    let out = h
        .reimage(&["--profile", "quick", "list", "servers"], "")
        .await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert_eq!(h.count("ecs.list"), 1, "not retried: {err}");
}

/// The number after the last `-` of a marker (`img-7` -> 7), 0 without one.
fn marker_number(seen: &hostile::Seen) -> u64 {
    seen.param("marker")
        .and_then(|m| m.rsplit('-').next()?.parse().ok())
        .unwrap_or(0)
}

/// Pages that never end, each full and each new, on BMS (page numbers), IMS and KPS
/// (markers): every listing stops at the ceiling with an error naming it. The ceiling is
/// lowered to 5,000 records here; a guard ends code that would page on.
#[tokio::test]
async fn endless_pages_stop_at_the_record_ceiling() {
    let h = Hostile::start().await;
    h.on(
        "bms.list",
        guard(50, |_| {
            Answer::page_of("servers", &tiny_server(1), 1000, 1000)
        }),
    );
    h.on(
        "ims.list",
        guard(50, |seen| {
            let next = marker_number(seen) + 1;
            let limit: u64 = seen
                .param("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(1);
            // Each end of the id order gets its own endless ids: the two never meet.
            let end = seen.param("sort_dir").unwrap_or("asc");
            Answer::page_of(
                "images",
                &json!({"id": format!("img-{end}-{next}")}),
                limit,
                0,
            )
        }),
    );
    h.on(
        "kps.keypairs.list",
        guard(50, |seen| {
            let next = marker_number(seen) + 1;
            Answer::Flood {
                prefix: br#"{"keypairs":["#.to_vec(),
                item: br#"{"keypair":{"name":"k"}}"#.to_vec(),
                sep: b",".to_vec(),
                count: 1000,
                suffix: format!(r#"],"page_info":{{"next_marker":"m-{next}"}}}}"#).into_bytes(),
                declared: false,
            }
        }),
    );
    h.answer(
        "nova.keypairs.list",
        Answer::Json(200, json!({"keypairs": []})),
    );
    let mut settings = h.settings();
    settings.max_records = 5_000;
    let c = reimage::cloud::Client::connect(settings)
        .await
        .expect("connects");
    let e = c
        .list_servers(ServerKind::Bms)
        .await
        .expect_err("endless BMS");
    assert!(
        e.to_string().contains("BMS list") && e.to_string().contains("5000"),
        "{e}"
    );
    let e = c
        .list_images(&Default::default())
        .await
        .expect_err("endless IMS");
    assert!(
        e.to_string().contains("IMS") && e.to_string().contains("5000"),
        "{e}"
    );
    // One key-pair service failing leaves the other's list (here Nova's, empty).
    let keys = c.list_keypairs().await.expect("Nova's key pairs");
    assert!(keys.is_empty(), "{keys:?}");
    for (op, pages) in [("bms.list", 6), ("kps.keypairs.list", 6)] {
        assert_eq!(h.count(op), pages, "{op}: stopped past 5,000 records");
    }
    // IMS pages from both ends at once: the page past 5,000 ends the listing while the
    // other end may have one more in flight.
    let ims = h.count("ims.list");
    assert!(
        (11..=12).contains(&ims),
        "IMS: {ims} pages, past 5,000 records"
    );
}

/// At the client, the read timeout (not the whole one) ends a stalled body: 200 ms of
/// silence, while the whole request may take an hour. The guard only turns a missing read
/// timeout into a failure instead of an hour's hang; it measures nothing.
#[tokio::test]
async fn the_read_timeout_ends_a_stalled_body() {
    let hang_guard = std::time::Duration::from_secs(120);
    tokio::time::timeout(hang_guard, read_timeout_ends_a_stalled_body())
        .await
        .expect("the read timeout did not end the stalled body");
}

async fn read_timeout_ends_a_stalled_body() {
    let h = Hostile::start().await;
    h.answer(
        "ims.list",
        Answer::Stall {
            length: 1 << 20,
            first: br#"{"images":["#.to_vec(),
        },
    );
    let mut settings = h.settings();
    settings.timeout = std::time::Duration::from_secs(3600);
    settings.read_timeout = std::time::Duration::from_millis(200);
    let c = reimage::cloud::Client::connect(settings)
        .await
        .expect("connects");
    let e = c
        .list_images(&Default::default())
        .await
        .expect_err("stalled");
    assert_eq!(e.kind, reimage::cloud::ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("timed out reading the reply"), "{e}");
    assert_eq!(h.count("ims.list"), 1, "not retried");
}

/// The harness serves terminal control text in names, error codes and messages, and in
/// bodies that are not JSON; the client keeps it byte for byte (showing it safely is the
/// printing's job).
#[tokio::test]
async fn control_text_from_the_service_reaches_the_client_unchanged() {
    let h = Hostile::start().await;
    h.answer(
        "ecs.list",
        Answer::edited(|v| {
            for (s, name) in v["servers"]
                .as_array_mut()
                .expect("servers")
                .iter_mut()
                .zip(hostile::CONTROL_TEXTS)
            {
                s["name"] = json!(name);
            }
        }),
    );
    let c = h.client().await;
    let servers = c.list_servers(ServerKind::Ecs).await.expect("servers");
    for name in hostile::CONTROL_TEXTS {
        assert!(servers.iter().any(|s| s.name == name), "{name:?}");
    }
    let [esc, osc, ..] = hostile::CONTROL_TEXTS;
    h.answer("ims.list", Answer::error(400, esc, osc));
    let e = c.list_images(&Default::default()).await.expect_err("error");
    assert_eq!((e.code.as_deref(), e.message.as_str()), (Some(esc), osc));
    let page = format!("<html>{}</html>", hostile::CONTROL_TEXTS.concat());
    h.answer("ims.list", Answer::text(403, &page));
    let e = c.list_images(&Default::default()).await.expect_err("error");
    assert_eq!(e.message, page);
}

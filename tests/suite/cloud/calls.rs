//! Every client call against the sandbox over loopback HTTP.

use crate::support::client::*;
use reimage::cloud::model::{JobStatus, KeypairSource, ServerKind};
use reimage::cloud::{Client, ErrorKind, ImageQuery};
use reimage::config::{CredentialSource, Credentials, Secret};
use reimage::sandbox::{InventorySpec, SandboxConfig};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn lists_and_shows_servers_of_both_kinds() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    assert_eq!(c.context().project_id, sb.project_id);
    let ecs = c.list_servers(ServerKind::Ecs).await.expect("ecs list");
    assert!(!ecs.is_empty());
    assert!(
        ecs.iter()
            .all(|s| s.kind == ServerKind::Ecs && !s.id.is_empty())
    );
    assert!(
        ecs.iter()
            .all(|s| !s.tags.iter().any(|t| t == "__type_baremetal"))
    );
    let bms = c.list_servers(ServerKind::Bms).await.expect("bms list");
    assert!(!bms.is_empty());
    assert!(bms.iter().all(|s| s.kind == ServerKind::Bms));

    let one = c
        .show_server(ServerKind::Ecs, &ecs[0].id)
        .await
        .expect("show ecs");
    assert_eq!(
        (one.id.as_str(), one.kind),
        (ecs[0].id.as_str(), ServerKind::Ecs)
    );
    let one = c
        .show_server(ServerKind::Bms, &bms[0].id)
        .await
        .expect("show bms");
    assert_eq!(one.name, bms[0].name);

    let e = c
        .show_server(ServerKind::Ecs, "00000000-0000-4000-8000-000000000000")
        .await
        .expect_err("unknown");
    assert_eq!(
        (e.kind, e.code.as_deref(), e.status),
        (ErrorKind::Api, Some("Ecs.0114"), Some(404))
    );
    assert!(e.request_id.is_some(), "request id kept: {e}");
    assert!(e.hint().is_some());
    let e = c
        .show_server(ServerKind::Bms, "00000000-0000-4000-8000-000000000000")
        .await
        .expect_err("unknown");
    assert_eq!(e.code.as_deref(), Some("BMS.0040"));
}

#[tokio::test]
async fn streams_pages_in_order() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let mut pages = 0;
    let mut ids = Vec::new();
    let n = c
        .list_servers_pages(ServerKind::Ecs, |p| {
            pages += 1;
            ids.extend(p.into_iter().map(|s| s.id));
        })
        .await
        .expect("pages");
    assert_eq!(n, ids.len());
    assert!(pages >= 1);
}

#[tokio::test]
async fn paging_at_scale_fetches_ten_thousand_servers() {
    let sb = sandbox_with(SandboxConfig {
        inventory: InventorySpec::Generated {
            servers: 10_000,
            bms: 1_200,
            images: 1_100,
            keypairs: 120,
            seed: 7,
        },
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    let ecs = c.list_servers(ServerKind::Ecs).await.expect("ecs");
    assert_eq!(ecs.len(), 10_000);
    assert_eq!(
        ecs.iter()
            .map(|s| s.id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        10_000,
        "no page twice"
    );
    assert_eq!(op_count(&sb, "ecs.list"), 10, "10 pages of 1000");
    let bms = c.list_servers(ServerKind::Bms).await.expect("bms");
    assert_eq!(bms.len(), 1_200);
    assert_eq!(op_count(&sb, "bms.list"), 2);
    let all_images = c.list_images(&ImageQuery::default()).await.expect("images");
    assert_eq!(all_images.len(), 1_100);
    assert_eq!(
        all_images
            .iter()
            .map(|i| i.id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        1_100
    );
    // Pages of 500 from both ends of the id order: the first page, then one from each
    // end; a third when one end's page is read before the other's arrives.
    let ims = op_count(&sb, "ims.list");
    assert!((3..=4).contains(&ims), "{ims} pages of 500");
    let keys = c.list_keypairs().await.expect("keys");
    assert!(keys.len() >= 120, "{}", keys.len());
}

#[tokio::test]
async fn image_filters_reach_the_service() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let ecs = c
        .list_images(&ImageQuery::for_kind(ServerKind::Ecs))
        .await
        .expect("ecs images");
    assert!(!ecs.is_empty());
    assert!(
        ecs.iter()
            .all(|i| i.virtual_env_type == "FusionCompute" && i.status == "active")
    );
    let bms = c
        .list_images(&ImageQuery::for_kind(ServerKind::Bms))
        .await
        .expect("bms images");
    assert!(bms.iter().all(|i| i.virtual_env_type == "Ironic"));
    let name = ecs[0].name.clone();
    let by_name = c
        .list_images(&ImageQuery {
            name: Some(name.clone()),
            ..ImageQuery::default()
        })
        .await
        .expect("by name");
    assert!(!by_name.is_empty() && by_name.iter().all(|i| i.name == name));
    let gold = c
        .list_images(&ImageQuery {
            image_type: Some("gold".into()),
            ..ImageQuery::default()
        })
        .await
        .expect("gold");
    assert!(gold.iter().all(|i| i.image_type == "gold"));
    let paged = c
        .list_images(&ImageQuery {
            limit: Some(7),
            ..ImageQuery::default()
        })
        .await
        .expect("small pages");
    let all = c.list_images(&ImageQuery::default()).await.expect("all");
    assert_eq!(paged.len(), all.len(), "marker paging loses nothing");
}

#[tokio::test]
async fn keypairs_merge_nova_and_kps() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let keys = c.list_keypairs().await.expect("keys");
    assert!(!keys.is_empty());
    let names: HashSet<_> = keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names.len(), keys.len(), "merged by name");
    assert!(
        keys.iter()
            .any(|k| matches!(k.source, KeypairSource::Kps | KeypairSource::Both)),
        "KPS keys are listed"
    );
    assert_eq!(op_count(&sb, "nova.keypairs.list"), 1);
    assert!(op_count(&sb, "kps.keypairs.list") >= 1);
}

#[tokio::test]
async fn project_id_discovery_is_cached_per_ak_and_region() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = settings(&sb);
    s.project_id = None;
    s.project_cache = Some(dir.path().join("projects.json"));
    let c = Client::connect(s.clone()).await.expect("discovers");
    assert_eq!(c.context().project_id, sb.project_id);
    assert_eq!(c.context().project_origin, "discovered via IAM");
    assert_eq!(op_count(&sb, "iam.projects.list"), 1);
    let c = Client::connect(s.clone()).await.expect("cached");
    assert_eq!(
        (c.context().project_id.as_str(), c.context().project_origin),
        (sb.project_id.as_str(), "cached")
    );
    assert_eq!(
        op_count(&sb, "iam.projects.list"),
        1,
        "second connect used the cache"
    );
    assert!(
        !std::fs::read_to_string(dir.path().join("projects.json"))
            .expect("cache")
            .contains(&sb.ak)
    );
    c.list_servers(ServerKind::Ecs)
        .await
        .expect("works with the discovered id");

    s.region = Some("xx-nowhere-1".into());
    let e = Client::connect(s).await.expect_err("no such project");
    assert!(e.message.contains("xx-nowhere-1"), "{e}");
}

#[tokio::test]
async fn user_id_from_iam_then_configured_fallback() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    assert_eq!(c.user_id().await.expect("user id"), sb.user_id);
    assert_eq!(c.user_id().await.expect("cached"), sb.user_id);
    assert_eq!(op_count(&sb, "iam.credentials.show"), 1);

    // IAM failing: the configured user id is used; without one, the error says what to set.
    let always_500 = reimage::sandbox::Faults {
        global: Default::default(),
        operations: [(
            "iam.credentials.show".to_string(),
            reimage::sandbox::FaultSpec {
                error_500: 1.0,
                ..Default::default()
            },
        )]
        .into(),
    };
    sb.set_faults(always_500);
    let mut s = settings(&sb);
    s.user_id = Some("0123456789abcdef0123456789abcdef".into());
    let c = Client::connect(s.clone()).await.expect("connect");
    assert_eq!(
        c.user_id().await.expect("fallback"),
        "0123456789abcdef0123456789abcdef"
    );
    s.user_id = None;
    let c = Client::connect(s).await.expect("connect");
    let e = c.user_id().await.expect_err("no fallback");
    assert!(e.message.contains("user_id"), "{e}");
}

#[tokio::test]
async fn metadata_credentials_sign_with_security_token() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.credentials = Credentials::Metadata {
        url: sb.url.clone(),
        origin: "the test".into(),
    };
    s.source = CredentialSource::EcsMetadata(sb.url.clone());
    s.project_id = None;
    s.user_id = Some("configured-user".into());
    let c = Client::connect(s).await.expect("metadata keys work");
    assert_eq!(
        c.context().project_id,
        sb.project_id,
        "discovered with temporary keys"
    );
    assert!(c.list_servers(ServerKind::Ecs).await.expect("list").len() > 1);
    assert!(op_count(&sb, "metadata.securitykey") >= 1);
    assert!(op_count(&sb, "metadata.token") >= 1);
    assert_eq!(
        sb.counters().auth_failures,
        0,
        "every request carried the token"
    );
    assert_eq!(
        c.user_id().await.expect("user id of the temporary key"),
        sb.user_id
    );
    assert_eq!(
        c.context().source,
        CredentialSource::EcsMetadata(sb.url.clone())
    );
}

#[tokio::test]
async fn wrong_secret_is_apigw_0301_with_hint() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    if let Credentials::Static(k) = &mut s.credentials {
        k.sk = Secret::new("wrong-secret");
    }
    let c = Client::connect(s)
        .await
        .expect("connect needs no call when the project is known");
    let e = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect_err("bad signature");
    assert_eq!(
        (e.status, e.code.as_deref()),
        (Some(401), Some("APIGW.0301"))
    );
    assert!(e.hint().expect("hint").contains("clock"));
    assert_eq!(op_count(&sb, "ecs.list"), 1, "401 is not retried");
}

#[tokio::test]
async fn stop_and_jobs_on_both_services() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    for kind in [ServerKind::Ecs, ServerKind::Bms] {
        let servers = c.list_servers(kind).await.expect("list");
        let target = servers
            .iter()
            .find(|s| s.status == "ACTIVE" && s.task().is_none() && !s.locked)
            .expect("a running server");
        let job = c
            .stop_servers(kind, std::slice::from_ref(&target.id))
            .await
            .expect("stop accepted");
        assert!(!job.job_id.is_empty());
        let op = if kind == ServerKind::Ecs {
            "ecs.action"
        } else {
            "bms.action"
        };
        assert_eq!(op_count(&sb, op), 1);
        let mut last = c.show_job(kind, &job.job_id).await.expect("job");
        assert_eq!(last.job_id, job.job_id);
        for _ in 0..100 {
            if last.state().is_terminal() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            last = c.show_job(kind, &job.job_id).await.expect("job");
        }
        assert_eq!(last.state(), JobStatus::Success, "{last:?}");
        let after = c.show_server(kind, &target.id).await.expect("show");
        assert_eq!(after.status, "SHUTOFF");
    }
    let e = c
        .show_job(ServerKind::Ecs, "ffffffffffffffffffffffffffffffff")
        .await
        .expect_err("unknown job");
    assert!(matches!(e.status, Some(400..=499)), "{e}");
}

#[tokio::test]
async fn the_six_os_operations() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let pid = "{pid}";
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    assert!(ecs.len() >= 4, "need 4 eligible ECS");
    let v2_image = good_image(&c, ServerKind::Ecs, true).await;
    let pass = "Bl0ck!Quay7";
    let cases = [
        (
            format!("/v2/{pid}/cloudservers/{}/changeos", ecs[0].id),
            json!({"os-change": {"adminpass": pass, "imageid": v2_image.id, "mode": "withStopServer"}}),
            "ecs.changeos.v2",
        ),
        (
            format!("/v1/{pid}/cloudservers/{}/changeos", ecs[1].id),
            json!({"os-change": {"adminpass": pass, "imageid": v2_image.id, "mode": "withStopServer"}}),
            "ecs.changeos.v1",
        ),
        (
            format!("/v2/{pid}/cloudservers/{}/reinstallos", ecs[2].id),
            json!({"os-reinstall": {"adminpass": pass, "mode": "withStopServer"}}),
            "ecs.reinstallos.v2",
        ),
        (
            format!("/v1/{pid}/cloudservers/{}/reinstallos", ecs[3].id),
            json!({"os-reinstall": {"adminpass": pass, "mode": "withStopServer"}}),
            "ecs.reinstallos.v1",
        ),
    ];
    for (path, body, op) in &cases {
        let job = c
            .submit_os_request(ServerKind::Ecs, path, body)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        assert!(!job.job_id.is_empty());
        assert_eq!(op_count(&sb, op), 1, "{op} sent once");
    }
    // BMS must be stopped first; a password goes to Linux ones only (page 003: "Windows
    // images do not support password injection.").
    let bms: Vec<_> = eligible(&c.list_servers(ServerKind::Bms).await.expect("bms"))
        .into_iter()
        .filter(|s| s.os_type() != Some("Windows"))
        .collect();
    assert!(bms.len() >= 2, "need 2 eligible BMS");
    let running: Vec<String> = bms[..2]
        .iter()
        .filter(|s| s.status == "ACTIVE")
        .map(|s| s.id.clone())
        .collect();
    if !running.is_empty() {
        let stop = c
            .stop_servers(ServerKind::Bms, &running)
            .await
            .expect("stop");
        for _ in 0..100 {
            if c.show_job(ServerKind::Bms, &stop.job_id)
                .await
                .expect("job")
                .state()
                .is_terminal()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let bms_image = good_image(&c, ServerKind::Bms, true).await;
    let change = c
        .submit_os_request(
            ServerKind::Bms,
            &format!("/v1/{{project_id}}/baremetalservers/{}/changeos", bms[0].id),
            &json!({"os-change": {"adminpass": pass, "imageid": bms_image.id}}),
        )
        .await
        .expect("bms change (jobId)");
    assert!(!change.job_id.is_empty());
    let reinstall = c
        .submit_os_request(
            ServerKind::Bms,
            &format!("/v1/{pid}/baremetalservers/{}/reinstallos", bms[1].id),
            &json!({"os-reinstall": {"adminpass": pass}}),
        )
        .await
        .expect("bms reinstall");
    assert!(!reinstall.job_id.is_empty());
    assert_eq!(
        (
            op_count(&sb, "bms.changeos"),
            op_count(&sb, "bms.reinstallos")
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn os_request_errors_carry_codes_and_hints() {
    let sb = sandbox().await;
    let c = client(&sb).await;
    let ecs = eligible(&c.list_servers(ServerKind::Ecs).await.expect("ecs"));
    let image = good_image(&c, ServerKind::Ecs, true).await;
    let path = format!("/v2/{{pid}}/cloudservers/{}/changeos", ecs[0].id);
    let try_body = |body: serde_json::Value| {
        let c = c.clone();
        let path = path.clone();
        async move {
            c.submit_os_request(ServerKind::Ecs, &path, &body)
                .await
                .expect_err("rejected")
        }
    };
    let e = try_body(
        json!({"os-change": {"adminpass": "short", "imageid": image.id, "mode": "withStopServer"}}),
    )
    .await;
    assert_eq!(e.code.as_deref(), Some("Ecs.0011"));
    assert!(e.hint().expect("hint").contains("password"));
    let e = try_body(json!({"os-change": {"keyname": "no-such-key", "userid": sb.user_id, "imageid": image.id, "mode": "withStopServer"}})).await;
    assert_eq!(e.code.as_deref(), Some("Ecs.0314"));
    assert!(e.hint().is_some());
    let e =
        try_body(json!({"os-change": {"imageid": "not-a-uuid", "adminpass": "Bl0ck!Quay7"}})).await;
    assert_eq!(e.code.as_deref(), Some("Ecs.0005"));
    assert!(e.hint().is_some());
    let e = try_body(json!({"nothing": {}})).await;
    assert_eq!((e.kind, e.status), (ErrorKind::Api, Some(400)));
}

#[tokio::test]
async fn read_only_refuses_changes_without_sending() {
    let sb = sandbox().await;
    let mut s = settings(&sb);
    s.read_only = true;
    let c = Client::connect(s).await.expect("connect");
    let e = c
        .stop_servers(ServerKind::Ecs, &["x".into()])
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    let e = c
        .submit_os_request(
            ServerKind::Ecs,
            "/v2/{pid}/cloudservers/x/changeos",
            &json!({}),
        )
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    assert_eq!(sb.counters().requests_total, 0);
}

#[tokio::test]
async fn ecs_pages_after_the_first_are_fetched_in_parallel() {
    let sb = sandbox_with(SandboxConfig {
        inventory: InventorySpec::Generated {
            servers: 5_000,
            bms: 10,
            images: 10,
            keypairs: 5,
            seed: 3,
        },
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb).await;
    sb.set_faults(reimage::sandbox::Faults {
        global: reimage::sandbox::FaultSpec {
            latency_ms: 150,
            ..Default::default()
        },
        operations: Default::default(),
    });
    let mut sizes = Vec::new();
    let n = c
        .list_servers_pages(ServerKind::Ecs, |p| sizes.push(p.len()))
        .await
        .expect("pages");
    assert_eq!((n, sizes.len()), (5_000, 5));
    assert!(sb.counters().in_flight_max >= 2, "{:?}", sb.counters());
}

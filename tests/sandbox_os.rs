//! The six change/reinstall operations and the two stop actions: accepted requests, every
//! rule of API doc 12.1 rejected with its code, and the job lifecycle.

mod common;
use common::*;
use reimage::sandbox::Sandbox;
use serde_json::{Value, json};

const USER: &str = reimage::sandbox::DEFAULT_USER_ID;

fn os_path(sb: &Sandbox, api: &str, id: &str) -> String {
    let pid = &sb.project_id;
    match api {
        "ecs.changeos.v1" => format!("/v1/{pid}/cloudservers/{id}/changeos"),
        "ecs.changeos.v2" => format!("/v2/{pid}/cloudservers/{id}/changeos"),
        "ecs.reinstallos.v1" => format!("/v1/{pid}/cloudservers/{id}/reinstallos"),
        "ecs.reinstallos.v2" => format!("/v2/{pid}/cloudservers/{id}/reinstallos"),
        "bms.changeos" => format!("/v1/{pid}/baremetalservers/{id}/changeos"),
        "bms.reinstallos" => format!("/v1/{pid}/baremetalservers/{id}/reinstallos"),
        other => panic!("unknown api {other}"),
    }
}

async fn id_of(sb: &Sandbox, kind: &str, name: &str) -> String {
    server_named(sb, kind, name).await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn image_id(sb: &Sandbox, name: &str) -> String {
    image_named(sb, name).await["id"]
        .as_str()
        .unwrap_or_else(|| panic!("image {name}"))
        .to_string()
}

#[tokio::test]
async fn each_operation_is_accepted_with_its_response_key() {
    let sb = start().await;
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let legacy = image_id(&sb, "legacy-app-centos6").await;
    let bms_img = image_id(&sb, "EulerOS 2.9 64bit for BareMetal").await;
    let cases: Vec<(&str, &str, &str, Value, &str)> = vec![
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            json!({"os-change": {"keyname": "kp-admin", "userid": USER, "imageid": ubuntu, "metadata": {"user_data": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}}}),
            "job_id",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "db-replica-1",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": legacy}}),
            "job_id",
        ),
        // v1 with an image that has Cloud-Init: the real service accepts it.
        (
            "ecs.changeos.v1",
            "cloudservers",
            "db-replica-2",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": ubuntu, "isAutoPay": "true"}}),
            "job_id",
        ),
        (
            "ecs.reinstallos.v2",
            "cloudservers",
            "web-01",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass", "mode": "withStopServer"}}),
            "job_id",
        ),
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "legacy-centos6",
            json!({"os-reinstall": {"keyname": "kp-admin", "userid": USER}}),
            "job_id",
        ),
        // ERROR after a failed rebuild is accepted.
        (
            "ecs.reinstallos.v2",
            "cloudservers",
            "app-error-01",
            json!({"os-reinstall": {"keyname": "kp-account-shared", "userid": USER, "metadata": {"__system__encrypted": "1", "__system__cmkid": "0123456789abcdef0123456789abcdef0123", "BYOL": "true"}}}),
            "job_id",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"keyname": "kp-bms", "userid": USER, "imageid": bms_img}}),
            "jobId",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-arm-01",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
            "job_id",
        ),
    ];
    for (api, kind, name, body, key) in cases {
        let id = id_of(&sb, kind, name).await;
        let r = post(&sb, &os_path(&sb, api, &id), &body).await;
        assert_eq!(r.status, 200, "{api} on {name}: {}", r.text);
        let v = r.json();
        let other = if key == "jobId" { "job_id" } else { "jobId" };
        assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{api}: {v}");
        assert!(v.get(other).is_none(), "{api} must only answer {key}: {v}");
        let job = get(
            &sb,
            &format!(
                "/v1/{}/jobs/{}",
                sb.project_id,
                v[key].as_str().expect("id")
            ),
            &[],
        )
        .await;
        assert_eq!(job.status, 200, "{}", job.text);
        assert!(["INIT", "RUNNING"].contains(&job.json()["status"].as_str().expect("status")));
        // The server is busy now: a second request is refused.
        let again = post(&sb, &os_path(&sb, api, &id), &body).await;
        assert_eq!(again.status, 400, "{api} twice: {}", again.text);
        let counters = sb.counters();
        assert!(
            counters.by_operation.get(api).copied().unwrap_or(0) >= 2,
            "{api} counted"
        );
    }
}

#[tokio::test]
async fn every_rule_is_rejected_with_its_code() {
    let sb = start().await;
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let windows = image_id(&sb, "Windows Server 2019 Datacenter 64bit English").await;
    let saving = image_id(&sb, "backup-restore-2024-11").await;
    let ironic = image_id(&sb, "CentOS 7.9 64bit for BareMetal").await;
    let iso = image_id(&sb, "ubuntu-22.04.3-live-server-amd64.iso").await;
    let bms_img = image_id(&sb, "EulerOS 2.9 64bit for BareMetal").await;
    let queued_bms = image_id(&sb, "bms-import-queued").await;
    let big = base64_of(&vec![b'x'; 32 * 1024 + 1]);
    let ok_data = base64_of(b"#!/bin/bash\necho hi\n");
    let unknown = "0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
    let pw = |p: &str| json!({"os-change": {"adminpass": p, "imageid": ubuntu}});
    let wpw = |p: &str| json!({"os-change": {"adminpass": p, "imageid": windows}});
    let ch = |extra: Value| {
        let mut o = json!({"imageid": ubuntu, "adminpass": "Str0ng!Pass"});
        for (k, v) in extra.as_object().expect("object") {
            if v.is_null() {
                o.as_object_mut().expect("o").remove(k);
            } else {
                o[k] = v.clone();
            }
        }
        json!({"os-change": o})
    };
    // (api, kind, server, body, status, code)
    let cases: Vec<(&str, &str, &str, Value, u16, &str)> = vec![
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("Sh0rt!"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("Waytoolongpassword1234567!!"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("onlylower1234"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("Has#Hash123"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("Has Space12!"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("MyRoot!Pass1"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            pw("xTOOR!Pass12"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            wpw("Administrator1!"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            wpw("Rotartsinimda1!"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            wpw("Good!Adm1234"),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "web-03",
            pw("Sh0rt!"),
            400,
            "Ecs.0011",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"adminpass": "Sh0rt!"}}),
            400,
            "BMS.3039",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"adminpass": "Administrator1!"}}),
            400,
            "BMS.3039",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "keyname": "kp-nope", "userid": USER})),
            400,
            "Ecs.0314",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(
                json!({"adminpass": null, "keyname": "kp-admin", "userid": "00000000000000000000000000000000"}),
            ),
            400,
            "Ecs.0314",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "keyname": "kp-admin"})),
            400,
            "Ecs.0005",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"keyname": "kp-nope", "userid": USER}}),
            400,
            "BMS.0049",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"keyname": "kp-bms"}}),
            400,
            "BMS.0018",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": "not-a-uuid"})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": null})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": unknown})),
            400,
            "Ecs.0031",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": saving})),
            400,
            "Ecs.0032",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": ironic})),
            400,
            "Ecs.0007",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "web-03",
            ch(json!({"imageid": iso})),
            400,
            "Ecs.0007",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": ubuntu}}),
            400,
            "BMS.0011",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": unknown}}),
            400,
            "BMS.0010",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": queued_bms}}),
            400,
            "BMS.0010",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "metadata": {"user_data": "!!not base64!!"}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "metadata": {"user_data": big}})),
            400,
            "Ecs.0005",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"metadata": {"user_data": big}}}),
            400,
            "BMS.0210",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"user_data": ok_data}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "web-03",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass", "metadata": {"user_data": ok_data}}}),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"keyname": "kp-admin", "userid": USER})),
            400,
            "Ecs.0005",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "keyname": "kp-bms", "userid": USER, "imageid": bms_img}}),
            400,
            "BMS.0111",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.reinstallos.v2",
            "cloudservers",
            "web-03",
            json!({"os-reinstall": {}}),
            400,
            "Ecs.0005",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {}}),
            400,
            "BMS.0111",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"mode": "stopFirst"})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"BYOL": "false"}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"__system__encrypted": "2"}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"__system__encrypted": "1", "__system__cmkid": "short"}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"__system__cmkid": "0123456789abcdef0123456789abcdef0123"}})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"isAutoPay": "yes"})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": 12345678})),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-01",
            ch(json!({})),
            400,
            "Ecs.0100",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "mail-relay",
            ch(json!({"mode": "withStopServer"})),
            400,
            "Ecs.0100",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "finance-report-01",
            ch(json!({})),
            400,
            "Ecs.0605",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "scratch-nodisk-01",
            ch(json!({})),
            400,
            "Ecs.0105",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "batch-spot-02",
            ch(json!({})),
            400,
            "Ecs.0100",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-hpc-01",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
            400,
            "BMS.0018",
        ),
    ];
    for (i, (api, kind, name, body, status, code)) in cases.into_iter().enumerate() {
        let id = id_of(&sb, kind, name).await;
        let r = post(&sb, &os_path(&sb, api, &id), &body).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code.to_string()),
            "case {i} {api} on {name}: {}",
            r.text
        );
        let msg = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !msg.contains("Str0ng!Pass") && !msg.contains(&ok_data),
            "case {i} leaks a secret: {msg}"
        );
    }
    // Unknown servers, raw bodies, project mismatch.
    let missing = "0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
    let r = post(
        &sb,
        &os_path(&sb, "ecs.changeos.v2", missing),
        &ch(json!({})),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (404, "Ecs.0114"));
    let r = post(
        &sb,
        &os_path(&sb, "bms.reinstallos", missing),
        &json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "BMS.0040"));
    let web3 = id_of(&sb, "cloudservers", "web-03").await;
    let r = post_raw(&sb, &os_path(&sb, "ecs.changeos.v2", &web3), b"").await;
    assert_eq!((r.status, r.code().as_str()), (400, "Common.0002"));
    let r = post_raw(
        &sb,
        &os_path(&sb, "ecs.changeos.v2", &web3),
        b"{\"os-change\": {",
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0005"));
    let r = post_raw(&sb, &os_path(&sb, "ecs.changeos.v2", &web3), b"[1,2,3]").await;
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0005"));
    let mut signing = Signing::of(&sb);
    signing.project_header = Some("0123456789abcdef0123456789abcdef".into());
    let body = serde_json::to_vec(&ch(json!({}))).expect("json");
    let r = send_signed(
        &sb,
        &signing,
        "POST",
        &os_path(&sb, "ecs.changeos.v2", &web3),
        &[],
        &body,
    )
    .await
    .expect("sent");
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0023"));
    // None of the above changed the server.
    assert_eq!(
        server_named(&sb, "cloudservers", "web-03").await["status"],
        "SHUTOFF"
    );
}

fn base64_of(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[tokio::test]
async fn change_os_job_succeeds_and_updates_the_server() {
    let sb = start().await;
    let target = image_named(&sb, "Debian 12.0.0 64bit").await;
    let id = id_of(&sb, "cloudservers", "web-03").await;
    let r = post(
        &sb,
        &os_path(&sb, "ecs.changeos.v2", &id),
        &json!({"os-change": {"keyname": "kp-deploy", "userid": USER, "imageid": target["id"]}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job_id = r.json()["job_id"].as_str().expect("job").to_string();
    // While running the server is rebuilding.
    let mut saw_rebuild = false;
    for _ in 0..40 {
        let s = get(
            &sb,
            &format!("/v1/{}/cloudservers/{id}", sb.project_id),
            &[],
        )
        .await
        .json();
        if s["server"]["status"] == "REBUILD" {
            assert_eq!(s["server"]["OS-EXT-STS:task_state"], "rebuilding");
            saw_rebuild = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(saw_rebuild, "server never showed REBUILD");
    let job = wait_job(&sb, &job_id).await;
    assert_eq!(job["status"], "SUCCESS", "{job}");
    assert_eq!(job["job_type"], "changeOS");
    assert_eq!(job["entities"]["server_id"], id.as_str());
    assert!(job["end_time"].as_str().is_some_and(|t| t.ends_with('Z')));
    let s = get(
        &sb,
        &format!("/v1/{}/cloudservers/{id}", sb.project_id),
        &[],
    )
    .await
    .json();
    let s = &s["server"];
    assert_eq!(s["status"], "ACTIVE");
    assert_eq!(s["OS-EXT-STS:task_state"], "");
    assert_eq!(s["image"]["id"], target["id"]);
    assert_eq!(s["metadata"]["image_name"], "Debian 12.0.0 64bit");
    assert_eq!(s["metadata"]["metering.image_id"], target["id"]);
    assert_eq!(s["key_name"], "kp-deploy");
}

#[tokio::test]
async fn fail_marker_makes_the_job_fail_and_error_servers_can_retry() {
    let sb = start().await;
    let broken = image_id(&sb, "broken-template [fail]").await;
    let good = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let id = id_of(&sb, "cloudservers", "gitlab-runner-01").await;
    let r = post(
        &sb,
        &os_path(&sb, "ecs.changeos.v2", &id),
        &json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": broken}}),
    )
    .await;
    let job = wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await;
    assert_eq!(job["status"], "FAIL");
    assert_eq!(job["error_code"], "Ecs.1000");
    assert!(
        job["fail_reason"]
            .as_str()
            .is_some_and(|r| r.contains("[fail]"))
    );
    let s = server_named(&sb, "cloudservers", "gitlab-runner-01").await;
    assert_eq!(s["status"], "ERROR");
    assert!(s["fault"]["message"].is_string());
    let r = post(
        &sb,
        &os_path(&sb, "ecs.changeos.v1", &id),
        &json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": good}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await["status"],
        "SUCCESS"
    );
    // BMS: the same marker.
    let bms_broken = image_id(&sb, "bms-broken-image [fail]").await;
    let bid = id_of(&sb, "baremetalservers", "bms-win-01").await;
    let r = post(
        &sb,
        &os_path(&sb, "bms.changeos", &bid),
        &json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": bms_broken}}),
    )
    .await;
    let job = wait_job(&sb, r.json()["jobId"].as_str().expect("jobId")).await;
    assert_eq!(job["status"], "FAIL");
    assert_eq!(job["job_type"], "baremetalChangeOsVolumeBoot");
    assert_eq!(job["entities"]["sub_jobs_total"], 0);
}

#[tokio::test]
async fn stop_actions_turn_servers_off() {
    let sb = start().await;
    let pid = sb.project_id.clone();
    let web1 = id_of(&sb, "cloudservers", "web-01").await;
    let web3 = id_of(&sb, "cloudservers", "web-03").await;
    let r = post(
        &sb,
        &format!("/v1/{pid}/cloudservers/action"),
        &json!({"os-stop": {"type": "SOFT", "servers": [{"id": web1}]}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await;
    assert_eq!(
        (job["status"].as_str(), job["job_type"].as_str()),
        (Some("SUCCESS"), Some("batchStopServer"))
    );
    assert_eq!(job["entities"]["sub_jobs"][0]["job_type"], "stopServer");
    assert_eq!(
        server_named(&sb, "cloudservers", "web-01").await["status"],
        "SHUTOFF"
    );
    // Already stopped ECS: the sub job fails with Ecs.0100.
    let r = post(
        &sb,
        &format!("/v1/{pid}/cloudservers/action"),
        &json!({"os-stop": {"servers": [{"id": web3}]}}),
    )
    .await;
    let job = wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await;
    assert_eq!(
        (job["status"].as_str(), job["error_code"].as_str()),
        (Some("FAIL"), Some("Ecs.0100"))
    );
    // Now web-01 can change OS without mode.
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let r = post(
        &sb,
        &os_path(&sb, "ecs.changeos.v2", &web1),
        &json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": ubuntu}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // BMS stop, then BMS.0039 when already stopped.
    let hpc = id_of(&sb, "baremetalservers", "bms-hpc-01").await;
    let r = post(
        &sb,
        &format!("/v1/{pid}/baremetalservers/action"),
        &json!({"os-stop": {"type": "HARD", "servers": [{"id": hpc}]}}),
    )
    .await;
    let job = wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await;
    assert_eq!(
        (job["status"].as_str(), job["job_type"].as_str()),
        (Some("SUCCESS"), Some("baremetalBatchOperate"))
    );
    let s = server_named(&sb, "baremetalservers", "bms-hpc-01").await;
    assert_eq!(
        (s["status"].as_str(), s["OS-EXT-STS:vm_state"].as_str()),
        (Some("SHUTOFF"), Some("shutoff"))
    );
    let r = post(
        &sb,
        &format!("/v1/{pid}/baremetalservers/action"),
        &json!({"os-stop": {"servers": [{"id": hpc}]}}),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "BMS.0039"));
    let r = post(
        &sb,
        &os_path(&sb, "bms.reinstallos", &hpc),
        &json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await["job_type"],
        "baremetalReinstallOs"
    );
    // Bad stop bodies.
    let r = post(
        &sb,
        &format!("/v1/{pid}/cloudservers/action"),
        &json!({"os-stop": {"servers": []}}),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0005"));
    let r = post(
        &sb,
        &format!("/v1/{pid}/cloudservers/action"),
        &json!({"os-stop": {"servers": [{"id": "0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"}]}}),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (404, "Ecs.0114"));
}

#[tokio::test]
async fn prepaid_server_to_market_image_waits_for_payment_unless_auto_paid() {
    let sb = start().await;
    let lamp = image_id(&sb, "LAMP Stack on Ubuntu 22.04").await;
    let id = id_of(&sb, "cloudservers", "erp-test").await;
    let body = json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": lamp}});
    let r = post(&sb, &os_path(&sb, "ecs.changeos.v2", &id), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert!(v["order_id"].is_string(), "{v}");
    let job_path = format!(
        "/v1/{}/jobs/{}",
        sb.project_id,
        v["job_id"].as_str().expect("job")
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        get(&sb, &job_path, &[]).await.json()["status"],
        "PENDING_PAYMENT"
    );
    assert_eq!(
        server_named(&sb, "cloudservers", "erp-test").await["status"],
        "SHUTOFF"
    );
    let paid =
        json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": lamp, "isAutoPay": "true"}});
    let r = post(&sb, &os_path(&sb, "ecs.changeos.v2", &id), &paid).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json().get("order_id").is_none());
    assert_eq!(
        wait_job(&sb, r.json()["job_id"].as_str().expect("job")).await["status"],
        "SUCCESS"
    );
}

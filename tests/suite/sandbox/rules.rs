//! Every rule the pages state, rejected by the change/reinstall operations with its code
//! (docs/rules.md says where each code comes from); and what no page forbids, accepted.

use crate::support::client::sandbox;
use crate::support::signed::*;
use serde_json::{Value, json};

#[tokio::test]
async fn every_rule_is_rejected_with_its_code() {
    let sb = sandbox().await;
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
    let ch = |extra: Value| change_body(&ubuntu, extra);
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
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"keyname": "kp-nope", "userid": USER}}),
            400,
            "BMS.0049",
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
            "scratch-nodisk-01",
            ch(json!({})),
            400,
            "Ecs.0105",
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            wpw("Str0ng!Pass"),
            400,
            "Ecs.0007",
        ),
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "erp-prod",
            json!({"os-reinstall": {"adminpass": "Administrator1!"}}),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "erp-prod",
            json!({"os-reinstall": {"adminpass": "Good!Adm1234"}}),
            400,
            "Ecs.0011",
        ),
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "erp-prod",
            json!({"os-reinstall": {"keyname": "kp-admin", "userid": USER}}),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.reinstallos.v2",
            "cloudservers",
            "web-03",
            json!({"os-reinstall": {"keyname": "kp-admin"}}),
            400,
            "Ecs.0005",
        ),
        (
            "ecs.changeos.v1",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "keyname": "kp-admin"})),
            400,
            "Ecs.0005",
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-win-01",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
            400,
            "BMS.0018",
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-hpc-01",
            json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": bms_img}}),
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

/// Bodies the old rules refused although no page or SDK model forbids them: the service
/// takes each (the pages' verdict), and the job succeeds.
#[tokio::test]
async fn what_no_page_forbids_is_accepted() {
    let sb = sandbox().await;
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let bms_img = image_id(&sb, "EulerOS 2.9 64bit for BareMetal").await;
    let ch = |extra: Value| change_body(&ubuntu, extra);
    let cases: Vec<(&str, &str, &str, Value)> = vec![
        // Page 000 lists ~ # * among the specials.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": "My#Pass2024x"})),
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": "My~Pass*2024"})),
        ),
        // Characters outside the lists, root: no page forbids them.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": "Has Space12!"})),
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": "MyRoot!Pass1"})),
        ),
        // Pages 003/004 and the SDK only recommend the complexity.
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "legacy-centos6",
            json!({"os-reinstall": {"adminpass": "Sh0rt!"}}),
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-reinstall": {"adminpass": "Sh0rt!"}}),
        ),
        // Page 000: a blank userid is the token's user.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"adminpass": null, "keyname": "kp-admin"})),
        ),
        (
            "bms.changeos",
            "baremetalservers",
            "bms-db-01",
            json!({"os-change": {"keyname": "kp-bms", "imageid": bms_img}}),
        ),
        // Page 002: a BYOL other than "true" means no BYOL.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"BYOL": "false"}})),
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"isAutoPay": "yes"})),
        ),
        // Encryption without a key id: no page requires one.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "web-03",
            ch(json!({"metadata": {"__system__encrypted": "1"}})),
        ),
        // Locks, spot pricing, a running BMS being reinstalled: no page states a rule.
        (
            "ecs.changeos.v2",
            "cloudservers",
            "finance-report-01",
            ch(json!({})),
        ),
        (
            "ecs.changeos.v2",
            "cloudservers",
            "batch-spot-02",
            ch(json!({})),
        ),
        (
            "bms.reinstallos",
            "baremetalservers",
            "bms-hpc-01",
            json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
        ),
        // Windows without Cloud-Init goes through /v1 (page 001 forbids only /v2).
        (
            "ecs.reinstallos.v1",
            "cloudservers",
            "erp-prod",
            json!({"os-reinstall": {"adminpass": "Bl4ck!Horse"}}),
        ),
    ];
    for (i, (api, kind, name, body)) in cases.into_iter().enumerate() {
        let id = id_of(&sb, kind, name).await;
        let r = post(&sb, &os_path(&sb, api, &id), &body).await;
        assert_eq!(r.status, 200, "case {i} {api} on {name}: {}", r.text);
        let v = r.json();
        let job = v["job_id"]
            .as_str()
            .or(v["jobId"].as_str())
            .expect("job id");
        assert_eq!(wait_job(&sb, job).await["status"], "SUCCESS", "case {i}");
        post_raw(&sb, "/_sandbox/reset", b"").await;
    }
}

async fn injected(sb: &reimage::sandbox::Sandbox, id: &str) -> Value {
    let r = get(sb, &format!("/_sandbox/servers/{id}"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["injected"].clone()
}

/// A request on the route that does not fit the image's Cloud-Init is taken, the job
/// succeeds, and no login is injected: the trap reimage warns about.
#[tokio::test]
async fn a_route_that_does_not_fit_the_image_injects_nothing() {
    let sb = sandbox().await;
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await; // Cloud-Init
    let legacy = image_id(&sb, "legacy-app-centos6").await; // none
    let web3 = id_of(&sb, "cloudservers", "web-03").await;
    let cases = [
        (
            "ecs.changeos.v1",
            &ubuntu,
            "none (the image's Cloud-Init does not match the API)",
        ),
        (
            "ecs.changeos.v2",
            &legacy,
            "none (the image's Cloud-Init does not match the API)",
        ),
        ("ecs.changeos.v2", &ubuntu, "key pair kp-admin"),
        ("ecs.changeos.v1", &legacy, "key pair kp-admin"),
    ];
    for (api, image, expect) in cases {
        let body = json!({"os-change": {"keyname": "kp-admin", "userid": USER, "imageid": image}});
        let r = post(&sb, &os_path(&sb, api, &web3), &body).await;
        assert_eq!(r.status, 200, "{api}: {}", r.text);
        let job = r.json()["job_id"].as_str().expect("job").to_string();
        assert_eq!(wait_job(&sb, &job).await["status"], "SUCCESS");
        assert_eq!(injected(&sb, &web3).await, expect, "{api}");
        post_raw(&sb, "/_sandbox/reset", b"").await;
    }
    // Linux: with user data, the password is not what takes effect (pages 000, 003).
    let body = json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": ubuntu,
        "metadata": {"user_data": base64_of(b"#!/bin/sh\necho hi\n")}}});
    let r = post(&sb, &os_path(&sb, "ecs.changeos.v2", &web3), &body).await;
    let job = r.json()["job_id"].as_str().expect("job").to_string();
    wait_job(&sb, &job).await;
    assert_eq!(injected(&sb, &web3).await, "user data (adminpass ignored)");
}

/// A job is answered by the service that created it: an ECS job id asked of BMS (the
/// `/bms` host) is not found, and the other way round.
#[tokio::test]
async fn jobs_are_answered_by_their_own_service() {
    let sb = sandbox().await;
    let ubuntu = image_id(&sb, "Ubuntu 22.04 server 64bit").await;
    let web3 = id_of(&sb, "cloudservers", "web-03").await;
    let body = json!({"os-change": {"adminpass": "Str0ng!Pass", "imageid": ubuntu}});
    let r = post(&sb, &os_path(&sb, "ecs.changeos.v2", &web3), &body).await;
    let ecs_job = r.json()["job_id"].as_str().expect("job").to_string();
    let bms1 = id_of(&sb, "baremetalservers", "bms-db-01").await;
    let r = post(
        &sb,
        &os_path(&sb, "bms.reinstallos", &bms1),
        &json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}}),
    )
    .await;
    let bms_job = r.json()["job_id"].as_str().expect("job").to_string();
    let pid = &sb.project_id;
    for (host, job, found) in [
        ("ecs", &ecs_job, true),
        ("bms", &ecs_job, false),
        ("bms", &bms_job, true),
        ("ecs", &bms_job, false),
    ] {
        let r = get(&sb, &format!("/{host}/v1/{pid}/jobs/{job}"), &[]).await;
        assert_eq!(r.status == 200, found, "{host} {job}: {}", r.text);
        if !found {
            assert_eq!(r.code(), "Common.0011");
        }
    }
    // A service's host serves only its own operations.
    let r = get(&sb, &format!("/bms/v1/{pid}/cloudservers/detail"), &[]).await;
    assert_eq!(r.status, 404);
    // The single address answers for both.
    for job in [&ecs_job, &bms_job] {
        assert_eq!(
            get(&sb, &format!("/v1/{pid}/jobs/{job}"), &[]).await.status,
            200
        );
    }
}

/// A /v2 change to `image` with a password, `extra` fields set (or removed when null).
fn change_body(image: &str, extra: Value) -> Value {
    let mut o = json!({"imageid": image, "adminpass": "Str0ng!Pass"});
    for (k, v) in extra.as_object().expect("object") {
        if v.is_null() {
            o.as_object_mut().expect("o").remove(k);
        } else {
            o[k] = v.clone();
        }
    }
    json!({"os-change": o})
}

fn base64_of(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

//! Every rule of API doc 12.1 rejected by the change/reinstall operations, with its code.

mod common;
use common::*;
use serde_json::{Value, json};

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

//! The six change/reinstall operations and the two stop actions: accepted requests and the
//! job lifecycle. The rejections are in `rules.rs`.

use crate::support::client::sandbox;
use crate::support::signed::*;
use serde_json::{Value, json};

#[tokio::test]
async fn each_operation_is_accepted_with_its_response_key() {
    let sb = sandbox().await;
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
async fn change_os_job_succeeds_and_updates_the_server() {
    let sb = sandbox().await;
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
    let sb = sandbox().await;
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
    let sb = sandbox().await;
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
    let sb = sandbox().await;
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

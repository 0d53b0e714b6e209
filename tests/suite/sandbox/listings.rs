//! Listings with paging and filters: ECS, BMS, IMS, Nova and KPS key pairs, IAM; and the
//! generated inventory at 10,000 servers.

use crate::support::client::{sandbox, sandbox_with};
use crate::support::signed::*;
use reimage::sandbox::{InventorySpec, SandboxConfig};
use serde_json::Value;

fn names(v: &Value) -> Vec<String> {
    v["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn ecs_filters() {
    let sb = sandbox().await;
    let path = format!("/v1/{}/cloudservers/detail", sb.project_id);
    let by_name = get(&sb, &path, &[("name", "web-0")]).await.json();
    assert_eq!(names(&by_name).len(), 3);
    assert_eq!(by_name["count"], 3);
    let shutoff = get(&sb, &path, &[("status", "SHUTOFF"), ("limit", "1000")])
        .await
        .json();
    assert!(
        shutoff["servers"]
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["status"] == "SHUTOFF")
    );
    let arm = get(&sb, &path, &[("flavor", "kc1.xlarge.4")]).await.json();
    assert_eq!(names(&arm).len(), 2);
    let ip = get(&sb, &path, &[("ip", "119.8.10.2")]).await.json();
    assert_eq!(names(&ip).len(), 2, "{ip}");
    let tagged = get(&sb, &path, &[("tags", "app=db"), ("limit", "2")])
        .await
        .json();
    assert_eq!(
        (tagged["count"].as_u64(), names(&tagged).len()),
        (Some(3), 2)
    );
    let not_prod = get(&sb, &path, &[("not-tags", "env=prod"), ("limit", "1000")])
        .await
        .json();
    assert!(
        not_prod["servers"]
            .as_array()
            .expect("list")
            .iter()
            .all(|s| !s["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .any(|t| t == "env=prod"))
    );
    let web1 = server_named(&sb, "cloudservers", "web-01").await;
    let ids = format!(
        "{},0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
        web1["id"].as_str().expect("id")
    );
    let by_id = get(&sb, &path, &[("server_id", &ids), ("name", "zzz")])
        .await
        .json();
    assert_eq!(by_id["servers"][0]["name"], "web-01");
    assert!(by_id["servers"][1]["fault"].is_object());
    // Stable order: created desc, the same on every call; marker paging continues after an id.
    let all = get(&sb, &path, &[("limit", "1000")]).await.json();
    let created: Vec<&str> = all["servers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["created"].as_str().expect("created"))
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    let third = all["servers"][2]["id"].as_str().expect("id");
    let after = get(&sb, &path, &[("marker", third), ("limit", "2")])
        .await
        .json();
    assert_eq!(after["servers"][0]["id"], all["servers"][3]["id"]);
    // Field types the SDK expects.
    let s = &all["servers"][0];
    assert!(
        s["flavor"]["vcpus"].is_string()
            && s["flavor"]["ram"].is_string()
            && s["flavor"]["disk"].is_string()
    );
    let addr = s["addresses"]
        .as_object()
        .expect("addresses")
        .values()
        .next()
        .expect("vpc")[0]
        .clone();
    assert!(addr["version"].is_string());
    assert!(s["OS-EXT-STS:power_state"].is_number() && s["locked"].is_boolean());
    assert_eq!(
        web1["os-extended-volumes:volumes_attached"][0]["bootIndex"],
        "0"
    );
    assert_eq!(all["servers"][0]["name"], "scratch-nodisk-01");
    assert_eq!(
        all["servers"][0]["os-extended-volumes:volumes_attached"],
        serde_json::json!([])
    );
    let windows = server_named(&sb, "cloudservers", "win-ad-01").await;
    assert_eq!(windows["metadata"]["os_type"], "Windows");
    let spot = server_named(&sb, "cloudservers", "batch-spot-01").await;
    assert_eq!(spot["metadata"]["charging_mode"], "2");
}

#[tokio::test]
async fn bms_list_and_show() {
    let sb = sandbox().await;
    let path = format!("/v1/{}/baremetalservers/detail", sb.project_id);
    let v = get(&sb, &path, &[("limit", "4")]).await.json();
    assert_eq!((v["count"].as_u64(), names(&v).len()), (Some(6), 4));
    let p2 = get(&sb, &path, &[("limit", "4"), ("offset", "2")])
        .await
        .json();
    assert_eq!(names(&p2).len(), 2);
    let s = &v["servers"][0];
    assert!(
        s["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t == "__type_baremetal")
    );
    assert!(s["metadata"]["chargingMode"].is_string());
    let id = s["id"].as_str().expect("id");
    let one = get(
        &sb,
        &format!("/v1/{}/baremetalservers/{id}", sb.project_id),
        &[],
    )
    .await;
    assert_eq!(one.json()["server"]["id"], id);
    let stopped = get(&sb, &path, &[("status", "SHUTOFF")]).await.json();
    assert!(
        stopped["servers"]
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["OS-EXT-STS:vm_state"] == "shutoff")
    );
}

#[tokio::test]
async fn ims_filters_sort_and_marker_paging() {
    let sb = sandbox().await;
    let all = get(&sb, "/v2/cloudimages", &[]).await.json();
    let all = all["images"].as_array().expect("images").clone();
    assert_eq!(all.len(), 60);
    let mut ids = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut q = vec![("limit", "7".to_string())];
        if let Some(m) = &marker {
            q.push(("marker", m.clone()));
        }
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = get(&sb, "/v2/cloudimages", &q).await.json();
        let imgs = page["images"].as_array().expect("images");
        ids.extend(
            imgs.iter()
                .map(|i| i["id"].as_str().expect("id").to_string()),
        );
        match page["page_info"]["next_marker"].as_str() {
            Some(m) => {
                assert_eq!(imgs.len(), 7);
                marker = Some(m.to_string());
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), 60);
    assert_eq!(
        ids,
        all.iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect::<Vec<_>>()
    );
    let count = |q: &[(&str, &str)]| {
        let q: Vec<(String, String)> = q
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sb = &sb;
        async move {
            let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            get(sb, "/v2/cloudimages", &q).await.json()["images"]
                .as_array()
                .expect("images")
                .clone()
        }
    };
    let ironic = count(&[("virtual_env_type", "Ironic")]).await;
    assert!(ironic.len() >= 6 && ironic.iter().all(|i| i["virtual_env_type"] == "Ironic"));
    let arm = count(&[("architecture", "arm")]).await;
    assert!(!arm.is_empty() && arm.iter().all(|i| i["__support_arm"] == "true"));
    let market = count(&[("__imagetype", "market")]).await;
    assert!(market.iter().all(|i| i["__productcode"].is_string()) && market.len() == 3);
    let windows = count(&[
        ("__os_type", "Windows"),
        ("__imagetype", "gold"),
        ("virtual_env_type", "FusionCompute"),
    ])
    .await;
    assert_eq!(windows.len(), 4);
    let queued = count(&[("status", "queued")]).await;
    assert_eq!(queued.len(), 2);
    let exact = count(&[("name", "CentOS 7.9 64bit")]).await;
    assert_eq!(exact.len(), 1);
    let no_cloud_init = count(&[("__support_fc_inject", "true")]).await;
    assert!(
        no_cloud_init
            .iter()
            .all(|i| i["__support_fc_inject"] == "true")
            && no_cloud_init.len() >= 4
    );
    let small_flavor = count(&[("flavor_id", "s6.small.1")]).await;
    assert!(small_flavor.iter().all(|i| i["min_ram"].as_u64().expect("min_ram") <= 1024 && i["visibility"] == "public"));
    assert!(
        !small_flavor
            .iter()
            .any(|i| i["name"] == "Windows Server 2022 Datacenter 64bit English")
    );
    let by_name = count(&[("sort_key", "name"), ("sort_dir", "asc")]).await;
    let names: Vec<&str> = by_name
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    let bad = get(&sb, "/v2/cloudimages", &[("__imagetype", "golden")]).await;
    assert_eq!((bad.status, bad.code().as_str()), (400, "IMG.0024"));
    let i = &all[0];
    for k in ["__imagetype", "__isregistered", "__os_type", "__image_size"] {
        assert!(i[k].is_string(), "{k} must be a string");
    }
    assert!(i["min_disk"].is_number() && i["protected"].is_boolean());
}

#[tokio::test]
async fn key_pairs_nova_and_kps() {
    let sb = sandbox().await;
    let pid = sb.project_id.clone();
    let all = get(&sb, &format!("/v2.1/{pid}/os-keypairs"), &[("limit", "3")])
        .await
        .json();
    assert_eq!(
        all["keypairs"].as_array().expect("list").len(),
        10,
        "limit ignored without microversion"
    );
    assert!(all["keypairs"][0]["keypair"]["fingerprint"].is_string());
    let mut s = Signing::of(&sb);
    s.extra_headers
        .push(("OpenStack-API-Version".into(), "compute 2.35".into()));
    let page = send_signed(
        &sb,
        &s,
        "GET",
        &format!("/v2.1/{pid}/os-keypairs"),
        &[("limit", "3"), ("marker", "kp-alice")],
        b"",
    )
    .await
    .expect("sent")
    .json();
    let names: Vec<&str> = page["keypairs"]
        .as_array()
        .expect("list")
        .iter()
        .map(|k| k["keypair"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["kp-backup", "kp-bms", "kp-bob"]);
    let one = get(&sb, &format!("/v2.1/{pid}/os-keypairs/kp-admin"), &[])
        .await
        .json();
    assert_eq!(one["keypair"]["user_id"], sb.user_id.as_str());
    let missing = get(&sb, &format!("/v2.1/{pid}/os-keypairs/my%20key"), &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["itemNotFound"]["code"], 404);
    let mut marker = String::new();
    let mut seen = Vec::new();
    loop {
        let mut q = vec![("limit", "4")];
        if !marker.is_empty() {
            q.push(("marker", marker.as_str()));
        }
        let p = get(&sb, &format!("/v3/{pid}/keypairs"), &q).await.json();
        for k in p["keypairs"].as_array().expect("list") {
            seen.push(k["keypair"]["name"].as_str().expect("name").to_string());
            assert!(
                k["keypair"]["fingerprint"]
                    .as_str()
                    .expect("fp")
                    .starts_with("SHA256:")
            );
        }
        match p["page_info"]["next_marker"].as_str() {
            Some(m) => marker = m.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10);
    let detail = get(&sb, &format!("/v3/{pid}/keypairs/kp-account-shared"), &[])
        .await
        .json();
    assert_eq!(detail["keypair"]["scope"], "domain");
}

#[tokio::test]
async fn iam_project_and_credential() {
    let sb = sandbox().await;
    let mut s = Signing::of(&sb);
    s.project_header = None;
    let r = send_signed(&sb, &s, "GET", "/v3/projects", &[("name", &sb.region)], b"")
        .await
        .expect("sent")
        .json();
    assert_eq!(r["projects"].as_array().expect("list").len(), 1);
    assert_eq!(r["projects"][0]["id"], sb.project_id.as_str());
    let none = send_signed(
        &sb,
        &s,
        "GET",
        "/v3/projects",
        &[("name", "cn-north-4")],
        b"",
    )
    .await
    .expect("sent")
    .json();
    assert_eq!(none["projects"].as_array().expect("list").len(), 0);
    let c = send_signed(
        &sb,
        &s,
        "GET",
        &format!("/v3.0/OS-CREDENTIAL/credentials/{}", sb.ak),
        &[],
        b"",
    )
    .await
    .expect("sent")
    .json();
    assert_eq!(c["credential"]["user_id"], sb.user_id.as_str());
    let d = send_signed(&sb, &s, "GET", "/v3/auth/domains", &[], b"")
        .await
        .expect("sent")
        .json();
    assert_eq!(d["domains"][0]["id"], sb.domain_id.as_str());
}

#[tokio::test]
async fn ten_thousand_generated_servers_page_correctly() {
    let config = SandboxConfig {
        inventory: InventorySpec::Generated {
            servers: 10_000,
            bms: 300,
            images: 120,
            keypairs: 25,
            seed: 42,
        },
        ..SandboxConfig::default()
    };
    let sb = sandbox_with(config).await;
    let path = format!("/v1/{}/cloudservers/detail", sb.project_id);
    let started = std::time::Instant::now();
    let mut seen = std::collections::HashSet::new();
    for page in 1..=10 {
        let v = get(
            &sb,
            &path,
            &[("limit", "1000"), ("offset", &page.to_string())],
        )
        .await
        .json();
        assert_eq!(v["count"], 10_000);
        let list = v["servers"].as_array().expect("list");
        assert_eq!(list.len(), 1000);
        for s in list {
            assert!(seen.insert(s["id"].as_str().expect("id").to_string()));
        }
    }
    assert_eq!(seen.len(), 10_000);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "paging is slow: {:?}",
        started.elapsed()
    );
    let last = get(&sb, &path, &[("limit", "25"), ("offset", "400")])
        .await
        .json();
    assert_eq!(last["servers"].as_array().expect("list").len(), 25);
    let bms = get(
        &sb,
        &format!("/v1/{}/baremetalservers/detail", sb.project_id),
        &[("limit", "1")],
    )
    .await
    .json();
    assert_eq!(bms["count"], 300);
    let active = get(&sb, &path, &[("status", "ACTIVE"), ("limit", "1")])
        .await
        .json();
    let n = active["count"].as_u64().expect("count");
    assert!(n > 4000 && n < 7000, "{n}");
    let imgs = get(&sb, "/v2/cloudimages", &[]).await.json();
    assert_eq!(imgs["images"].as_array().expect("list").len(), 120);
}

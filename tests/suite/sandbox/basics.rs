//! The sandbox answers signed requests over loopback: listings, job lookup, headers.

use crate::support::client::sandbox;
use crate::support::signed::*;

#[tokio::test]
async fn ecs_list_pages_and_excludes_bms() {
    let sb = sandbox().await;
    let path = format!("/v1/{}/cloudservers/detail", sb.project_id);
    let first = get(&sb, &path, &[("limit", "10")]).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.headers.contains_key("x-request-id"));
    let v = first.json();
    let total = v["count"].as_u64().expect("count");
    assert!(total >= 40, "count {total}");
    assert_eq!(v["servers"].as_array().expect("servers").len(), 10);
    let mut seen = std::collections::BTreeSet::new();
    let pages = total.div_ceil(10);
    for page in 1..=pages {
        let r = get(
            &sb,
            &path,
            &[("limit", "10"), ("offset", &page.to_string())],
        )
        .await;
        for s in r.json()["servers"].as_array().expect("servers") {
            assert!(
                !s["tags"]
                    .as_array()
                    .expect("tags")
                    .iter()
                    .any(|t| t == "__type_baremetal")
            );
            assert!(
                seen.insert(s["id"].as_str().expect("id").to_string()),
                "duplicate across pages"
            );
        }
    }
    assert_eq!(seen.len() as u64, total);
    let beyond = get(
        &sb,
        &path,
        &[("limit", "10"), ("offset", &(pages + 1).to_string())],
    )
    .await;
    assert_eq!(
        beyond.json()["servers"].as_array().expect("servers").len(),
        0
    );
    assert_eq!(beyond.json()["count"].as_u64(), Some(total));
}

#[tokio::test]
async fn unknown_job_and_server() {
    let sb = sandbox().await;
    let r = get(&sb, &format!("/v1/{}/jobs/nope", sb.project_id), &[]).await;
    assert_eq!((r.status, r.code().as_str()), (400, "Common.0011"));
    let r = get(
        &sb,
        &format!(
            "/v1/{}/cloudservers/7c3e9b1a-5d2f-4e8a-9b6c-1f0e2d3c4b5a",
            sb.project_id
        ),
        &[],
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (404, "Ecs.0114"));
    let r = get(
        &sb,
        &format!(
            "/v1/{}/baremetalservers/7c3e9b1a-5d2f-4e8a-9b6c-1f0e2d3c4b5a",
            sb.project_id
        ),
        &[],
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "BMS.0040"));
    let r = get(&sb, "/v9/nothing", &[]).await;
    assert_eq!((r.status, r.code().as_str()), (404, "APIGW.0101"));
    assert!(r.json()["request_id"].is_string());
}

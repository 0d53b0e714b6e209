//! IMS listings walked from both ends of the id order at once return exactly what one
//! chain of pages in the service's own order returns: no image lost or duplicated, images
//! of every `__imagetype` (those the API does not document included), with the user's
//! filters and at scale.

use crate::support::{client, signed};

use reimage::cloud::ImageQuery;
use reimage::sandbox::{InventoryAssets, InventorySpec, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The ids one plain marker chain returns (no sort asked: the service's default order),
/// stopping at the first short page, as the API documents.
async fn one_chain(sb: &Sandbox, limit: usize, filters: &[(&str, &str)]) -> Vec<String> {
    let mut ids = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let limit_text = limit.to_string();
        let mut query: Vec<(&str, &str)> = vec![("limit", &limit_text)];
        query.extend_from_slice(filters);
        if let Some(m) = &marker {
            query.push(("marker", m));
        }
        let page = signed::get(sb, "/v2/cloudimages", &query).await.json();
        let images = page["images"].as_array().expect("images").clone();
        ids.extend(
            images
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_string()),
        );
        if images.len() < limit {
            return ids;
        }
        marker = ids.last().cloned();
    }
}

/// Fails with the images one side has and the other lacks.
fn same(got: &BTreeSet<String>, want: &BTreeSet<String>, what: &str) {
    let lost: Vec<&String> = want.difference(got).collect();
    let extra: Vec<&String> = got.difference(want).collect();
    assert!(
        lost.is_empty() && extra.is_empty(),
        "{what}: {} lost {lost:?}, {} not in one chain {extra:?}",
        lost.len(),
        extra.len()
    );
}

/// `ids` as a set, failing on a duplicate.
fn unique(ids: &[String], what: &str) -> BTreeSet<String> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "{what}: an image came twice");
    set
}

/// The built-in images plus images whose `__imagetype` is none of gold, private, shared,
/// market (a value the API does not document, and an empty one).
fn inventory_with_odd_types() -> (InventoryAssets, usize) {
    let mut assets = InventoryAssets::builtin();
    let mut images: Vec<Value> = serde_json::from_str(&assets.images).expect("images asset");
    let template = images[0].clone();
    for (n, imagetype) in ["community", "", "community"].into_iter().enumerate() {
        let mut odd = template.clone();
        odd["id"] = json!(format!("00000000-0000-4000-8000-00000000000{n}"));
        odd["name"] = json!(format!("odd type {n}"));
        odd["imagetype"] = json!(imagetype);
        images.push(odd);
    }
    let n = images.len();
    assets.images = serde_json::to_string(&images).expect("json");
    (assets, n)
}

#[tokio::test]
async fn both_ends_return_exactly_one_chains_images_with_every_type() {
    let (assets, total) = inventory_with_odd_types();
    let sb = client::sandbox_with(SandboxConfig {
        inventory: InventorySpec::Custom(assets),
        ..SandboxConfig::default()
    })
    .await;
    let c = client::client(&sb).await;
    // Small pages: many of them from each end, and page sizes that do and do not divide
    // the count (so the chains meet inside a page and on a page boundary).
    for limit in [1usize, 2, 7, 16, 500] {
        let reference = unique(&one_chain(&sb, limit, &[]).await, "one chain");
        assert_eq!(reference.len(), total, "one chain lists the inventory");
        let query = ImageQuery {
            limit: Some(limit as u32),
            ..ImageQuery::default()
        };
        let images = c.list_images(&query).await.expect("images");
        let ids: Vec<String> = images.iter().map(|i| i.id.clone()).collect();
        let got = unique(&ids, "both ends");
        same(&got, &reference, &format!("limit {limit}"));
        for odd in ["community", ""] {
            assert!(
                images.iter().any(|i| i.image_type.as_str() == odd),
                "limit {limit}: no image of type {odd:?}"
            );
        }
    }
    // With a filter of the user's, the same filter applies to both ends.
    let filter = [("virtual_env_type", "Ironic")];
    let reference = unique(&one_chain(&sb, 3, &filter).await, "one chain");
    assert!(reference.len() > 3, "more than one page of Ironic images");
    let query = ImageQuery {
        virtual_env_type: Some("Ironic".into()),
        limit: Some(3),
        ..ImageQuery::default()
    };
    let ids: Vec<String> = c
        .list_images(&query)
        .await
        .expect("images")
        .into_iter()
        .map(|i| i.id)
        .collect();
    same(&unique(&ids, "both ends"), &reference, "Ironic");
}

/// 5,000 images in pages of 500: the same set as one chain, in about half the round trips
/// one after another (each end walks about half the listing).
#[tokio::test]
async fn at_scale_both_ends_meet_halfway() {
    let sb = client::sandbox_with(SandboxConfig {
        inventory: InventorySpec::Generated {
            servers: 1,
            bms: 0,
            images: 5000,
            keypairs: 0,
            seed: 3,
        },
        ..SandboxConfig::default()
    })
    .await;
    let c = client::client(&sb).await;
    let reference = unique(&one_chain(&sb, 500, &[]).await, "one chain");
    assert_eq!(reference.len(), 5000);
    let before = sb.counters().by_operation.get("ims.list").copied();
    let images = c.list_images(&ImageQuery::default()).await.expect("images");
    let ids: Vec<String> = images.iter().map(|i| i.id.clone()).collect();
    same(&unique(&ids, "both ends"), &reference, "5,000 images");
    let requests = sb
        .counters()
        .by_operation
        .get("ims.list")
        .copied()
        .unwrap_or(0)
        - before.unwrap_or(0);
    // One chain: 11 requests in a row. Both ends: the first page, then about five from
    // each end, the last of each overlapping the other's.
    assert!((11..=14).contains(&requests), "{requests} requests");
    let mut sorted = ids.clone();
    sorted.sort();
    assert!(ids == sorted, "one order: by id");
}

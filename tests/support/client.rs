//! Helpers shared by the loopback tests: a sandbox and a client pointed at it.

use reimage::cloud::model::{Image, Server, ServerKind};
use reimage::cloud::{Client, ClientSettings, ImageQuery};
use reimage::config::{RetryPolicy, Secret, StaticKeys};
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::time::Duration;

pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    reimage::sandbox::start(config)
        .await
        .expect("sandbox starts")
}

pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig {
        job_seconds: 0.2,
        ..SandboxConfig::default()
    })
    .await
}

pub fn keys(sb: &Sandbox, with_project: bool) -> StaticKeys {
    StaticKeys {
        ak: sb.ak.clone(),
        sk: Secret::new(sb.sk.clone()),
        security_token: None,
        project_id: with_project.then(|| sb.project_id.clone()),
        domain_id: None,
        region: None,
    }
}

/// Settings for the sandbox with quick retries so fault tests run fast.
pub fn settings(sb: &Sandbox) -> ClientSettings {
    let mut s = ClientSettings::with_keys(&sb.url, keys(sb, true), &sb.region);
    s.retry = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    };
    s.timeout = Duration::from_secs(20);
    s
}

pub async fn client(sb: &Sandbox) -> Client {
    Client::connect(settings(sb)).await.expect("connects")
}

/// A server that accepts a change/reinstall (with `withStopServer` for ECS).
pub fn eligible(servers: &[Server]) -> Vec<Server> {
    servers
        .iter()
        .filter(|s| {
            !s.locked
                && s.task().is_none()
                && s.system_disk().is_some()
                && s.charging_mode() != Some("2")
                && matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF")
        })
        .cloned()
        .collect()
}

/// An active image with Cloud-Init for this kind that the sandbox will not fail.
pub async fn good_image(c: &Client, kind: ServerKind, cloud_init: bool) -> Image {
    let images = c
        .list_images(&ImageQuery::for_kind(kind))
        .await
        .expect("images");
    images
        .into_iter()
        .find(|i| {
            i.has_cloud_init() == cloud_init
                && !i.name.contains("[fail]")
                && !i.is_windows()
                && i.product_code.is_none()
                && i.account_code.is_none()
        })
        .expect("a suitable image in the sandbox inventory")
}

pub fn op_count(sb: &Sandbox, op: &str) -> u64 {
    sb.counters().by_operation.get(op).copied().unwrap_or(0)
}

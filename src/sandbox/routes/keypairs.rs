//! Key pairs: Nova `/v2.1/{pid}/os-keypairs` and KPS `/v3/{pid}/keypairs` (API doc 7).

use serde_json::json;

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::render;
use crate::sandbox::state::World;

/// Nova honours `limit` and `marker` only from microversion 2.35.
fn microversion_at_least_2_35(ctx: &Ctx<'_>) -> bool {
    let version = ctx
        .header("openstack-api-version")
        .and_then(|v| v.trim().strip_prefix("compute").map(str::trim))
        .or_else(|| ctx.header("x-openstack-nova-api-version"))
        .unwrap_or("2.1");
    let mut parts = version.trim().split('.');
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(2);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
    version.trim() == "latest" || (major, minor) >= (2, 35)
}

/// Positions in `world.keypairs` of the keys after `marker` (a name), at most `limit`, and
/// whether more follow.
fn page(
    world: &World,
    marker: Option<&str>,
    limit: usize,
) -> Result<(std::ops::Range<usize>, bool), String> {
    let start = match marker.filter(|m| !m.is_empty()) {
        Some(m) => match world.keypairs.iter().position(|k| k.name == m) {
            Some(p) => p + 1,
            None => return Err(format!("Marker {m} could not be found.")),
        },
        None => 0,
    };
    let end = start.saturating_add(limit).min(world.keypairs.len());
    let start = start.min(end);
    Ok((start..end, end < world.keypairs.len()))
}

pub fn nova_list(world: &World, ctx: &Ctx<'_>) -> Reply {
    let (marker, limit) = if microversion_at_least_2_35(ctx) {
        let limit = match ctx.q("limit").map(str::parse::<usize>) {
            None => usize::MAX,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                return Reply::nova(
                    400,
                    "badRequest",
                    "Invalid input for field/attribute limit.",
                );
            }
        };
        (ctx.q("marker"), limit)
    } else {
        (None, usize::MAX)
    };
    match page(world, marker, limit) {
        Ok((items, _)) => {
            let list = items.map(|i| world.nova_keypair_json(i));
            Reply::raw_json(render::join(r#"{"keypairs":["#, list, "]}"))
        }
        Err(message) => Reply::nova(400, "badRequest", message),
    }
}

pub fn nova_show(world: &World, name: &str) -> Reply {
    match world.keypair(name) {
        Some(k) => Reply::ok(json!({"keypair": render::nova_keypair_detail(k)})),
        None => Reply::nova(
            404,
            "itemNotFound",
            format!(
                "Keypair {name} not found for user {}",
                crate::sandbox::DEFAULT_USER_ID
            ),
        ),
    }
}

pub fn kps_list(world: &World, ctx: &Ctx<'_>) -> Reply {
    let limit = match ctx.q("limit").filter(|l| !l.is_empty()) {
        None => 50,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Reply::gateway(
                    400,
                    "KPS.0002",
                    format!("Invalid limit {v:?}: it must be a positive integer."),
                );
            }
        },
    };
    match page(world, ctx.q("marker"), limit) {
        Ok((items, more)) => {
            let next = items
                .clone()
                .last()
                .filter(|_| more)
                .map(|i| world.keypairs[i].name.as_str());
            let page_info = json!({"next_marker": next, "previous_marker": ctx.q("marker"),
                                   "current_count": items.len()});
            let list = items.map(|i| world.kps_keypair_json(i));
            let suffix = format!(r#"],"page_info":{page_info}}}"#);
            Reply::raw_json(render::join(r#"{"keypairs":["#, list, &suffix))
        }
        Err(message) => Reply::gateway(400, "KPS.0002", message),
    }
}

pub fn kps_show(world: &World, name: &str) -> Reply {
    match world.keypair(name) {
        Some(k) => {
            let created = time::OffsetDateTime::parse(
                &k.created_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .unwrap_or_default();
            Reply::ok(json!({"keypair": render::kps_keypair_detail(k, created)}))
        }
        None => Reply::gateway(
            404,
            "KPS.0003",
            format!("The key pair {name} does not exist."),
        ),
    }
}

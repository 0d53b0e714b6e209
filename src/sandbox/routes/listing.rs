//! ECS and BMS server lists (API doc 4.1, 5.1): `offset` is a 1-based page number,
//! `limit` defaults to 25 (max 1000), `count` is the total of matching servers.

use serde_json::{Value, json};

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::kind::SimKind;
use crate::sandbox::render;
use crate::sandbox::state::{SimServer, World};

fn invalid(kind: SimKind, message: String) -> Reply {
    match kind {
        SimKind::Ecs => Reply::service(400, "Ecs.0005", message),
        SimKind::Bms => Reply::service(400, "BMS.0018", message),
    }
}

fn number(ctx: &Ctx<'_>, kind: SimKind, key: &str, default: usize) -> Result<usize, Reply> {
    match ctx.q(key) {
        None | Some("") => Ok(default),
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            invalid(
                kind,
                format!("Invalid parameter {key}: {v:?} is not a non-negative integer."),
            )
        }),
    }
}

fn matches(s: &SimServer, ctx: &Ctx<'_>) -> bool {
    if let Some(name) = ctx.q("name")
        && !s.name.to_lowercase().contains(&name.to_lowercase())
    {
        return false;
    }
    if let Some(status) = ctx.q("status")
        && !s.status.eq_ignore_ascii_case(status)
    {
        return false;
    }
    if let Some(flavor) = ctx.q("flavor")
        && s.flavor.id != flavor
    {
        return false;
    }
    if let Some(ip) = ctx.q("ip")
        && !s.addresses.iter().any(|a| a.addr.contains(ip))
    {
        return false;
    }
    if let Some(ip) = ctx.q("ip_eq")
        && !s.addresses.iter().any(|a| a.addr == ip)
    {
        return false;
    }
    if let Some(tags) = ctx.q("tags")
        && !tags
            .split(',')
            .filter(|t| !t.is_empty())
            .all(|t| s.tags.iter().any(|x| x == t))
    {
        return false;
    }
    if let Some(tags) = ctx.q("not-tags")
        && tags
            .split(',')
            .filter(|t| !t.is_empty())
            .any(|t| s.tags.iter().any(|x| x == t))
    {
        return false;
    }
    if let Some(ep) = ctx.q("enterprise_project_id")
        && ep != "all_granted_eps"
        && s.enterprise_project_id != ep
    {
        return false;
    }
    if let Some(r) = ctx.q("reservation_id")
        && s.host_id.get(8..16).is_none_or(|x| r != format!("r-{x}"))
    {
        return false;
    }
    true
}

pub fn list_servers(world: &World, kind: SimKind, ctx: &Ctx<'_>) -> Reply {
    let order = match kind {
        SimKind::Ecs => &world.ecs_order,
        SimKind::Bms => &world.bms_order,
    };
    let project = &ctx.config.project_id;
    // server_id: the listed ids only, other filters ignored; unknown ids as {id, fault}.
    if kind == SimKind::Ecs
        && let Some(ids) = ctx.q("server_id")
    {
        let servers: Vec<Value> = ids
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| match world.server(kind, id) {
                Some(s) => render::server(s, project),
                None => json!({"id": id, "fault": {"code": 404, "message": "Instance could not be found", "details": "", "created": ""}}),
            })
            .collect();
        return Reply::ok(json!({"count": servers.len(), "servers": servers}));
    }
    let limit = match number(ctx, kind, "limit", 25) {
        Ok(0) => {
            return invalid(
                kind,
                "Invalid parameter limit: it must be between 1 and 1000.".into(),
            );
        }
        Ok(n) if n > 1000 => {
            return invalid(
                kind,
                "Invalid parameter limit: it must be between 1 and 1000.".into(),
            );
        }
        Ok(n) => n,
        Err(e) => return e,
    };
    let page = match number(ctx, kind, "offset", 1) {
        Ok(n) => n.max(1),
        Err(e) => return e,
    };
    let filters: Vec<(&str, &str)> = [
        "name",
        "status",
        "flavor",
        "ip",
        "ip_eq",
        "tags",
        "not-tags",
        "enterprise_project_id",
        "reservation_id",
    ]
    .iter()
    .filter_map(|&k| ctx.q(k).map(|v| (k, v)))
    .collect();
    let owned: std::sync::Arc<[usize]>;
    let selected: &[usize] = if filters.is_empty() {
        order
    } else {
        // JSON: no two sets of filters share a key, whatever their values hold.
        let key = format!("{kind:?}{}", json!(filters));
        owned = world.filtered(key, || {
            order
                .iter()
                .copied()
                .filter(|&i| matches(&world.servers[i], ctx))
                .collect()
        });
        &owned
    };
    let start = match ctx.q("marker").filter(|m| !m.is_empty()) {
        Some(marker) => match selected.iter().position(|&i| world.servers[i].id == marker) {
            Some(pos) => pos + 1,
            None => {
                return invalid(
                    kind,
                    format!("Invalid parameter marker: server {marker} is not in the list."),
                );
            }
        },
        None => (page - 1).saturating_mul(limit),
    };
    let page = selected
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| world.server_json(i, project));
    let prefix = format!(r#"{{"count":{},"servers":["#, selected.len());
    Reply::raw_json(render::join(&prefix, page, "]}"))
}

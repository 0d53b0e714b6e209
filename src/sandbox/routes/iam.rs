//! IAM: project discovery, account and the user id of an access key (API doc 2.6).

use serde_json::json;

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::state::World;
use crate::sandbox::{DEFAULT_DOMAIN_ID, DEFAULT_USER_ID};

pub fn projects(ctx: &Ctx<'_>) -> Reply {
    let cfg = ctx.config;
    let project = json!({
        "id": cfg.project_id, "name": cfg.region, "domain_id": DEFAULT_DOMAIN_ID,
        "parent_id": DEFAULT_DOMAIN_ID, "enabled": true, "is_domain": false, "description": "",
        "links": {"self": format!("/v3/projects/{}", cfg.project_id)},
    });
    let keep = ctx.q("name").is_none_or(|n| n == cfg.region)
        && ctx.q("domain_id").is_none_or(|d| d == DEFAULT_DOMAIN_ID)
        && ctx.q("enabled").is_none_or(|e| e == "true")
        && ctx.q("is_domain").is_none_or(|e| e == "false");
    let list = if keep { vec![project] } else { Vec::new() };
    Reply::ok(json!({
        "links": {"self": "/v3/projects", "previous": null, "next": null},
        "projects": list,
    }))
    .with_header("X-IAM-Trace-Id", crate::sandbox::jobs::new_id())
}

pub fn domains(_ctx: &Ctx<'_>) -> Reply {
    Reply::ok(json!({
        "domains": [{"id": DEFAULT_DOMAIN_ID, "name": "sandbox-account", "enabled": true, "description": "",
                     "links": {"self": format!("/v3/domains/{DEFAULT_DOMAIN_ID}")}}],
        "links": {"self": "/v3/auth/domains"},
    }))
}

pub fn credential(world: &World, ak: &str, ctx: &Ctx<'_>) -> Reply {
    let known = ak == ctx.config.ak || world.temp_credentials.iter().any(|t| t.access == ak);
    if !known {
        return Reply::gateway(
            404,
            "IAM.0071",
            format!("Could not find the access key {ak}."),
        );
    }
    Reply::ok(json!({"credential": {
        "user_id": DEFAULT_USER_ID, "access": ak, "status": "active",
        "create_time": "2024-01-01T00:00:00.000000Z", "last_use_time": "2024-01-15T08:30:00.000000Z",
        "description": "",
    }}))
}

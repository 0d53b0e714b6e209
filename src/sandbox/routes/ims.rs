//! IMS ListImages (API doc section 6): filters, sort, marker/limit paging.

use serde_json::json;
use std::cmp::Ordering;

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::inventory;
use crate::sandbox::render;
use crate::sandbox::state::{SimImage, World};

fn bad(code: &str, message: String) -> Reply {
    Reply::service(400, code, message)
}

fn field_matches(i: &SimImage, key: &str, want: &str) -> bool {
    match key {
        "__imagetype" => i.imagetype == want,
        "__isregistered" => want == "true",
        "__os_bit" => i.os_bit == want,
        "__os_type" => i.os_type.eq_ignore_ascii_case(want),
        "__platform" => i.platform.eq_ignore_ascii_case(want),
        "virtual_env_type" => i.env == want,
        "status" => i.status == want,
        "visibility" => i.visibility == want,
        "name" => i.name == want,
        "id" => i.id == want,
        "container_format" => want == "bare",
        "disk_format" => i.disk_format == want,
        "min_disk" => want.parse::<u64>().is_ok_and(|n| i.min_disk == n),
        "min_ram" => want.parse::<u64>().is_ok_and(|n| i.min_ram == n),
        "protected" => (i.imagetype == "gold").to_string() == want,
        "architecture" => match want {
            "arm" => i.arm,
            "x86" => !i.arm,
            _ => false,
        },
        "__support_kvm" => want == "true",
        "__support_fc_inject" => (!i.cloud_init).to_string() == want,
        "__support_arm" => i.arm.to_string() == want,
        "enterprise_project_id" => want == "0" || want == "all_granted_eps",
        "flavor_id" => match inventory::flavor(want) {
            // Public images usable with this flavor: same architecture and server type,
            // enough memory.
            Some(f) => {
                let bms = inventory::FLAVORS.iter().any(|x| x.0 == want && x.5);
                let env_ok = if bms {
                    i.env == "Ironic"
                } else {
                    i.env == "FusionCompute"
                };
                i.visibility == "public" && env_ok && i.arm == f.arm && i.min_ram <= f.ram_mb
            }
            None => false,
        },
        _ => true,
    }
}

const FILTERS: &[&str] = &[
    "__imagetype",
    "__isregistered",
    "__os_bit",
    "__os_type",
    "__platform",
    "virtual_env_type",
    "status",
    "visibility",
    "name",
    "id",
    "container_format",
    "disk_format",
    "min_disk",
    "min_ram",
    "protected",
    "architecture",
    "__support_kvm",
    "__support_fc_inject",
    "__support_arm",
    "enterprise_project_id",
    "flavor_id",
];

fn compare(a: &SimImage, b: &SimImage, key: &str) -> Ordering {
    match key {
        "name" => a.name.cmp(&b.name),
        "disk_format" => a.disk_format.cmp(&b.disk_format),
        "status" => a.status.cmp(&b.status),
        "id" => a.id.cmp(&b.id),
        "size" => a.size.cmp(&b.size),
        "container_format" => Ordering::Equal,
        _ => a.created_at.cmp(&b.created_at),
    }
}

pub fn list(world: &World, ctx: &Ctx<'_>) -> Reply {
    if let Some(t) = ctx.q("__imagetype")
        && !["gold", "private", "shared", "market"].contains(&t)
    {
        return bad(
            "IMG.0024",
            format!("Invalid __imagetype {t:?}: use gold, private, shared or market."),
        );
    }
    let limit = match ctx.q("limit") {
        None | Some("") => 500,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return bad(
                    "IMG.0007",
                    format!("Invalid limit {v:?}: it must be a positive integer."),
                );
            }
        },
    };
    let sort_key = ctx.q("sort_key").unwrap_or("created_at");
    let sort_key = sort_key.split(',').next().unwrap_or("created_at").trim();
    if ![
        "name",
        "container_format",
        "disk_format",
        "status",
        "id",
        "size",
        "created_at",
    ]
    .contains(&sort_key)
    {
        return bad("IMG.0007", format!("Invalid sort_key {sort_key:?}."));
    }
    let descending = match ctx.q("sort_dir").unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        other => {
            return bad(
                "IMG.0007",
                format!("Invalid sort_dir {other:?}: use asc or desc."),
            );
        }
    };
    let mut selected: Vec<usize> = (0..world.images.len())
        .filter(|&i| {
            FILTERS.iter().all(|k| {
                ctx.q(k)
                    .is_none_or(|v| field_matches(&world.images[i], k, v))
            })
        })
        .collect();
    selected.sort_by(|&a, &b| {
        let (a, b) = (&world.images[a], &world.images[b]);
        let o = compare(a, b, sort_key).then_with(|| a.id.cmp(&b.id));
        if descending { o.reverse() } else { o }
    });
    let start = match ctx.q("marker").filter(|m| !m.is_empty()) {
        Some(marker) => match selected.iter().position(|&i| world.images[i].id == marker) {
            Some(p) => p + 1,
            None => {
                return bad(
                    "IMG.0007",
                    format!("Invalid marker {marker:?}: no such image in the list."),
                );
            }
        },
        None => 0,
    };
    let page: Vec<usize> = selected.iter().skip(start).take(limit).copied().collect();
    let mut suffix = String::from("]");
    if start + page.len() < selected.len()
        && let Some(&last) = page.last()
    {
        let next = json!({"next_marker": world.images[last].id});
        suffix.push_str(&format!(r#","page_info":{next}"#));
    }
    suffix.push('}');
    let images = page.iter().map(|&i| world.image_json(i));
    Reply::raw_json(render::join(r#"{"images":["#, images, &suffix))
}

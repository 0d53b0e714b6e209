//! Single server, stop actions and job queries.

use serde_json::{Value, json};

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::jobs::Action;
use crate::sandbox::kind::SimKind;
use crate::sandbox::render;
use crate::sandbox::state::World;

pub fn not_found(kind: SimKind, id: &str) -> Reply {
    match kind {
        SimKind::Ecs => Reply::service(
            404,
            "Ecs.0114",
            format!("Instance[{id}] could not be found."),
        ),
        SimKind::Bms => Reply::service(400, "BMS.0040", "The server does not exist."),
    }
}

pub fn show(world: &World, kind: SimKind, id: &str, ctx: &Ctx<'_>) -> Reply {
    match world.server(kind, id) {
        Some(s) => Reply::ok(json!({"server": render::server(s, &ctx.config.project_id)})),
        None => not_found(kind, id),
    }
}

pub fn show_job(world: &World, id: &str, service: Option<SimKind>) -> Reply {
    match world.job_of(id, service) {
        Some(job) => Reply::ok(world.render_job(job)),
        None => Reply::service(
            400,
            "Common.0011",
            format!("Failed to query system tasks: job {id} does not exist."),
        ),
    }
}

fn bad(kind: SimKind, message: &str) -> Reply {
    match kind {
        SimKind::Ecs => Reply::service(400, "Ecs.0005", message),
        SimKind::Bms => Reply::service(400, "BMS.0018", message),
    }
}

/// `POST .../action` with `os-stop`: a batch stop job.
pub fn action(world: &mut World, kind: SimKind, ctx: &Ctx<'_>) -> Reply {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return match kind {
            SimKind::Ecs => Reply::service(400, "Common.0002", "The request body is empty."),
            SimKind::Bms => Reply::service(400, "BMS.0001", "The request body is empty."),
        };
    }
    let Ok(doc) = serde_json::from_slice::<Value>(ctx.body) else {
        return match kind {
            SimKind::Ecs => bad(kind, "The request body is not valid JSON."),
            SimKind::Bms => Reply::service(400, "BMS.0001", "The request body is not valid JSON."),
        };
    };
    let Some(stop) = doc.get("os-stop").and_then(Value::as_object) else {
        return bad(
            kind,
            "Invalid request body: only the os-stop action is supported here.",
        );
    };
    match stop.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "SOFT" || t == "HARD" => {}
        Some(_) => {
            return bad(
                kind,
                "Invalid request body: os-stop.type must be SOFT or HARD.",
            );
        }
    }
    let Some(list) = stop
        .get("servers")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    else {
        return bad(
            kind,
            "Invalid request body: os-stop.servers must be a non-empty array.",
        );
    };
    let mut ids = Vec::with_capacity(list.len());
    for item in list {
        match item.get("id").and_then(Value::as_str) {
            Some(id) if !ids.iter().any(|x| x == id) => ids.push(id.to_string()),
            Some(_) => {}
            None => {
                return bad(
                    kind,
                    "Invalid request body: every os-stop.servers item needs an id.",
                );
            }
        }
    }
    let mut plan = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(s) = world.server(kind, &id) else {
            return not_found(kind, &id);
        };
        let failure = match kind {
            SimKind::Bms if s.status == "SHUTOFF" => {
                return Reply::service(400, "BMS.0039", "Server is stopped, not allow to stop.");
            }
            SimKind::Bms
                if s.busy_job.is_some() || !s.task_state.is_empty() || s.status != "ACTIVE" =>
            {
                return Reply::service(
                    400,
                    "BMS.0018",
                    format!("The server status {} does not allow stopping.", s.status),
                );
            }
            SimKind::Ecs if s.locked => {
                return Reply::service(400, "Ecs.0605", format!("Instance[{id}] is locked."));
            }
            SimKind::Ecs
                if s.busy_job.is_some() || !s.task_state.is_empty() || s.status != "ACTIVE" =>
            {
                Some((
                    "Ecs.0100".to_string(),
                    "The ECS status does not meet requirements.".to_string(),
                ))
            }
            _ => None,
        };
        plan.push((id, failure));
    }
    let stop_type = stop.get("type").and_then(Value::as_str).map(str::to_string);
    for (id, _) in plan.iter().filter(|(_, failure)| failure.is_none()) {
        if let Some(s) = world.server_mut(id) {
            s.last_stop_type = stop_type.clone();
        }
    }
    let (service, job_type) = match kind {
        SimKind::Ecs => (SimKind::Ecs, "batchStopServer"),
        SimKind::Bms => (SimKind::Bms, "baremetalBatchOperate"),
    };
    let id = world.submit(
        service,
        job_type,
        Action::Stop { servers: plan },
        ctx.config.job_seconds / 2.0,
    );
    Reply::ok(json!({"job_id": id}))
}

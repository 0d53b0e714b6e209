//! The six change/reinstall OS operations (API doc section 8), each enforcing section 12.1
//! and the server-state rules itself, then submitting a job.

use serde_json::json;

use super::Ctx;
use super::servers::not_found;
use crate::cloud::model::ServerKind;
use crate::sandbox::errors::Reply;
use crate::sandbox::jobs::Action;
use crate::sandbox::rules::{self, OsOp, OsRequest, Service, Violation};
use crate::sandbox::state::{SimImage, SimServer, World};

/// Job failure for images carrying the `[fail]` marker.
pub const ECS_FAIL_CODE: &str = "Ecs.1000";
pub const BMS_FAIL_CODE: &str = "BMS.0100";

fn violation(v: Violation, service: Service) -> Reply {
    let (status, code) = v.code(service);
    Reply::service(status, code, v.message())
}

/// The image the server ends up with: the target (change) or the current one (reinstall).
fn target_image(
    world: &World,
    server: &SimServer,
    req: &OsRequest,
    op: OsOp,
    wanted_env: &str,
) -> Result<SimImage, Violation> {
    match op {
        OsOp::Reinstall => world
            .image(&server.image_id)
            .cloned()
            .ok_or_else(|| Violation::ImageUnknown(server.image_id.clone())),
        OsOp::Change => {
            let id = req.imageid.as_deref().ok_or(Violation::MissingImage)?;
            if !rules::is_uuid(id) {
                return Err(Violation::ImageMalformed);
            }
            let image = world
                .image(id)
                .ok_or_else(|| Violation::ImageUnknown(id.to_string()))?;
            if image.status != "active" {
                return Err(Violation::ImageInactive(id.to_string()));
            }
            if image.env != wanted_env {
                return Err(Violation::ImageWrongEnv(id.to_string()));
            }
            Ok(image.clone())
        }
    }
}

/// Key pair must exist and belong to `userid` (or be account-scoped).
fn check_key(world: &World, req: &OsRequest) -> Result<(), Violation> {
    let Some(name) = &req.keyname else {
        return Ok(());
    };
    match world.keypair(name) {
        Some(k)
            if k.scope == "domain"
                || req.userid.as_deref() == Some(crate::sandbox::DEFAULT_USER_ID) =>
        {
            Ok(())
        }
        _ => Err(Violation::KeyNotFound(name.clone())),
    }
}

fn validate(
    world: &World,
    server: &SimServer,
    req: &OsRequest,
    op: OsOp,
    service: Service,
) -> Result<SimImage, Violation> {
    rules::check_fields(req, service)?;
    let env = if service == Service::Bms {
        "Ironic"
    } else {
        "FusionCompute"
    };
    let image = target_image(world, server, req, op, env)?;
    check_key(world, req)?;
    if let Some(pass) = &req.adminpass {
        rules::check_password(pass, image.is_windows(), service == Service::Bms)?;
    }
    Ok(image)
}

fn busy(s: &SimServer) -> bool {
    s.busy_job.is_some() || !s.task_state.is_empty()
}

pub fn ecs(world: &mut World, id: &str, op: OsOp, v2: bool, ctx: &Ctx<'_>) -> Reply {
    let service = if v2 { Service::EcsV2 } else { Service::EcsV1 };
    let req = match rules::parse_body(ctx.body, op) {
        Ok(r) => r,
        Err(v) => return violation(v, service),
    };
    let Some(server) = world.server(ServerKind::Ecs, id).cloned() else {
        return not_found(ServerKind::Ecs, id);
    };
    let image = match validate(world, &server, &req, op, service) {
        Ok(i) => i,
        Err(v) => return violation(v, service),
    };
    if server.locked {
        return Reply::service(400, "Ecs.0605", format!("Instance[{id}] is locked."));
    }
    if server.charging_mode() == "2" {
        return Reply::service(
            400,
            "Ecs.0100",
            "The ECS status does not meet requirements: spot-priced servers cannot change or reinstall the OS.",
        );
    }
    if !server.has_system_disk() {
        return Reply::service(400, "Ecs.0105", "No system disk found.");
    }
    let with_stop = req.mode.as_deref() == Some("withStopServer");
    let state_ok = match server.status.as_str() {
        "SHUTOFF" | "ERROR" => true,
        "ACTIVE" => with_stop,
        _ => false,
    };
    if busy(&server) || !state_ok {
        return Reply::service(
            400,
            "Ecs.0100",
            format!(
                "The ECS status does not meet requirements (status {}, task {:?}).",
                server.status, server.task_state
            ),
        );
    }
    let failure = image.fails().then(|| {
        (
            ECS_FAIL_CODE.to_string(),
            format!(
                "Failed to install the operating system from image {}.",
                image.name
            ),
        )
    });
    let job_type = match op {
        OsOp::Change => "changeOS",
        OsOp::Reinstall => "reinstallOS",
    };
    let action = Action::Rebuild {
        server_id: server.id.clone(),
        image_id: image.id.clone(),
        key_name: req.keyname.clone(),
        failure,
    };
    // A prepaid server moving to a charged (market) image creates an order; unless it is
    // paid automatically the job waits for payment.
    let unpaid = op == OsOp::Change
        && server.charging_mode() == "1"
        && image.productcode.is_some()
        && req.is_auto_pay.as_deref() != Some("true");
    if unpaid {
        let job = world.submit_pending_payment(ServerKind::Ecs, job_type, action);
        let order = format!("CS{}", job.get(..16).unwrap_or(&job).to_uppercase());
        return Reply::ok(json!({"job_id": job, "order_id": order}));
    }
    let job = world.submit(ServerKind::Ecs, job_type, action, ctx.config.job_seconds);
    Reply::ok(json!({"job_id": job}))
}

pub fn bms(world: &mut World, id: &str, op: OsOp, ctx: &Ctx<'_>) -> Reply {
    let service = Service::Bms;
    let req = match rules::parse_body(ctx.body, op) {
        Ok(r) => r,
        Err(v) => return violation(v, service),
    };
    let Some(server) = world.server(ServerKind::Bms, id).cloned() else {
        return not_found(ServerKind::Bms, id);
    };
    let image = match validate(world, &server, &req, op, service) {
        Ok(i) => i,
        Err(v) => return violation(v, service),
    };
    if server.locked {
        return Reply::service(400, "BMS.0018", "The server is locked.");
    }
    if busy(&server) || !matches!(server.status.as_str(), "SHUTOFF" | "ERROR") {
        return Reply::service(
            400,
            "BMS.0018",
            format!(
                "The server must be stopped first (status {}, task {:?}).",
                server.status, server.task_state
            ),
        );
    }
    let failure = image.fails().then(|| {
        (
            BMS_FAIL_CODE.to_string(),
            format!(
                "Failed to install the operating system from image {}.",
                image.name
            ),
        )
    });
    let evs = server.has_system_disk();
    let job_type = match (op, evs) {
        (OsOp::Change, true) => "baremetalChangeOsVolumeBoot",
        (OsOp::Change, false) => "baremetalChangeOsLocalDisk",
        (OsOp::Reinstall, true) => "baremetalVolumeBootReinstallOs",
        (OsOp::Reinstall, false) => "baremetalReinstallOs",
    };
    let action = Action::Rebuild {
        server_id: server.id.clone(),
        image_id: image.id.clone(),
        key_name: req.keyname.clone(),
        failure,
    };
    let job = world.submit(ServerKind::Bms, job_type, action, ctx.config.job_seconds);
    match op {
        OsOp::Change => Reply::ok(json!({"jobId": job})),
        OsOp::Reinstall => Reply::ok(json!({"job_id": job})),
    }
}

//! The six change/reinstall OS operations, each enforcing the rules the pages state
//! (`rules.rs`) and the server-state rules, then submitting a job. What the service takes
//! but cannot do is modelled too: a request on the route that does not match the image's
//! Cloud-Init (or a BMS image without it) succeeds and injects nothing, and on Linux an
//! `adminpass` sent with `user_data` is ignored; the server's `injected` login (admin
//! API `GET /_sandbox/servers/{id}`) says what took effect.

use serde_json::json;

use super::Ctx;
use super::servers::not_found;
use crate::sandbox::errors::Reply;
use crate::sandbox::jobs::Action;
use crate::sandbox::kind::SimKind;
use crate::sandbox::rules::{self, OsOp, OsRequest, Service, Violation};
use crate::sandbox::state::{SimImage, SimServer, World};

/// Job failure for images carrying the `[fail]` marker.
pub const ECS_FAIL_CODE: &str = "Ecs.1000";
pub const BMS_FAIL_CODE: &str = "BMS.0100";

fn violation(v: Violation, service: Service) -> Reply {
    let (status, code) = v.code(service);
    Reply::service(status, code, v.message())
}

/// The image the server ends up with: the target (change) or the current one (reinstall,
/// `None` when it is no longer listed: the service reinstalls it anyway).
fn target_image(
    world: &World,
    server: &SimServer,
    req: &OsRequest,
    op: OsOp,
    wanted_env: &str,
) -> Result<Option<SimImage>, Violation> {
    match op {
        OsOp::Reinstall => Ok(world.image(&server.image_id).cloned()),
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
            Ok(Some(image.clone()))
        }
    }
}

/// The key pair must exist and belong to `userid`, or to the token's user when `userid` is
/// blank (page 000), or be account-scoped.
fn check_key(world: &World, req: &OsRequest) -> Result<(), Violation> {
    let Some(name) = &req.keyname else {
        return Ok(());
    };
    let user = req
        .userid
        .as_deref()
        .filter(|u| !u.is_empty())
        .unwrap_or(crate::sandbox::DEFAULT_USER_ID);
    match world.keypair(name) {
        Some(k) if k.scope == "domain" || user == crate::sandbox::DEFAULT_USER_ID => Ok(()),
        _ => Err(Violation::KeyNotFound(name.clone())),
    }
}

fn validate(
    world: &World,
    server: &SimServer,
    req: &OsRequest,
    op: OsOp,
    service: Service,
) -> Result<Option<SimImage>, Violation> {
    rules::check_fields(req, service, op)?;
    let env = if service == Service::Bms {
        "Ironic"
    } else {
        "FusionCompute"
    };
    let image = target_image(world, server, req, op, env)?;
    let windows = image.as_ref().is_some_and(SimImage::is_windows);
    rules::check_login(req, service, op, windows)?;
    check_key(world, req)?;
    if let Some(pass) = &req.adminpass {
        let must_000 = service == Service::EcsV2 && op == OsOp::Change;
        rules::check_password(pass, windows, service == Service::Bms, must_000)?;
    }
    Ok(image)
}

/// What login the finished job leaves on the server. Nothing is injected when the route
/// does not fit the image's Cloud-Init (the service takes the request all the same).
fn injected(req: &OsRequest, service: Service, image: Option<&SimImage>) -> String {
    let cloud_init = image.is_none_or(|i| i.cloud_init);
    let fits = match service {
        Service::EcsV1 => !cloud_init,
        Service::EcsV2 | Service::Bms => cloud_init,
    };
    if !fits {
        return "none (the image's Cloud-Init does not match the API)".into();
    }
    let linux = !image.is_some_and(SimImage::is_windows);
    match (&req.adminpass, &req.keyname, &req.user_data) {
        // Pages 000/003: with user_data a Linux adminpass is unavailable.
        (Some(_), _, Some(_)) if linux => "user data (adminpass ignored)".into(),
        (Some(_), _, Some(_)) => "password + user data".into(),
        (Some(_), _, None) => "password".into(),
        (None, Some(k), Some(_)) => format!("key pair {k} + user data"),
        (None, Some(k), None) => format!("key pair {k}"),
        (None, None, Some(_)) => "user data".into(),
        (None, None, None) => "none".into(),
    }
}

fn busy(s: &SimServer) -> bool {
    s.busy_job.is_some() || !s.task_state.is_empty()
}

fn failure_of(image: Option<&SimImage>, code: &str) -> Option<(String, String)> {
    image.filter(|i| i.fails()).map(|i| {
        (
            code.to_string(),
            format!(
                "Failed to install the operating system from image {}.",
                i.name
            ),
        )
    })
}

/// Whether `list` names the server, by id or name.
fn named(list: &[String], server: &SimServer) -> bool {
    list.iter().any(|s| *s == server.id || *s == server.name)
}

/// The failure of a server named in `SandboxConfig::fail_servers`.
fn failing_server(ctx: &Ctx<'_>, server: &SimServer, code: &str) -> Option<(String, String)> {
    named(&ctx.config.fail_servers, server).then(|| {
        (
            code.to_string(),
            format!("Failed to install the operating system on {}.", server.name),
        )
    })
}

/// An accepted request: counted, and its body's digest kept for the admin view.
fn note_request(world: &mut World, id: &str, body: &[u8]) {
    use sha2::Digest;
    if let Some(s) = world.server_mut(id) {
        s.os_requests += 1;
        s.last_os_body_sha256 = Some(hex::encode(sha2::Sha256::digest(body)));
    }
}

pub fn ecs(world: &mut World, id: &str, op: OsOp, v2: bool, ctx: &Ctx<'_>) -> Reply {
    let service = if v2 { Service::EcsV2 } else { Service::EcsV1 };
    let req = match rules::parse_body(ctx.body, op) {
        Ok(r) => r,
        Err(v) => return violation(v, service),
    };
    let Some(server) = world.server(SimKind::Ecs, id).cloned() else {
        return not_found(SimKind::Ecs, id);
    };
    let image = match validate(world, &server, &req, op, service) {
        Ok(i) => i,
        Err(v) => return violation(v, service),
    };
    // Pages 000/002/004: a system disk; no other operation meanwhile; stopped, or running
    // with withStopServer (001/002/004), or left failed by a change (000).
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
    let job_type = match op {
        OsOp::Change => "changeOS",
        OsOp::Reinstall => "reinstallOS",
    };
    let action = Action::Rebuild {
        server_id: server.id.clone(),
        image_id: image
            .as_ref()
            .filter(|_| !named(&ctx.config.hollow_servers, &server))
            .map_or(server.image_id.clone(), |i| i.id.clone()),
        key_name: req.keyname.clone(),
        failure: failure_of(image.as_ref(), ECS_FAIL_CODE)
            .or_else(|| failing_server(ctx, &server, ECS_FAIL_CODE)),
        injected: injected(&req, service, image.as_ref()),
    };
    // A prepaid server moving to a charged (market) image creates an order; unless it is
    // paid automatically the job waits for payment.
    let unpaid = op == OsOp::Change
        && server.charging_mode() == "1"
        && image.as_ref().is_some_and(|i| i.productcode.is_some())
        && req.is_auto_pay.as_deref() != Some("true");
    if unpaid {
        note_request(world, &server.id, ctx.body);
        let job = world.submit_pending_payment(SimKind::Ecs, job_type, action);
        let order = format!("CS{}", job.get(..16).unwrap_or(&job).to_uppercase());
        return Reply::ok(json!({"job_id": job, "order_id": order}));
    }
    note_request(world, &server.id, ctx.body);
    let job = world.submit(SimKind::Ecs, job_type, action, ctx.config.job_seconds);
    Reply::ok(json!({"job_id": job}))
}

pub fn bms(world: &mut World, id: &str, op: OsOp, ctx: &Ctx<'_>) -> Reply {
    let service = Service::Bms;
    let req = match rules::parse_body(ctx.body, op) {
        Ok(r) => r,
        Err(v) => return violation(v, service),
    };
    let Some(server) = world.server(SimKind::Bms, id).cloned() else {
        return not_found(SimKind::Bms, id);
    };
    let image = match validate(world, &server, &req, op, service) {
        Ok(i) => i,
        Err(v) => return violation(v, service),
    };
    // Page 003: changing needs a stopped BMS (or one a change left failed); no page
    // states a state rule for reinstalling. No other operation meanwhile (every page).
    let stopped = matches!(server.status.as_str(), "SHUTOFF" | "ERROR");
    if busy(&server) || (op == OsOp::Change && !stopped) {
        return Reply::service(
            400,
            "BMS.0018",
            format!(
                "The server must be stopped first (status {}, task {:?}).",
                server.status, server.task_state
            ),
        );
    }
    let evs = server.has_system_disk();
    let job_type = match (op, evs) {
        (OsOp::Change, true) => "baremetalChangeOsVolumeBoot",
        (OsOp::Change, false) => "baremetalChangeOsLocalDisk",
        (OsOp::Reinstall, true) => "baremetalVolumeBootReinstallOs",
        (OsOp::Reinstall, false) => "baremetalReinstallOs",
    };
    let action = Action::Rebuild {
        server_id: server.id.clone(),
        image_id: image
            .as_ref()
            .filter(|_| !named(&ctx.config.hollow_servers, &server))
            .map_or(server.image_id.clone(), |i| i.id.clone()),
        key_name: req.keyname.clone(),
        failure: failure_of(image.as_ref(), BMS_FAIL_CODE)
            .or_else(|| failing_server(ctx, &server, BMS_FAIL_CODE)),
        injected: injected(&req, service, image.as_ref()),
    };
    note_request(world, &server.id, ctx.body);
    let job = world.submit(SimKind::Bms, job_type, action, ctx.config.job_seconds);
    match op {
        OsOp::Change => Reply::ok(json!({"jobId": job})),
        OsOp::Reinstall => Reply::ok(json!({"job_id": job})),
    }
}

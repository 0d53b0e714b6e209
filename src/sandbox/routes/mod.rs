//! Routing: every method + path the sandbox serves, its operation name (used by counters
//! and fault switches) and the handler that answers it.

mod admin;
mod iam;
mod ims;
mod keypairs;
mod listing;
mod metadata;
mod os;
mod servers;

use axum::http::{HeaderMap, Method};

use super::SandboxConfig;
use super::errors::Reply;
use super::rules::OsOp;
use super::state::World;
use crate::sandbox::kind::SimKind;

pub use admin::AdminOp;

/// One operation with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    ServerList {
        kind: SimKind,
        project: String,
    },
    ServerShow {
        kind: SimKind,
        project: String,
        id: String,
    },
    EcsOs {
        project: String,
        id: String,
        op: OsOp,
        v2: bool,
    },
    BmsOs {
        project: String,
        id: String,
        op: OsOp,
    },
    Action {
        kind: SimKind,
        project: String,
    },
    JobShow {
        project: String,
        id: String,
        /// The service asked: from an `/ecs` or `/bms` path prefix, else from the `Host`
        /// (`ecs.…`, `bms.…`); `None` on the sandbox's single address.
        service: Option<SimKind>,
    },
    ImsList,
    NovaList {
        project: String,
    },
    NovaShow {
        project: String,
        name: String,
    },
    KpsList {
        project: String,
    },
    KpsShow {
        project: String,
        name: String,
    },
    IamProjects,
    IamDomains,
    IamCredential {
        ak: String,
    },
    MetaToken,
    MetaSecurityKey,
    Admin(AdminOp),
}

/// Every operation name, for documentation and validation of fault settings.
pub const OPERATION_NAMES: &[&str] = &[
    "ecs.list",
    "ecs.show",
    "ecs.changeos.v1",
    "ecs.changeos.v2",
    "ecs.reinstallos.v1",
    "ecs.reinstallos.v2",
    "ecs.action",
    "bms.list",
    "bms.show",
    "bms.changeos",
    "bms.reinstallos",
    "bms.action",
    "jobs.show",
    "ims.list",
    "nova.keypairs.list",
    "nova.keypairs.show",
    "kps.keypairs.list",
    "kps.keypairs.show",
    "iam.projects.list",
    "iam.domains.list",
    "iam.credentials.show",
    "metadata.token",
    "metadata.securitykey",
    "admin.faults.get",
    "admin.faults.put",
    "admin.counters",
    "admin.reset",
    "admin.server",
];

impl Op {
    pub fn name(&self) -> &'static str {
        let ecs = |k: &SimKind| *k == SimKind::Ecs;
        match self {
            Op::ServerList { kind, .. } => {
                if ecs(kind) {
                    "ecs.list"
                } else {
                    "bms.list"
                }
            }
            Op::ServerShow { kind, .. } => {
                if ecs(kind) {
                    "ecs.show"
                } else {
                    "bms.show"
                }
            }
            Op::EcsOs {
                op: OsOp::Change,
                v2: false,
                ..
            } => "ecs.changeos.v1",
            Op::EcsOs {
                op: OsOp::Change,
                v2: true,
                ..
            } => "ecs.changeos.v2",
            Op::EcsOs {
                op: OsOp::Reinstall,
                v2: false,
                ..
            } => "ecs.reinstallos.v1",
            Op::EcsOs {
                op: OsOp::Reinstall,
                v2: true,
                ..
            } => "ecs.reinstallos.v2",
            Op::BmsOs {
                op: OsOp::Change, ..
            } => "bms.changeos",
            Op::BmsOs {
                op: OsOp::Reinstall,
                ..
            } => "bms.reinstallos",
            Op::Action { kind, .. } => {
                if ecs(kind) {
                    "ecs.action"
                } else {
                    "bms.action"
                }
            }
            Op::JobShow { .. } => "jobs.show",
            Op::ImsList => "ims.list",
            Op::NovaList { .. } => "nova.keypairs.list",
            Op::NovaShow { .. } => "nova.keypairs.show",
            Op::KpsList { .. } => "kps.keypairs.list",
            Op::KpsShow { .. } => "kps.keypairs.show",
            Op::IamProjects => "iam.projects.list",
            Op::IamDomains => "iam.domains.list",
            Op::IamCredential { .. } => "iam.credentials.show",
            Op::MetaToken => "metadata.token",
            Op::MetaSecurityKey => "metadata.securitykey",
            Op::Admin(a) => a.name(),
        }
    }

    /// The metadata service needs no signature (it is reached from inside the server).
    pub fn needs_signature(&self) -> bool {
        !matches!(self, Op::MetaToken | Op::MetaSecurityKey)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Op::Admin(_))
    }

    /// The project id in the path, for the `X-Project-Id` check.
    fn project(&self) -> Option<&str> {
        match self {
            Op::ServerList { project, .. }
            | Op::ServerShow { project, .. }
            | Op::EcsOs { project, .. }
            | Op::BmsOs { project, .. }
            | Op::Action { project, .. }
            | Op::JobShow { project, .. }
            | Op::NovaList { project }
            | Op::NovaShow { project, .. }
            | Op::KpsList { project }
            | Op::KpsShow { project, .. } => Some(project),
            _ => None,
        }
    }
}

/// Find the operation for a method and raw path; `None` is the gateway's 404.
/// The server collection of a path segment: ECS and BMS share every listing route.
fn kind_of(collection: &str) -> Option<SimKind> {
    match collection {
        "cloudservers" => Some(SimKind::Ecs),
        "baremetalservers" => Some(SimKind::Bms),
        _ => None,
    }
}

fn os_op(action: &str) -> OsOp {
    if action == "changeos" {
        OsOp::Change
    } else {
        OsOp::Reinstall
    }
}

/// The ECS or BMS host an operation is served by (`None`: neither).
fn host_of(op: &Op) -> Option<SimKind> {
    match op {
        Op::ServerList { kind, .. } | Op::ServerShow { kind, .. } | Op::Action { kind, .. } => {
            Some(*kind)
        }
        Op::EcsOs { .. } | Op::NovaList { .. } | Op::NovaShow { .. } => Some(SimKind::Ecs),
        Op::BmsOs { .. } => Some(SimKind::Bms),
        Op::JobShow { service, .. } => *service,
        _ => None,
    }
}

/// The operation of a path; a leading `/ecs` or `/bms` names the service's host (so one
/// sandbox address can tell an ECS job query from a BMS one), and then only that
/// service's operations are found there.
pub fn route(method: &Method, path: &str) -> Option<Op> {
    let segs: Vec<String> = path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(crate::safe_text::percent::decode)
        .collect();
    let (prefix, rest) = match segs.first().map(String::as_str) {
        Some("ecs") => (Some(SimKind::Ecs), &segs[1..]),
        Some("bms") => (Some(SimKind::Bms), &segs[1..]),
        _ => (None, &segs[..]),
    };
    let op = route_segments(method, rest, prefix)?;
    match prefix {
        Some(p) if host_of(&op) != Some(p) => None,
        _ => Some(op),
    }
}

fn route_segments(method: &Method, segs: &[String], service: Option<SimKind>) -> Option<Op> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let get = method == Method::GET;
    let post = method == Method::POST;
    let p = |i: usize| s[i].to_string();
    let op = match s.as_slice() {
        ["v1", _, coll, "detail"] if get && kind_of(coll).is_some() => Op::ServerList {
            kind: kind_of(coll)?,
            project: p(1),
        },
        ["v1", _, coll, "action"] if post && kind_of(coll).is_some() => Op::Action {
            kind: kind_of(coll)?,
            project: p(1),
        },
        ["v1", _, coll, _] if get && kind_of(coll).is_some() => Op::ServerShow {
            kind: kind_of(coll)?,
            project: p(1),
            id: p(3),
        },
        [
            v @ ("v1" | "v2"),
            _,
            "cloudservers",
            _,
            action @ ("changeos" | "reinstallos"),
        ] if post => Op::EcsOs {
            project: p(1),
            id: p(3),
            op: os_op(action),
            v2: *v == "v2",
        },
        [
            "v1",
            _,
            "baremetalservers",
            _,
            action @ ("changeos" | "reinstallos"),
        ] if post => Op::BmsOs {
            project: p(1),
            id: p(3),
            op: os_op(action),
        },
        ["v1", _, "jobs", _] if get => Op::JobShow {
            project: p(1),
            id: p(3),
            service,
        },
        ["v2", "cloudimages"] if get => Op::ImsList,
        ["v2.1", _, "os-keypairs"] if get => Op::NovaList { project: p(1) },
        ["v2.1", _, "os-keypairs", _] if get => Op::NovaShow {
            project: p(1),
            name: p(3),
        },
        ["v3", "projects"] if get => Op::IamProjects,
        ["v3", "auth", "domains"] if get => Op::IamDomains,
        ["v3", _, "keypairs"] if get => Op::KpsList { project: p(1) },
        ["v3", _, "keypairs", _] if get => Op::KpsShow {
            project: p(1),
            name: p(3),
        },
        ["v3.0", "OS-CREDENTIAL", "credentials", _] if get => Op::IamCredential { ak: p(3) },
        ["meta-data", "latest", "api", "token"] if method == Method::PUT => Op::MetaToken,
        ["openstack", "latest", "securitykey"] if get => Op::MetaSecurityKey,
        ["_sandbox", rest @ ..] => Op::Admin(AdminOp::route(method, rest)?),
        _ => return None,
    };
    Some(op)
}

/// What a handler gets besides the world.
pub struct Ctx<'a> {
    pub config: &'a SandboxConfig,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Ctx<'_> {
    /// First value of a query parameter.
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn project_mismatch(op: &Op, ctx: &Ctx<'_>) -> Option<Reply> {
    let header = ctx.header("x-project-id");
    let expected = ctx.config.project_id.as_str();
    let bad = match op.project() {
        Some(path) => path != expected || header.is_some_and(|h| h != path),
        None if matches!(op, Op::ImsList) => header.is_some_and(|h| h != expected),
        None => false,
    };
    if !bad {
        return None;
    }
    let message =
        "The project ID in the request does not match the project of the credentials or the URL.";
    Some(match op {
        Op::ServerList {
            kind: SimKind::Ecs, ..
        }
        | Op::ServerShow {
            kind: SimKind::Ecs, ..
        }
        | Op::EcsOs { .. }
        | Op::Action {
            kind: SimKind::Ecs, ..
        }
        | Op::JobShow { .. } => Reply::service(400, "Ecs.0023", message),
        _ => Reply::service(400, "Common.0018", message),
    })
}

/// Answer one authenticated (or unauthenticated metadata) request.
pub fn handle(op: &Op, world: &mut World, ctx: &Ctx<'_>) -> Reply {
    if let Some(reply) = project_mismatch(op, ctx) {
        return reply;
    }
    match op {
        Op::ServerList { kind, .. } => listing::list_servers(world, *kind, ctx),
        Op::ServerShow { kind, id, .. } => servers::show(world, *kind, id, ctx),
        Op::EcsOs { id, op, v2, .. } => os::ecs(world, id, *op, *v2, ctx),
        Op::BmsOs { id, op, .. } => os::bms(world, id, *op, ctx),
        Op::Action { kind, .. } => servers::action(world, *kind, ctx),
        Op::JobShow { id, service, .. } => {
            let by_host = ctx.header("host").and_then(|h| match h.split('.').next() {
                Some("ecs") => Some(SimKind::Ecs),
                Some("bms") => Some(SimKind::Bms),
                _ => None,
            });
            servers::show_job(world, id, service.or(by_host))
        }
        Op::ImsList => ims::list(world, ctx),
        Op::NovaList { .. } => keypairs::nova_list(world, ctx),
        Op::NovaShow { name, .. } => keypairs::nova_show(world, name),
        Op::KpsList { .. } => keypairs::kps_list(world, ctx),
        Op::KpsShow { name, .. } => keypairs::kps_show(world, name),
        Op::IamProjects => iam::projects(ctx),
        Op::IamDomains => iam::domains(ctx),
        Op::IamCredential { ak } => iam::credential(world, ak, ctx),
        Op::MetaToken => metadata::token(world, ctx),
        Op::MetaSecurityKey => metadata::security_key(world, ctx),
        Op::Admin(_) => Reply::unknown_api(),
    }
}

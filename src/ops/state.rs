//! Can the server take a change/reinstall now? Only what a page states refuses here; a
//! lock, spot pricing or a running BMS being reinstalled are for the service to judge
//! (warnings of [`super::plan`]).

use super::errors::{Field, FieldError, Step};
use super::input::OpKind;
use super::sources::{self, Cite};
use crate::cloud::model::{Server, ServerKind};

/// Why the server cannot take the operation now, and the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    /// Face-neutral; each face names `step` its own way after it.
    pub way_out: String,
    pub step: Option<Step>,
    /// The page sentence it rests on; `None` for reimage's own (a stop of a busy server).
    pub source: Option<Cite>,
}

impl Refusal {
    fn new(reason: impl Into<String>, way_out: impl Into<String>, source: Cite) -> Self {
        Self {
            reason: reason.into(),
            way_out: way_out.into(),
            step: None,
            source: Some(source),
        }
    }

    /// The way out ends in reading the server again.
    fn then_refresh(mut self) -> Self {
        self.step = Some(Step::Refresh);
        self
    }

    pub fn to_field_error(&self) -> FieldError {
        FieldError {
            basis: self.source,
            step: self.step,
            ..FieldError::new(Field::Server, self.reason.clone(), self.way_out.clone())
        }
    }
}

/// The server can take the operation, possibly only with `withStopServer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Stopped: go.
    Ready,
    /// ERROR: allowed only after a failed change/reinstall (the listing cannot tell).
    ReadyIfFailedBefore,
    /// Running ECS: needs `mode=withStopServer` (the "stop first" box) or a stop.
    NeedsStop,
    /// A BMS reinstall while not stopped: no page states the rule (003 covers changing).
    BmsReinstallNotStopped,
}

/// Spot-priced (`charging_mode` 2); prepaid (1) may create an order (`isAutoPay`).
pub fn is_spot(server: &Server) -> bool {
    server.charging_mode() == Some("2")
}

pub fn is_prepaid(server: &Server) -> bool {
    server.charging_mode() == Some("1")
}

/// Whether `server` can take `op` now. Pure: reads only the listed server.
pub fn server_can_take(server: &Server, op: OpKind) -> Result<Readiness, Refusal> {
    let what = op.label();
    if let Some(task) = server.task() {
        return Err(Refusal::new(
            format!("a task is running on the server ({task})"),
            "wait for it to finish, then try again",
            sources::NO_OTHER_OPERATIONS,
        )
        .then_refresh());
    }
    if server.kind == ServerKind::Ecs && server.system_disk().is_none() {
        // Local-disk BMS have no system volume and may still be reinstalled.
        return Err(Refusal::new(
            "the server has no system disk",
            "attach a system disk (boot index 0) first",
            match op {
                OpKind::Change => sources::ECS_SYSTEM_DISK,
                OpKind::Reinstall => sources::ECS_SYSTEM_DISK_REINSTALL,
            },
        ));
    }
    let ecs_state = match op {
        OpKind::Change => sources::ECS_STOPPED,
        OpKind::Reinstall => sources::ECS_WITH_STOP,
    };
    match (server.kind, server.status.as_str(), op) {
        (_, "SHUTOFF", _) => Ok(Readiness::Ready),
        (_, "ERROR", _) => Ok(Readiness::ReadyIfFailedBefore),
        (ServerKind::Ecs, "ACTIVE", _) => Ok(Readiness::NeedsStop),
        (ServerKind::Bms, _, OpKind::Reinstall) => Ok(Readiness::BmsReinstallNotStopped),
        (ServerKind::Bms, "ACTIVE", OpKind::Change) => Err(Refusal {
            reason: format!("the bare-metal server is running; a BMS must be stopped to {what}"),
            way_out: "stop it first".into(),
            step: Some(Step::Stop),
            source: Some(sources::BMS_STOPPED),
        }),
        (ServerKind::Bms, status, _) => Err(Refusal::new(
            format!("status {status} does not allow it (needs SHUTOFF)"),
            "wait until the server is SHUTOFF, then try again",
            sources::BMS_STOPPED,
        )
        .then_refresh()),
        (ServerKind::Ecs, status, _) => Err(Refusal::new(
            format!("status {status} does not allow it (needs SHUTOFF, or ACTIVE with stop first)"),
            "wait until the server is SHUTOFF or ACTIVE, then try again",
            ecs_state,
        )
        .then_refresh()),
    }
}

/// Whether `server` can be stopped now: running, unlocked, no task on it. reimage's own
/// rule (no page states it). The reason follows the server's name ("web-01 is locked");
/// the way out is face-neutral, each face names the step.
pub fn server_can_stop(server: &Server) -> Result<(), Refusal> {
    let refusal = |reason: String, way_out: &str, step| Refusal {
        reason,
        way_out: way_out.into(),
        step,
        source: None,
    };
    if server.locked {
        return Err(refusal(
            "is locked".into(),
            "unlock it in the console",
            None,
        ));
    }
    if let Some(task) = server.task() {
        return Err(refusal(
            format!("is busy ({task})"),
            "wait for it to finish, then try again",
            Some(Step::Refresh),
        ));
    }
    if server.status != "ACTIVE" {
        return Err(refusal(
            format!("is {}, not running", server.status),
            "nothing to stop",
            None,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::model::Volume;

    fn ecs(status: &str) -> Server {
        Server {
            kind: ServerKind::Ecs,
            status: status.into(),
            volumes: vec![Volume {
                id: "v".into(),
                boot_index: Some("0".into()),
                device: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(
            server_can_take(&ecs("SHUTOFF"), OpKind::Change),
            Ok(Readiness::Ready)
        );
        assert_eq!(
            server_can_take(&ecs("ACTIVE"), OpKind::Change),
            Ok(Readiness::NeedsStop)
        );
        assert_eq!(
            server_can_take(&ecs("ERROR"), OpKind::Reinstall),
            Ok(Readiness::ReadyIfFailedBefore)
        );
        let r = server_can_take(&ecs("REBOOT"), OpKind::Change).unwrap_err();
        assert_eq!(
            r.reason,
            "status REBOOT does not allow it (needs SHUTOFF, or ACTIVE with stop first)"
        );
        assert_eq!(r.source, Some(sources::ECS_STOPPED));
        let bms = Server {
            kind: ServerKind::Bms,
            ..ecs("ACTIVE")
        };
        let r = server_can_take(&bms, OpKind::Change).unwrap_err();
        assert_eq!(r.step, Some(Step::Stop));
        assert_eq!(r.way_out, "stop it first");
        // Page 003 is about changing; nothing states the reinstall rule.
        assert_eq!(
            server_can_take(&bms, OpKind::Reinstall),
            Ok(Readiness::BmsReinstallNotStopped)
        );
    }

    #[test]
    fn locked_and_spot_are_not_refused_here() {
        let mut s = Server {
            locked: true,
            ..ecs("SHUTOFF")
        };
        s.metadata.insert("charging_mode", "2".into());
        assert_eq!(server_can_take(&s, OpKind::Change), Ok(Readiness::Ready));
    }

    #[test]
    fn bms_without_system_volume_is_fine() {
        let bms = Server {
            kind: ServerKind::Bms,
            volumes: vec![],
            ..ecs("SHUTOFF")
        };
        assert_eq!(
            server_can_take(&bms, OpKind::Reinstall),
            Ok(Readiness::Ready)
        );
    }
}

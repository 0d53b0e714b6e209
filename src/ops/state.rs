//! Can the server take a change/reinstall now (API doc 8.2, 8.3, 11)?

use super::errors::{Field, FieldError};
use super::input::OpKind;
use crate::cloud::model::{Server, ServerKind};

/// Why the server cannot take the operation now, and the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub way_out: String,
    /// Stopping the server (the `s` key) is the way out.
    pub stop_helps: bool,
}

impl Refusal {
    fn new(reason: impl Into<String>, way_out: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            way_out: way_out.into(),
            stop_helps: false,
        }
    }

    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(Field::Server, self.reason.clone(), self.way_out.clone())
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
}

/// Spot servers are refused; prepaid servers may create an order (`isAutoPay`).
pub fn is_spot(server: &Server) -> bool {
    server.charging_mode() == Some("2")
}

pub fn is_prepaid(server: &Server) -> bool {
    server.charging_mode() == Some("1")
}

/// Whether `server` can take `op` now. Pure: reads only the listed server.
pub fn server_can_take(server: &Server, op: OpKind) -> Result<Readiness, Refusal> {
    let what = op.label();
    if server.locked {
        return Err(Refusal::new(
            "the server is locked (Ecs.0605)",
            "unlock it in the console, then press r to refresh",
        ));
    }
    if let Some(task) = server.task() {
        return Err(Refusal::new(
            format!("a task is running on the server ({task})"),
            "wait for it to finish, then press r to refresh",
        ));
    }
    if is_spot(server) {
        return Err(Refusal::new(
            format!("spot-priced servers cannot {what}"),
            "create a pay-per-use or prepaid server instead",
        ));
    }
    if server.kind == ServerKind::Ecs && server.system_disk().is_none() {
        // Local-disk BMS have no system volume and may still be reinstalled (doc 5.1).
        return Err(Refusal::new(
            "the server has no system disk (Ecs.0105)",
            "attach a system disk (boot index 0) first",
        ));
    }
    match (server.kind, server.status.as_str()) {
        (_, "SHUTOFF") => Ok(Readiness::Ready),
        (_, "ERROR") => Ok(Readiness::ReadyIfFailedBefore),
        (ServerKind::Ecs, "ACTIVE") => Ok(Readiness::NeedsStop),
        (ServerKind::Bms, "ACTIVE") => Err(Refusal {
            reason: format!("the bare-metal server is running; a BMS must be stopped to {what}"),
            way_out: "press s to stop it first".into(),
            stop_helps: true,
        }),
        (_, status) => Err(Refusal::new(
            format!("status {status} does not allow it (needs SHUTOFF, or ACTIVE for ECS)"),
            "wait until the server is SHUTOFF or ACTIVE, then press r to refresh",
        )),
    }
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
            "status REBOOT does not allow it (needs SHUTOFF, or ACTIVE for ECS)"
        );
        let bms = Server {
            kind: ServerKind::Bms,
            ..ecs("ACTIVE")
        };
        let r = server_can_take(&bms, OpKind::Change).unwrap_err();
        assert!(r.stop_helps);
        assert_eq!(r.way_out, "press s to stop it first");
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

//! Which of the chosen servers the operation can go to, and how they group by request
//! shape (ECS /v1, ECS /v2, BMS). Every decision is `ops`'s; this only sorts its answers.

use crate::cloud::model::{Image, Server, ServerKind};
use crate::ops::{self, OpKind, Route, RouteDecision};

/// A server left out of the operation, with the reason and the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    pub name: String,
    pub reason: String,
}

/// Splits `servers` into those that can take `op` now and those refused up front. A change
/// goes to servers of one kind, the more numerous: ECS and BMS boot different images
/// (FusionCompute and Ironic), so no image fits both.
pub fn select(servers: Vec<Server>, op: OpKind) -> (Vec<Server>, Vec<Excluded>) {
    let mut targets: Vec<Server> = Vec::new();
    let mut excluded = Vec::new();
    for s in servers {
        match ops::server_can_take(&s, op) {
            Ok(_) => targets.push(s),
            Err(r) => excluded.push(Excluded {
                name: s.name.clone(),
                reason: format!("{}; {}{}", r.reason, r.way_out, super::key_hint(r.step)),
            }),
        }
    }
    if op == OpKind::Change {
        let bms = targets.iter().filter(|s| s.kind == ServerKind::Bms).count();
        let kind = if bms * 2 > targets.len() {
            ServerKind::Bms
        } else {
            ServerKind::Ecs
        };
        let (same, other): (Vec<Server>, Vec<Server>) =
            targets.into_iter().partition(|s| s.kind == kind);
        targets = same;
        excluded.extend(other.into_iter().map(|s| Excluded {
            reason: format!(
                "{} servers take other images than {} ones; change them in a second pass",
                s.kind.label(),
                kind.label()
            ),
            name: s.name,
        }));
    }
    (targets, excluded)
}

/// Ops's route decision for a server (target image for a change, current for a reinstall).
pub fn decision(
    server: &Server,
    op: OpKind,
    target_image: Option<&Image>,
    images: &[Image],
    forced: Option<Route>,
) -> Result<RouteDecision, ops::FieldError> {
    let deciding = match op {
        OpKind::Change => target_image,
        OpKind::Reinstall => server
            .current_image_id()
            .and_then(|id| images.iter().find(|i| i.id == id)),
    };
    ops::decide_route(server.kind, op, deciding, forced)
}

/// The route a server's request would take, when it can be told yet.
pub fn route_of(
    server: &Server,
    op: OpKind,
    target_image: Option<&Image>,
    images: &[Image],
    forced: Option<Route>,
) -> Option<Route> {
    decision(server, op, target_image, images, forced)
        .ok()
        .map(|d| d.route)
}

/// "ECS /v2", "ECS /v1", "BMS", or "ECS route unknown".
pub fn group_label(kind: ServerKind, route: Option<Route>) -> &'static str {
    match (kind, route) {
        (ServerKind::Bms, _) => "BMS",
        (ServerKind::Ecs, Some(Route::V1)) => "ECS /v1",
        (ServerKind::Ecs, Some(_)) => "ECS /v2",
        (ServerKind::Ecs, None) => "ECS route unknown",
    }
}

/// Server names by request shape, in first-seen order.
pub fn groups<'a>(
    targets: impl IntoIterator<Item = (&'a Server, Option<Route>)>,
) -> Vec<(&'static str, Vec<String>)> {
    let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (s, route) in targets {
        let label = group_label(s.kind, route);
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, names)) => names.push(s.name.clone()),
            None => out.push((label, vec![s.name.clone()])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::model::Volume;

    fn server(name: &str, kind: ServerKind, status: &str, locked: bool) -> Server {
        Server {
            id: format!("id-{name}"),
            name: name.into(),
            kind,
            status: status.into(),
            locked,
            volumes: vec![Volume {
                id: "v".into(),
                boot_index: Some("0".into()),
                device: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn refused_servers_are_excluded_with_the_way_out() {
        let (t, x) = select(
            vec![
                server("a", ServerKind::Ecs, "SHUTOFF", false),
                server("b", ServerKind::Ecs, "REBOOT", false),
                server("c", ServerKind::Bms, "ACTIVE", false),
                // No page says what a lock forbids: the service decides (a warning).
                server("d", ServerKind::Ecs, "SHUTOFF", true),
            ],
            OpKind::Change,
        );
        assert_eq!(t.len(), 2);
        assert_eq!(x.len(), 2);
        assert!(x[0].reason.contains("status REBOOT"), "{}", x[0].reason);
        assert!(
            x[1].reason.contains("stop it first (press s)"),
            "{}",
            x[1].reason
        );
    }

    #[test]
    fn a_change_goes_to_the_larger_kind_a_reinstall_to_both() {
        let mixed = || {
            vec![
                server("bms-1", ServerKind::Bms, "SHUTOFF", false),
                server("ecs-1", ServerKind::Ecs, "SHUTOFF", false),
                server("bms-2", ServerKind::Bms, "SHUTOFF", false),
            ]
        };
        // The larger group is changed now.
        let (t, x) = select(mixed(), OpKind::Change);
        let names: Vec<&str> = t.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bms-1", "bms-2"]);
        assert_eq!(x.len(), 1);
        assert_eq!(x[0].name, "ecs-1");
        assert!(x[0].reason.contains("second pass"), "{}", x[0].reason);
        let (t, x) = select(mixed(), OpKind::Reinstall);
        assert_eq!((t.len(), x.len()), (3, 0));
    }

    #[test]
    fn groups_keep_first_seen_order() {
        let a = server("a", ServerKind::Ecs, "SHUTOFF", false);
        let b = server("b", ServerKind::Bms, "SHUTOFF", false);
        let c = server("c", ServerKind::Ecs, "SHUTOFF", false);
        let g = groups([
            (&a, Some(Route::V2)),
            (&b, Some(Route::Bms)),
            (&c, Some(Route::V2)),
        ]);
        assert_eq!(
            g,
            vec![
                ("ECS /v2", vec!["a".to_string(), "c".to_string()]),
                ("BMS", vec!["b".to_string()])
            ]
        );
    }
}

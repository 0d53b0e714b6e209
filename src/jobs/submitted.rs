//! The journal record and audit wording of an accepted change/reinstall (from its plan) or
//! stop. Shared by `reimage apply`, `reimage stop` and the TUI's submissions so all journal
//! the same thing.

use super::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
use crate::cloud::CloudContext;
use crate::cloud::model::{JobAccepted, ServerKind};
use crate::ops::Plan;

/// A job the service just accepted for one server `(id, name)`: submitted now; its route,
/// images and order are for the caller to add.
pub fn fresh_record(
    job_id: &str,
    kind: ServerKind,
    operation: JobOperation,
    server: (&str, &str),
    ctx: &CloudContext,
) -> JobRecord {
    JobRecord {
        job_id: job_id.to_string(),
        kind,
        operation,
        server_id: server.0.to_string(),
        server_name: server.1.to_string(),
        route: None,
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        old_image: None,
        new_image: None,
        order_id: None,
        submitted_at: now_rfc3339(),
        state: TrackedState::Submitted,
        error_code: None,
        fail_reason: None,
        updated_at: now_rfc3339(),
    }
}

/// A fresh record for the job `accepted` that `plan` started.
pub fn record_for_plan(plan: &Plan, accepted: &JobAccepted, ctx: &CloudContext) -> JobRecord {
    JobRecord {
        route: Some(plan.route.route.word().to_string()),
        old_image: Some(plan.from_image.clone()).filter(|s| !s.is_empty()),
        new_image: Some(plan.to_image.clone()).filter(|s| !s.is_empty()),
        order_id: accepted.order_id.clone(),
        ..fresh_record(
            &accepted.job_id,
            plan.kind,
            plan.op.into(),
            (&plan.server_id, &plan.server_name),
            ctx,
        )
    }
}

/// A fresh record for the stop job `accepted` of the server `(kind, id, name)`.
pub fn record_for_stop(
    server: (ServerKind, &str, &str),
    accepted: &JobAccepted,
    ctx: &CloudContext,
) -> JobRecord {
    let (kind, id, name) = server;
    JobRecord {
        order_id: accepted.order_id.clone(),
        ..fresh_record(&accepted.job_id, kind, JobOperation::Stop, (id, name), ctx)
    }
}

/// How the new system is logged into, for the audit log: named, never the secret.
pub fn login_mode(plan: &Plan) -> String {
    let b = &plan.body;
    let mut mode = match (&b.keyname, &b.adminpass) {
        (Some(k), _) => format!("key pair {k}"),
        (None, Some(_)) => "password".to_string(),
        (None, None) => "none".to_string(),
    };
    if b.metadata.user_data.is_some() {
        mode.push_str(" + user data");
    }
    mode
}

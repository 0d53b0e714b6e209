//! The journal record and audit wording of an accepted change/reinstall (from its plan) or
//! stop. Shared by `reimage apply`, `reimage stop` and the TUI's submissions so all journal
//! the same thing.

use super::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
use crate::cloud::CloudContext;
use crate::cloud::model::{JobAccepted, ServerKind};
use crate::ops::{OpKind, Plan, Route};

/// A fresh record for the job `accepted` that `plan` started.
pub fn record_for_plan(plan: &Plan, accepted: &JobAccepted, ctx: &CloudContext) -> JobRecord {
    JobRecord {
        job_id: accepted.job_id.clone(),
        kind: plan.kind,
        operation: match plan.op {
            OpKind::Change => JobOperation::ChangeOs,
            OpKind::Reinstall => JobOperation::ReinstallOs,
        },
        server_id: plan.server_id.clone(),
        server_name: plan.server_name.clone(),
        route: Some(
            match plan.route.route {
                Route::V1 => "v1",
                Route::V2 => "v2",
                Route::Bms => "bms",
            }
            .to_string(),
        ),
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        old_image: Some(plan.from_image.clone()).filter(|s| !s.is_empty()),
        new_image: Some(plan.to_image.clone()).filter(|s| !s.is_empty()),
        order_id: accepted.order_id.clone(),
        submitted_at: now_rfc3339(),
        state: TrackedState::Submitted,
        error_code: None,
        fail_reason: None,
        updated_at: now_rfc3339(),
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
        job_id: accepted.job_id.clone(),
        kind,
        operation: JobOperation::Stop,
        server_id: id.to_string(),
        server_name: name.to_string(),
        route: None,
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        old_image: None,
        new_image: None,
        order_id: accepted.order_id.clone(),
        submitted_at: now_rfc3339(),
        state: TrackedState::Submitted,
        error_code: None,
        fail_reason: None,
        updated_at: now_rfc3339(),
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

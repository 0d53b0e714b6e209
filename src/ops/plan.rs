//! The one decision: from an [`Input`], either the exact request ([`Plan`]) or every
//! field error. The form calls [`plan`] on each change and shows what it says; the steps
//! are in [`super::checks`].

use super::body::{Body, Metadata};
use super::checks::{self, Draft};
use super::errors::{FieldError, Precondition, Warning};
use super::input::{Input, OpKind, Operation};
use super::route::RouteDecision;
use crate::cloud::model::{Image, ServerKind};
use crate::safe_text::percent::encode;
use std::fmt;

/// A request ready to send, with what the user must read first.
#[derive(Clone)]
pub struct Plan {
    pub kind: ServerKind,
    pub op: OpKind,
    pub server_id: String,
    pub server_name: String,
    /// Image names for "CentOS 7.9 → Ubuntu 22.04" (ids when the name is unknown).
    pub from_image: String,
    pub to_image: String,
    pub route: RouteDecision,
    pub method: &'static str,
    /// Full path, e.g. `/v2/{project_id}/cloudservers/{server_id}/changeos`.
    pub path: String,
    pub body: Body,
    /// The user data as the review shows it when reimage wrote it (the hashed-password
    /// script, hash masked); user data the user gave shows as its size only.
    pub user_data_shown: Option<&'static str>,
    pub warnings: Vec<Warning>,
    pub preconditions: Vec<Precondition>,
}

impl Plan {
    /// Service host that takes the request and later answers for its job.
    pub fn service(&self) -> &'static str {
        match self.kind {
            ServerKind::Ecs => "ecs",
            ServerKind::Bms => "bms",
        }
    }

    /// The body for the review screen and logs (password and user data masked).
    pub fn masked_body(&self) -> String {
        self.body.masked()
    }

    /// `ECS changeos /v2 with Cloud-Init` style label for job lists.
    pub fn label(&self) -> String {
        format!(
            "{} {} {}",
            self.kind.label(),
            self.op.label(),
            self.route.route.label()
        )
    }
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("kind", &self.kind)
            .field("op", &self.op)
            .field("server_id", &self.server_id)
            .field("route", &self.route)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.body) // Body's Debug is masked
            .field("warnings", &self.warnings)
            .field("preconditions", &self.preconditions)
            .finish()
    }
}

fn image_label(image: Option<&Image>, fallback: &str) -> String {
    match image {
        Some(i) if !i.name.is_empty() => i.name.clone(),
        _ => fallback.to_string(),
    }
}

/// Decide the request, or say every field that is wrong (sorted in form order).
pub fn plan(input: &Input<'_>) -> Result<Plan, Vec<FieldError>> {
    decide(input).0
}

/// The warnings of the input, also while some field is wrong (for a form to show them
/// under their fields as the user types).
pub fn warnings(input: &Input<'_>) -> Vec<Warning> {
    decide(input).1
}

fn decide(input: &Input<'_>) -> (Result<Plan, Vec<FieldError>>, Vec<Warning>) {
    let server = input.server;
    let op = input.operation.kind();
    let mut d = Draft::new();
    let mode = checks::server(input, &mut d);
    let imageid = checks::image(input, &mut d);
    let route = checks::route(input, &mut d);
    let mut metadata = Metadata::default();
    let login = checks::login(
        input,
        route.as_ref().map(|r| r.route),
        &mut metadata,
        &mut d,
    );
    checks::disk_and_license(input, &mut metadata, &mut d);
    let is_auto_pay = checks::auto_pay(input, &mut d);
    checks::os_caveats(input, &mut d);

    let Some(route) = route.filter(|_| d.errors.is_empty()) else {
        d.errors.sort_by_key(|e| e.field);
        return (Err(d.errors), d.warnings);
    };
    let route_kind = route.route;
    let path = format!(
        "/{}/{}/{}/{}/{}",
        route.route.version(),
        encode(input.project_id),
        route.route.collection(),
        encode(&server.id),
        op.path_action()
    );
    let current_id = server.current_image_id().unwrap_or("unknown image");
    let from_image = image_label(
        input.current_image(),
        server.image_name().unwrap_or(current_id),
    );
    let to_image = match input.operation {
        Operation::Change { image_id } => image_label(input.resulting_image(), image_id),
        Operation::Reinstall => from_image.clone(),
    };
    let warnings = d.warnings.clone();
    let plan = Plan {
        kind: server.kind,
        op,
        server_id: server.id.clone(),
        server_name: server.name.clone(),
        from_image,
        to_image,
        route,
        method: "POST",
        path,
        user_data_shown: d.user_data_shown,
        body: Body {
            op,
            route: route_kind,
            adminpass: login.adminpass,
            keyname: login.keyname,
            userid: login.userid,
            imageid,
            metadata,
            mode,
            is_auto_pay,
        },
        warnings: d.warnings,
        preconditions: d.preconditions,
    };
    (Ok(plan), warnings)
}

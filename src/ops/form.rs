//! Helpers for a form that validates while the user types: which fields to show, and the
//! errors of one field. The rules themselves stay in [`super::plan`].

use super::errors::{Field, FieldError, Warning};
use super::input::{Input, LoginMode, Operation};
use super::plan::{plan, warnings};
use super::route::{Route, ecs_route_for};
use super::state::is_prepaid;
use crate::cloud::model::{Image, ServerKind};

/// Every field error of the input, in form order (empty when [`plan`] would succeed).
pub fn validate(input: &Input<'_>) -> Vec<FieldError> {
    plan(input).err().unwrap_or_default()
}

/// The errors of one field, for showing under it while the user types.
pub fn field_errors(input: &Input<'_>, field: Field) -> Vec<FieldError> {
    validate(input)
        .into_iter()
        .filter(|e| e.field == field)
        .collect()
}

/// The warnings of one field (what the service may refuse), for showing under it.
pub fn field_warnings(input: &Input<'_>, field: Field) -> Vec<Warning> {
    warnings(input)
        .into_iter()
        .filter(|w| w.field() == Some(field))
        .collect()
}

/// Whether the form should offer `field` at all for this server, operation and login mode.
pub fn field_applies(input: &Input<'_>, field: Field) -> bool {
    let ecs = input.server.kind == ServerKind::Ecs;
    let route = input
        .entries
        .route_override
        .or_else(|| input.resulting_image().map(ecs_route_for));
    match field {
        Field::StopFirst | Field::Route | Field::Byol => ecs,
        Field::AutoPay => auto_pay_offered(input),
        Field::UserData => !ecs || route != Some(Route::V1),
        Field::Password | Field::PasswordConfirm => input.entries.login.takes_password(),
        Field::Keypair => input.entries.login == LoginMode::Keypair,
        // A rollout's: the form offers them for several servers.
        Field::Server
        | Field::Image
        | Field::LoginMode
        | Field::KmsKey
        | Field::Waves
        | Field::MaxFailures => true,
    }
}

/// `isAutoPay` is offered for an ECS change of a prepaid server or to a charged image.
pub fn auto_pay_offered(input: &Input<'_>) -> bool {
    input.server.kind == ServerKind::Ecs
        && matches!(input.operation, Operation::Change { .. })
        && (is_prepaid(input.server) || input.resulting_image().is_some_and(Image::is_charged))
}

//! The steps of [`super::plan`], in form order. Each reads the input, records errors,
//! warnings and preconditions in a [`Draft`], and returns the body fields it decided.

use super::body::Metadata;
use super::compat::{Incompatibility, image_compatibility};
use super::errors::{Field, FieldError, OsFamily, Precondition, Warning};
use super::form::auto_pay_offered;
use super::input::{Input, LoginMode, OpKind, Operation};
use super::login::{check_keypair, check_login_mode, check_user_data_allowed};
use super::password::{check_password, check_password_confirm};
use super::route::{Route, RouteDecision, decide_route};
use super::secret::Secret;
use super::state::{Readiness, server_can_take};
use super::user_data::encode_user_data;
use crate::cloud::model::ServerKind;

/// Length of a KMS key id (`__system__cmkid`).
pub const KMS_KEY_LEN: usize = 36;

/// What the steps found so far.
pub(super) struct Draft {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<Warning>,
    pub preconditions: Vec<Precondition>,
}

impl Draft {
    pub fn new() -> Self {
        Draft {
            errors: Vec::new(),
            // Every change and reinstall does this.
            warnings: vec![
                Warning::SystemDiskWiped,
                Warning::DataDisksKept,
                Warning::HostnameAndPasswordReset,
            ],
            preconditions: Vec::new(),
        }
    }

    fn refuse(&mut self, field: Field, message: impl Into<String>, fix: impl Into<String>) {
        self.errors.push(FieldError::new(field, message, fix));
    }
}

/// Server state; returns the ECS `mode`.
pub(super) fn server(input: &Input<'_>, d: &mut Draft) -> Option<&'static str> {
    let server = input.server;
    if server.id.is_empty() || input.project_id.is_empty() {
        d.refuse(
            Field::Server,
            "the server id or the project id is unknown",
            "refresh the server list (r) or check the profile's project",
        );
    }
    let stop_first = input.entries.stop_first;
    match server_can_take(server, input.operation.kind()) {
        Err(refusal) => d.errors.push(refusal.to_field_error()),
        Ok(Readiness::NeedsStop) if !stop_first => d.refuse(
            Field::StopFirst,
            "the server is running (ACTIVE) and must be stopped (Ecs.0100)",
            "choose \"stop first\" (withStopServer, --stop), or stop the server first (s)",
        ),
        Ok(Readiness::NeedsStop) => d.preconditions.push(Precondition::ServerStoppedFirst),
        Ok(Readiness::ReadyIfFailedBefore) => d.warnings.push(Warning::ErrorState),
        Ok(Readiness::Ready) => {}
    }
    match (stop_first, server.kind) {
        (true, ServerKind::Ecs) => Some("withStopServer"),
        (true, ServerKind::Bms) => {
            d.refuse(
                Field::StopFirst,
                "a bare-metal server cannot be stopped automatically",
                "untick \"stop first\" and stop the server with s",
            );
            None
        }
        (false, _) => None,
    }
}

pub(super) fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The image: compatibility for a change, still usable for a reinstall. Returns `imageid`.
pub(super) fn image(input: &Input<'_>, d: &mut Draft) -> Option<String> {
    let current = input.current_image();
    match input.operation {
        Operation::Change { image_id } if !is_uuid(image_id) => {
            d.refuse(
                Field::Image,
                format!("\"{image_id}\" is not an image id (UUID)"),
                "pick an image from the list",
            );
            None
        }
        Operation::Change { image_id } => {
            let Some(target) = input.resulting_image() else {
                d.refuse(
                    Field::Image,
                    format!("image {image_id} is not in the image list"),
                    "pick an image from the list (r refreshes it)",
                );
                return None;
            };
            match image_compatibility(input.server, current, input.system_disk_gb, target) {
                Err(blocking) => d
                    .errors
                    .extend(blocking.iter().map(Incompatibility::to_field_error)),
                Ok(advisories) => d.warnings.extend(advisories.into_iter().map(|a| match a {
                    Incompatibility::DiskGrows {
                        min_disk_gb,
                        has_gb,
                    } => Warning::DiskGrows {
                        min_disk_gb,
                        has_gb,
                    },
                    _ => Warning::ChargedImage,
                })),
            }
            Some(image_id.clone())
        }
        Operation::Reinstall => {
            if let Some(image) = current.filter(|i| i.status != "active") {
                d.refuse(
                    Field::Image,
                    format!("the current image is {}, not active", image.status),
                    "change the OS to another image instead",
                );
            }
            None
        }
    }
}

/// The route; `None` when it cannot be decided (the error is recorded unless the image
/// step already explained it).
pub(super) fn route(input: &Input<'_>, d: &mut Draft) -> Option<RouteDecision> {
    let target = input.resulting_image();
    if matches!(input.operation, Operation::Change { .. }) && target.is_none() {
        return None; // an unknown target image already has its error
    }
    let op = input.operation.kind();
    match decide_route(input.server.kind, op, target, input.entries.route_override) {
        Ok(decision) => {
            if decision.overridden {
                d.warnings.push(Warning::RouteOverridden {
                    detected: decision.detected.map_or("unknown", Route::label),
                    chosen: decision.route.label(),
                });
            }
            Some(decision)
        }
        Err(e) => {
            d.errors.push(e);
            None
        }
    }
}

/// The login fields of the body.
#[derive(Default)]
pub(super) struct Login {
    pub adminpass: Option<Secret>,
    pub keyname: Option<String>,
    pub userid: Option<String>,
}

/// Login mode, password, key pair; user data goes into `metadata`.
pub(super) fn login(
    input: &Input<'_>,
    route: Option<Route>,
    metadata: &mut Metadata,
    d: &mut Draft,
) -> Login {
    let e = input.entries;
    let os = input.resulting_os();
    let mut out = Login::default();
    let mut mode_ok = true;
    if let Some(r) = route {
        // A wrong login mode makes the user-data rule moot: report only the first.
        let mode_error = check_login_mode(r, os, e.login);
        mode_ok = mode_error.is_none();
        let user_data_error = match mode_error {
            Some(_) => None,
            None => check_user_data_allowed(r, e.login, e.user_data.is_some()),
        };
        d.errors
            .extend(mode_error.into_iter().chain(user_data_error));
        let no_cloud_init = input.resulting_image().is_some_and(|i| !i.has_cloud_init());
        if r == Route::Bms && no_cloud_init && e.login != LoginMode::UserDataOnly {
            d.warnings.push(Warning::NoInjection);
        }
    }
    // The fields of a login mode the route refuses are not checked: the mode is the error.
    match e.login {
        _ if !mode_ok => {}
        LoginMode::Password => {
            let bare_metal = input.server.kind == ServerKind::Bms;
            let bad: Vec<FieldError> = check_password(&e.password, os, bare_metal)
                .into_iter()
                .chain(check_password_confirm(&e.password, &e.password_confirm))
                .collect();
            if bad.is_empty() {
                out.adminpass = Some(e.password.clone());
            }
            d.errors.extend(bad);
            if os == OsFamily::Linux {
                d.warnings.push(Warning::SshPasswordLogin);
                if e.user_data.is_some() {
                    d.warnings.push(Warning::PasswordMayBeOverridden);
                }
            }
        }
        LoginMode::Keypair => match check_keypair(&e.keypair, input.keypairs, input.user_id) {
            Some(err) => d.errors.push(err),
            None => {
                out.keyname = Some(e.keypair.clone());
                out.userid = Some(input.user_id.to_string());
            }
        },
        LoginMode::UserDataOnly => {}
    }
    if let Some(data) = &e.user_data {
        match encode_user_data(data) {
            Ok(encoded) => {
                d.warnings.extend(encoded.warnings);
                metadata.user_data = Some((encoded.base64, encoded.raw_len));
            }
            Err(err) => d.errors.push(err),
        }
    }
    out
}

/// Encryption and BYOL into `metadata`.
pub(super) fn disk_and_license(input: &Input<'_>, metadata: &mut Metadata, d: &mut Draft) {
    let e = input.entries;
    if e.encrypt {
        let len = e.kms_key_id.chars().count();
        if len == KMS_KEY_LEN {
            metadata.system_encrypted = Some("1");
            metadata.system_cmkid = Some(e.kms_key_id.clone());
        } else {
            d.refuse(
                Field::KmsKey,
                format!("a KMS key id has {KMS_KEY_LEN} characters, this one {len}"),
                "paste the key id from KMS (8-4-4-4-12), or turn encryption off",
            );
        }
    }
    if e.byol {
        match input.server.kind {
            ServerKind::Ecs => metadata.byol = Some("true"),
            ServerKind::Bms => d.refuse(
                Field::Byol,
                "the bare-metal API takes no BYOL flag",
                "untick BYOL",
            ),
        }
    }
}

/// `isAutoPay`, and the order precondition.
pub(super) fn auto_pay(input: &Input<'_>, d: &mut Draft) -> Option<&'static str> {
    let chosen = input.entries.auto_pay;
    if auto_pay_offered(input) {
        d.preconditions.push(if chosen {
            Precondition::OrderPaidAutomatically
        } else {
            Precondition::OrderPaidManually
        });
        return chosen.then_some("true");
    }
    if chosen {
        let why = match (input.server.kind, input.operation.kind()) {
            (ServerKind::Bms, _) => "the bare-metal API takes no auto-pay flag",
            (_, OpKind::Reinstall) => "a reinstall creates no order to pay",
            _ => "nothing to pay: the server is not prepaid and the image is free",
        };
        d.refuse(Field::AutoPay, why, "untick auto-pay");
    }
    None
}

/// Data-disk caveats when the OS family changes (or fstab when it does not).
pub(super) fn os_caveats(input: &Input<'_>, d: &mut Draft) {
    let (from, to) = (input.current_os(), input.resulting_os());
    if from != to {
        d.warnings.push(Warning::DataDisksOtherOs { from, to });
    } else if to == OsFamily::Linux {
        d.warnings.push(Warning::FstabMounts);
    }
}

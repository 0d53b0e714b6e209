//! The one decision: from an [`Input`], either the exact request ([`Plan`]) or every
//! field error. The form calls [`plan`] on each change and shows what it says.

use super::body::{Body, Metadata};
use super::compat::{Incompatibility, image_compatibility};
use super::errors::{Field, FieldError, OsFamily, Precondition, Warning};
use super::input::{Input, LoginMode, OpKind, Operation};
use super::login::{check_keypair, check_login_mode, check_user_data_allowed};
use super::password::{check_password, check_password_confirm};
use super::route::{Route, RouteDecision, decide_route};
use super::state::{Readiness, is_prepaid, server_can_take};
use super::user_data::encode_user_data;
use crate::cloud::model::{Image, ServerKind};
use crate::cloud::signer::encode;
use std::fmt;

/// Length of a KMS key id (`__system__cmkid`).
pub const KMS_KEY_LEN: usize = 36;

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

/// Whether the form should offer `field` at all for this server and operation.
pub fn field_applies(input: &Input<'_>, field: Field) -> bool {
    let ecs = input.server.kind == ServerKind::Ecs;
    let route = input
        .entries
        .route_override
        .or_else(|| deciding_image(input).map(super::route::ecs_route_for));
    match field {
        Field::StopFirst | Field::Route => ecs,
        Field::Byol => ecs,
        Field::AutoPay => auto_pay_offered(input),
        Field::UserData => !ecs || route != Some(Route::V1),
        Field::Password | Field::PasswordConfirm => input.entries.login == LoginMode::Password,
        Field::Keypair => input.entries.login == LoginMode::Keypair,
        Field::Server | Field::Image | Field::LoginMode | Field::KmsKey => true,
    }
}

/// `isAutoPay` is offered for an ECS change of a prepaid server or to a charged image.
pub fn auto_pay_offered(input: &Input<'_>) -> bool {
    input.server.kind == ServerKind::Ecs
        && matches!(input.operation, Operation::Change { .. })
        && (is_prepaid(input.server) || input.resulting_image().is_some_and(Image::is_charged))
}

fn deciding_image<'a>(input: &Input<'a>) -> Option<&'a Image> {
    input.resulting_image()
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn image_label(image: Option<&Image>, fallback: &str) -> String {
    match image {
        Some(i) if !i.name.is_empty() => i.name.clone(),
        _ => fallback.to_string(),
    }
}

/// Decide the request, or say every field that is wrong.
pub fn plan(input: &Input<'_>) -> Result<Plan, Vec<FieldError>> {
    let server = input.server;
    let entries = input.entries;
    let op = input.operation.kind();
    let mut errors = Vec::new();
    let mut warnings = vec![
        Warning::SystemDiskWiped,
        Warning::DataDisksKept,
        Warning::HostnameAndPasswordReset,
    ];
    let mut preconditions = Vec::new();

    if server.id.is_empty() || input.project_id.is_empty() {
        errors.push(FieldError::new(
            Field::Server,
            "the server id or the project id is unknown",
            "refresh the server list (r) or check the profile's project",
        ));
    }

    // Server state, and ECS `mode`.
    let mut mode = None;
    match server_can_take(server, op) {
        Err(refusal) => errors.push(refusal.to_field_error()),
        Ok(Readiness::NeedsStop) if !entries.stop_first => errors.push(FieldError::new(
            Field::StopFirst,
            "the server is running (ACTIVE) and must be stopped (Ecs.0100)",
            "choose \"stop first\" (withStopServer, --stop), or stop the server first (s)",
        )),
        Ok(Readiness::NeedsStop) => preconditions.push(Precondition::ServerStoppedFirst),
        Ok(Readiness::ReadyIfFailedBefore) => warnings.push(Warning::ErrorState),
        Ok(Readiness::Ready) => {}
    }
    if entries.stop_first {
        match server.kind {
            ServerKind::Ecs => mode = Some("withStopServer"),
            ServerKind::Bms => errors.push(FieldError::new(
                Field::StopFirst,
                "a bare-metal server cannot be stopped automatically",
                "untick \"stop first\" and stop the server with s",
            )),
        }
    }

    // Images.
    let current = input.current_image();
    let target = input.resulting_image();
    let mut imageid = None;
    match input.operation {
        Operation::Change { image_id } => {
            if !is_uuid(image_id) {
                errors.push(FieldError::new(
                    Field::Image,
                    format!("\"{image_id}\" is not an image id (UUID)"),
                    "pick an image from the list",
                ));
            } else if let Some(image) = target {
                imageid = Some(image_id.clone());
                match image_compatibility(server, current, input.system_disk_gb, image) {
                    Err(blocking) => {
                        errors.extend(blocking.iter().map(Incompatibility::to_field_error))
                    }
                    Ok(advisories) => warnings.extend(advisories.into_iter().map(|a| match a {
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
            } else {
                errors.push(FieldError::new(
                    Field::Image,
                    format!("image {image_id} is not in the image list"),
                    "pick an image from the list (r refreshes it)",
                ));
            }
        }
        Operation::Reinstall => {
            if let Some(image) = current.filter(|i| i.status != "active") {
                errors.push(FieldError::new(
                    Field::Image,
                    format!("the current image is {}, not active", image.status),
                    "change the OS to another image instead",
                ));
            }
        }
    }

    // Route.
    // A change to an unknown image already has its error; the route has nothing to add.
    let unknown_target = matches!(input.operation, Operation::Change { .. }) && target.is_none();
    let decided = if unknown_target {
        Err(None)
    } else {
        decide_route(server.kind, op, target, entries.route_override).map_err(Some)
    };
    let route = match decided {
        Ok(decision) => {
            if decision.overridden {
                warnings.push(Warning::RouteOverridden {
                    detected: decision.detected.map_or("unknown", Route::label),
                    chosen: decision.route.label(),
                });
            }
            Some(decision)
        }
        Err(e) => {
            errors.extend(e);
            None
        }
    };

    // Login.
    let os = input.resulting_os();
    let login = entries.login;
    let mut adminpass = None;
    let (mut keyname, mut userid) = (None, None);
    if let Some(r) = route.as_ref().map(|d| d.route) {
        // A wrong login mode makes the user-data rule moot: report only the first.
        let mode_error = check_login_mode(r, os, login);
        let user_data_error = match mode_error {
            Some(_) => None,
            None => check_user_data_allowed(r, login, entries.user_data.is_some()),
        };
        errors.extend(mode_error.into_iter().chain(user_data_error));
        if r == Route::Bms
            && target.is_some_and(|i| !i.has_cloud_init())
            && login != LoginMode::UserDataOnly
        {
            warnings.push(Warning::NoInjection);
        }
    }
    match login {
        LoginMode::Password => {
            let bad = check_password(&entries.password, os, server.kind == ServerKind::Bms)
                .into_iter()
                .chain(check_password_confirm(
                    &entries.password,
                    &entries.password_confirm,
                ))
                .collect::<Vec<_>>();
            if bad.is_empty() {
                adminpass = Some(entries.password.clone());
            }
            errors.extend(bad);
            if os == OsFamily::Linux {
                warnings.push(Warning::SshPasswordLogin);
                if entries.user_data.is_some() {
                    warnings.push(Warning::PasswordMayBeOverridden);
                }
            }
        }
        LoginMode::Keypair => {
            match check_keypair(&entries.keypair, input.keypairs, input.user_id) {
                Some(e) => errors.push(e),
                None => {
                    keyname = Some(entries.keypair.clone());
                    userid = Some(input.user_id.to_string());
                }
            }
        }
        LoginMode::UserDataOnly => {}
    }
    let mut metadata = Metadata::default();
    if let Some(data) = &entries.user_data {
        match encode_user_data(data) {
            Ok(encoded) => {
                warnings.extend(encoded.warnings);
                metadata.user_data = Some((encoded.base64, encoded.raw_len));
            }
            Err(e) => errors.push(e),
        }
    }

    // Encryption, BYOL, auto-pay.
    if entries.encrypt {
        let len = entries.kms_key_id.chars().count();
        if len == KMS_KEY_LEN {
            metadata.system_encrypted = Some("1");
            metadata.system_cmkid = Some(entries.kms_key_id.clone());
        } else {
            errors.push(FieldError::new(
                Field::KmsKey,
                format!("a KMS key id has {KMS_KEY_LEN} characters, this one {len}"),
                "paste the key id from KMS (8-4-4-4-12), or turn encryption off",
            ));
        }
    }
    if entries.byol {
        match server.kind {
            ServerKind::Ecs => metadata.byol = Some("true"),
            ServerKind::Bms => errors.push(FieldError::new(
                Field::Byol,
                "the bare-metal API takes no BYOL flag",
                "untick BYOL",
            )),
        }
    }
    let mut is_auto_pay = None;
    if auto_pay_offered(input) {
        if entries.auto_pay {
            is_auto_pay = Some("true");
            preconditions.push(Precondition::OrderPaidAutomatically);
        } else {
            preconditions.push(Precondition::OrderPaidManually);
        }
    } else if entries.auto_pay {
        errors.push(FieldError::new(
            Field::AutoPay,
            match (server.kind, op) {
                (ServerKind::Bms, _) => "the bare-metal API takes no auto-pay flag",
                (_, OpKind::Reinstall) => "a reinstall creates no order to pay",
                _ => "nothing to pay: the server is not prepaid and the image is free",
            },
            "untick auto-pay",
        ));
    }

    // OS-family caveats for the data disks.
    let from_os = input.current_os();
    if from_os != os {
        warnings.push(Warning::DataDisksOtherOs {
            from: from_os,
            to: os,
        });
    } else if os == OsFamily::Linux {
        warnings.push(Warning::FstabMounts);
    }

    let Some(route) = route.filter(|_| errors.is_empty()) else {
        errors.sort_by_key(|e| e.field);
        return Err(errors);
    };
    let path = format!(
        "/{}/{}/{}/{}/{}",
        route.route.version(),
        encode(input.project_id),
        route.route.collection(),
        encode(&server.id),
        op.path_action()
    );
    let current_id = server.current_image_id().unwrap_or("unknown image");
    let from_image = image_label(current, server.image_name().unwrap_or(current_id));
    let to_image = match input.operation {
        Operation::Change { image_id } => image_label(target, image_id),
        Operation::Reinstall => from_image.clone(),
    };
    Ok(Plan {
        kind: server.kind,
        op,
        server_id: server.id.clone(),
        server_name: server.name.clone(),
        from_image,
        to_image,
        route,
        method: "POST",
        path,
        body: Body {
            op,
            adminpass,
            keyname,
            userid,
            imageid,
            metadata,
            mode,
            is_auto_pay,
        },
        warnings,
        preconditions,
    })
}

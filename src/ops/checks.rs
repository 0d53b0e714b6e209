//! The steps of [`super::plan`], in form order. Each reads the input, records errors,
//! warnings and preconditions in a [`Draft`], and returns the body fields it decided.
//! An error always cites the page or SDK sentence it enforces; what no page requires is a
//! warning ("the service may refuse this: …").

use super::body::Metadata;
use super::compat::image_compatibility;
use super::crypt;
use super::errors::{Field, FieldError, OsFamily, Precondition, Step, Warning};
use super::form::auto_pay_offered;
use super::input::{Input, LoginMode, OpKind, Operation, UserData};
use super::login::{check_keypair, check_login_mode, check_user_data_allowed};
use super::password::{PasswordTarget, check_password, check_password_confirm};
use super::route::{Route, RouteDecision, decide_route};
use super::sources;
use super::state::{Readiness, is_spot, server_can_take};
use super::user_data::encode_user_data;
use crate::cloud::model::ServerKind;
use crate::secret::Secret;

/// Length of a KMS key id (`__system__cmkid`).
pub const KMS_KEY_LEN: usize = 36;

/// What the steps found so far.
pub(super) struct Draft {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<Warning>,
    pub preconditions: Vec<Precondition>,
    /// The user data as the review shows it, when reimage wrote it (hashed password).
    pub user_data_shown: Option<&'static str>,
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
            user_data_shown: None,
        }
    }

    fn may_refuse(&mut self, field: Field, what: impl Into<String>) {
        self.warnings.push(Warning::MayRefuse {
            field,
            what: what.into(),
        });
    }
}

/// Server state; returns the ECS `mode`.
pub(super) fn server(input: &Input<'_>, d: &mut Draft) -> Option<&'static str> {
    let server = input.server;
    let what = input.operation.kind().label();
    if server.id.is_empty() || input.project_id.is_empty() {
        d.errors.push(
            FieldError::new(
                Field::Server,
                "the server id or the project id is unknown",
                "read the server list again, or check the profile's project",
            )
            .cite(sources::PATH_IDS)
            .step(Step::Refresh),
        );
    }
    let stop_first = input.entries.stop_first;
    match server_can_take(server, input.operation.kind()) {
        Err(refusal) => d.errors.push(refusal.to_field_error()),
        Ok(Readiness::NeedsStop) if !stop_first => d.errors.push(
            FieldError::new(
                Field::StopFirst,
                "the server is running (ACTIVE) and must be stopped",
                "let the service stop it first (withStopServer), or stop it yourself",
            )
            .step(Step::StopFirst)
            .cite(match input.operation.kind() {
                OpKind::Change => sources::ECS_STOPPED,
                OpKind::Reinstall => sources::ECS_WITH_STOP,
            }),
        ),
        Ok(Readiness::NeedsStop) => d.preconditions.push(Precondition::ServerStoppedFirst),
        Ok(Readiness::ReadyIfFailedBefore) => d.warnings.push(Warning::ErrorState),
        Ok(Readiness::BmsReinstallNotStopped) => d.may_refuse(
            Field::Server,
            format!(
                "the bare-metal server is {}; page 003 asks for a stopped BMS to change the OS, and no page says so for reinstalling",
                server.status
            ),
        ),
        Ok(Readiness::Ready) => {}
    }
    if server.locked {
        d.may_refuse(
            Field::Server,
            "the server is locked (no page says what a lock forbids; unlock it in the console if refused)",
        );
    }
    if is_spot(server) {
        d.may_refuse(
            Field::Server,
            format!("the server is spot-priced (no page says whether it can {what})"),
        );
    }
    match (stop_first, server.kind) {
        (true, ServerKind::Ecs) => Some("withStopServer"),
        (true, ServerKind::Bms) => {
            d.errors.push(
                FieldError::new(
                    Field::StopFirst,
                    "a bare-metal server cannot be stopped automatically (the BMS API has no mode)",
                    "stop the server yourself first",
                )
                .cite(sources::BMS_NO_MODE)
                .step(Step::StopYourself),
            );
            None
        }
        (false, _) => None,
    }
}

pub fn is_uuid(s: &str) -> bool {
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
            d.errors.push(
                FieldError::new(
                    Field::Image,
                    format!("\"{image_id}\" is not an image id (UUID)"),
                    "pick an image from the list",
                )
                .cite(sources::IMAGE_UUID),
            );
            None
        }
        Operation::Change { image_id } => {
            let Some(target) = input.resulting_image() else {
                if input.entries.route_override.is_some() {
                    d.may_refuse(
                        Field::Image,
                        format!(
                            "image {image_id} is not in the image list, so reimage cannot check it"
                        ),
                    );
                    return Some(image_id.clone());
                }
                // reimage cannot choose between /v1 and /v2 without the image.
                d.errors.push(FieldError::new(
                    Field::Image,
                    format!("image {image_id} is not in the image list"),
                    "choose a listed image, or force the route (/v1 or /v2) to send it unchecked",
                ).step(Step::ForceRoute));
                return None;
            };
            let found = image_compatibility(
                input.server,
                current,
                input.system_disk_gb,
                target,
                input.change_goes_v2(target),
            );
            for f in found {
                if let Some(e) = f.to_field_error() {
                    d.errors.push(e);
                } else if let super::Incompatibility::DiskGrows {
                    min_disk_gb,
                    has_gb,
                } = f
                {
                    d.warnings.push(Warning::DiskGrows {
                        min_disk_gb,
                        has_gb,
                    });
                } else if f == super::Incompatibility::Charged {
                    d.warnings.push(Warning::ChargedImage);
                } else {
                    d.may_refuse(
                        Field::Image,
                        format!("{} (no page states this rule)", f.short()),
                    );
                }
            }
            Some(image_id.clone())
        }
        Operation::Reinstall => {
            if let Some(image) = current.filter(|i| i.status != "active") {
                d.may_refuse(
                    Field::Image,
                    format!("the current image is {}, not active", image.status),
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
    let forced = input.entries.route_override;
    if matches!(input.operation, Operation::Change { .. }) && target.is_none() && forced.is_none() {
        return None; // an unknown target image already has its error
    }
    let op = input.operation.kind();
    match decide_route(input.server.kind, op, target, forced) {
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
    let op = input.operation.kind();
    let mut out = Login::default();
    let mut mode_ok = true;
    if let Some(r) = route {
        // A wrong login mode makes the user-data rule moot: report only the first.
        let mode_error = check_login_mode(r, os, e.login, op);
        mode_ok = mode_error.is_none();
        let user_data_error = match mode_error {
            Some(_) => None,
            None => check_user_data_allowed(r, e.login, e.user_data.is_some(), os),
        };
        d.errors
            .extend(mode_error.into_iter().chain(user_data_error));
        let no_cloud_init = input.resulting_image().is_some_and(|i| !i.has_cloud_init());
        if r == Route::Bms && no_cloud_init && e.login != LoginMode::UserDataOnly {
            d.warnings.push(Warning::NoInjection);
        }
        let ecs_windows = r != Route::Bms && os == OsFamily::Windows;
        if mode_ok && ecs_windows && !e.login.takes_password() {
            d.may_refuse(
                Field::LoginMode,
                "a Windows ECS may take a password only (page 004 says so for the /v1 reinstall)",
            );
        }
    }
    // The fields of a login mode the route refuses are not checked: the mode is the error.
    match e.login {
        _ if !mode_ok => {}
        LoginMode::Password | LoginMode::PasswordHash => {
            let hashed = e.login == LoginMode::PasswordHash;
            let to = PasswordTarget {
                os,
                route,
                op,
                adminpass: !hashed,
            };
            let (error, warnings) = check_password(&e.password, to);
            let confirm = check_password_confirm(&e.password, &e.password_confirm);
            d.warnings.extend(warnings);
            let ok = error.is_none() && confirm.is_none();
            d.errors.extend(error.into_iter().chain(confirm));
            if os == OsFamily::Linux {
                d.warnings.push(Warning::SshPasswordLogin);
            }
            if !hashed && route == Some(Route::V2) && op == OpKind::Change {
                d.warnings.push(Warning::PasswordRegion);
            }
            match (ok, hashed) {
                (true, false) => out.adminpass = Some(e.password.clone()),
                (true, true) => hashed_password(&e.password, metadata, d),
                (false, _) => {}
            }
        }
        LoginMode::Keypair => match check_keypair(&e.keypair, input.keypairs, input.user_id) {
            Some(err) => d.errors.push(err),
            None => {
                out.keyname = Some(e.keypair.clone());
                out.userid = user_id(input, route, d);
            }
        },
        LoginMode::UserDataOnly => {}
    }
    if let Some(data) = e
        .user_data
        .as_ref()
        .filter(|_| e.login != LoginMode::PasswordHash)
    {
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

/// The user data of the hashed-password login: page 003's `chpasswd -e` script.
fn hashed_password(password: &Secret, metadata: &mut Metadata, d: &mut Draft) {
    let hash = match crypt::sha512_crypt(password) {
        Ok(h) => h,
        Err(why) => {
            d.errors.push(FieldError::new(
                Field::Password,
                why,
                "choose password login",
            ));
            return;
        }
    };
    let script = crypt::chpasswd_script(&hash);
    let data = UserData::typed(script.expose());
    match encode_user_data(&data) {
        Ok(encoded) => {
            metadata.user_data = Some((encoded.base64, encoded.raw_len));
            d.user_data_shown = Some(crypt::SCRIPT_MASKED);
        }
        Err(err) => d.errors.push(err),
    }
}

/// `userid` with a key pair: the caller's when known. Blank, page 000 says the token's user
/// is used (ECS /v2 change); the SDK models of the other ECS routes require it.
fn user_id(input: &Input<'_>, route: Option<Route>, d: &mut Draft) -> Option<String> {
    if !input.user_id.is_empty() {
        return Some(input.user_id.to_string());
    }
    let required = match (route, input.operation.kind()) {
        (Some(Route::V2), OpKind::Change) => {
            d.warnings.push(Warning::UserIdBlank { documented: true });
            return None;
        }
        (Some(Route::Bms) | None, _) => {
            d.warnings.push(Warning::UserIdBlank { documented: false });
            return None;
        }
        (Some(Route::V1), OpKind::Change) => sources::USERID_REQUIRED_CHANGE_V1,
        (Some(_), OpKind::Reinstall) => sources::USERID_REQUIRED_REINSTALL,
    };
    d.errors.push(
        FieldError::new(
            Field::Keypair,
            "this route needs your IAM user id with a key pair, and IAM could not tell it",
            "set user_id in the profile (config.toml) to your IAM user id, or use password login",
        )
        .cite(required),
    );
    None
}

/// Encryption and BYOL into `metadata`.
pub(super) fn disk_and_license(input: &Input<'_>, metadata: &mut Metadata, d: &mut Draft) {
    let e = input.entries;
    if e.encrypt {
        let len = e.kms_key_id.chars().count();
        metadata.system_encrypted = Some("1");
        if len == 0 {
            d.may_refuse(
                Field::KmsKey,
                "encryption without a KMS key id (no page says which key the service uses then)",
            );
        } else if len == KMS_KEY_LEN {
            metadata.system_cmkid = Some(e.kms_key_id.clone());
        } else {
            d.errors.push(
                FieldError::new(
                    Field::KmsKey,
                    format!("a KMS key id has {KMS_KEY_LEN} characters, this one {len}"),
                    "paste the key id from KMS (8-4-4-4-12), or turn encryption off",
                )
                .cite(sources::CMKID_36),
            );
        }
    }
    if e.byol {
        match input.server.kind {
            ServerKind::Ecs => metadata.byol = Some("true"),
            ServerKind::Bms => d.errors.push(
                FieldError::new(
                    Field::Byol,
                    "the bare-metal API takes no BYOL flag",
                    "untick BYOL",
                )
                .cite(sources::BMS_NO_BYOL),
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
    if !chosen {
        return None;
    }
    let (why, source) = match (input.server.kind, input.operation.kind()) {
        (ServerKind::Bms, _) => (
            "the bare-metal API takes no auto-pay flag",
            sources::BMS_NO_MODE,
        ),
        (_, OpKind::Reinstall) => (
            "the reinstall API takes no auto-pay flag (a reinstall creates no order)",
            sources::REINSTALL_NO_AUTO_PAY,
        ),
        _ => {
            d.may_refuse(
                Field::AutoPay,
                "isAutoPay is sent, but reimage sees nothing to pay (the server is not prepaid, the image is free)",
            );
            return Some("true");
        }
    };
    d.errors
        .push(FieldError::new(Field::AutoPay, why, "untick auto-pay").cite(source));
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

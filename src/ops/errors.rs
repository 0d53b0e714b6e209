//! What ops says back: field errors (blocking, each with the sentence it rests on),
//! warnings (shown under the field and in the review) and the preconditions the user
//! accepts by submitting.

use super::sources::Cite;
use std::fmt;

/// One field of the change/reinstall form. Every error names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Server,
    Image,
    Route,
    LoginMode,
    Password,
    PasswordConfirm,
    Keypair,
    UserData,
    KmsKey,
    Byol,
    StopFirst,
    AutoPay,
    /// A rollout's `--waves` (several servers).
    Waves,
    /// A rollout's `--max-failures` (several servers).
    MaxFailures,
}

impl Field {
    /// The label the form shows for the field.
    pub fn label(self) -> &'static str {
        match self {
            Field::Server => "Server",
            Field::Image => "Image",
            Field::Route => "Route",
            Field::LoginMode => "Login",
            Field::Password => "Password",
            Field::PasswordConfirm => "Confirm password",
            Field::Keypair => "Key pair",
            Field::UserData => "User data",
            Field::KmsKey => "KMS key",
            Field::Byol => "BYOL",
            Field::StopFirst => "Stop first",
            Field::AutoPay => "Auto-pay",
            Field::Waves => "Waves",
            Field::MaxFailures => "Max failures",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A step past a refusal that each face names its own way: the TUI by its key or form
/// field, a script by its flag or command. The fix text around it is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Read the server list again (the TUI's refresh; a script reads it on every run).
    Refresh,
    /// Stop the server (the TUI's stop key; `reimage stop`).
    Stop,
    /// Let the service stop it (the form's "stop first"; `--stop`), or stop it.
    StopFirst,
    /// No "stop first" (`--stop`) for this server: stop it yourself.
    StopYourself,
    /// Send an image the list does not have by forcing the route.
    ForceRoute,
}

/// A blocking problem with one field: what is wrong, how to fix it, and the page or SDK
/// sentence that makes it a requirement (`None` only for reimage's own input checks, such
/// as an empty field or a confirmation that differs). Messages never contain a password
/// or user data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}; {fix}")]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    pub fix: String,
    pub basis: Option<Cite>,
    /// The step of the fix, which each face names its own way after `fix`.
    pub step: Option<Step>,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
            fix: fix.into(),
            basis: None,
            step: None,
        }
    }

    /// The step the fix takes, named by each face.
    pub fn step(mut self, step: Step) -> Self {
        self.step = Some(step);
        self
    }

    /// The requirement this error enforces.
    pub fn cite(mut self, basis: Cite) -> Self {
        self.basis = Some(basis);
        self
    }
}

/// Something the user should read before confirming; never blocking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Always: the system disk is wiped and rebuilt from the image.
    SystemDiskWiped,
    /// Always: data disks, server id, IPs and MAC stay.
    DataDisksKept,
    /// Always: hostname and the admin password are reset.
    HostnameAndPasswordReset,
    /// The image needs a bigger system disk than the server has: the disk grows.
    DiskGrows {
        min_disk_gb: u64,
        has_gb: Option<u64>,
    },
    /// The data disks were formatted by another OS family.
    DataDisksOtherOs { from: OsFamily, to: OsFamily },
    /// Linux to Linux: data-disk mounts in /etc/fstab are not carried over.
    FstabMounts,
    /// The image is charged per use (market image or account code).
    ChargedImage,
    /// A recommendation not followed, or a rule no page states: the service decides.
    MayRefuse { field: Field, what: String },
    /// A key pair without `userid`: IAM could not tell the caller's user id.
    UserIdBlank { documented: bool },
    /// Password login on the /v2 change route, which some regions refuse (page 000).
    PasswordRegion,
    /// Many Linux images disable SSH password login.
    SshPasswordLogin,
    /// User data whose first line is not a known header (`#cloud-config`, `#!`, ...).
    UserDataHeader,
    /// Already-base64 user data was sent as given.
    UserDataAlreadyBase64,
    /// The server is in ERROR: the cloud accepts this only after a failed change/reinstall.
    ErrorState,
    /// The user forced the route against what the image says: the service takes it but
    /// injects nothing.
    RouteOverridden {
        detected: &'static str,
        chosen: &'static str,
    },
    /// A BMS image without Cloud-Init cannot inject a password or key.
    NoInjection,
}

impl Warning {
    /// The full sentence for the review screen.
    pub fn message(&self) -> String {
        match self {
            Warning::SystemDiskWiped => {
                "The system disk is wiped and replaced by the image.".into()
            }
            Warning::DataDisksKept => {
                "Data disks, server id, IP and MAC addresses are kept.".into()
            }
            Warning::HostnameAndPasswordReset => {
                "Hostname and passwords are reset.".into()
            }
            Warning::DiskGrows { min_disk_gb, has_gb } => match has_gb {
                Some(has) => format!(
                    "The image needs a {min_disk_gb} GB system disk; the disk grows from {has} GB (billed)."
                ),
                None => format!(
                    "The image needs a {min_disk_gb} GB system disk; a smaller disk grows to that size (billed)."
                ),
            },
            Warning::DataDisksOtherOs { from, to } => format!(
                "{from} to {to}: data disks formatted by {from} may not be readable by {to} (filesystem, drive letters)."
            ),
            Warning::FstabMounts => {
                "Data-disk mounts in /etc/fstab are not carried over; mount them again after the change.".into()
            }
            Warning::ChargedImage => {
                "This image is charged: an order is created for it.".into()
            }
            Warning::MayRefuse { what, .. } => format!("The service may refuse this: {what}."),
            Warning::UserIdBlank { documented: true } => {
                "userid left blank: the service uses the token's user (page 000).".into()
            }
            Warning::UserIdBlank { documented: false } => {
                "userid left blank (IAM could not tell your user id): no page says what the service does then, it may refuse this; set user_id in the profile to send it.".into()
            }
            Warning::PasswordRegion => {
                "Some regions do not change an OS with a password on /v2 (page 000); if the service says so, use a key pair.".into()
            }
            Warning::SshPasswordLogin => {
                "Many Linux images disable SSH password login; a key pair is safer.".into()
            }
            Warning::UserDataHeader => {
                "User data has no #cloud-config or #! first line; cloud-init may ignore it.".into()
            }
            Warning::UserDataAlreadyBase64 => {
                "User data looks base64-encoded already; it is sent as given, not encoded twice.".into()
            }
            Warning::ErrorState => {
                "The server is in ERROR: the cloud accepts this only after a failed change/reinstall (else Ecs.0100).".into()
            }
            Warning::RouteOverridden { detected, chosen } => format!(
                "Route forced to {chosen}; the image suggests {detected}. The service takes such a request but may inject no password, key pair or user data: you may not be able to log in."
            ),
            Warning::NoInjection => {
                "The image has no Cloud-Init: the service cannot inject the password or key pair (page 003); you may not be able to log in.".into()
            }
        }
    }
}

impl Warning {
    /// Whether the warning says the service may refuse (or not do) what was entered: such
    /// a warning shows under its field as well as in the review.
    pub fn is_refusal_risk(&self) -> bool {
        matches!(
            self,
            Warning::MayRefuse { .. }
                | Warning::UserIdBlank { .. }
                | Warning::RouteOverridden { .. }
                | Warning::NoInjection
        )
    }

    /// The form field the warning belongs to (`None`: only in the review).
    pub fn field(&self) -> Option<Field> {
        match self {
            Warning::MayRefuse { field, .. } => Some(*field),
            Warning::UserIdBlank { .. } => Some(Field::Keypair),
            Warning::PasswordRegion | Warning::SshPasswordLogin => Some(Field::Password),
            Warning::UserDataHeader | Warning::UserDataAlreadyBase64 => Some(Field::UserData),
            Warning::RouteOverridden { .. } => Some(Field::Route),
            Warning::NoInjection => Some(Field::LoginMode),
            Warning::DiskGrows { .. } | Warning::ChargedImage => Some(Field::Image),
            Warning::ErrorState => Some(Field::Server),
            _ => None,
        }
    }
}

/// A thing that happens before or around the OS change, accepted by submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// `mode=withStopServer` on a running ECS.
    ServerStoppedFirst,
    /// An order is created and paid automatically (`isAutoPay=true`).
    OrderPaidAutomatically,
    /// An order is created; the job waits in PENDING_PAYMENT until it is paid.
    OrderPaidManually,
}

impl Precondition {
    pub fn message(self) -> &'static str {
        match self {
            Precondition::ServerStoppedFirst => {
                "The server will be stopped first (withStopServer)."
            }
            Precondition::OrderPaidAutomatically => {
                "An order is created and paid automatically from the account balance."
            }
            Precondition::OrderPaidManually => {
                "An order is created; pay it in the console, the job waits in PENDING_PAYMENT."
            }
        }
    }
}

/// The OS family that decides the admin user name and the login rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OsFamily {
    #[default]
    Linux,
    Windows,
}

impl OsFamily {
    /// From an IMS `__os_type` or server `metadata.os_type`; anything not Windows is Linux.
    pub fn from_os_type(os_type: Option<&str>) -> Self {
        match os_type {
            Some(t) if t.eq_ignore_ascii_case("windows") => OsFamily::Windows,
            _ => OsFamily::Linux,
        }
    }

    /// The administrator account whose name the password must not contain.
    pub fn admin_user(self) -> &'static str {
        match self {
            OsFamily::Linux => "root",
            OsFamily::Windows => "Administrator",
        }
    }
}

impl fmt::Display for OsFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OsFamily::Linux => "Linux",
            OsFamily::Windows => "Windows",
        })
    }
}

//! What ops decides from: the server and what the cloud says about it, the chosen operation,
//! and what the user entered in the form (or on the command line).

use super::compat::{Incompatibility, image_compatibility};
use super::errors::{Field, FieldError, OsFamily};
use super::route::{Route, ecs_route_for};
use crate::cloud::model::{Image, Keypair, Server, ServerKind};
use crate::secret::{Secret, SecretBytes};

/// Change to another image, or reinstall the image the server has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Change { image_id: String },
    Reinstall,
}

impl Operation {
    pub fn kind(&self) -> OpKind {
        match self {
            Operation::Change { .. } => OpKind::Change,
            Operation::Reinstall => OpKind::Reinstall,
        }
    }
}

/// The operation without its image, for state checks and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    Change,
    Reinstall,
}

impl OpKind {
    pub fn label(self) -> &'static str {
        match self {
            OpKind::Change => "change OS",
            OpKind::Reinstall => "reinstall OS",
        }
    }

    /// The body root and the last path segment.
    pub fn root_key(self) -> &'static str {
        match self {
            OpKind::Change => "os-change",
            OpKind::Reinstall => "os-reinstall",
        }
    }

    pub fn path_action(self) -> &'static str {
        match self {
            OpKind::Change => "changeos",
            OpKind::Reinstall => "reinstallos",
        }
    }
}

/// How the user will log in after the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginMode {
    #[default]
    Password,
    Keypair,
    /// No password, no key pair: the user data sets up access.
    UserDataOnly,
    /// The password hashed here (SHA-512 crypt) and set by a `chpasswd -e` script sent as
    /// the user data (page 003's way): the plain password never leaves the machine.
    /// Linux images on BMS and on the ECS /v2 route.
    PasswordHash,
}

impl LoginMode {
    /// For command lines, where password and key pair are separate flags: at most one.
    /// `hashed` sends the password as a hash (with `password`).
    pub fn from_flags(password: bool, keypair: bool, hashed: bool) -> Result<Self, FieldError> {
        match (password, keypair, hashed) {
            (true, true, _) => Err(FieldError::new(
                Field::LoginMode,
                "a password and a key pair were both given; the cloud takes only one",
                "keep either the password or the key pair",
            )
            .cite(super::sources::NOT_BOTH)),
            (false, _, true) => Err(FieldError::new(
                Field::LoginMode,
                "a hashed password needs a password",
                "give the password on stdin with --password-stdin",
            )),
            (true, false, true) => Ok(LoginMode::PasswordHash),
            (true, false, false) => Ok(LoginMode::Password),
            (false, true, false) => Ok(LoginMode::Keypair),
            (false, false, false) => Ok(LoginMode::UserDataOnly),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LoginMode::Password => "password",
            LoginMode::Keypair => "key pair",
            LoginMode::UserDataOnly => "user data only",
            LoginMode::PasswordHash => "hashed password",
        }
    }

    /// A shorter label, for a row that lists every mode.
    pub fn short_label(self) -> &'static str {
        match self {
            LoginMode::UserDataOnly => "user data",
            LoginMode::PasswordHash => "hashed pw",
            other => other.label(),
        }
    }

    /// The modes that take the password and its confirmation.
    pub fn takes_password(self) -> bool {
        matches!(self, LoginMode::Password | LoginMode::PasswordHash)
    }
}

/// Where the user data came from; the content is read by the caller (ops does no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserDataSource {
    Typed,
    File { name: String },
}

/// User data as entered, before encoding. Ops encodes it (unless it is base64 already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserData {
    pub source: UserDataSource,
    pub content: SecretBytes,
}

impl UserData {
    pub fn typed(text: &str) -> Self {
        Self {
            source: UserDataSource::Typed,
            content: SecretBytes::new(text.as_bytes().to_vec()),
        }
    }

    pub fn file(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            source: UserDataSource::File { name: name.into() },
            content: SecretBytes::new(bytes),
        }
    }
}

/// Everything the user entered. Fields of a login mode not chosen are ignored (not sent),
/// so a form may keep them while the user switches modes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    pub login: LoginMode,
    pub password: Secret,
    pub password_confirm: Secret,
    pub keypair: String,
    pub user_data: Option<UserData>,
    pub encrypt: bool,
    pub kms_key_id: String,
    pub byol: bool,
    /// ECS `mode=withStopServer`.
    pub stop_first: bool,
    /// ECS change `isAutoPay=true`.
    pub auto_pay: bool,
    /// Force the ECS route (v1/v2) against what the image says.
    pub route_override: Option<Route>,
}

impl Entries {
    /// What a form starts with for `server`: its current key pair when it has one (and is
    /// not Windows), else a password; "stop first" ticked for a running ECS.
    pub fn defaults_for(server: &Server) -> Self {
        let key = server.key_name.as_deref().filter(|k| !k.is_empty());
        let windows = OsFamily::from_os_type(server.os_type()) == OsFamily::Windows;
        let (login, keypair) = match key {
            Some(k) if !windows => (LoginMode::Keypair, k.to_string()),
            _ => (LoginMode::Password, String::new()),
        };
        Entries {
            login,
            keypair,
            stop_first: server.kind == ServerKind::Ecs && server.status == "ACTIVE",
            ..Default::default()
        }
    }
}

/// One request to check and plan. Images and key pairs are what the cloud listed; ops looks
/// up the target and the current image in `images` by id.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub project_id: &'a str,
    pub server: &'a Server,
    /// System disk size in GB when known (the server listing does not carry it).
    pub system_disk_gb: Option<u64>,
    pub operation: &'a Operation,
    pub images: &'a [Image],
    pub keypairs: &'a [Keypair],
    /// The caller's IAM user id, sent as `userid` with `keyname`; empty when IAM could not
    /// tell it (temporary keys) and none is configured.
    pub user_id: &'a str,
    pub entries: &'a Entries,
}

impl<'a> Input<'a> {
    /// The image the server runs now, if the cloud listed it.
    pub fn current_image(&self) -> Option<&'a Image> {
        let id = self.server.current_image_id()?;
        self.images.iter().find(|i| i.id == id)
    }

    /// The image the server will run: the target for a change, the current one for a
    /// reinstall. `None` when it is not in `images`.
    pub fn resulting_image(&self) -> Option<&'a Image> {
        match self.operation {
            Operation::Change { image_id } => self.images.iter().find(|i| &i.id == image_id),
            Operation::Reinstall => self.current_image(),
        }
    }

    /// The OS family after the operation (decides admin user and login rules).
    pub fn resulting_os(&self) -> OsFamily {
        match self.resulting_image() {
            Some(image) => OsFamily::from_os_type(image.os_type.as_deref()),
            None if self.operation == &Operation::Reinstall => {
                OsFamily::from_os_type(self.server.os_type())
            }
            None => OsFamily::Linux,
        }
    }

    /// Whether a change to `image` would go to the ECS /v2 route.
    pub fn change_goes_v2(&self, image: &Image) -> bool {
        self.server.kind == ServerKind::Ecs
            && matches!(self.operation, Operation::Change { .. })
            && self
                .entries
                .route_override
                .unwrap_or_else(|| ecs_route_for(image))
                == Route::V2
    }

    /// [`image_compatibility`] of `image` with this server, for an image picker:
    /// `Ok(notes)` when the image fits, `Err(reasons)` when the service may refuse it or
    /// a page forbids it (a plan with such an image blocks or warns, see [`super::plan`]).
    pub fn image_fit(&self, image: &Image) -> Result<Vec<Incompatibility>, Vec<Incompatibility>> {
        let found = image_compatibility(
            self.server,
            self.current_image(),
            self.system_disk_gb,
            image,
            self.change_goes_v2(image),
        );
        let (notes, reasons): (Vec<_>, Vec<_>) = found.into_iter().partition(|i| i.is_note());
        if reasons.is_empty() {
            Ok(notes)
        } else {
            Err(reasons)
        }
    }

    /// The OS family the server runs now.
    pub fn current_os(&self) -> OsFamily {
        match self.current_image() {
            Some(image) => OsFamily::from_os_type(image.os_type.as_deref()),
            None => OsFamily::from_os_type(self.server.os_type()),
        }
    }
}

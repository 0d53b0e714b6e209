//! The service's rules for the change/reinstall OS bodies, and the error code each
//! violation gets from ECS (v1, v2) and BMS. Only rules a page in `shared/seeds/` or an
//! SDK model states are enforced (docs/rules.md lists each with its sentence); the error
//! codes come from the API spec's table, or are marked there as guesses. Independent of
//! the client: nothing here comes from `ops/`.

use base64::Engine;
use serde_json::{Map, Value};

/// Which API received the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// ECS WithoutCloudInit (`/v1/.../changeos|reinstallos`).
    EcsV1,
    /// ECS WithCloudInit (`/v2/.../changeos|reinstallos`).
    EcsV2,
    Bms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsOp {
    Change,
    Reinstall,
}

impl OsOp {
    pub fn root(self) -> &'static str {
        match self {
            OsOp::Change => "os-change",
            OsOp::Reinstall => "os-reinstall",
        }
    }
}

/// Largest decoded `user_data` (pages 000, 002: "32 KB").
pub const MAX_USER_DATA: usize = 32 * 1024;
/// The specials page 000 lists for an ECS /v2 change password.
pub const PASSWORD_SPECIALS: &str = "!@$%^-_=+[{}]:,./?~#*";

/// A rule a request broke. Messages never repeat a password or user data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    EmptyBody,
    MalformedJson,
    MissingRoot(&'static str),
    WrongType(String),
    Password(&'static str),
    KeyNotFound(String),
    KeyWithoutUser,
    MissingImage,
    ImageMalformed,
    ImageUnknown(String),
    ImageInactive(String),
    ImageWrongEnv(String),
    UserDataInvalid,
    UserDataTooLarge(usize),
    UserDataNotAllowed,
    BothCredentials,
    NoCredentials,
    BadMode,
    BadEncryption(&'static str),
    /// Page 001: the /v2 change API cannot change an ECS to Windows.
    WindowsViaV2,
    /// Page 004: a Windows ECS is reinstalled (/v1) with a password only.
    WindowsPasswordOnly,
    /// Page 003: Windows BMS images do not support password injection.
    WindowsBmsPassword,
}

impl Violation {
    /// HTTP status and error code for this violation on `service`.
    pub fn code(&self, service: Service) -> (u16, &'static str) {
        use Violation::*;
        let bms = service == Service::Bms;
        let code = match self {
            EmptyBody if bms => "BMS.0001",
            EmptyBody => "Common.0002",
            MalformedJson if bms => "BMS.0001",
            Password(_) if bms => "BMS.3039",
            Password(_) => "Ecs.0011",
            KeyNotFound(_) if bms => "BMS.0049",
            KeyNotFound(_) => "Ecs.0314",
            ImageUnknown(_) if bms => "BMS.0010",
            ImageUnknown(_) => "Ecs.0031",
            ImageInactive(_) if bms => "BMS.0010",
            ImageInactive(_) => "Ecs.0032",
            ImageWrongEnv(_) if bms => "BMS.0011",
            ImageWrongEnv(_) => "Ecs.0007",
            WindowsViaV2 => "Ecs.0007",
            UserDataInvalid | UserDataTooLarge(_) if bms => "BMS.0210",
            BothCredentials | NoCredentials if bms => "BMS.0111",
            _ if bms => "BMS.0018",
            _ => "Ecs.0005",
        };
        (400, code)
    }

    pub fn message(&self) -> String {
        use Violation::*;
        match self {
            EmptyBody => "The request body is empty.".into(),
            MalformedJson => "The request body is not valid JSON.".into(),
            MissingRoot(root) => format!("Invalid request body: the {root} object is missing."),
            WrongType(field) => format!("Invalid request body: {field} has the wrong type."),
            Password(why) => {
                format!("The password does not meet the complexity requirements: {why}.")
            }
            KeyNotFound(name) => {
                format!("Keypair {name} does not exist or does not belong to the user.")
            }
            KeyWithoutUser => "userid is required when keyname is given.".into(),
            MissingImage => "imageid is required.".into(),
            ImageMalformed => "imageid must be a UUID.".into(),
            ImageUnknown(id) => format!("Image {id} does not exist."),
            ImageInactive(id) => format!("Image {id} is not active."),
            ImageWrongEnv(id) => format!("Image {id} cannot be used for this server type."),
            UserDataInvalid => "user_data must be valid base64.".into(),
            UserDataTooLarge(n) => {
                format!("user_data is {n} bytes once decoded; at most {MAX_USER_DATA} are allowed.")
            }
            UserDataNotAllowed => {
                "user_data is not supported by this API; use the Cloud-Init API.".into()
            }
            BothCredentials => "adminpass and keyname cannot both be given.".into(),
            NoCredentials => {
                "One of adminpass, keyname (or metadata.user_data where supported) is required."
                    .into()
            }
            BadMode => "mode only accepts withStopServer.".into(),
            BadEncryption(why) => format!("Invalid system disk encryption settings: {why}."),
            WindowsViaV2 => "This API cannot change an ECS OS to Windows.".into(),
            WindowsPasswordOnly => "A Windows ECS supports password login only.".into(),
            WindowsBmsPassword => "Windows images do not support password injection.".into(),
        }
    }
}

/// The fields of an `os-change` / `os-reinstall` body the rules look at.
#[derive(Debug, Clone, Default)]
pub struct OsRequest {
    pub imageid: Option<String>,
    pub adminpass: Option<String>,
    pub keyname: Option<String>,
    pub userid: Option<String>,
    pub mode: Option<String>,
    pub is_auto_pay: Option<String>,
    pub user_data: Option<String>,
    pub byol: Option<String>,
    pub encrypted: Option<String>,
    pub cmkid: Option<String>,
}

fn string_field(
    obj: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, Violation> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Violation::WrongType(format!("{at}{key}"))),
    }
}

/// Parse a body. Unknown fields are ignored, as the services do.
pub fn parse_body(body: &[u8], op: OsOp) -> Result<OsRequest, Violation> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Violation::EmptyBody);
    }
    let doc: Value = serde_json::from_slice(body).map_err(|_| Violation::MalformedJson)?;
    let root = doc
        .get(op.root())
        .and_then(Value::as_object)
        .ok_or(Violation::MissingRoot(op.root()))?;
    let at = format!("{}.", op.root());
    let mut req = OsRequest {
        imageid: string_field(root, "imageid", &at)?,
        adminpass: string_field(root, "adminpass", &at)?,
        keyname: string_field(root, "keyname", &at)?,
        userid: string_field(root, "userid", &at)?,
        mode: string_field(root, "mode", &at)?,
        is_auto_pay: string_field(root, "isAutoPay", &at)?,
        ..OsRequest::default()
    };
    match root.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(md)) => {
            let at = format!("{at}metadata.");
            req.user_data = string_field(md, "user_data", &at)?;
            req.byol = string_field(md, "BYOL", &at)?;
            req.encrypted = string_field(md, "__system__encrypted", &at)?;
            req.cmkid = string_field(md, "__system__cmkid", &at)?;
        }
        Some(_) => return Err(Violation::WrongType(format!("{at}metadata"))),
    }
    Ok(req)
}

pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The password rules a page states as requirements: on the ECS /v2 change route
/// (`must_000`, page 000) 8 to 26 characters and 3 of the 4 kinds; for a Windows ECS no
/// user name, reversed name or 3 letters of it in a row (000, 004, SDK); for a Windows BMS
/// no 3 letters of the name in a row (003). The rest is recommendation: not enforced.
pub fn check_password(
    pass: &str,
    windows: bool,
    bms: bool,
    must_000: bool,
) -> Result<(), Violation> {
    if must_000 {
        let len = pass.chars().count();
        if !(8..=26).contains(&len) {
            return Err(Violation::Password("it must be 8 to 26 characters long"));
        }
        let kinds = [
            pass.chars().any(|c| c.is_ascii_uppercase()),
            pass.chars().any(|c| c.is_ascii_lowercase()),
            pass.chars().any(|c| c.is_ascii_digit()),
            pass.chars().any(|c| PASSWORD_SPECIALS.contains(c)),
        ];
        if kinds.iter().filter(|k| **k).count() < 3 {
            return Err(Violation::Password(
                "it needs at least three of: upper case, lower case, digits, special characters",
            ));
        }
    }
    if !windows {
        return Ok(());
    }
    let lowered = pass.to_ascii_lowercase();
    if !bms
        && ["administrator", "rotartsinimda"]
            .iter()
            .any(|n| lowered.contains(n))
    {
        return Err(Violation::Password(
            "it contains the administrator user name or its reverse",
        ));
    }
    let admin = b"administrator";
    if admin
        .windows(3)
        .any(|w| lowered.as_bytes().windows(3).any(|p| p == w))
    {
        return Err(Violation::Password(
            "it contains three consecutive characters of Administrator",
        ));
    }
    Ok(())
}

/// `user_data`: valid base64 of at most [`MAX_USER_DATA`] bytes.
pub fn check_user_data(data: &str) -> Result<(), Violation> {
    let cleaned: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|_| Violation::UserDataInvalid)?;
    if decoded.len() > MAX_USER_DATA {
        return Err(Violation::UserDataTooLarge(decoded.len()));
    }
    Ok(())
}

/// The rules that need nothing but the body: credentials, user data, mode, encryption.
/// BYOL and isAutoPay values are not checked: page 002 says a BYOL other than "true" means
/// no BYOL, and no page lists isAutoPay's values.
pub fn check_fields(req: &OsRequest, service: Service, op: OsOp) -> Result<(), Violation> {
    if service == Service::EcsV1 && req.user_data.is_some() {
        return Err(Violation::UserDataNotAllowed);
    }
    if req.adminpass.is_some() && req.keyname.is_some() {
        return Err(Violation::BothCredentials);
    }
    let neither = req.adminpass.is_none() && req.keyname.is_none();
    if neither && (service == Service::EcsV1 || req.user_data.is_none()) {
        return Err(Violation::NoCredentials);
    }
    if let Some(data) = &req.user_data {
        check_user_data(data)?;
    }
    // Blank, page 000 says the token's user is used (/v2 change); the SDK models of the
    // other ECS routes require it with a key pair; no BMS source requires it.
    let userid_required = !matches!(
        (service, op),
        (Service::EcsV2, OsOp::Change) | (Service::Bms, _)
    );
    if userid_required && req.keyname.is_some() && req.userid.as_deref().is_none_or(str::is_empty) {
        return Err(Violation::KeyWithoutUser);
    }
    if service != Service::Bms && req.mode.as_deref().is_some_and(|m| m != "withStopServer") {
        return Err(Violation::BadMode);
    }
    match (req.encrypted.as_deref(), req.cmkid.as_deref()) {
        (Some(e), _) if e != "0" && e != "1" => Err(Violation::BadEncryption(
            "__system__encrypted must be \"0\" or \"1\"",
        )),
        (None, Some(_)) => Err(Violation::BadEncryption(
            "__system__cmkid must be used with __system__encrypted",
        )),
        (Some(_), Some(id)) if id.chars().count() != 36 => Err(Violation::BadEncryption(
            "__system__cmkid must be 36 characters",
        )),
        _ => Ok(()),
    }
}

/// Login rules that depend on the image the server ends up with.
pub fn check_login(
    req: &OsRequest,
    service: Service,
    op: OsOp,
    windows: bool,
) -> Result<(), Violation> {
    match service {
        Service::EcsV2 if windows && op == OsOp::Change => Err(Violation::WindowsViaV2),
        Service::EcsV1 if windows && op == OsOp::Reinstall && req.keyname.is_some() => {
            Err(Violation::WindowsPasswordOnly)
        }
        Service::Bms if windows && req.adminpass.is_some() => Err(Violation::WindowsBmsPassword),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        // Page 000 (ECS /v2 change): 8 to 26, 3 of 4 kinds, ~ # * are specials.
        assert!(check_password("Str0ng!Pass", false, false, true).is_ok());
        assert!(check_password("My#Pass2024x", false, false, true).is_ok());
        assert!(check_password("Sh0rt!", false, false, true).is_err());
        assert!(check_password("alllowercase1", false, false, true).is_err());
        assert!(check_password("Abcdefghijklmnopqrstuvwxyz1", false, false, true).is_err());
        // Not stated anywhere: other characters, root.
        assert!(check_password("Has Space1!", false, false, true).is_ok());
        assert!(check_password("MyRoot!Pass1", false, false, true).is_ok());
        // Recommendations elsewhere are not enforced.
        assert!(check_password("Sh0rt!", false, false, false).is_ok());
        assert!(check_password("Sh0rt!", false, true, false).is_ok());
        // Windows names block on ECS whatever the route.
        assert!(check_password("Administrator1!", true, false, false).is_err());
        assert!(check_password("Good!Pass42", true, false, false).is_ok());
        assert!(check_password("Xmin!Pass42", true, false, false).is_err()); // "min"
    }

    #[test]
    fn bodies() {
        assert_eq!(
            parse_body(b"", OsOp::Change).err(),
            Some(Violation::EmptyBody)
        );
        assert_eq!(
            parse_body(b"{", OsOp::Change).err(),
            Some(Violation::MalformedJson)
        );
        assert_eq!(
            parse_body(b"{\"os-reinstall\":{}}", OsOp::Change).err(),
            Some(Violation::MissingRoot("os-change"))
        );
        assert!(matches!(
            parse_body(b"{\"os-change\":{\"adminpass\":5}}", OsOp::Change),
            Err(Violation::WrongType(_))
        ));
        let req = parse_body(
            br#"{"os-change":{"imageid":"x","other":1,"metadata":{"user_data":"aGk="}}}"#,
            OsOp::Change,
        )
        .expect("parses");
        assert_eq!(req.user_data.as_deref(), Some("aGk="));
        assert_eq!(
            Violation::UserDataTooLarge(1).code(Service::Bms),
            (400, "BMS.0210")
        );
        assert_eq!(
            Violation::NoCredentials.code(Service::EcsV1),
            (400, "Ecs.0005")
        );
        let key_only = OsRequest {
            keyname: Some("kp".into()),
            ..OsRequest::default()
        };
        assert!(check_fields(&key_only, Service::EcsV2, OsOp::Change).is_ok());
        assert!(check_fields(&key_only, Service::Bms, OsOp::Reinstall).is_ok());
        assert_eq!(
            check_fields(&key_only, Service::EcsV2, OsOp::Reinstall),
            Err(Violation::KeyWithoutUser)
        );
    }
}

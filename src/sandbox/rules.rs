//! The service's own rules for the change/reinstall OS bodies (API doc section 12.1), and
//! the error code each violation gets from ECS (v1, v2) and BMS. Independent of the client.

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

/// Largest decoded `user_data`.
pub const MAX_USER_DATA: usize = 32 * 1024;
/// Specials allowed in an admin password (exactly these 18).
pub const PASSWORD_SPECIALS: &str = "!@$%^-_=+[{}]:,./?";

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
    BadByol,
    BadEncryption(&'static str),
    BadAutoPay,
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
            BadByol => "BYOL only accepts \"true\".".into(),
            BadEncryption(why) => format!("Invalid system disk encryption settings: {why}."),
            BadAutoPay => "isAutoPay only accepts \"true\" or \"false\".".into(),
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

/// Password complexity (12.1). `windows` adds the Administrator rules; `bms` forbids
/// every admin name whatever the OS.
pub fn check_password(pass: &str, windows: bool, bms: bool) -> Result<(), Violation> {
    let len = pass.chars().count();
    if !(8..=26).contains(&len) {
        return Err(Violation::Password("it must be 8 to 26 characters long"));
    }
    let (mut upper, mut lower, mut digit, mut special) = (false, false, false, false);
    for c in pass.chars() {
        match c {
            'A'..='Z' => upper = true,
            'a'..='z' => lower = true,
            '0'..='9' => digit = true,
            c if PASSWORD_SPECIALS.contains(c) => special = true,
            _ => {
                return Err(Violation::Password(
                    "it contains a character that is not allowed",
                ));
            }
        }
    }
    if [upper, lower, digit, special]
        .iter()
        .filter(|b| **b)
        .count()
        < 3
    {
        return Err(Violation::Password(
            "it needs at least three of: upper case, lower case, digits, special characters",
        ));
    }
    let lowered = pass.to_ascii_lowercase();
    let mut names: Vec<&str> = Vec::new();
    if !windows || bms {
        names.extend(["root", "toor"]);
    }
    if windows || bms {
        names.extend(["administrator", "rotartsinimda"]);
    }
    if names.iter().any(|n| lowered.contains(n)) {
        return Err(Violation::Password(
            "it contains the administrator user name or its reverse",
        ));
    }
    if windows {
        let admin = b"administrator";
        if admin
            .windows(3)
            .any(|w| lowered.as_bytes().windows(3).any(|p| p == w))
        {
            return Err(Violation::Password(
                "it contains three consecutive characters of Administrator",
            ));
        }
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

/// The rules that need nothing but the body: credentials, user data, mode, BYOL,
/// encryption, isAutoPay.
pub fn check_fields(req: &OsRequest, service: Service) -> Result<(), Violation> {
    if service == Service::EcsV1 && req.user_data.is_some() {
        return Err(Violation::UserDataNotAllowed);
    }
    if req.adminpass.is_some() && req.keyname.is_some() {
        return Err(Violation::BothCredentials);
    }
    if req.adminpass.is_none() && req.keyname.is_none() && req.user_data.is_none() {
        return Err(Violation::NoCredentials);
    }
    if let Some(data) = &req.user_data {
        check_user_data(data)?;
    }
    if req.keyname.is_some() && req.userid.as_deref().is_none_or(str::is_empty) {
        return Err(Violation::KeyWithoutUser);
    }
    if service != Service::Bms {
        if req.mode.as_deref().is_some_and(|m| m != "withStopServer") {
            return Err(Violation::BadMode);
        }
        if req.byol.as_deref().is_some_and(|b| b != "true") {
            return Err(Violation::BadByol);
        }
        if req
            .is_auto_pay
            .as_deref()
            .is_some_and(|p| p != "true" && p != "false")
        {
            return Err(Violation::BadAutoPay);
        }
    }
    match (req.encrypted.as_deref(), req.cmkid.as_deref()) {
        (None | Some("0"), None) => Ok(()),
        (Some("1"), Some(id)) if id.chars().count() == 36 => Ok(()),
        (Some("1"), Some(_)) => Err(Violation::BadEncryption(
            "__system__cmkid must be 36 characters",
        )),
        (Some("1"), None) => Err(Violation::BadEncryption(
            "__system__encrypted=1 needs __system__cmkid",
        )),
        (None | Some("0"), Some(_)) => Err(Violation::BadEncryption(
            "__system__cmkid needs __system__encrypted=1",
        )),
        (Some(_), _) => Err(Violation::BadEncryption(
            "__system__encrypted must be \"0\" or \"1\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert!(check_password("Str0ng!Pass", false, false).is_ok());
        assert!(check_password("Sh0rt!", false, false).is_err());
        assert!(check_password("alllowercase1", false, false).is_err());
        assert!(check_password("Has Space1!", false, false).is_err());
        assert!(check_password("Has#Hash1a", false, false).is_err());
        assert!(check_password("MyRoot!Pass1", false, false).is_err());
        assert!(check_password("MyTOOR!Pass1", false, false).is_err());
        // Administrator is only forbidden on Windows (and on BMS).
        assert!(check_password("Administrator1!", false, false).is_ok());
        assert!(check_password("Administrator1!", false, true).is_err());
        assert!(check_password("Good!Pass42", true, false).is_ok());
        assert!(check_password("Xmin!Pass42", true, false).is_err()); // "min"
        assert!(check_password("Abcdefghijklmnopqrstuvwxyz1", false, false).is_err());
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
    }
}

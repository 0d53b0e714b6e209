//! Login rules (API doc 8.2 credential table, 8.3, 12.1): which of password, key pair and
//! user data each route and OS takes.

use super::errors::{Field, FieldError, OsFamily};
use super::input::LoginMode;
use super::route::Route;
use crate::cloud::model::Keypair;

/// Whether `mode` is possible on `route` for an `os` target. User data presence is
/// checked separately ([`check_user_data_allowed`]).
pub fn check_login_mode(route: Route, os: OsFamily, mode: LoginMode) -> Option<FieldError> {
    match (route, os, mode) {
        (Route::V1, _, LoginMode::UserDataOnly) => Some(FieldError::new(
            Field::LoginMode,
            "the /v1 route (image without Cloud-Init) needs a password or a key pair",
            "choose password or key pair login",
        )),
        (
            Route::V1 | Route::V2,
            OsFamily::Windows,
            LoginMode::Keypair | LoginMode::UserDataOnly,
        ) => Some(FieldError::new(
            Field::LoginMode,
            "a Windows ECS takes a password only",
            "choose password login",
        )),
        (Route::Bms, OsFamily::Windows, LoginMode::Password) => Some(FieldError::new(
            Field::LoginMode,
            "Windows bare-metal images do not support password injection",
            "choose key pair login",
        )),
        _ => None,
    }
}

/// User data: required for "user data only", refused on `/v1`.
pub fn check_user_data_allowed(
    route: Route,
    mode: LoginMode,
    has_user_data: bool,
) -> Option<FieldError> {
    if mode == LoginMode::UserDataOnly && !has_user_data {
        return Some(FieldError::new(
            Field::UserData,
            "no password or key pair, so user data is required",
            "enter user data that sets up login, or choose password or key pair login",
        ));
    }
    if has_user_data && !route.takes_user_data() {
        return Some(FieldError::new(
            Field::UserData,
            "the /v1 route (image without Cloud-Init) cannot carry user data",
            "remove the user data",
        ));
    }
    None
}

/// The key pair must be one of the caller's (or account-wide), and the caller's user id
/// must be known because it is sent as `userid` with `keyname`.
pub fn check_keypair(name: &str, keypairs: &[Keypair], user_id: &str) -> Option<FieldError> {
    if name.trim().is_empty() {
        return Some(FieldError::new(
            Field::Keypair,
            "no key pair chosen",
            "pick one of your key pairs",
        ));
    }
    let Some(kp) = keypairs.iter().find(|k| k.name == name) else {
        return Some(FieldError::new(
            Field::Keypair,
            format!("key pair \"{name}\" does not exist"),
            "pick one of the listed key pairs, or create it first",
        ));
    };
    let account_wide = kp.scope.as_deref() == Some("domain");
    if let Some(owner) = kp.user_id.as_deref().filter(|o| !o.is_empty())
        && !account_wide
        && owner != user_id
    {
        return Some(FieldError::new(
            Field::Keypair,
            format!("key pair \"{name}\" belongs to another user"),
            "pick one of your key pairs",
        ));
    }
    if user_id.is_empty() {
        return Some(FieldError::new(
            Field::Keypair,
            "your IAM user id is unknown, and it must be sent with a key pair",
            "check the credentials (the user id comes from IAM), or use password login",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_table() {
        use LoginMode::*;
        use OsFamily::*;
        assert!(check_login_mode(Route::V1, Linux, UserDataOnly).is_some());
        assert!(check_login_mode(Route::V1, Linux, Password).is_none());
        assert!(check_login_mode(Route::V2, Linux, UserDataOnly).is_none());
        assert!(check_login_mode(Route::V2, Windows, Keypair).is_some());
        assert!(check_login_mode(Route::V2, Windows, Password).is_none());
        assert!(check_login_mode(Route::Bms, Windows, Password).is_some());
        assert!(check_login_mode(Route::Bms, Windows, Keypair).is_none());
    }

    #[test]
    fn keypairs() {
        let mine = Keypair {
            name: "kp-admin".into(),
            user_id: Some("u1".into()),
            ..Default::default()
        };
        let theirs = Keypair {
            name: "kp-old".into(),
            user_id: Some("u2".into()),
            ..Default::default()
        };
        let shared = Keypair {
            name: "kp-team".into(),
            user_id: Some("u2".into()),
            scope: Some("domain".into()),
            ..Default::default()
        };
        let all = [mine, theirs, shared];
        assert_eq!(check_keypair("kp-admin", &all, "u1"), None);
        assert_eq!(check_keypair("kp-team", &all, "u1"), None);
        assert_eq!(
            check_keypair("kp-old", &all, "u1").map(|e| e.message),
            Some("key pair \"kp-old\" belongs to another user".into())
        );
        assert_eq!(
            check_keypair("nope", &all, "u1").map(|e| e.message),
            Some("key pair \"nope\" does not exist".into())
        );
        assert_eq!(
            check_keypair("kp-admin", &all, "").map(|e| e.field),
            Some(Field::Keypair)
        );
    }
}

//! Login rules: which of password, key pair and user data each route and OS takes, each
//! blocking rule with the page sentence it rests on.

use super::errors::{Field, FieldError, OsFamily};
use super::input::{LoginMode, OpKind};
use super::route::Route;
use super::sources;
use crate::cloud::model::Keypair;

/// Whether `mode` is possible on `route` for an `os` target. User data presence is
/// checked separately ([`check_user_data_allowed`]). Rules no page states (a Windows ECS
/// on other routes taking a password only) are warnings of [`super::plan`], not here.
pub fn check_login_mode(
    route: Route,
    os: OsFamily,
    mode: LoginMode,
    op: OpKind,
) -> Option<FieldError> {
    let windows = os == OsFamily::Windows;
    match (route, mode) {
        (Route::V1, LoginMode::UserDataOnly) => Some(
            FieldError::new(
                Field::LoginMode,
                "the /v1 route (image without Cloud-Init) needs a password or a key pair",
                "choose password or key pair login",
            )
            .cite(sources::V1_NOT_NEITHER),
        ),
        (Route::V1, LoginMode::PasswordHash) => Some(
            FieldError::new(
                Field::LoginMode,
                "the hashed password is sent as user data, which the /v1 route (image without Cloud-Init) cannot carry",
                "choose password login",
            )
            .cite(sources::V1_NO_USER_DATA),
        ),
        (_, LoginMode::PasswordHash) if windows => Some(FieldError::new(
            Field::LoginMode,
            "the hashed password is set by a Linux script (chpasswd); the image is Windows",
            "choose password login",
        )),
        (Route::V1, LoginMode::Keypair) if windows && op == OpKind::Reinstall => Some(
            FieldError::new(
                Field::LoginMode,
                "a Windows ECS is reinstalled with a password only",
                "choose password login",
            )
            .cite(sources::V1_WINDOWS_PASSWORD_ONLY),
        ),
        (Route::Bms, LoginMode::Password) if windows => Some(
            FieldError::new(
                Field::LoginMode,
                "Windows bare-metal images do not support password injection",
                "choose key pair login",
            )
            .cite(sources::BMS_WINDOWS_NO_PASSWORD),
        ),
        _ => None,
    }
}

/// User data: required for "user data only", refused on `/v1`, and on Linux never sent
/// together with a password (the pages say `adminpass` is then unavailable).
pub fn check_user_data_allowed(
    route: Route,
    mode: LoginMode,
    has_user_data: bool,
    os: OsFamily,
) -> Option<FieldError> {
    if mode == LoginMode::UserDataOnly && !has_user_data {
        return Some(
            FieldError::new(
                Field::UserData,
                "no password or key pair, so user data is required",
                "enter user data that sets up login, or choose password or key pair login",
            )
            .cite(sources::USER_DATA_IF_NEITHER),
        );
    }
    if !has_user_data {
        return None;
    }
    if !route.takes_user_data() {
        return Some(
            FieldError::new(
                Field::UserData,
                "the /v1 route (image without Cloud-Init) cannot carry user data",
                "remove the user data",
            )
            .cite(sources::V1_NO_USER_DATA),
        );
    }
    match mode {
        LoginMode::Password if os == OsFamily::Linux => Some(
            FieldError::new(
                Field::UserData,
                "on Linux the user data takes the place of the password: the service ignores adminpass when user data is sent",
                "remove the user data, or choose \"hashed password\" (or \"user data only\" and set the password in the script)",
            )
            .cite(if route == Route::Bms {
                sources::BMS_LINUX_USER_DATA_PASSWORD
            } else {
                sources::LINUX_USER_DATA_PASSWORD
            }),
        ),
        LoginMode::PasswordHash => Some(FieldError::new(
            Field::UserData,
            "the hashed password is sent as the user data, so there is no room for yours",
            "remove the user data, or choose \"user data only\" and put a chpasswd line in it",
        )),
        _ => None,
    }
}

/// The key pair must be one that exists (the listed ones) and, when the caller's user id is
/// known, one of the caller's or account-wide: the service looks it up for `userid`.
pub fn check_keypair(name: &str, keypairs: &[Keypair], user_id: &str) -> Option<FieldError> {
    if name.trim().is_empty() {
        return Some(FieldError::new(
            Field::Keypair,
            "no key pair chosen",
            "pick one of your key pairs",
        ));
    }
    let Some(kp) = keypairs.iter().find(|k| k.name == name) else {
        return Some(
            FieldError::new(
                Field::Keypair,
                format!("key pair \"{name}\" does not exist"),
                "pick one of the listed key pairs, or create it first",
            )
            .cite(sources::KEYPAIR_EXISTS),
        );
    };
    let account_wide = kp.scope.as_deref() == Some("domain");
    if let Some(owner) = kp.user_id.as_deref().filter(|o| !o.is_empty())
        && !account_wide
        && !user_id.is_empty()
        && owner != user_id
    {
        return Some(
            FieldError::new(
                Field::Keypair,
                format!("key pair \"{name}\" belongs to another user"),
                "pick one of your key pairs",
            )
            .cite(sources::USERID_FOR_KEY),
        );
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
        let c = OpKind::Change;
        let r = OpKind::Reinstall;
        assert!(check_login_mode(Route::V1, Linux, UserDataOnly, c).is_some());
        assert!(check_login_mode(Route::V1, Linux, Password, c).is_none());
        assert!(check_login_mode(Route::V2, Linux, UserDataOnly, c).is_none());
        // Only page 004 (/v1 reinstall) says a Windows ECS takes a password only.
        assert!(check_login_mode(Route::V2, Windows, Keypair, r).is_none());
        assert!(check_login_mode(Route::V1, Windows, Keypair, c).is_none());
        assert!(check_login_mode(Route::V1, Windows, Keypair, r).is_some());
        assert!(check_login_mode(Route::V2, Windows, Password, r).is_none());
        assert!(check_login_mode(Route::Bms, Windows, Password, c).is_some());
        assert!(check_login_mode(Route::Bms, Windows, Keypair, c).is_none());
        assert!(check_login_mode(Route::Bms, Linux, PasswordHash, c).is_none());
        assert!(check_login_mode(Route::V2, Linux, PasswordHash, r).is_none());
        assert!(check_login_mode(Route::V1, Linux, PasswordHash, c).is_some());
        assert!(check_login_mode(Route::V2, Windows, PasswordHash, c).is_some());
    }

    #[test]
    fn linux_password_and_user_data_are_one_choice() {
        use LoginMode::*;
        let e =
            check_user_data_allowed(Route::V2, Password, true, OsFamily::Linux).expect("refused");
        assert_eq!(e.basis, Some(sources::LINUX_USER_DATA_PASSWORD));
        let e =
            check_user_data_allowed(Route::Bms, Password, true, OsFamily::Linux).expect("refused");
        assert_eq!(e.basis, Some(sources::BMS_LINUX_USER_DATA_PASSWORD));
        assert!(check_user_data_allowed(Route::V2, Password, true, OsFamily::Windows).is_none());
        assert!(check_user_data_allowed(Route::V2, Keypair, true, OsFamily::Linux).is_none());
        assert!(check_user_data_allowed(Route::V2, PasswordHash, true, OsFamily::Linux).is_some());
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
        // An unknown user id is the token's user: the key is not refused for it.
        assert_eq!(check_keypair("kp-admin", &all, ""), None);
    }
}

//! Admin password rules (API doc 12.1). Messages never echo the password; a bad character
//! is named by its position only.
//!
//! The ECS pages list `~#*` as specials too; the spec (doc 12.1) and the BMS page allow only
//! the 18 below, and the cloud rejects the others, so the 18 are what ops accepts.

use super::errors::{Field, FieldError, OsFamily};
use super::secret::Secret;
use subtle::ConstantTimeEq;

/// The only special characters the cloud accepts in `adminpass`.
pub const SPECIALS: &str = "!@$%^-_=+[{}]:,./?";
pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 26;

/// The first rule a password breaks, as a field error. `os` is the OS after the operation;
/// `bare_metal` applies the BMS rule that forbids both admin names.
pub fn check_password(password: &Secret, os: OsFamily, bare_metal: bool) -> Option<FieldError> {
    password_problem(password.expose(), os, bare_metal)
        .map(|(message, fix)| FieldError::new(Field::Password, message, fix))
}

/// The confirmation must equal the password (compared in constant time).
pub fn check_password_confirm(password: &Secret, confirm: &Secret) -> Option<FieldError> {
    if confirm.is_empty() {
        return Some(FieldError::new(
            Field::PasswordConfirm,
            "the password is not confirmed",
            "type the password again",
        ));
    }
    let same: bool = password
        .expose()
        .as_bytes()
        .ct_eq(confirm.expose().as_bytes())
        .into();
    (!same).then(|| {
        FieldError::new(
            Field::PasswordConfirm,
            "the confirmation does not match the password",
            "type the same password in both fields",
        )
    })
}

/// `(message, fix)` for the first broken rule, or `None` when the password is acceptable.
fn password_problem(pw: &str, os: OsFamily, bare_metal: bool) -> Option<(String, String)> {
    let len = pw.chars().count();
    if len == 0 {
        return Some((
            "no password entered".into(),
            "type a password of 8 to 26 characters".into(),
        ));
    }
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Some((
            format!("{len} characters; the cloud takes {MIN_LEN} to {MAX_LEN}"),
            format!("use {MIN_LEN} to {MAX_LEN} characters"),
        ));
    }
    if let Some(pos) = pw.chars().position(|c| class_of(c).is_none()) {
        return Some((
            format!("character {} is not allowed", pos + 1),
            format!("use only letters, digits and the specials {SPECIALS}"),
        ));
    }
    let mut seen = [false; 4];
    for c in pw.chars() {
        if let Some(class) = class_of(c) {
            seen[class] = true;
        }
    }
    let classes = seen.iter().filter(|s| **s).count();
    if classes < 3 {
        return Some((
            format!("only {classes} of the 4 character kinds"),
            format!("mix at least 3 of: upper case, lower case, digits, specials {SPECIALS}"),
        ));
    }
    let lower = pw.to_ascii_lowercase();
    // Linux forbids root, Windows Administrator; the BMS pages forbid both on either OS.
    let users: &[OsFamily] = match (bare_metal, os) {
        (true, _) => &[OsFamily::Linux, OsFamily::Windows],
        (false, OsFamily::Linux) => &[OsFamily::Linux],
        (false, OsFamily::Windows) => &[OsFamily::Windows],
    };
    for user in users.iter().map(|u| u.admin_user()) {
        let user_lower = user.to_ascii_lowercase();
        let reversed: String = user_lower.chars().rev().collect();
        if lower.contains(&user_lower) || lower.contains(&reversed) {
            return Some((
                format!("contains the user name {user} or its reverse"),
                format!("leave out \"{user_lower}\" and \"{reversed}\""),
            ));
        }
    }
    if os == OsFamily::Windows {
        let name: Vec<char> = "administrator".chars().collect();
        if name
            .windows(3)
            .any(|w| lower.contains(&w.iter().collect::<String>()))
        {
            return Some((
                "contains 3 consecutive letters of Administrator".into(),
                "avoid any 3 letters in a row from \"administrator\" (adm, dmi, min, ...)".into(),
            ));
        }
    }
    None
}

/// 0 upper, 1 lower, 2 digit, 3 special; `None` for a character the cloud rejects.
fn class_of(c: char) -> Option<usize> {
    match c {
        'A'..='Z' => Some(0),
        'a'..='z' => Some(1),
        '0'..='9' => Some(2),
        c if SPECIALS.contains(c) => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(pw: &str, os: OsFamily) -> Option<String> {
        check_password(&Secret::new(pw), os, false).map(|e| e.message)
    }

    #[test]
    fn each_rule_once() {
        assert_eq!(err("Str0ng!Pass", OsFamily::Linux), None);
        assert_eq!(
            err("", OsFamily::Linux).as_deref(),
            Some("no password entered")
        );
        assert_eq!(
            err("Ab1!xyz", OsFamily::Linux).as_deref(),
            Some("7 characters; the cloud takes 8 to 26")
        );
        assert_eq!(
            err("Ab1!Ab1!Ab1!Ab1!Ab1!Ab1!Ab1", OsFamily::Linux).as_deref(),
            Some("27 characters; the cloud takes 8 to 26")
        );
        assert_eq!(
            err("Str0ng#Pass", OsFamily::Linux).as_deref(),
            Some("character 7 is not allowed")
        );
        assert_eq!(
            err("strongpass1", OsFamily::Linux).as_deref(),
            Some("only 2 of the 4 character kinds")
        );
        assert_eq!(
            err("Xroot!2024", OsFamily::Linux).as_deref(),
            Some("contains the user name root or its reverse")
        );
        assert_eq!(
            err("Xtoor!2024", OsFamily::Linux).as_deref(),
            Some("contains the user name root or its reverse")
        );
        // root is fine on Windows, "min" is not.
        assert_eq!(err("Xroot!2024", OsFamily::Windows), None);
        assert_eq!(
            err("Admin!2024x", OsFamily::Windows).as_deref(),
            Some("contains 3 consecutive letters of Administrator")
        );
        assert_eq!(
            err("Xrotartsinimda1", OsFamily::Windows).as_deref(),
            Some("contains the user name Administrator or its reverse")
        );
        assert_eq!(err("Admin!2024x", OsFamily::Linux), None);
        // Bare metal forbids both names whatever the OS.
        let bms = |pw: &str, os| check_password(&Secret::new(pw), os, true).map(|e| e.message);
        assert_eq!(
            bms("Administrator1!", OsFamily::Linux).as_deref(),
            Some("contains the user name Administrator or its reverse")
        );
        assert_eq!(
            bms("Xroot!2024", OsFamily::Windows).as_deref(),
            Some("contains the user name root or its reverse")
        );
        assert_eq!(bms("Str0ng!Pass", OsFamily::Linux), None);
    }

    #[test]
    fn confirmation() {
        let pw = Secret::new("Str0ng!Pass");
        assert_eq!(
            check_password_confirm(&pw, &Secret::new("Str0ng!Pass")),
            None
        );
        let e = check_password_confirm(&pw, &Secret::new("Str0ng!Pas")).expect("mismatch");
        assert_eq!(e.field, Field::PasswordConfirm);
        assert_eq!(e.message, "the confirmation does not match the password");
        let e = check_password_confirm(&pw, &Secret::default()).expect("empty");
        assert_eq!(e.message, "the password is not confirmed");
    }

    fn allowed() -> impl Strategy<Value = char> {
        prop::sample::select(
            ('A'..='Z')
                .chain('a'..='z')
                .chain('0'..='9')
                .chain(SPECIALS.chars())
                .collect::<Vec<_>>(),
        )
    }

    proptest! {
        /// Independent restatement of the rules, checked on random passwords.
        #[test]
        fn accepts_exactly_the_valid_linux_passwords(chars in prop::collection::vec(allowed(), 0..32)) {
            let pw: String = chars.iter().collect();
            let kinds = [
                pw.chars().any(|c| c.is_ascii_uppercase()),
                pw.chars().any(|c| c.is_ascii_lowercase()),
                pw.chars().any(|c| c.is_ascii_digit()),
                pw.chars().any(|c| SPECIALS.contains(c)),
            ].iter().filter(|k| **k).count();
            let l = pw.to_lowercase();
            let valid = (8..=26).contains(&pw.len()) && kinds >= 3
                && !l.contains("root") && !l.contains("toor");
            prop_assert_eq!(err(&pw, OsFamily::Linux).is_none(), valid);
        }

        #[test]
        fn any_foreign_character_is_refused(
            prefix in "[A-Z][a-z][0-9]![a-z]{4}",
            bad in prop::sample::select(vec![' ', '#', '&', '*', '(', ')', '~', '"', '\'', '<', '>', '|', '\\', ';', '`', 'é']),
        ) {
            let pw = format!("{prefix}{bad}");
            prop_assert_eq!(err(&pw, OsFamily::Linux), Some("character 9 is not allowed".to_string()));
        }

        #[test]
        fn windows_refuses_every_triple_of_administrator(start in 0usize..11, pad in "[A-Z][0-9]![A-Z]{3}") {
            let triple = &"administrator"[start..start + 3];
            let pw = format!("{pad}{triple}");
            prop_assert!(err(&pw, OsFamily::Windows).is_some());
        }
    }
}

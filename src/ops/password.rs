//! Admin password rules, as each page states them. Only page 000 (ECS change OS, /v2)
//! says the password *must* meet its rules; page 004 (ECS /v1 reinstall), page 003 (BMS)
//! and the SDK models call theirs *recommended*. So length and character kinds block on
//! the /v2 change route only and warn elsewhere; the Windows user-name rules block on every
//! ECS route (each page and model states them as "cannot"). Messages never echo the
//! password; a character is named by its position only.

use super::errors::{Field, FieldError, OsFamily, Warning};
use super::input::OpKind;
use super::route::Route;
use super::sources::{self, Cite};
use crate::secret::Secret;
use subtle::ConstantTimeEq;

/// Special characters of the ECS pages (000, 004): `!@$%^-_=+[{}]:,./?~#*`.
pub const SPECIALS: &str = "!@$%^-_=+[{}]:,./?~#*";
/// The BMS page's (003) recommended specials: the ECS set without `~#*`.
pub const BMS_SPECIALS: &str = "!@$%^-_=+[{}]:,./?";
pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 26;

/// What one rule found: blocking when it has a source, a warning otherwise.
struct Finding {
    blocks: Option<Cite>,
    message: String,
    fix: String,
}

/// The request the password goes into.
#[derive(Debug, Clone, Copy)]
pub struct PasswordTarget {
    pub os: OsFamily,
    /// `None` while the route is not known yet.
    pub route: Option<Route>,
    pub op: OpKind,
    /// Sent as `adminpass` (false: hashed into the user data, where page 000's "must"
    /// does not apply).
    pub adminpass: bool,
}

impl PasswordTarget {
    /// Page 000's "must" applies to `adminpass` on the /v2 change route only.
    fn must(self) -> bool {
        self.adminpass && self.route == Some(Route::V2) && self.op == OpKind::Change
    }

    fn specials(self) -> &'static str {
        if self.route == Some(Route::Bms) {
            BMS_SPECIALS
        } else {
            SPECIALS
        }
    }

    /// Where the recommendation for this route is written.
    fn recommended_by(self) -> Cite {
        match (self.route, self.op) {
            (Some(Route::Bms), _) => sources::PASSWORD_RECOMMENDED_BMS,
            (Some(Route::V1), OpKind::Reinstall) => sources::PASSWORD_RECOMMENDED_V1,
            _ => sources::PASSWORD_RECOMMENDED_SDK,
        }
    }

    /// Where the Windows user-name rule is written for this route.
    fn windows_names(self) -> Cite {
        match (self.route, self.op) {
            (Some(Route::V2), OpKind::Change) => sources::WINDOWS_NAME_CHANGE,
            (Some(Route::V1), OpKind::Reinstall) => sources::WINDOWS_NAME_V1_REINSTALL,
            _ => sources::WINDOWS_NAME_SDK,
        }
    }
}

/// The first rule the password breaks that blocks, and a warning for each recommendation
/// it does not follow.
pub fn check_password(password: &Secret, to: PasswordTarget) -> (Option<FieldError>, Vec<Warning>) {
    let mut error = None;
    let mut warnings = Vec::new();
    for f in findings(password.expose(), to) {
        match f.blocks {
            Some(cite) if error.is_none() => {
                error = Some(FieldError::new(Field::Password, f.message, f.fix).cite(cite));
            }
            Some(_) => {}
            None => warnings.push(Warning::MayRefuse {
                field: Field::Password,
                what: f.message,
            }),
        }
    }
    if password.is_empty() {
        error = Some(FieldError::new(
            Field::Password,
            "no password entered",
            "type a password of 8 to 26 characters",
        ));
        warnings.clear();
    }
    (error, warnings)
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

/// 0 upper, 1 lower, 2 digit, 3 special; `None` for a character no page lists.
fn class_of(c: char, specials: &str) -> Option<usize> {
    match c {
        'A'..='Z' => Some(0),
        'a'..='z' => Some(1),
        '0'..='9' => Some(2),
        c if specials.contains(c) => Some(3),
        _ => None,
    }
}

fn findings(pw: &str, to: PasswordTarget) -> Vec<Finding> {
    let mut out = Vec::new();
    if pw.is_empty() {
        return out;
    }
    let must = to.must();
    let rec = to.recommended_by();
    let specials = to.specials();
    // Page 000 requires, the others recommend.
    let (src, verb) = match (must, to.route) {
        (true, _) => ("page 000", "requires"),
        (false, None) => ("the pages", "ask for"),
        (false, Some(_)) => (rec.from, "recommends"),
    };
    let rule = |required: Cite, message: String, fix: String| Finding {
        blocks: must.then_some(required),
        message,
        fix,
    };
    let len = pw.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        out.push(rule(
            sources::PASSWORD_LENGTH,
            format!("{len} characters; {src} {verb} {MIN_LEN} to {MAX_LEN}"),
            format!("use {MIN_LEN} to {MAX_LEN} characters"),
        ));
    }
    if let Some(pos) = pw.chars().position(|c| class_of(c, specials).is_none()) {
        // No page forbids other characters; they just do not count as a kind.
        out.push(Finding {
            blocks: None,
            message: format!(
                "character {} is none of the kinds the page lists (letters, digits, {specials})",
                pos + 1
            ),
            fix: format!("use only letters, digits and {specials}"),
        });
    }
    let mut seen = [false; 4];
    pw.chars()
        .filter_map(|c| class_of(c, specials))
        .for_each(|k| seen[k] = true);
    let kinds = seen.iter().filter(|s| **s).count();
    if kinds < 3 {
        out.push(rule(
            sources::PASSWORD_KINDS,
            format!("only {kinds} of the 4 character kinds; {src} {verb} at least 3"),
            format!("mix at least 3 of: upper case, lower case, digits, specials {specials}"),
        ));
    }
    out.extend(name_findings(pw, to));
    out
}

/// The administrator name rules: Windows ones block on ECS (every ECS page and model says
/// "cannot"); on BMS and for Linux's root they are recommendations or have no source.
fn name_findings(pw: &str, to: PasswordTarget) -> Vec<Finding> {
    let mut out = Vec::new();
    let lower = pw.to_ascii_lowercase();
    let bms = to.route == Some(Route::Bms);
    let user = to.os.admin_user();
    let name = user.to_ascii_lowercase();
    let reversed: String = name.chars().rev().collect();
    let windows = to.os == OsFamily::Windows;
    if lower.contains(&name) || lower.contains(&reversed) {
        let basis = match (windows, bms) {
            (true, false) => Some(to.windows_names()),
            _ => None,
        };
        let why = match (windows, bms) {
            (true, false) => String::new(),
            (_, true) => " (003 recommends against it)".to_string(),
            (false, false) => " (no ECS page forbids it)".to_string(),
        };
        out.push(Finding {
            blocks: basis,
            message: format!("contains the user name {user} or its reverse{why}"),
            fix: format!("leave out \"{name}\" and \"{reversed}\""),
        });
    }
    if windows {
        let chars: Vec<char> = name.chars().collect();
        let triple = chars
            .windows(3)
            .any(|w| lower.contains(&w.iter().collect::<String>()));
        if triple {
            out.push(Finding {
                blocks: Some(if bms {
                    sources::BMS_WINDOWS_NAME
                } else {
                    to.windows_names()
                }),
                message: "contains 3 consecutive letters of Administrator".into(),
                fix: "avoid any 3 letters in a row from \"administrator\" (adm, dmi, min, ...)"
                    .into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const V2_CHANGE: PasswordTarget = PasswordTarget {
        os: OsFamily::Linux,
        route: Some(Route::V2),
        op: OpKind::Change,
        adminpass: true,
    };

    fn with(os: OsFamily, route: Route, op: OpKind) -> PasswordTarget {
        PasswordTarget {
            os,
            route: Some(route),
            op,
            adminpass: true,
        }
    }

    fn err(pw: &str, to: PasswordTarget) -> Option<String> {
        check_password(&Secret::new(pw), to).0.map(|e| e.message)
    }

    fn warns(pw: &str, to: PasswordTarget) -> Vec<String> {
        check_password(&Secret::new(pw), to)
            .1
            .iter()
            .map(Warning::message)
            .collect()
    }

    #[test]
    fn the_v2_change_route_requires_what_page_000_says() {
        assert_eq!(err("Str0ng!Pass", V2_CHANGE), None);
        // ~ # * are specials on the ECS pages.
        for pw in ["My#Pass2024x", "My~Pass2024x", "My*Pass2024x"] {
            assert_eq!(err(pw, V2_CHANGE), None, "{pw}");
            assert!(warns(pw, V2_CHANGE).is_empty(), "{pw}");
        }
        assert_eq!(err("", V2_CHANGE).as_deref(), Some("no password entered"));
        assert_eq!(
            err("Ab1!xyz", V2_CHANGE).as_deref(),
            Some("7 characters; page 000 requires 8 to 26")
        );
        assert_eq!(
            err("strongpass1", V2_CHANGE).as_deref(),
            Some("only 2 of the 4 character kinds; page 000 requires at least 3")
        );
        let e = check_password(&Secret::new("strongpass1"), V2_CHANGE)
            .0
            .expect("blocks");
        assert_eq!(e.basis, Some(sources::PASSWORD_KINDS));
    }

    #[test]
    fn unlisted_characters_and_root_only_warn() {
        assert_eq!(err("Str0ng Pass", V2_CHANGE), None);
        assert_eq!(
            warns("Str0ng Pass", V2_CHANGE),
            [
                "The service may refuse this: character 7 is none of the kinds the page lists (letters, digits, !@$%^-_=+[{}]:,./?~#*)."
            ]
        );
        assert_eq!(err("Xroot!2024", V2_CHANGE), None);
        assert_eq!(
            warns("Xtoor!2024", V2_CHANGE),
            [
                "The service may refuse this: contains the user name root or its reverse (no ECS page forbids it)."
            ]
        );
    }

    #[test]
    fn other_routes_recommend() {
        let v1 = with(OsFamily::Linux, Route::V1, OpKind::Reinstall);
        assert_eq!(err("Ab1!xyz", v1), None);
        assert_eq!(
            warns("Ab1!xyz", v1),
            ["The service may refuse this: 7 characters; 004 recommends 8 to 26."]
        );
        let bms = with(OsFamily::Linux, Route::Bms, OpKind::Change);
        assert_eq!(err("My#Pass2024x", bms), None);
        assert_eq!(
            warns("My#Pass2024x", bms).len(),
            1,
            "# is not in 003's list"
        );
        assert_eq!(err("Xroot!2024", bms), None);
        assert!(warns("Xroot!2024", bms)[0].contains("003 recommends against it"));
    }

    #[test]
    fn windows_user_name_rules_block_on_every_ecs_route() {
        for (route, op) in [
            (Route::V2, OpKind::Reinstall),
            (Route::V1, OpKind::Change),
            (Route::V1, OpKind::Reinstall),
        ] {
            let to = with(OsFamily::Windows, route, op);
            assert_eq!(
                err("Admin!2024x", to).as_deref(),
                Some("contains 3 consecutive letters of Administrator")
            );
            assert_eq!(
                err("Xrotartsinimda1", to).as_deref(),
                Some("contains the user name Administrator or its reverse")
            );
            assert_eq!(err("Xroot!2024", to), None, "root is fine on Windows");
        }
        let v1 = with(OsFamily::Windows, Route::V1, OpKind::Reinstall);
        let e = check_password(&Secret::new("Admin!2024x"), v1)
            .0
            .expect("blocks");
        assert_eq!(e.basis, Some(sources::WINDOWS_NAME_V1_REINSTALL));
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

    fn listed() -> impl Strategy<Value = char> {
        prop::sample::select(
            ('A'..='Z')
                .chain('a'..='z')
                .chain('0'..='9')
                .chain(SPECIALS.chars())
                .collect::<Vec<_>>(),
        )
    }

    proptest! {
        /// Page 000 restated: 8 to 26 characters and 3 of the 4 kinds; nothing else blocks.
        #[test]
        fn v2_change_blocks_exactly_what_page_000_requires(chars in prop::collection::vec(listed(), 1..32)) {
            let pw: String = chars.iter().collect();
            let kinds = [
                pw.chars().any(|c| c.is_ascii_uppercase()),
                pw.chars().any(|c| c.is_ascii_lowercase()),
                pw.chars().any(|c| c.is_ascii_digit()),
                pw.chars().any(|c| SPECIALS.contains(c)),
            ].iter().filter(|k| **k).count();
            let valid = (8..=26).contains(&pw.len()) && kinds >= 3;
            prop_assert_eq!(err(&pw, V2_CHANGE).is_none(), valid);
        }

        /// Elsewhere on Linux nothing about a non-empty password blocks.
        #[test]
        fn recommendations_never_block(pw in "[ -~]{1,40}") {
            for route in [Route::V1, Route::Bms] {
                for op in [OpKind::Change, OpKind::Reinstall] {
                    prop_assert_eq!(err(&pw, with(OsFamily::Linux, route, op)), None);
                }
            }
        }

        #[test]
        fn windows_refuses_every_triple_of_administrator(start in 0usize..11, pad in "[A-Z][0-9]![A-Z]{3}") {
            let triple = &"administrator"[start..start + 3];
            let pw = format!("{pad}{triple}");
            prop_assert!(err(&pw, with(OsFamily::Windows, Route::V1, OpKind::Change)).is_some());
        }
    }
}

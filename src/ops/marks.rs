//! Filling the secret markers of a body kept in a plan file: the exact bytes planned, with
//! each `"<secret:…>"` string replaced by the secret as a JSON string, into a buffer
//! reserved up front (never reallocated, wiped on drop).

use super::body::{PASSWORD_MARKER, USER_DATA_MARKER};
use crate::secret::Secret;
use zeroize::Zeroizing;

/// The largest body, with room for the secrets.
const CAPACITY: usize = 128 * 1024;

fn quoted(marker: &str) -> String {
    format!("\"{marker}\"")
}

/// `marked` with each marker replaced by its secret. Each secret given must have exactly
/// one marker, and no marker may be left without its secret: anything else is refused,
/// so a hand-edited plan cannot move a password into another field.
pub fn fill_marks(
    marked: &str,
    password: Option<&Secret>,
    user_data_base64: Option<&Secret>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut fills: Vec<(String, &Secret)> = Vec::new();
    for (marker, secret, what) in [
        (PASSWORD_MARKER, password, "the admin password"),
        (USER_DATA_MARKER, user_data_base64, "the user data"),
    ] {
        let q = quoted(marker);
        let found = marked.matches(&q).count();
        match (secret, found) {
            (Some(s), 1) => fills.push((q, s)),
            (None, 0) => {}
            (Some(_), n) => {
                return Err(format!(
                    "the planned body has {n} places for {what}, not one: refused"
                ));
            }
            (None, _) => return Err(format!("the planned body needs {what}")),
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity(CAPACITY));
    let mut rest = marked;
    loop {
        let next = fills
            .iter()
            .filter_map(|(q, s)| rest.find(q.as_str()).map(|at| (at, q.len(), *s)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, len, secret)) = next else {
            break;
        };
        out.extend_from_slice(&rest.as_bytes()[..at]);
        // serde_json escapes exactly as the body writer does.
        serde_json::to_writer(&mut *out, secret.expose()).map_err(|e| e.to_string())?;
        rest = &rest[at + len..];
    }
    out.extend_from_slice(rest.as_bytes());
    if out.len() > CAPACITY {
        return Err("the planned body is larger than any request reimage sends".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Body, Metadata, OpKind, Route};

    #[test]
    fn a_marked_body_filled_is_the_body_sent() {
        let body = Body {
            op: OpKind::Change,
            route: Route::V2,
            adminpass: Some(Secret::new("Str0ng!\"Pa\\ss")),
            keyname: None,
            userid: None,
            imageid: Some("b3f1c6a2-8d4e-4f7a-9c1b-2e5d6f7a8b9c".into()),
            metadata: Metadata {
                user_data: Some((Secret::new("ZA=="), 1)),
                ..Default::default()
            },
            mode: Some("withStopServer"),
            is_auto_pay: None,
        };
        let marked = body.marked();
        assert!(!marked.contains("Str0ng") && !marked.contains("ZA=="));
        let filled =
            fill_marks(&marked, body.adminpass.as_ref(), Some(&Secret::new("ZA=="))).expect("fill");
        assert_eq!(&filled[..], &body.to_bytes()[..]);
    }

    #[test]
    fn markers_and_secrets_must_pair_up() {
        let pw = Secret::new("x");
        let marked = r#"{"os-reinstall": {"adminpass": "<secret:adminpass>"}}"#;
        assert!(
            fill_marks(marked, None, None).is_err(),
            "needs the password"
        );
        assert!(
            fill_marks(marked, Some(&pw), Some(&pw)).is_err(),
            "no user data place"
        );
        let twice = r#"{"a": "<secret:adminpass>", "b": "<secret:adminpass>"}"#;
        assert!(fill_marks(twice, Some(&pw), None).is_err());
        assert_eq!(
            &fill_marks(marked, Some(&pw), None).expect("fill")[..],
            br#"{"os-reinstall": {"adminpass": "x"}}"#
        );
    }
}

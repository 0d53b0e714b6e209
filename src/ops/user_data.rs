//! User data: at most 32 KB before encoding, sent base64-encoded. Input that is already
//! base64 is recognised and sent as given (whitespace removed), never encoded twice.

use super::errors::{Field, FieldError, Warning};
use super::input::UserData;
use crate::secret::Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Largest user data the cloud takes, in bytes before encoding.
pub const MAX_BYTES: usize = 32 * 1024;

/// User data ready for the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedUserData {
    /// The base64 text for `metadata.user_data` (a secret: it may set a password).
    pub base64: Secret,
    /// Size before encoding.
    pub raw_len: usize,
    pub was_base64: bool,
    pub warnings: Vec<Warning>,
}

/// Headers cloud-init (and Cloudbase-Init) recognise on the first line.
const HEADERS: &[&str] = &[
    "#cloud-config",
    "#!",
    "#include",
    "#cloud-boothook",
    "#part-handler",
    "#upstart-job",
    "#ps1",
    "rem cmd",
    "<powershell>",
    "<script>",
    "content-type:",
    "## template: jinja",
];

/// Check and encode user data. `Err` names the field and the fix.
pub fn encode_user_data(data: &UserData) -> Result<EncodedUserData, FieldError> {
    let content = data.content.expose();
    if content.is_empty() {
        return Err(FieldError::new(
            Field::UserData,
            "the user data is empty",
            "enter a #cloud-config or a #! script, or choose another login",
        ));
    }
    let decoded = decode_if_base64(content);
    let was_base64 = decoded.is_some();
    let raw = decoded.as_deref().unwrap_or(content);
    if raw.len() > MAX_BYTES {
        return Err(FieldError::new(
            Field::UserData,
            format!(
                "{} bytes; at most {MAX_BYTES} bytes (32 KB) before encoding",
                raw.len()
            ),
            "shorten it, or gzip it and load the .gz file",
        ));
    }
    let mut warnings = Vec::new();
    if was_base64 {
        warnings.push(Warning::UserDataAlreadyBase64);
    }
    if !has_known_header(raw) {
        warnings.push(Warning::UserDataHeader);
    }
    let base64 = match decoded {
        Some(_) => Secret::new(compact(content)),
        None => Secret::new(STANDARD.encode(content)),
    };
    Ok(EncodedUserData {
        base64,
        raw_len: raw.len(),
        was_base64,
        warnings,
    })
}

/// The form's live check: only the error.
pub fn check_user_data(data: &UserData) -> Option<FieldError> {
    encode_user_data(data).err()
}

fn has_known_header(raw: &[u8]) -> bool {
    if raw.starts_with(&[0x1f, 0x8b]) {
        return true; // gzip
    }
    let first = raw.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first)
        .trim_start()
        .to_ascii_lowercase();
    HEADERS.iter().any(|h| first.starts_with(h))
}

/// Remove line breaks and spaces (base64 tools wrap lines at 76 characters).
fn compact(content: &[u8]) -> String {
    content
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| char::from(*b))
        .collect()
}

/// The decoded bytes when `content` is base64 of a text (or gzip) payload. Plain text
/// such as a script never is: it has spaces, `#` or `!` outside the alphabet, and a short
/// word that happens to decode gives bytes that are not text.
fn decode_if_base64(content: &[u8]) -> Option<Vec<u8>> {
    let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let text = compact(content);
    if text.len() < 8 || !text.bytes().all(|b| alphabet(&b)) {
        return None;
    }
    // Whitespace may only be line breaks (wrapped output), not spaces inside a line.
    if content.iter().any(|b| *b == b' ' || *b == b'\t') {
        return None;
    }
    let decoded = STANDARD.decode(text.as_bytes()).ok()?;
    let is_gzip = decoded.starts_with(&[0x1f, 0x8b]);
    let is_text = std::str::from_utf8(&decoded).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    });
    (is_gzip || is_text).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(text: &str) -> Result<EncodedUserData, FieldError> {
        encode_user_data(&UserData::typed(text))
    }

    #[test]
    fn encodes_the_doc_example() {
        let e = enc("#!/bin/bash\necho user_test > /home/user.txt").expect("valid");
        assert_eq!(
            e.base64.expose(),
            "IyEvYmluL2Jhc2gKZWNobyB1c2VyX3Rlc3QgPiAvaG9tZS91c2VyLnR4dA=="
        );
        assert!(!e.was_base64);
        assert!(e.warnings.is_empty());
    }

    #[test]
    fn base64_input_is_not_encoded_twice() {
        let wrapped = "IyEvYmluL2Jhc2gKZWNobyB1c2VyX3Rl\nc3QgPiAvaG9tZS91c2VyLnR4dA==\n";
        let e = enc(wrapped).expect("valid");
        assert_eq!(
            e.base64.expose(),
            "IyEvYmluL2Jhc2gKZWNobyB1c2VyX3Rlc3QgPiAvaG9tZS91c2VyLnR4dA=="
        );
        assert!(e.was_base64);
        assert_eq!(e.warnings, vec![Warning::UserDataAlreadyBase64]);
        assert_eq!(e.raw_len, 43);
    }

    #[test]
    fn a_plain_word_is_text_not_base64() {
        // "password" is valid base64 alphabet but decodes to binary junk.
        let e = enc("password").expect("valid");
        assert!(!e.was_base64);
        assert_eq!(e.warnings, vec![Warning::UserDataHeader]);
    }

    #[test]
    fn empty_is_refused() {
        assert_eq!(enc("").unwrap_err().message, "the user data is empty");
    }

    proptest! {
        #[test]
        fn size_boundary(extra in 0usize..2, body in prop::sample::select(vec![b'a', b'\n', b'#'])) {
            let mut bytes = b"#!/bin/sh\n".to_vec();
            bytes.resize(MAX_BYTES + extra, body);
            let r = encode_user_data(&UserData::file("u.sh", bytes));
            if extra == 0 {
                let e = r.expect("32768 bytes is allowed");
                prop_assert_eq!(e.raw_len, 32_768);
                prop_assert_eq!(STANDARD.decode(e.base64.expose()).map(|d| d.len()).ok(), Some(32_768));
            } else {
                let e = r.expect_err("32769 bytes is too much");
                prop_assert_eq!(e.field, Field::UserData);
                prop_assert_eq!(e.message, "32769 bytes; at most 32768 bytes (32 KB) before encoding");
            }
        }

        #[test]
        fn size_limit_applies_to_decoded_base64(len in (MAX_BYTES - 2)..(MAX_BYTES + 3)) {
            let mut raw = b"#cloud-config\n".to_vec();
            raw.resize(len, b'x');
            let e = encode_user_data(&UserData::typed(&STANDARD.encode(&raw)));
            prop_assert_eq!(e.is_ok(), len <= MAX_BYTES);
        }

        #[test]
        fn any_text_roundtrips(text in "#!/bin/sh\n[ -~\n]{0,200}") {
            let e = enc(&text).expect("valid");
            let back = STANDARD.decode(e.base64.expose()).expect("base64");
            prop_assert_eq!(back, text.as_bytes().to_vec());
        }
    }
}

//! Text made safe for a URL: an id from the cloud or a file put into a request path or
//! query. RFC 3986 unreserved characters stay literal, every other byte is `%XX`, so a
//! hostile server id (`../../other`, `id?x=1`, `id#`) stays one path segment and cannot
//! send a request somewhere else. The signer's canonical form uses the same encoding,
//! so what is sent is what is signed.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// RFC 3986 unreserved characters stay literal; everything else is `%XX` (upper-case hex).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode one path segment, query key or query value.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Percent-decode, keeping `+` literal (SDK clients always send `%2B` / `%20`).
pub fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_id_stays_one_segment() {
        for id in [
            "../../v2/other",
            "id?marker=x",
            "id#frag",
            "a/b",
            "a b%",
            "名前",
        ] {
            let e = encode(id);
            assert!(
                e.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(c)),
                "{id} -> {e}"
            );
            assert_eq!(decode(&e), id);
        }
        assert_eq!(encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode("../x"), "..%2Fx");
    }
}

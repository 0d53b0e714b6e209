//! SDK-HMAC-SHA256 request signing, as the Huawei Cloud SDKs and API gateway do it.
//!
//! One implementation serves both sides: the client signs with [`sign`], the sandbox
//! rebuilds the canonical request from what it received and checks it with [`verify`].
//! The rules (and their quirks: trailing `/` on the canonical URI, query sorted on raw
//! text before encoding, headers with `_` never signed) follow the API doc, section 2.2.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::macros::format_description;

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Hash of the empty body, the payload hash of every GET.
pub const EMPTY_PAYLOAD_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const HEADER_DATE: &str = "X-Sdk-Date";
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";

/// The signer's percent-encoding: the one the client, `ops` and the sandbox put ids into
/// paths with, so what is sent is what is signed.
pub use crate::safe_text::percent::{decode, encode};

/// Canonical URI: decode, re-encode each segment, and always end with `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut out = path
        .split('/')
        .map(|seg| encode(&decode(seg)))
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Canonical query: raw pairs sorted by key then value, then encoded. It is also
/// exactly the query string the client sends on the wire.
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Split a raw query string as received into decoded pairs (server side).
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(item), String::new()),
        })
        .collect()
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Sdk-Date` value for a moment: `YYYYMMDDTHHMMSSZ` in UTC.
pub fn sdk_date(at: OffsetDateTime) -> String {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

/// Parse an `X-Sdk-Date` value; `None` when it is not `YYYYMMDDTHHMMSSZ`.
pub fn parse_sdk_date(value: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(value, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

/// What goes into a signature.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// Path as sent on the wire (may be percent-encoded).
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// Headers to sign (name, value). `Host` must be among them.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Every intermediate value, so tests (and a curious sandbox log) can compare each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
}

impl Signature {
    pub fn authorization(&self, ak: &str) -> String {
        format!(
            "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={}",
            self.signed_headers, self.signature
        )
    }
}

/// The headers the signer signs: all present, minus names containing `_`.
fn signable(headers: &[(String, String)]) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = headers
        .iter()
        .filter(|(name, _)| !name.contains('_'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.as_str()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn payload_hash(headers: &[(String, String)], body: &[u8]) -> String {
    if !body.is_empty()
        && let Some((_, v)) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(HEADER_CONTENT_SHA256))
    {
        return v.clone();
    }
    sha256_hex(body)
}

/// Sign over an explicit list of headers (already filtered and lower-cased, sorted).
fn sign_with(sk: &str, date: &str, req: &Request<'_>, headers: &[(String, &str)]) -> Signature {
    let canonical_headers: String = headers
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        payload_hash(req.headers, req.body),
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let signature = hmac_hex(sk.as_bytes(), string_to_sign.as_bytes());
    Signature {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
    }
}

/// Client side: sign every header present except those with `_` in the name.
/// `date` is the request's `X-Sdk-Date` value, which must also be among the headers.
pub fn sign(sk: &str, date: &str, req: &Request<'_>) -> Signature {
    sign_with(sk, date, req, &signable(req.headers))
}

/// The three parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parse `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.to_string()),
            "Signature" => signature = Some(v.to_string()),
            _ => return None,
        }
    }
    let signed = signed?;
    let access = access?;
    let signature = signature?;
    if access.is_empty() || signed.is_empty() || signature.is_empty() {
        return None;
    }
    Some(Authorization {
        access,
        signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
        signature,
    })
}

/// Why a signature check failed (the gateway answers all of these with `APIGW.0301`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("a signed header is missing from the request: {0}")]
    MissingHeader(String),
    #[error("verify aksk signature fail")]
    Mismatch,
}

/// Server side: rebuild the signature over the headers the client said it signed, and
/// compare in constant time. `headers` are the received headers (any case).
pub fn verify(
    sk: &str,
    date: &str,
    auth: &Authorization,
    req: &Request<'_>,
) -> Result<(), VerifyError> {
    let mut chosen: Vec<(String, &str)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = req
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| VerifyError::MissingHeader(name.clone()))?;
        chosen.push((name.clone(), value));
    }
    chosen.sort_by(|a, b| a.0.cmp(&b.0));
    let expected = sign_with(sk, date, req, &chosen);
    if expected
        .signature
        .as_bytes()
        .ct_eq(auth.signature.as_bytes())
        .into()
    {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_always_ends_with_slash() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/v1/p/jobs/x"), "/v1/p/jobs/x/");
        assert_eq!(canonical_uri("/v1/p/jobs/x/"), "/v1/p/jobs/x/");
        assert_eq!(
            canonical_uri("/v2.1/p/os-keypairs/my%20key"),
            "/v2.1/p/os-keypairs/my%20key/"
        );
        assert_eq!(canonical_uri("/a//b"), "/a//b/");
    }

    #[test]
    fn query_sorts_raw_then_encodes() {
        let q = vec![
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "x y+".to_string()),
            ("a".to_string(), "1".to_string()),
            ("e".to_string(), String::new()),
        ];
        assert_eq!(canonical_query(&q), "a=1&a=x%20y%2B&b=2&e=");
        assert_eq!(
            parse_query("a=x%20y%2B&e=&f"),
            vec![
                ("a".into(), "x y+".into()),
                ("e".into(), "".into()),
                ("f".into(), "".into())
            ]
        );
    }

    #[test]
    fn authorization_round_trips_and_rejects_garbage() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12",
        )
        .expect("parses");
        assert_eq!(a.access, "AK");
        assert_eq!(a.signed_headers, vec!["host", "x-sdk-date"]);
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=AK").is_none());
        assert!(
            parse_authorization("SDK-HMAC-SHA256 Access=, SignedHeaders=h, Signature=s").is_none()
        );
    }

    #[test]
    fn sdk_date_round_trips() {
        let t = parse_sdk_date("20240115T083000Z").expect("valid");
        assert_eq!(sdk_date(t), "20240115T083000Z");
        assert!(parse_sdk_date("2024-01-15T08:30:00Z").is_none());
    }

    #[test]
    fn verify_detects_tampering() {
        let headers = vec![
            ("Host".to_string(), "h:8086".to_string()),
            ("X-Sdk-Date".to_string(), "20240115T083000Z".to_string()),
        ];
        let req = Request {
            method: "GET",
            path: "/v1/p/jobs/j",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let sig = sign("sk", "20240115T083000Z", &req);
        let auth = parse_authorization(&sig.authorization("ak")).expect("parses");
        assert_eq!(verify("sk", "20240115T083000Z", &auth, &req), Ok(()));
        assert_eq!(
            verify("other", "20240115T083000Z", &auth, &req),
            Err(VerifyError::Mismatch)
        );
        let tampered = Request {
            path: "/v1/p/jobs/k",
            ..req.clone()
        };
        assert_eq!(
            verify("sk", "20240115T083000Z", &auth, &tampered),
            Err(VerifyError::Mismatch)
        );
        let no_host = Request {
            headers: &headers[1..],
            ..req
        };
        assert!(matches!(
            verify("sk", "20240115T083000Z", &auth, &no_host),
            Err(VerifyError::MissingHeader(_))
        ));
    }
}

//! Gateway-side signature verification (API doc section 2.3), with the signer of
//! `crate::cloud::signer`. Every failure is a 401 `APIGW.0301`.

use axum::http::{HeaderMap, Method, Uri};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::errors::Reply;
use super::state::World;
use crate::cloud::signer;

/// Who signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub access: String,
    pub temporary: bool,
}

pub struct Keys<'a> {
    pub ak: &'a str,
    pub sk: &'a str,
    pub clock_skew_seconds: u64,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Check the signature of a request against the sandbox's keys and the temporary
/// credentials it handed out.
pub fn authenticate(
    keys: &Keys<'_>,
    world: &World,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Principal, Reply> {
    let raw = header(headers, "authorization")
        .ok_or_else(|| Reply::unauthorized("the Authorization header is missing"))?;
    let auth = signer::parse_authorization(raw)
        .ok_or_else(|| Reply::unauthorized("the Authorization header is malformed"))?;
    let now = OffsetDateTime::now_utc();
    let (secret, temporary) = if auth.access == keys.ak {
        (keys.sk.to_string(), false)
    } else if let Some(t) = world
        .temp_credentials
        .iter()
        .find(|t| t.access == auth.access)
    {
        if t.expires_at < now {
            return Err(Reply::unauthorized("the security token has expired"));
        }
        let token = header(headers, "x-security-token").unwrap_or_default();
        if !bool::from(token.as_bytes().ct_eq(t.token.as_bytes())) {
            return Err(Reply::unauthorized(
                "the security token is missing or does not match the access key",
            ));
        }
        (t.secret.clone(), true)
    } else {
        return Err(Reply::unauthorized("the access key does not exist"));
    };
    let date = header(headers, signer::HEADER_DATE)
        .ok_or_else(|| Reply::unauthorized("the X-Sdk-Date header is missing"))?;
    let at = signer::parse_sdk_date(date)
        .ok_or_else(|| Reply::unauthorized("X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ"))?;
    let skew = (now - at).whole_seconds().unsigned_abs();
    if skew > keys.clock_skew_seconds {
        return Err(Reply::unauthorized(
            "verify aksk signature fail, signature expired (X-Sdk-Date differs too much from the server clock)",
        ));
    }
    let received: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let query = signer::parse_query(uri.query().unwrap_or_default());
    let req = signer::Request {
        method: method.as_str(),
        path: uri.path(),
        query: &query,
        headers: &received,
        body,
    };
    signer::verify(&secret, date, &auth, &req).map_err(|e| Reply::unauthorized(&e.to_string()))?;
    Ok(Principal {
        access: auth.access,
        temporary,
    })
}

//! ECS instance metadata credentials (API doc 2.5 step 4): the temporary keys of the
//! agency bound to the server this runs on.

use super::Keys;
use crate::cloud::error::{CloudError, ErrorKind};
use crate::cloud::reply;
use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const KEY_PATH: &str = "/openstack/latest/securitykey";
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";
/// A session token or a key document is a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Refresh when less than this validity remains (the SDK's rule)...
const REFRESH_MARGIN: Duration = Duration::from_secs(40 * 60);

#[derive(Debug, Clone)]
struct Cached {
    keys: Keys,
    fetched: OffsetDateTime,
    expires: Option<OffsetDateTime>,
}

impl Cached {
    /// ...or, for short-lived keys, when half their lifetime is gone.
    fn fresh(&self, now: OffsetDateTime) -> bool {
        let Some(expires) = self.expires else {
            return true;
        };
        let lifetime: time::Duration = expires - self.fetched;
        let half: time::Duration = lifetime / 2i32;
        let margin = half.min(time::Duration::seconds(REFRESH_MARGIN.as_secs() as i64));
        now < expires - margin
    }
}

#[derive(Debug)]
pub struct MetadataProvider {
    base: String,
    http: reqwest::Client,
    cached: Mutex<Option<Cached>>,
}

fn cred_err(message: String) -> CloudError {
    CloudError::new(ErrorKind::Credentials, message)
}

impl MetadataProvider {
    /// `base` like `http://169.254.169.254`; `timeout` bounds each metadata request.
    pub fn new(base: &str, timeout: Duration) -> Result<MetadataProvider, CloudError> {
        crate::cloud::request::install_crypto();
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(timeout)
            .timeout(timeout)
            // Keys come only from the address configured, and its token goes nowhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| cred_err(format!("cannot build the metadata HTTP client: {e}")))?;
        Ok(MetadataProvider {
            base: base.trim_end_matches('/').to_string(),
            http,
            cached: Mutex::new(None),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn current(&self) -> Result<Keys, CloudError> {
        let mut cached = self.cached.lock().await;
        let now = OffsetDateTime::now_utc();
        if let Some(c) = cached.as_ref().filter(|c| c.fresh(now)) {
            return Ok(c.keys.clone());
        }
        let fetched = self.fetch().await?;
        let keys = fetched.keys.clone();
        *cached = Some(fetched);
        Ok(keys)
    }

    /// The optional session token; `None` when the service does not offer tokens.
    /// An unreachable service is an error at once, so a machine that is not an ECS waits
    /// one timeout, not two, before falling back.
    async fn session_token(&self) -> Result<Option<Zeroizing<String>>, CloudError> {
        let sent = self
            .http
            .put(format!("{}{TOKEN_PATH}", self.base))
            .header("X-Metadata-Token-Ttl-Seconds", "21600")
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() || e.is_timeout() => return Err(self.unreachable(&e)),
            Err(_) => return Ok(None),
        };
        if !resp.status().is_success() {
            return Ok(None);
        }
        let token = read_text(resp).await.unwrap_or_default();
        Ok(Some(token).filter(|t| !t.trim().is_empty()))
    }

    fn unreachable(&self, e: &reqwest::Error) -> CloudError {
        cred_err(format!(
            "no ECS metadata service at {} ({}): not running on an ECS with an agency",
            self.base,
            crate::cloud::request::chain(e)
        ))
    }

    async fn fetch(&self) -> Result<Cached, CloudError> {
        let mut token = self.session_token().await?;
        for attempt in 0..2 {
            let mut req = self.http.get(format!("{}{KEY_PATH}", self.base));
            if let Some(t) = &token {
                req = req.header("X-Metadata-Token", t.trim());
            }
            let resp = req.send().await.map_err(|e| self.unreachable(&e))?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let location = resp.headers().get("location").and_then(|v| v.to_str().ok());
                let target = reply::redirect_target(resp.url(), location);
                return Err(cred_err(format!(
                    "ECS metadata at {} gave no keys: it answered a redirect (HTTP {status}) to \
                     {target}, which reimage does not follow",
                    self.base
                )));
            }
            let text = read_text(resp).await.map_err(|e| {
                cred_err(format!("ECS metadata at {} gave no keys: {e}", self.base))
            })?;
            if status == 401 && !text.contains(NO_AGENCY) && attempt == 0 {
                token = self.session_token().await?;
                continue;
            }
            if !(200..300).contains(&status) {
                let why = if text.contains(NO_AGENCY) {
                    "this ECS has no agency: bind one with ECS/BMS permissions in the console"
                        .to_string()
                } else {
                    format!("HTTP {status}")
                };
                return Err(cred_err(format!(
                    "ECS metadata at {} gave no keys: {why}",
                    self.base
                )));
            }
            return parse_security_key(&text);
        }
        Err(cred_err(
            "ECS metadata kept refusing the session token".into(),
        ))
    }
}

/// A metadata answer: a token or a small JSON document, never more than the limit.
/// The text is wiped on drop: it holds a session token or the keys themselves.
async fn read_text(resp: reqwest::Response) -> Result<Zeroizing<String>, String> {
    match reply::read_body(resp, MAX_ANSWER_BYTES, false).await {
        Ok(bytes) => Ok(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())),
        Err(reply::BodyError::TooLarge { limit }) => Err(format!(
            "its answer is larger than {}",
            reply::size_text(limit)
        )),
        Err(reply::BodyError::Read(e)) => Err(crate::cloud::request::chain(&e)),
    }
}

/// The key fields under every spelling the SDK accepts. The secrets decode straight into
/// wiped holders: no `serde_json::Value` keeps a copy of them.
#[derive(Deserialize, Default)]
struct KeyFields {
    #[serde(alias = "accessKeyId", alias = "access_key_id")]
    access: Option<String>,
    #[serde(alias = "secretAccessKey", alias = "secret_access_key")]
    secret: Option<Secret>,
    #[serde(alias = "securityToken", alias = "security_token")]
    securitytoken: Option<Secret>,
    #[serde(alias = "expiration")]
    expires_at: Option<String>,
}

#[derive(Deserialize)]
struct KeyDocument {
    #[serde(alias = "credentials")]
    credential: Option<KeyFields>,
}

/// Parse `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`, the
/// `credentials` wrapper or the bare fields. A decoding error names only where it is:
/// serde's message could quote a value, and a value here may be a secret.
fn parse_security_key(text: &str) -> Result<Cached, CloudError> {
    let not_keys = |e: serde_json::Error| {
        cred_err(format!(
            "ECS metadata keys are not the JSON document expected (line {}, column {})",
            e.line(),
            e.column()
        ))
    };
    let fields = match serde_json::from_str::<KeyDocument>(text).map_err(not_keys)? {
        KeyDocument {
            credential: Some(fields),
        } => fields,
        KeyDocument { credential: None } => serde_json::from_str(text).map_err(not_keys)?,
    };
    let set = |s: Option<Secret>| s.filter(|s| !s.is_empty());
    let ak = fields.access.filter(|a| !a.is_empty());
    let (Some(ak), Some(sk)) = (ak, set(fields.secret)) else {
        return Err(cred_err(
            "ECS metadata reply has no access/secret key".into(),
        ));
    };
    let expires = fields.expires_at.and_then(|t| {
        OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
    });
    Ok(Cached {
        keys: Keys {
            ak,
            sk,
            token: set(fields.securitytoken),
        },
        fetched: OffsetDateTime::now_utc(),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_variants_and_expiry() {
        let c = parse_security_key(
            r#"{"credential":{"access":"AK","secret":"SK","securitytoken":"T","expires_at":"2030-01-15T14:30:00.000000Z"}}"#,
        )
        .expect("parse");
        assert_eq!(c.keys.ak, "AK");
        assert_eq!(c.keys.token.as_ref().map(Secret::expose), Some("T"));
        assert!(c.expires.is_some());
        let c = parse_security_key(
            r#"{"credentials":{"accessKeyId":"A","secretAccessKey":"S","securityToken":"X"}}"#,
        )
        .expect("parse");
        assert_eq!(c.keys.sk.expose(), "S");
        assert!(parse_security_key(r#"{"credential":{}}"#).is_err());
        let bare = parse_security_key(r#"{"access_key_id":"B","secret_access_key":"Z"}"#);
        assert_eq!(bare.expect("bare fields").keys.ak, "B");
        let empty = parse_security_key(r#"{"credential":{"access":"A","secret":""}}"#);
        assert!(empty.is_err(), "an empty secret is no secret");
    }

    #[test]
    fn a_malformed_key_document_never_quotes_its_values() {
        let e = parse_security_key(r#"{"credential":{"access":"AK","secret":98765432}}"#)
            .expect_err("a number is not a secret");
        assert!(!format!("{e:?} {e}").contains("98765432"), "{e}");
    }

    #[test]
    fn freshness_uses_margin() {
        let now = OffsetDateTime::now_utc();
        let keys = Keys {
            ak: "a".into(),
            sk: Secret::new("s"),
            token: None,
        };
        let long = Cached {
            keys: keys.clone(),
            fetched: now,
            expires: Some(now + time::Duration::hours(24)),
        };
        assert!(long.fresh(now));
        assert!(!long.fresh(now + time::Duration::hours(23 * 60 + 30) / 60));
        let short = Cached {
            keys,
            fetched: now,
            expires: Some(now + time::Duration::minutes(10)),
        };
        assert!(short.fresh(now + time::Duration::minutes(4)));
        assert!(!short.fresh(now + time::Duration::minutes(6)));
    }
}

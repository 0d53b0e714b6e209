//! The one request path: sign, send, time out, map errors, retry safe calls.

use super::credentials::Provider;
use super::endpoints::{Endpoints, Service};
use super::error::{CloudError, ErrorKind};
use super::reply::{self, BodyError};
use super::{retry, signer};
use crate::config::{ClientSettings, RetryPolicy};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use std::time::Instant;

pub const USER_AGENT: &str = concat!("reimage/", env!("CARGO_PKG_VERSION"));

/// Whether a call may be sent again when its outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads: retried on connection errors, timeouts, 5xx and 429.
    Safe,
    /// Changes (OS change, reinstall, stop): sent exactly once, whatever happens.
    Once,
}

/// One request, before signing.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: Service,
    pub method: Method,
    /// Path with every segment already percent-encoded.
    pub path: String,
    /// Decoded query pairs; sent as the canonical query.
    pub query: Vec<(String, String)>,
    /// Shared, never copied by reimage: a body holding a password is owned by a wiping
    /// buffer ([`Call::post_secret_once`]) that is wiped when the last clone drops.
    pub body: Option<bytes::Bytes>,
    pub safety: Safety,
    /// `X-Project-Id` for regional services.
    pub project_id: Option<String>,
}

impl Call {
    pub fn get(service: Service, path: impl Into<String>) -> Call {
        Call {
            service,
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            safety: Safety::Safe,
            project_id: None,
        }
    }

    pub fn post_once(service: Service, path: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: Method::POST,
            body: Some(body.into()),
            safety: Safety::Once,
            ..Call::get(service, path)
        }
    }

    /// A change whose body holds a secret: the buffer is handed over without a copy and
    /// wiped when reimage and the HTTP stack have both dropped it. What hyper copies into
    /// its write buffer and rustls into its TLS records while sending cannot be reached
    /// from here and is not wiped (both free those buffers, unwiped, after the write).
    pub fn post_secret_once(
        service: Service,
        path: impl Into<String>,
        body: zeroize::Zeroizing<Vec<u8>>,
    ) -> Call {
        Call {
            method: Method::POST,
            body: Some(bytes::Bytes::from_owner(body)),
            safety: Safety::Once,
            ..Call::get(service, path)
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn project(mut self, project_id: Option<&str>) -> Call {
        if self.service.is_regional() {
            self.project_id = project_id.map(str::to_string);
        }
        self
    }
}

/// A successful reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }

    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, CloudError> {
        serde_json::from_slice(&self.body).map_err(|e| CloudError {
            request_id: self.request_id(),
            ..CloudError::decode(format!("unexpected reply to {what}: {e}"))
        })
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The HTTP client, the keys and the endpoints: everything a request needs.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    provider: Provider,
    pub endpoints: Endpoints,
    retry: RetryPolicy,
    /// The account id, sent as `X-Domain-Id` to the global services when known.
    domain_id: Option<String>,
}

/// The headers a call is signed with, as the Python SDK sends them: `Content-Type` on every
/// request, `X-Project-Id` to regional services, `X-Domain-Id` to global ones (IAM) when the
/// account id is known, `X-Security-Token` with temporary keys.
fn signed_headers(
    call: &Call,
    host: String,
    date: &str,
    token: Option<&str>,
    domain_id: Option<&str>,
) -> Vec<(String, String)> {
    let content_type = if call.method == Method::GET {
        "application/json"
    } else {
        "application/json;charset=utf-8"
    };
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), content_type.into()),
        ("Host".into(), host),
        ("User-Agent".into(), USER_AGENT.into()),
        (signer::HEADER_DATE.into(), date.to_string()),
    ];
    if let Some(pid) = &call.project_id {
        headers.push(("X-Project-Id".into(), pid.clone()));
    }
    if let Some(domain) = domain_id.filter(|_| !call.service.is_regional()) {
        headers.push(("X-Domain-Id".into(), domain.to_string()));
    }
    if let Some(token) = token {
        headers.push(("X-Security-Token".into(), token.to_string()));
    }
    headers
}

/// Install the ring provider once; a second install attempt is harmless.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Transport {
    pub fn new(
        settings: &ClientSettings,
        provider: Provider,
        endpoints: Endpoints,
    ) -> Result<Transport, CloudError> {
        install_crypto();
        let mut b = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            // A body that stops coming ends here, not when the whole timeout runs out.
            .read_timeout(settings.read_timeout)
            // Requests go only where the user sent them: a redirect is an answer to report,
            // never a second request (it would carry the signed body or the token away).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            // HTTP/1.1 as the SDKs speak it: the signed Host header goes out as is.
            .http1_only();
        if let Some(path) = &settings.ca_file {
            let pem = crate::fsio::read(path, crate::fsio::FileKind::CaFile)
                .map_err(|e| CloudError::config(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                CloudError::config(format!(
                    "{} is not a PEM certificate file: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(CloudError::config(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
            b = b.tls_certs_merge(certs);
        }
        if settings.insecure {
            tracing::warn!("TLS certificate checks are OFF (--insecure)");
            b = b.tls_danger_accept_invalid_certs(true);
        }
        let http = b.build().map_err(|e| {
            CloudError::config(format!("cannot build the HTTP client: {}", chain(&e)))
        })?;
        Ok(Transport {
            http,
            provider,
            endpoints,
            retry: settings.retry.clone(),
            domain_id: settings.domain_id.clone().filter(|d| !d.is_empty()),
        })
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// Send a call: safe calls are retried per the policy, `Once` calls never.
    pub async fn send(&self, call: &Call) -> Result<Reply, CloudError> {
        let mut attempt = 1;
        loop {
            let result = self.send_once(call).await;
            let Failed {
                err,
                retry_after,
                in_body,
            } = match result {
                Ok(reply) => return Ok(reply),
                Err(e) => e,
            };
            // A body that stalled was answered: asking again would only wait again.
            let retryable = call.safety == Safety::Safe
                && match err.kind {
                    ErrorKind::Network => true,
                    ErrorKind::Timeout => !in_body,
                    ErrorKind::Api => err.is_retryable_status(),
                    _ => false,
                };
            if !retryable || attempt >= self.retry.max_attempts {
                return Err(err);
            }
            let wait = retry::delay(&self.retry, attempt, retry_after);
            tracing::info!(%err, attempt, wait_ms = wait.as_millis() as u64, "retrying {} {}", call.method, call.path);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt.
    async fn send_once(&self, call: &Call) -> Result<Reply, Failed> {
        let keys = self.provider.current().await?;
        let base = self.endpoints.url(call.service);
        let mut url = reqwest::Url::parse(&format!("{base}{}", call.path))
            .map_err(|e| CloudError::config(format!("bad URL {base}{}: {e}", call.path)))?;
        let query = signer::canonical_query(&call.query);
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(CloudError::config(format!("no host in {url}")).into()),
        };
        let date = signer::sdk_date(time::OffsetDateTime::now_utc());
        let body = call.body.clone().unwrap_or_default();
        let token = keys.token.as_ref().map(|t| t.expose());
        let headers = signed_headers(call, host, &date, token, self.domain_id.as_deref());
        let sig = signer::sign(
            keys.sk.expose(),
            &date,
            &signer::Request {
                method: call.method.as_str(),
                path: url.path(),
                query: &call.query,
                headers: &headers,
                body: &body[..],
            },
        );
        let mut map = HeaderMap::new();
        // Host is set by the HTTP library from the URL, identical to the signed value.
        for (name, value) in headers.iter().filter(|(n, _)| n != "Host") {
            map.insert(header_name(name)?, header_value(value)?);
        }
        map.insert(
            reqwest::header::AUTHORIZATION,
            header_value(&sig.authorization(&keys.ak))?,
        );
        let started = Instant::now();
        let sent = self
            .http
            .request(call.method.clone(), url.clone())
            .headers(map)
            .body(body)
            .send()
            .await;
        let resp = sent.map_err(|e| transport_error(call, &e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if (300..400).contains(&status) {
            let location = headers.get("location").and_then(|v| v.to_str().ok());
            let target = reply::redirect_target(&url, location);
            return Err(reply::redirect_error(status, &target, call.safety == Safety::Once).into());
        }
        let ok = (200..300).contains(&status);
        let (limit, truncate) = if ok {
            (reply::MAX_REPLY_BYTES, false)
        } else {
            (reply::MAX_ERROR_BYTES, true)
        };
        let body = match reply::read_body(resp, limit, truncate).await {
            Ok(body) => body,
            // The status already says what happened; its text is a bonus.
            Err(BodyError::Read(_)) if !ok => Vec::new(),
            Err(e) => return Err(body_error(call, e)),
        };
        tracing::debug!(
            method = %call.method, path = %url.path(), status,
            request_id = request_id(&headers).as_deref().unwrap_or("-"),
            ms = started.elapsed().as_millis() as u64,
            "cloud call"
        );
        if ok {
            return Ok(Reply {
                status,
                headers,
                body,
            });
        }
        let mut err = CloudError::from_response(status, request_id(&headers), &body);
        // A change answered by a gateway/server failure may still have been applied.
        if call.safety == Safety::Once && status >= 500 && status != 501 {
            err.kind = ErrorKind::AmbiguousSend;
            err.message = format!(
                "{} (sent once, not retried: the outcome is unknown)",
                err.message
            );
        }
        let retry_after =
            retry::parse_retry_after(headers.get("retry-after").and_then(|v| v.to_str().ok()));
        err.retry_after = retry_after;
        Err(Failed {
            err,
            retry_after,
            in_body: false,
        })
    }
}

/// A failed attempt: the error, the service's `Retry-After`, and whether it failed while
/// reading an answer's body (the service answered; a stall there is not retried).
struct Failed {
    err: CloudError,
    retry_after: Option<std::time::Duration>,
    in_body: bool,
}

impl From<CloudError> for Failed {
    fn from(err: CloudError) -> Failed {
        Failed {
            err,
            retry_after: None,
            in_body: false,
        }
    }
}

/// A success's body that could not be read: too large, or cut or stalled while reading. A
/// change answered with success may have been applied, so its outcome is unknown.
fn body_error(call: &Call, e: BodyError) -> Failed {
    let err = match e {
        BodyError::TooLarge { limit } => CloudError::new(
            ErrorKind::Protocol,
            format!(
                "the reply to {} {} is larger than {}, more than any real answer: refused \
                 unread",
                call.method,
                call.path,
                reply::size_text(limit)
            ),
        ),
        BodyError::Read(e) if e.is_timeout() && call.safety == Safety::Safe => CloudError::new(
            ErrorKind::Timeout,
            format!(
                "timed out reading the reply to {} {}: the service stopped sending it ({})",
                call.method,
                call.path,
                chain(&e)
            ),
        ),
        BodyError::Read(e) => transport_error(call, &e),
    };
    let err = if call.safety == Safety::Once && err.kind != ErrorKind::AmbiguousSend {
        CloudError {
            kind: ErrorKind::AmbiguousSend,
            message: format!(
                "the service accepted {} {} but its reply could not be read ({}); it was not \
                 retried",
                call.method, call.path, err.message
            ),
            ..err
        }
    } else {
        err
    };
    Failed {
        err,
        retry_after: None,
        in_body: true,
    }
}

fn header_name(name: &str) -> Result<HeaderName, Failed> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| CloudError::config(format!("invalid header name {name}")).into())
}

fn header_value(value: &str) -> Result<HeaderValue, Failed> {
    // Never echo the value: it may be a token.
    HeaderValue::from_str(value).map_err(|_| {
        CloudError::config("a header value (key, token or id) holds characters HTTP does not allow")
            .into()
    })
}

/// The error and its causes, one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        src = s.source();
    }
    out
}

fn transport_error(call: &Call, e: &reqwest::Error) -> CloudError {
    let what = chain(e);
    if e.is_connect() {
        // Nothing reached the server, so even a change is known not to have happened.
        return CloudError::new(ErrorKind::Network, format!("cannot connect: {what}"));
    }
    if call.safety == Safety::Once {
        return CloudError::new(
            ErrorKind::AmbiguousSend,
            format!(
                "no answer after sending {} {} ({what}); it was not retried",
                call.method, call.path
            ),
        );
    }
    if e.is_timeout() {
        CloudError::new(ErrorKind::Timeout, format!("timed out: {what}"))
    } else {
        CloudError::new(ErrorKind::Network, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(h: &[(String, String)]) -> Vec<&str> {
        h.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn project_to_regional_services_domain_to_global_ones() {
        let ecs = Call::get(Service::Ecs, "/v1/p/cloudservers/detail").project(Some("p"));
        let h = signed_headers(&ecs, "h".into(), "d", None, Some("dom"));
        assert_eq!(
            names(&h),
            [
                "Content-Type",
                "Host",
                "User-Agent",
                "X-Sdk-Date",
                "X-Project-Id"
            ]
        );
        let iam = Call::get(Service::Iam, "/v3/projects").project(Some("p"));
        let h = signed_headers(&iam, "h".into(), "d", Some("tok"), Some("dom"));
        assert_eq!(
            names(&h),
            [
                "Content-Type",
                "Host",
                "User-Agent",
                "X-Sdk-Date",
                "X-Domain-Id",
                "X-Security-Token"
            ]
        );
        assert!(h.contains(&("X-Domain-Id".into(), "dom".into())));
        let h = signed_headers(&iam, "h".into(), "d", None, None);
        assert!(!names(&h).contains(&"X-Domain-Id"));
    }
}

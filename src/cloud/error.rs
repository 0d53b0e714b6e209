//! One error type for every cloud call, parsed from the four error shapes of the API doc
//! (section 3.3), with a hint for the codes users actually hit.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The service answered with an error status.
    Api,
    /// The request never reached the service (connect, DNS, TLS).
    Network,
    /// A safe call timed out.
    Timeout,
    /// A change was sent but no answer came back: it may or may not have been applied.
    AmbiguousSend,
    /// The reply did not have the expected shape.
    Decode,
    Config,
    Credentials,
    /// Refused locally: the session is read-only.
    ReadOnly,
    /// The service broke the API's rules (a redirect, a reply over the size limit, a page
    /// larger than asked, endless pages): refused, never retried.
    Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    /// The service's `Retry-After` on a throttled answer: wait at least this long.
    pub retry_after: Option<std::time::Duration>,
}

impl std::fmt::Display for CloudError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.code, self.status) {
            (Some(code), _) => write!(f, "{code}: {}", self.message)?,
            (None, Some(status)) => write!(f, "HTTP {status}: {}", self.message)?,
            (None, None) => f.write_str(&self.message)?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CloudError {}

impl CloudError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CloudError {
        CloudError {
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            retry_after: None,
        }
    }

    pub fn config(message: impl Into<String>) -> CloudError {
        Self::new(ErrorKind::Config, message)
    }

    pub fn decode(message: impl Into<String>) -> CloudError {
        Self::new(ErrorKind::Decode, message)
    }

    /// An error reply: status, headers' request id and the raw body.
    pub fn from_response(status: u16, request_id: Option<String>, body: &[u8]) -> CloudError {
        let (code, message) = parse_error_body(body).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body).trim().to_string();
            let text = if text.is_empty() {
                format!("HTTP status {status} with an empty body")
            } else {
                text.chars().take(500).collect()
            };
            (status.to_string(), text)
        });
        let request_id = request_id.or_else(|| {
            serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("request_id")?.as_str().map(str::to_string))
        });
        CloudError {
            kind: ErrorKind::Api,
            status: Some(status),
            code: Some(code),
            message,
            request_id,
            retry_after: None,
        }
    }

    /// The code users can act on, with what to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        if self.kind == ErrorKind::AmbiguousSend {
            // What came back is in the message (code and text of an error body); the hint
            // says what it means for a change.
            return Some(match self.status {
                Some(500..) => {
                    "the service failed while taking the request and may still have applied \
                     it: check the server's status and its recent jobs before trying again, or \
                     the operation may run twice"
                }
                Some(_) => {
                    "the service accepted the request but its answer could not be read: check \
                     the server's status and its recent jobs before trying again, or the \
                     operation may run twice"
                }
                None => {
                    "the request was sent but no answer came back: check the server's status \
                     and its recent jobs before trying again, or the operation may run twice"
                }
            });
        }
        if self.kind == ErrorKind::ReadOnly {
            return Some(
                "this session is read-only: run with --write or set read_only = false in the profile",
            );
        }
        match self.kind {
            ErrorKind::Network => {
                return Some(
                    "cannot reach the service: check the endpoint and region, DNS, the proxy \
                     (HTTPS_PROXY/NO_PROXY), and --ca-file if a corporate CA intercepts TLS",
                );
            }
            ErrorKind::Timeout => {
                return Some(
                    "no answer in time: check the network, or raise timeout_secs in the profile",
                );
            }
            ErrorKind::Decode => {
                return Some(
                    "the reply was not understood (cut short or an unexpected shape): retry; if \
                     it persists, run with --log-level debug and report the request id",
                );
            }
            ErrorKind::Credentials => {
                return Some(
                    "run `reimage doctor` to see which credential source is used and why it fails",
                );
            }
            ErrorKind::Protocol => {
                return Some(
                    "the endpoint does not answer as the Huawei Cloud API does: check the \
                     endpoint settings (`reimage doctor` lists each one and where it came from); \
                     if it is the real service, report the request id",
                );
            }
            _ => {}
        }
        let code = self.code.as_deref()?;
        Some(match code {
            "Ecs.0005" | "BMS.0018" | "BMS.0022" => {
                "invalid parameters: check the image (must suit this server type and flavor), \
                 the password or key pair choice, and the user data"
            }
            "Ecs.0007" | "BMS.0011" => {
                "the image does not fit this server type: ECS needs a FusionCompute image, BMS an Ironic image"
            }
            "Ecs.0011" | "BMS.3039" | "BMS.3026" => {
                "the password does not meet the rules: 8-26 characters, 3 of upper/lower/digit/special \
                 (!@$%^-_=+[{}]:,./?), not containing the user name"
            }
            "Ecs.0021" => "quota exceeded: free resources or ask for a higher quota",
            "Ecs.0025" => {
                "the system disk encryption needs the EVS agency to KMS: create it in the console \
                 (KMS access for EVS) or choose no encryption"
            }
            "Ecs.0100" | "BMS.0035" | "BMS.0036" | "BMS.0037" | "BMS.0038" => {
                "the server's state does not allow this: stop it first (or use withStopServer), \
                 and wait until no task runs on it"
            }
            "Ecs.0314" | "BMS.0049" => {
                "the key pair does not exist for this user: check its name, and that userid is the \
                 key pair owner (set user_id in the profile if IAM cannot tell it)"
            }
            "Ecs.0603" => "another operation is running on the server: retry in about a minute",
            "Ecs.0605" => "the server is locked: unlock it in the console, then retry",
            "Ecs.0114" | "Ecs.0614" | "BMS.0040" => "the server no longer exists: refresh the list",
            "Ecs.0031" | "Ecs.0032" | "BMS.0010" => {
                "the image is missing or not active: refresh the image list"
            }
            "Ecs.0023" | "Common.0018" => {
                "the project id does not match this region: check project_id in the profile"
            }
            "APIGW.0301" => {
                "authentication failed: check the access key / secret key pair (and the security \
                 token for temporary keys), and that this machine's clock is right (max 15 minutes off)"
            }
            "APIGW.0308" | "Common.1503" | "Common.0024" => {
                "throttled by the API gateway: wait a minute and retry with fewer requests at once"
            }
            "APIGW.0101" => {
                "the API does not exist here: check the region and the endpoint overrides"
            }
            "Ecs.0003" | "Ecs.0110" | "Pdp.0001" | "BMS.0288" | "APIGW.0302" | "APIGW.0306" => {
                "your IAM policy does not allow this action: ask an administrator for the ECS/BMS permission named in the message"
            }
            _ if self.status.is_some_and(|s| s >= 500) => {
                "the service failed, even after retries: try again in a minute; if it persists, \
                 quote the request id to Huawei Cloud support"
            }
            _ => return None,
        })
    }

    /// The API gateway throttled the call (429 or one of its rate-limit codes).
    pub fn is_throttled(&self) -> bool {
        self.status == Some(429)
            || matches!(
                self.code.as_deref(),
                Some("APIGW.0308" | "Common.1503" | "Common.0024")
            )
    }

    /// 429, throttling codes, and 5xx: worth retrying when the call is safe.
    pub fn is_retryable_status(&self) -> bool {
        matches!(self.status, Some(429) | Some(500..=599))
            || matches!(
                self.code.as_deref(),
                Some("APIGW.0308" | "Common.1503" | "Common.0024")
            )
    }
}

/// `(code, message)` as the SDK extracts them: top-level `error_code`/`error_msg`, then
/// `errorCode`/`errorMsg`, then `code`/`message`, then the same inside each object member.
pub fn parse_error_body(body: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    find_pair(&value, 0)
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn find_pair(v: &Value, depth: u8) -> Option<(String, String)> {
    let obj = v.as_object()?;
    for (c, m) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        if let (Some(code), Some(msg)) =
            (obj.get(c).and_then(as_text), obj.get(m).and_then(as_text))
        {
            return Some((code, msg));
        }
    }
    if depth >= 3 {
        return None;
    }
    obj.values()
        .filter(|m| m.is_object())
        .find_map(|m| find_pair(m, depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> CloudError {
        CloudError::from_response(status, Some("rid-1".into()), body.as_bytes())
    }

    #[test]
    fn four_shapes() {
        let e = parse(
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"r"}"#,
        );
        assert_eq!(e.code.as_deref(), Some("APIGW.0301"));
        assert!(e.hint().expect("hint").contains("clock"));
        let e = parse(
            404,
            r#"{"error":{"code":"Ecs.0114","message":"Instance[x] could not be found.","details":[]}}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("Ecs.0114"), "Instance[x] could not be found.")
        );
        let e = parse(
            400,
            r#"{"error":{"code":"BMS.0040","message":"The server does not exist."}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("BMS.0040"));
        let e = parse(
            404,
            r#"{"itemNotFound":{"code":404,"message":"Keypair kp1 not found"}}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("404"), "Keypair kp1 not found")
        );
        let e = parse(400, r#"{"errorCode":"KPS.0001","errorMsg":"bad"}"#);
        assert_eq!(e.code.as_deref(), Some("KPS.0001"));
    }

    #[test]
    fn unparsable_body_keeps_status_and_text() {
        let e = parse(502, "<html>bad gateway</html>");
        assert_eq!(e.code.as_deref(), Some("502"));
        assert_eq!(e.message, "<html>bad gateway</html>");
        assert_eq!(
            e.to_string(),
            "502: <html>bad gateway</html> (request id rid-1)"
        );
        assert!(e.is_retryable_status());
    }

    #[test]
    fn request_id_from_body_when_header_missing() {
        let e = CloudError::from_response(
            429,
            None,
            br#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"abc"}"#,
        );
        assert_eq!(e.request_id.as_deref(), Some("abc"));
        assert!(e.is_retryable_status());
        assert!(e.hint().expect("hint").contains("throttled"));
    }

    #[test]
    fn hints_for_common_codes() {
        for code in [
            "Ecs.0005",
            "Ecs.0011",
            "Ecs.0021",
            "Ecs.0025",
            "Ecs.0100",
            "Ecs.0314",
            "Ecs.0603",
            "Ecs.0605",
            "APIGW.0301",
            "APIGW.0308",
        ] {
            let e = parse(
                400,
                &format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#),
            );
            assert!(e.hint().is_some(), "{code}");
        }
        assert!(
            parse(400, r#"{"error":{"code":"Ecs.9999","message":"m"}}"#)
                .hint()
                .is_none()
        );
    }
}

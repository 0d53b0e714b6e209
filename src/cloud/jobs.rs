//! Changes that start a job (OS change/reinstall, stop), and the job status itself.

use super::client::{Client, service_of};
use super::error::{CloudError, ErrorKind};
use super::model::{Job, JobAccepted, ServerKind};
use super::request::Call;
use crate::safe_text::percent::encode;
use serde_json::Value;
use zeroize::Zeroizing;

/// `job_id` or `jobId` (BMS change OS), and `order_id` when the change created an order.
pub fn parse_accepted(body: &[u8]) -> Result<JobAccepted, CloudError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| CloudError::decode(format!("task reply is not JSON: {e}")))?;
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let job_id = text("job_id").or_else(|| text("jobId")).ok_or_else(|| {
        CloudError::decode("the task was accepted but the reply has no job_id/jobId")
    })?;
    Ok(JobAccepted {
        job_id,
        order_id: text("order_id").or_else(|| text("orderId")),
    })
}

/// The body of an OS request: the exact bytes `ops` built (`Body::to_bytes`, the SDK's key
/// order), or a JSON value serialised here (tests and scripts). Held in a wiping buffer.
pub struct OsBody(Zeroizing<Vec<u8>>);

impl From<Zeroizing<Vec<u8>>> for OsBody {
    fn from(bytes: Zeroizing<Vec<u8>>) -> Self {
        OsBody(bytes)
    }
}

impl From<&Value> for OsBody {
    fn from(v: &Value) -> Self {
        let mut out = Zeroizing::new(Vec::with_capacity(64 * 1024));
        // Writing a JSON value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, v);
        OsBody(out)
    }
}

impl Client {
    /// POST a change exactly once and read its job id.
    pub(crate) async fn submit(&self, call: Call) -> Result<JobAccepted, CloudError> {
        let reply = self.send(call).await?;
        // Accepted but unreadable: the change is probably under way, so say so.
        parse_accepted(&reply.body).map_err(|e| CloudError {
            kind: ErrorKind::AmbiguousSend,
            status: Some(reply.status),
            message: format!(
                "the service accepted the request (HTTP {}) but its reply could not be read: {}",
                reply.status, e.message
            ),
            request_id: reply.request_id(),
            code: None,
            retry_after: None,
        })
    }

    /// Send a change-OS or reinstall-OS request built by `ops/`, exactly once, as these
    /// bytes (`Body::to_bytes`: the SDK's key order), wiped once sent.
    /// `path` is like `/v2/{pid}/cloudservers/{id}/changeos`; `{pid}` or `{project_id}`
    /// is replaced with this client's project id.
    pub async fn submit_os_request(
        &self,
        kind: ServerKind,
        path: &str,
        body: impl Into<OsBody>,
    ) -> Result<JobAccepted, CloudError> {
        let OsBody(body) = body.into();
        self.ensure_writable("changing or reinstalling an OS")?;
        if !path.starts_with('/') {
            return Err(CloudError::config(format!(
                "request path must start with '/': {path}"
            )));
        }
        let pid = encode(self.project_id());
        let path = path.replace("{pid}", &pid).replace("{project_id}", &pid);
        self.submit(Call::post_secret_once(service_of(kind), path, body))
            .await
    }

    /// The job on the service that created it.
    pub async fn show_job(&self, kind: ServerKind, job_id: &str) -> Result<Job, CloudError> {
        let path = format!("/v1/{}/jobs/{}", encode(self.project_id()), encode(job_id));
        let reply = self.send(Call::get(service_of(kind), path)).await?;
        reply.json(&format!("{} job", kind.label()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_job_id_spellings_and_order() {
        let a = parse_accepted(br#"{"jobId":"j1"}"#).expect("ok");
        assert_eq!((a.job_id.as_str(), a.order_id), ("j1", None));
        let a = parse_accepted(br#"{"job_id":"j2","order_id":"CS1"}"#).expect("ok");
        assert_eq!(
            (a.job_id.as_str(), a.order_id.as_deref()),
            ("j2", Some("CS1"))
        );
        assert!(parse_accepted(br#"{"x":1}"#).is_err());
    }
}

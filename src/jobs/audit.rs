//! The audit log: `audit.log`, one JSON line per submission and per outcome. It answers
//! "who changed which server to which image, when, and how did it end". It never holds a
//! secret: the access key id is masked and the login mode is named, never its value.

use super::record::{JobRecord, now_rfc3339};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who acted: the cloud account as reimage knows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Actor {
    pub region: String,
    pub project_id: String,
    /// Where the credentials came from (`env HUAWEICLOUD_SDK_AK`, `profile prod`, ...).
    pub credential_source: String,
    /// The access key id, masked by [`mask_access_key`].
    pub access_key: String,
}

#[derive(Debug, Serialize)]
struct Line<'a> {
    time: String,
    event: &'a str,
    #[serde(flatten)]
    actor: &'a Actor,
    server_id: &'a str,
    server_name: &'a str,
    kind: &'static str,
    operation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    login_mode: Option<&'a str>,
    job_id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
}

impl Actor {
    /// The account the client acts as, its access key id masked.
    pub async fn of(client: &crate::cloud::Client) -> Actor {
        let ctx = client.context();
        Actor {
            region: ctx.region.clone(),
            project_id: ctx.project_id.clone(),
            credential_source: ctx.source_label(),
            access_key: client
                .access_key_id()
                .await
                .map(|ak| mask_access_key(&ak))
                .unwrap_or_default(),
        }
    }
}

/// Keep the first four and last four characters of an access key id.
pub fn mask_access_key(ak: &str) -> String {
    let chars: Vec<char> = ak.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A job was accepted by the service. `login_mode` names the mode, never the secret.
    pub fn submitted(
        &self,
        actor: &Actor,
        job: &JobRecord,
        login_mode: Option<&str>,
    ) -> std::io::Result<()> {
        self.write("submitted", actor, job, login_mode)
    }

    /// A job reached its final state.
    pub fn finished(&self, actor: &Actor, job: &JobRecord) -> std::io::Result<()> {
        self.write("finished", actor, job, None)
    }

    fn write(
        &self,
        event: &str,
        actor: &Actor,
        job: &JobRecord,
        login_mode: Option<&str>,
    ) -> std::io::Result<()> {
        let line = Line {
            time: now_rfc3339(),
            event,
            actor,
            server_id: &job.server_id,
            server_name: &job.server_name,
            kind: job.kind.label(),
            operation: job.operation.label(),
            route: job.route.as_deref(),
            old_image: job.old_image.as_deref(),
            new_image: job.new_image.as_deref(),
            login_mode,
            job_id: &job.job_id,
            status: job.state.label(),
            error_code: job.error_code.as_deref(),
        };
        let mut bytes = serde_json::to_vec(&line).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        // One write of one line with O_APPEND: lines of concurrent processes never mix.
        let mut file = crate::fsio::state::open_append(&self.path, crate::fsio::FileKind::AuditLog)
            .map_err(std::io::Error::other)?;
        file.write_all(&bytes)?;
        file.sync_data()
    }
}

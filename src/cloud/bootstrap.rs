//! From resolved configuration to a connected client, starting the in-process sandbox
//! when no credentials exist (or `--sandbox` asks for it).

use super::client::Client;
use super::error::{CloudError, ErrorKind};
use crate::config::{Credentials, Resolved};

/// A connected client, and the sandbox it talks to when there is one (keep it alive:
/// dropping it stops the sandbox).
pub struct Connected {
    pub client: Client,
    pub sandbox: Option<SandboxHandle>,
    /// Things to tell the user once (why the sandbox is in use, ...).
    pub notices: Vec<String>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("context", self.client.context())
            .field("sandbox", &self.sandbox.is_some())
            .finish()
    }
}

/// Connect as configured; fall back to the sandbox when the chain found nothing.
pub async fn connect(resolved: &Resolved) -> Result<Connected, CloudError> {
    let mut notices = resolved.notices.clone();
    if resolved.use_sandbox {
        if resolved.settings.credentials == Credentials::None {
            notices.push("no credentials found: using the SANDBOX cloud".into());
        }
        return start_sandbox(resolved, notices).await;
    }
    match Client::connect(resolved.settings.clone()).await {
        Ok(client) => Ok(Connected {
            client,
            sandbox: None,
            notices,
        }),
        // Metadata was the last hope: nothing answered, so this is not an ECS with an agency.
        Err(e)
            if e.kind == ErrorKind::Credentials
                && matches!(resolved.settings.credentials, Credentials::Metadata { .. }) =>
        {
            notices.push(format!(
                "no credentials found ({}): using the SANDBOX cloud",
                e.message
            ));
            start_sandbox(resolved, notices).await
        }
        Err(e) => Err(e),
    }
}

/// The in-process sandbox; dropping it stops it.
pub type SandboxHandle = crate::sandbox::Sandbox;

async fn start_sandbox(resolved: &Resolved, notices: Vec<String>) -> Result<Connected, CloudError> {
    let sandbox = crate::sandbox::start(crate::sandbox::SandboxConfig::default())
        .await
        .map_err(|e| CloudError::config(format!("cannot start the sandbox cloud: {e}")))?;
    let keys = crate::config::StaticKeys {
        ak: sandbox.ak.clone(),
        sk: crate::config::Secret::new(sandbox.sk.clone()),
        security_token: None,
        project_id: Some(sandbox.project_id.clone()),
        domain_id: Some(sandbox.domain_id.clone()),
        region: Some(sandbox.region.clone()),
    };
    let settings =
        resolved
            .settings
            .for_sandbox(&sandbox.url, keys, &sandbox.region, &sandbox.user_id);
    let client = Client::connect(settings).await?;
    Ok(Connected {
        client,
        sandbox: Some(sandbox),
        notices,
    })
}

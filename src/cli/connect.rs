//! From resolved configuration to a connected client: the configured cloud, or the
//! in-process sandbox when `--sandbox` asks for it or, for the TUI only, when no credential
//! source at all is set. The sandbox never stands in for something the user set: a broken
//! credential source or an endpoint is an error that says how to fix it.

use super::CliError;
use crate::cloud::{Client, CloudError, ErrorKind};
use crate::config::{Credentials, Env, GlobalArgs, Resolved, SandboxUse};
use crate::sandbox::Sandbox;

/// A connected client, and the sandbox it talks to when there is one (keep it alive:
/// dropping it leaves it running; `shutdown` stops it).
pub struct Connected {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
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

/// Which face connects: only the TUI opens the sandbox unasked (marked SANDBOX on every
/// screen); a script must say `--sandbox`, so it never changes a simulated server believing
/// it changed a real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Tui,
    Script,
}

/// How to set credentials, said after every "no credentials" error.
pub(super) const HOW_TO_CONFIGURE: &str = "set credentials: export HUAWEICLOUD_SDK_AK and \
     HUAWEICLOUD_SDK_SK (with HUAWEICLOUD_SDK_REGION), set access_key and secret_key in a \
     profile of config.toml, or write ~/.huaweicloud/credentials; or pass --sandbox to use \
     the built-in sandbox cloud";

/// Resolve the configuration and connect a scriptable face, telling stderr which cloud.
pub(crate) async fn connect(global: &GlobalArgs, env: &Env) -> Result<Connected, CliError> {
    let resolved = crate::config::resolve(global, env)?;
    if resolved.settings.insecure {
        eprintln!(
            "WARNING: --insecure: TLS certificates are NOT checked; anyone on the network path can read and change your requests"
        );
    }
    let connected = connect_with(&resolved, Face::Script).await?;
    for n in &connected.notices {
        eprintln!("note: {}", crate::safe_text::escape(n));
    }
    if connected.sandbox.is_some() {
        eprintln!(
            "reimage: using the built-in SANDBOX cloud at {} (no real servers are touched)",
            connected
                .client
                .context()
                .endpoints
                .url(crate::cloud::Service::Ecs)
        );
    }
    Ok(connected)
}

/// Connect as configured; the sandbox only as [`Resolved::sandbox`] and `face` allow.
pub async fn connect_with(resolved: &Resolved, face: Face) -> Result<Connected, CloudError> {
    let mut notices = resolved.notices.clone();
    if resolved.sandbox == SandboxUse::Asked {
        return start_sandbox(resolved, notices).await;
    }
    let attempt = match &resolved.settings.credentials {
        Credentials::None => Err(CloudError::new(
            ErrorKind::Credentials,
            "no credentials found: no credential source is set and the ECS metadata service \
             is off (REIMAGE_METADATA_URL=off)",
        )),
        _ => Client::connect(resolved.settings.clone()).await,
    };
    match attempt {
        Ok(client) => Ok(Connected {
            client,
            sandbox: None,
            notices,
        }),
        // Nothing supplied keys: no source was set, or the metadata service had none.
        Err(e) if e.kind == ErrorKind::Credentials && !is_static(resolved) => {
            if may_fall_back(resolved, face) {
                notices.push(format!(
                    "no credentials found ({}): using the SANDBOX cloud",
                    e.message
                ));
                return start_sandbox(resolved, notices).await;
            }
            Err(no_credentials(resolved, e))
        }
        Err(e) => Err(e),
    }
}

/// The TUI, and nothing at all configured.
pub fn may_fall_back(resolved: &Resolved, face: Face) -> bool {
    face == Face::Tui && resolved.sandbox == SandboxUse::IfNothingFound
}

/// Whether the sandbox is certain before any probe (the TUI's header says so at once).
pub fn sandbox_certain(resolved: &Resolved, face: Face) -> bool {
    resolved.sandbox == SandboxUse::Asked
        || may_fall_back(resolved, face) && resolved.settings.credentials == Credentials::None
}

fn is_static(resolved: &Resolved) -> bool {
    matches!(resolved.settings.credentials, Credentials::Static(_))
}

/// The credentials error with what was set that rules the sandbox out, and the fix.
fn no_credentials(resolved: &Resolved, e: CloudError) -> CloudError {
    let eps = &resolved.settings.endpoints;
    let endpoint = eps.all.as_ref().or_else(|| eps.per_service.values().next());
    let because = match endpoint {
        Some(ep) => format!(
            " The endpoint {} (from {}) is not traded for the sandbox.",
            ep.url, ep.origin
        ),
        None => String::new(),
    };
    CloudError {
        message: format!("{}.{because} To fix it, {HOW_TO_CONFIGURE}", e.message),
        ..e
    }
}

/// The keys that open a sandbox.
pub(super) fn sandbox_keys(sandbox: &Sandbox) -> crate::config::StaticKeys {
    crate::config::StaticKeys {
        ak: sandbox.ak.clone(),
        sk: crate::secret::Secret::new(sandbox.sk.clone()),
        security_token: None,
        project_id: Some(sandbox.project_id.clone()),
        domain_id: Some(sandbox.domain_id.clone()),
        region: Some(sandbox.region.clone()),
    }
}

/// A sandbox of `inventory`, and a client signed in to it: the faces' unit tests.
#[cfg(test)]
pub(super) async fn test_client(
    inventory: crate::sandbox::InventorySpec,
) -> (Sandbox, crate::cloud::Client) {
    test_client_with(crate::sandbox::SandboxConfig {
        inventory,
        ..crate::sandbox::SandboxConfig::default()
    })
    .await
}

/// [`test_client`] of a sandbox configured so.
#[cfg(test)]
pub(super) async fn test_client_with(
    config: crate::sandbox::SandboxConfig,
) -> (Sandbox, crate::cloud::Client) {
    let sandbox = crate::sandbox::start(config).await.expect("sandbox starts");
    let settings = crate::config::ClientSettings::with_keys(
        &sandbox.url,
        sandbox_keys(&sandbox),
        &sandbox.region,
    );
    let client = crate::cloud::Client::connect(settings)
        .await
        .expect("client");
    (sandbox, client)
}

async fn start_sandbox(
    resolved: &Resolved,
    mut notices: Vec<String>,
) -> Result<Connected, CloudError> {
    let config = crate::sandbox::SandboxConfig::default();
    if let Some(asked) = resolved.region_asked.as_deref()
        && asked != config.region
    {
        return Err(CloudError::config(format!(
            "unknown region \"{}\": the sandbox cloud serves one region, {}, and no other",
            asked.escape_debug(),
            config.region,
        )));
    }
    let kept = resolved.paths.sandbox_state();
    let sandbox = super::sandbox_store::start_kept(config, &kept, &mut notices)
        .await
        .map_err(|e| CloudError::config(format!("cannot start the sandbox cloud: {e}")))?;
    let keys = sandbox_keys(&sandbox);
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

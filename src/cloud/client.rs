//! The cloud client: cheap to clone, shared by the TUI, the job poller and the CLI.

use super::credentials::{MetadataProvider, Provider};
use super::endpoints::{Endpoints, Service};
use super::error::{CloudError, ErrorKind};
use super::paging::Tally;
use super::request::{Call, Reply, Transport};
use super::{iam, model::ServerKind};
use crate::config::{CredentialSource, Credentials};
use std::sync::Arc;
use tokio::sync::OnceCell;

pub use crate::config::ClientSettings;

/// What the client is connected to (shown in the TUI header and by `reimage doctor`).
#[derive(Debug, Clone)]
pub struct CloudContext {
    pub region: String,
    pub project_id: String,
    /// How the project id was found: `configured`, `cached`, `discovered via IAM`.
    pub project_origin: &'static str,
    pub domain_id: Option<String>,
    pub source: CredentialSource,
    pub endpoints: Endpoints,
    pub is_sandbox: bool,
    pub read_only: bool,
}

impl CloudContext {
    /// The credential source as a label, e.g. `environment (HUAWEICLOUD_SDK_AK/SK)`.
    pub fn source_label(&self) -> String {
        self.source.to_string()
    }
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    ctx: CloudContext,
    configured_user_id: Option<String>,
    user_id: OnceCell<String>,
    max_records: usize,
}

/// Huawei Cloud client (ECS, BMS, IMS, KPS/Nova, IAM).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Check the credentials, resolve the endpoints and the project id.
    pub async fn connect(settings: ClientSettings) -> Result<Client, CloudError> {
        // Credentials first: a missing metadata service must read as "no credentials".
        let provider = match &settings.credentials {
            Credentials::Static(k) => Provider::Static(k.into()),
            Credentials::Metadata { url, origin } => {
                let m = MetadataProvider::new(url, settings.metadata_timeout)?;
                m.current().await.map_err(|e| with_origin(e, origin))?;
                Provider::Metadata(m)
            }
            Credentials::None => {
                return Err(CloudError::new(
                    ErrorKind::Credentials,
                    "no credentials found: set HUAWEICLOUD_SDK_AK/SK, a profile, or ~/.huaweicloud/credentials",
                ));
            }
        };
        let region = settings.region.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
            CloudError::config(
                "no region: pass --region, set `region` in the profile, or export HUAWEICLOUD_SDK_REGION",
            )
        })?;
        let endpoints = Endpoints::resolve(&settings.endpoints, &region)?;
        let transport = Transport::new(&settings, provider, endpoints.clone())?;
        let (project_id, project_origin) = match &settings.project_id {
            Some(p) => (p.clone(), "configured"),
            None => iam::project_id(&transport, &region, settings.project_cache.as_deref()).await?,
        };
        let ctx = CloudContext {
            region,
            project_id,
            project_origin,
            domain_id: settings.domain_id.clone(),
            source: settings.source.clone(),
            endpoints,
            is_sandbox: settings.is_sandbox,
            read_only: settings.read_only,
        };
        tracing::info!(region = %ctx.region, project = %ctx.project_id, source = %ctx.source, "connected");
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                ctx,
                configured_user_id: settings.user_id.clone(),
                user_id: OnceCell::new(),
                max_records: settings.max_records,
            }),
        })
    }

    pub fn context(&self) -> &CloudContext {
        &self.inner.ctx
    }

    /// The access key id in use (never the secret), for the audit log; `None` when the
    /// credential source cannot tell it right now.
    pub async fn access_key_id(&self) -> Option<String> {
        self.inner
            .transport
            .provider()
            .current()
            .await
            .ok()
            .map(|k| k.ak)
    }

    pub(crate) fn project_id(&self) -> &str {
        &self.inner.ctx.project_id
    }

    /// A record counter for one listing, bounded as configured.
    pub(crate) fn tally(&self, what: &'static str, limit: Option<u64>) -> Tally {
        Tally::new(what, limit, self.inner.max_records)
    }

    /// Send a call with this client's project id on regional services.
    pub(crate) async fn send(&self, call: Call) -> Result<Reply, CloudError> {
        let call = call.project(Some(&self.inner.ctx.project_id));
        self.inner.transport.send(&call).await
    }

    /// The IAM user id owning the AK (the `userid` of a key-pair injection).
    /// Asks IAM `ShowPermanentAccessKey`; falls back to the profile's `user_id`.
    pub async fn user_id(&self) -> Result<String, CloudError> {
        self.inner
            .user_id
            .get_or_try_init(|| async {
                match iam::user_id_of_ak(&self.inner.transport).await {
                    Ok(id) => Ok(id),
                    Err(e) => match &self.inner.configured_user_id {
                        Some(id) => {
                            tracing::info!(%e, "IAM could not tell the user id; using the configured user_id");
                            Ok(id.clone())
                        }
                        None => Err(CloudError {
                            message: format!(
                                "{} (set user_id in the profile to the key pair owner's IAM user id)",
                                e.message
                            ),
                            ..e
                        }),
                    },
                }
            })
            .await
            .cloned()
    }

    /// Refuse changes in a read-only session.
    pub(crate) fn ensure_writable(&self, what: &str) -> Result<(), CloudError> {
        if self.inner.ctx.read_only {
            return Err(CloudError::new(
                ErrorKind::ReadOnly,
                format!("{what} refused: this session is read-only"),
            ));
        }
        Ok(())
    }
}

/// A metadata failure names the setting that chose its URL, unless it is the built-in one.
fn with_origin(e: CloudError, origin: &str) -> CloudError {
    if origin == crate::config::credentials::METADATA_DEFAULT {
        return e;
    }
    CloudError {
        message: format!("{} (the metadata URL is set by {origin})", e.message),
        ..e
    }
}

/// The service of a server kind.
pub(crate) fn service_of(kind: ServerKind) -> Service {
    match kind {
        ServerKind::Ecs => Service::Ecs,
        ServerKind::Bms => Service::Bms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    fn send<T: Send>(_: &T) {}

    /// The TUI moves clones into spawned tasks: the client and every call's future must be
    /// `Send`. This only has to compile.
    #[allow(dead_code)]
    async fn futures_are_send(c: Client) {
        send_sync::<Client>();
        send(&c.list_servers(ServerKind::Ecs));
        send(&c.list_servers_pages(ServerKind::Bms, |_| {}));
        send(&c.show_server(ServerKind::Ecs, "x"));
        send(&c.list_images(&crate::cloud::ImageQuery::default()));
        send(&c.list_keypairs());
        send(&c.user_id());
        send(&c.submit_os_request(ServerKind::Ecs, "/x", &serde_json::Value::Null));
        send(&c.stop_servers(ServerKind::Bms, &[]));
        send(&c.show_job(ServerKind::Ecs, "j"));
        send(&Client::connect(ClientSettings::with_keys(
            "http://127.0.0.1:1",
            crate::config::StaticKeys {
                ak: "a".into(),
                sk: crate::secret::Secret::new("s"),
                security_token: None,
                project_id: None,
                domain_id: None,
                region: None,
            },
            "r",
        )));
    }

    #[test]
    fn client_is_send_sync() {
        send_sync::<Client>();
    }
}

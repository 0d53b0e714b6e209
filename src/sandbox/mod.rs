//! The sandbox cloud: a wire-compatible simulation of the Huawei Cloud services reimage
//! uses (ECS, BMS, IMS, Nova/KPS key pairs, IAM, ECS instance metadata), on one address.
//!
//! It verifies SDK-HMAC-SHA256 signatures, keeps an inventory and a job table, enforces the
//! service's own request rules (API doc section 12.1, in [`rules`]) and answers with the real
//! shapes and error codes. It never calls into the client's request-building code: a bug
//! there must not hide behind the same bug here.

mod auth;
mod cli;
mod errors;
pub mod faults;
mod generate;
mod inventory;
mod jobs;
mod kind;
mod persist;
mod render;
mod routes;
pub mod rules;
mod server;
mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub use cli::{SandboxArgs, serve, serve_cli};
pub use faults::{FaultSpec, Faults};
pub use inventory::InventoryAssets;
pub use persist::Snapshot;
pub use routes::OPERATION_NAMES;

/// Access key the sandbox accepts by default.
pub const DEFAULT_AK: &str = "HPUASANDBOX000000001";
/// Secret key matching [`DEFAULT_AK`]. Not a secret: it only opens the local sandbox.
pub const DEFAULT_SK: &str = "sandbox-secret-key-not-a-real-secret-0001";
pub const DEFAULT_PROJECT_ID: &str = "5f3c0e6d2a8b4c1e9f7a6b5c4d3e2f6b";
pub const DEFAULT_REGION: &str = "ap-southeast-3";
pub const DEFAULT_DOMAIN_ID: &str = "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f";
pub const DEFAULT_USER_ID: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
pub const DEFAULT_USER_NAME: &str = "sandbox-admin";
/// Marker in an image name that makes every change/reinstall to that image FAIL.
pub const FAIL_MARKER: &str = "[fail]";
/// Largest request body accepted (the gateway's limit for AK/SK-signed requests).
pub const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// Everything the sandbox needs to start.
#[derive(Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    pub ak: String,
    pub sk: String,
    pub project_id: String,
    pub region: String,
    pub inventory: InventorySpec,
    /// Duration of a change/reinstall job (stop jobs take half); fractions allowed.
    pub job_seconds: f64,
    /// Largest accepted difference between `X-Sdk-Date` and the sandbox clock.
    pub clock_skew_seconds: u64,
    pub faults: Faults,
    /// Servers and jobs to start with instead of the inventory's (a stored state).
    pub restore: Option<Arc<Snapshot>>,
    /// Servers (id or name) whose change/reinstall jobs are accepted and then end in FAIL,
    /// whatever the image: a failing canary.
    pub fail_servers: Vec<String>,
    /// Servers (id or name) whose change/reinstall jobs end in SUCCESS but leave the server
    /// on the image it had: a service that says it did what it did not.
    pub hollow_servers: Vec<String>,
}

/// Called with the sandbox's state after every request that may change it, and at
/// shutdown, by a sandbox asked to keep its state (`Sandbox::keep_state`).
pub type StateKeeper = Arc<dyn Fn(&Snapshot) + Send + Sync>;

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ak: DEFAULT_AK.to_string(),
            sk: DEFAULT_SK.to_string(),
            project_id: DEFAULT_PROJECT_ID.to_string(),
            region: DEFAULT_REGION.to_string(),
            inventory: InventorySpec::Default,
            job_seconds: 8.0,
            clock_skew_seconds: 900,
            faults: Faults::default(),
            restore: None,
            fail_servers: Vec::new(),
            hollow_servers: Vec::new(),
        }
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("ak", &self.ak)
            .field("sk", &"<redacted>")
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("inventory", &self.inventory)
            .field("job_seconds", &self.job_seconds)
            .field("clock_skew_seconds", &self.clock_skew_seconds)
            .field("faults", &self.faults)
            .field("restore", &self.restore.is_some())
            .finish()
    }
}

/// Which inventory the sandbox starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum InventorySpec {
    /// The hand-made set in `assets/sandbox/` (about 40 ECS, 6 BMS, 60 images, 10 key pairs).
    #[default]
    Default,
    /// The same kinds of records at any scale, deterministic from `seed`.
    Generated {
        servers: usize,
        bms: usize,
        images: usize,
        keypairs: usize,
        seed: u64,
    },
    /// The caller's records, in the JSON shapes of `assets/sandbox/` (tests use it for
    /// hostile names and fields in every listing).
    Custom(InventoryAssets),
}

/// Why the sandbox could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source} (pick another address or port 0 for a free one)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid sandbox setting: {0}")]
    Config(String),
    #[error("sandbox inventory asset {name} is invalid: {reason}")]
    Inventory { name: &'static str, reason: String },
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// A snapshot of the request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Requests per operation name (`ecs.list`, `ecs.changeos.v2`, `jobs.show`, ...), counted
    /// when routed, before authentication and faults.
    pub by_operation: BTreeMap<String, u64>,
    /// Highest number of requests handled at the same time.
    pub in_flight_max: u64,
    /// Every request received, including unknown paths.
    pub requests_total: u64,
    /// Requests rejected with 401.
    pub auth_failures: u64,
    /// Requests answered (or dropped) by a fault switch.
    pub faults_injected: u64,
}

/// A running sandbox. [`Sandbox::shutdown`] stops the server; dropping the handle does not
/// (the server then runs as long as the tokio runtime).
pub struct Sandbox {
    pub url: String,
    pub addr: SocketAddr,
    pub ak: String,
    pub sk: String,
    pub project_id: String,
    pub region: String,
    pub user_id: String,
    pub domain_id: String,
    app: Arc<server::App>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url)
            .field("ak", &self.ak)
            .field("sk", &"<redacted>")
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Current request counters.
    pub fn counters(&self) -> Counters {
        self.app.counters()
    }

    /// What `GET /_sandbox/servers/{id}` shows: status, image, injected login, and the
    /// change/reinstall requests accepted for it (count, SHA-256 of the last body).
    pub fn server_state(&self, id: &str) -> Option<serde_json::Value> {
        self.app.server_state(id)
    }

    /// Replace the fault switches (same as `PUT /_sandbox/faults`).
    pub fn set_faults(&self, faults: Faults) {
        self.app.set_faults(faults);
    }

    /// Give a server another name, as a user could in the console (tests use it for
    /// hostile names); `false` when no server has that id.
    pub fn rename_server(&self, id: &str, name: &str) -> bool {
        self.app.rename_server(id, name)
    }

    /// Expire every temporary credential the metadata service handed out (tests of
    /// expired temporary keys).
    pub fn expire_temporary_credentials(&self) {
        self.app.expire_temporary_credentials();
    }

    /// Servers and jobs now, to start another sandbox from (`SandboxConfig::restore`).
    pub fn snapshot(&self) -> Snapshot {
        self.app.snapshot()
    }

    /// Hand `keeper` the state after every request that may change it (and at shutdown),
    /// before the request is answered.
    pub fn keep_state(&self, keeper: StateKeeper) {
        self.app.keep_state(keeper);
    }

    /// Stop accepting connections and close the open ones; a kept state is handed over
    /// one last time.
    pub fn shutdown(self) {
        let _ = self.stop.send(true);
        self.app.hand_over();
    }
}

/// Bind, spawn the server task and return at once. Must be called inside a tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    if !(config.job_seconds.is_finite() && config.job_seconds >= 0.0) {
        return Err(SandboxError::Config(format!(
            "job_seconds must be a non-negative number, got {}",
            config.job_seconds
        )));
    }
    config.faults.validate().map_err(SandboxError::Config)?;
    let mut world = inventory::build(&config)?;
    if let Some(snap) = &config.restore {
        world = world
            .restored(snap)
            .map_err(|e| SandboxError::Config(format!("the stored state cannot be used: {e}")))?;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let app = Arc::new(server::App::new(config.clone(), world));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(server::run(listener, app.clone(), stopped));
    tracing::info!(%addr, "sandbox cloud listening");
    Ok(Sandbox {
        url: format!("http://{addr}"),
        addr,
        ak: config.ak,
        sk: config.sk,
        project_id: config.project_id,
        region: config.region,
        user_id: DEFAULT_USER_ID.to_string(),
        domain_id: DEFAULT_DOMAIN_ID.to_string(),
        app,
        stop,
    })
}

//! `reimage sandbox`: the sandbox cloud alone, as an HTTP server.

use std::net::SocketAddr;

use super::{Faults, InventorySpec, SandboxConfig, SandboxError};

/// Flags of `reimage sandbox`.
#[derive(Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8086")]
    pub listen: SocketAddr,
    /// Access key the sandbox accepts.
    #[arg(long, default_value = super::DEFAULT_AK)]
    pub ak: String,
    /// Secret key of that access key.
    #[arg(long, default_value = super::DEFAULT_SK, hide_default_value = true)]
    pub sk: String,
    #[arg(long, default_value = super::DEFAULT_PROJECT_ID)]
    pub project_id: String,
    #[arg(long, default_value = super::DEFAULT_REGION)]
    pub region: String,
    /// Inventory size: SMALL (the hand-made default set) or a number of ECS servers to
    /// generate (with N/20 BMS, max(60, N/100) images, 10 key pairs).
    #[arg(long, value_name = "SMALL|N")]
    pub scale: Option<String>,
    /// Generate this many ECS servers (switches to a generated inventory).
    #[arg(long, value_name = "N")]
    pub servers: Option<usize>,
    /// Generate this many bare-metal servers.
    #[arg(long, value_name = "N")]
    pub bms: Option<usize>,
    /// Generate this many images.
    #[arg(long, value_name = "N")]
    pub images: Option<usize>,
    /// Generate this many key pairs.
    #[arg(long, value_name = "N")]
    pub keypairs: Option<usize>,
    /// Seed of the generated inventory.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Duration of a change/reinstall job in seconds (stop jobs take half).
    #[arg(long, value_name = "S", default_value_t = 8.0)]
    pub job_seconds: f64,
    /// Largest accepted X-Sdk-Date clock difference, in seconds.
    #[arg(long, value_name = "S", default_value_t = 900)]
    pub clock_skew_seconds: u64,
    /// Fault: milliseconds added to every answer.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub fault_latency_ms: u64,
    /// Fault: share (0..1) of requests answered 500.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fault_500: f64,
    /// Fault: share (0..1) of requests answered 503.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fault_503: f64,
    /// Fault: share (0..1) of requests answered 429 APIGW.0308.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fault_429: f64,
    /// Fault: Retry-After seconds on 429 answers.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub fault_retry_after: u64,
    /// Fault: share (0..1) of connections closed without an answer.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fault_drop: f64,
    /// Fault: share (0..1) of answers with a cut-short JSON body.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fault_malformed: f64,
    /// Fault: milliseconds between 256-byte chunks of every answer's body (slow body).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub fault_slow_body_ms: u64,
    /// Fault for one operation, e.g. `ecs.list:error_500=1` (repeatable; fields latency_ms,
    /// error_500, error_503, throttle_429, retry_after_seconds, drop_connection,
    /// malformed_json, slow_body_ms).
    #[arg(long = "fault", value_name = "[OP:]FIELD=VALUE")]
    pub fault: Vec<String>,
    /// Keep the servers and jobs across restarts, in the state the TUI's sandbox keeps
    /// (under the cache directory); inventory flags apply only while none is stored.
    #[arg(long)]
    pub keep_state: bool,
    /// Remove the stored sandbox state (the TUI's and --keep-state's), then exit.
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Make every change/reinstall job of this server (id or name) end in FAIL; repeatable.
    #[arg(long, value_name = "SERVER")]
    pub fault_fail_server: Vec<String>,
    /// Make every change/reinstall job of this server (id or name) end in SUCCESS while the
    /// server keeps its image; repeatable.
    #[arg(long, value_name = "SERVER")]
    pub fault_hollow_server: Vec<String>,
}

impl std::fmt::Debug for SandboxArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxArgs")
            .field("listen", &self.listen)
            .field("ak", &self.ak)
            .field("sk", &"<redacted>")
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SandboxArgs {
    /// The configuration these flags describe. Invalid fault settings are ignored with a
    /// warning here; [`serve_cli`] rejects them instead.
    pub fn to_config(&self) -> SandboxConfig {
        self.try_config().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ignoring invalid sandbox settings");
            SandboxConfig {
                listen: self.listen,
                ..SandboxConfig::default()
            }
        })
    }

    fn inventory(&self) -> Result<InventorySpec, SandboxError> {
        let explicit = self.servers.is_some()
            || self.bms.is_some()
            || self.images.is_some()
            || self.keypairs.is_some();
        let scaled = match self.scale.as_deref().map(str::trim) {
            None => None,
            Some(s) if s.eq_ignore_ascii_case("small") => None,
            Some(n) => Some(n.parse::<usize>().map_err(|_| {
                SandboxError::Config(format!(
                    "--scale takes SMALL or a number of servers, got {n:?}"
                ))
            })?),
        };
        if !explicit && scaled.is_none() {
            return Ok(InventorySpec::Default);
        }
        let n = scaled.unwrap_or(0);
        Ok(InventorySpec::Generated {
            servers: self.servers.unwrap_or(n),
            bms: self.bms.unwrap_or(n / 20),
            images: self.images.unwrap_or((n / 100).max(60)),
            keypairs: self.keypairs.unwrap_or(10),
            seed: self.seed,
        })
    }

    /// The sandbox these flags describe, or why they do not.
    pub fn try_config(&self) -> Result<SandboxConfig, SandboxError> {
        let mut faults = Faults::default();
        faults.global.latency_ms = self.fault_latency_ms;
        faults.global.error_500 = self.fault_500;
        faults.global.error_503 = self.fault_503;
        faults.global.throttle_429 = self.fault_429;
        faults.global.retry_after_seconds = self.fault_retry_after;
        faults.global.drop_connection = self.fault_drop;
        faults.global.malformed_json = self.fault_malformed;
        faults.global.slow_body_ms = self.fault_slow_body_ms;
        for setting in &self.fault {
            faults
                .apply_setting(setting)
                .map_err(SandboxError::Config)?;
        }
        faults.validate().map_err(SandboxError::Config)?;
        Ok(SandboxConfig {
            listen: self.listen,
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            project_id: self.project_id.clone(),
            region: self.region.clone(),
            inventory: self.inventory()?,
            job_seconds: self.job_seconds,
            clock_skew_seconds: self.clock_skew_seconds,
            faults,
            restore: None,
            fail_servers: self.fault_fail_server.clone(),
            hollow_servers: self.fault_hollow_server.clone(),
        })
    }
}

/// Run the sandbox until SIGINT or SIGTERM, after printing one line with its address.
pub async fn serve_cli(args: SandboxArgs) -> Result<(), SandboxError> {
    serve(args.try_config()?, |_| ()).await
}

/// Start `config`, let `prepare` see the sandbox (to keep its state), print the one line,
/// and run until SIGINT or SIGTERM.
pub async fn serve(
    config: SandboxConfig,
    prepare: impl FnOnce(&super::Sandbox),
) -> Result<(), SandboxError> {
    let sandbox = super::start(config).await?;
    prepare(&sandbox);
    println!(
        "sandbox listening on {} region={} project_id={} ak={}",
        sandbox.url, sandbox.region, sandbox.project_id, sandbox.ak
    );
    wait_for_signal().await?;
    sandbox.shutdown();
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> Result<(), SandboxError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> Result<(), SandboxError> {
    tokio::signal::ctrl_c().await?;
    Ok(())
}

//! The command-line flags every subcommand shares (flattened into the binary's CLI).

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Profile of config.toml to use (default: its `default_profile`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region id, e.g. ap-southeast-3 (default: profile, then HUAWEICLOUD_SDK_REGION,
    /// HW_REGION_NAME, OS_REGION_NAME).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// `URL` sends every service to one base URL; `SERVICE=URL` overrides one service
    /// (ecs, bms, ims, kps, iam). Repeatable.
    #[arg(long, global = true, value_name = "[SERVICE=]URL")]
    pub endpoint: Vec<String>,
    /// Extra PEM file of CA certificates to trust (corporate CAs), added to the system roots.
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Accept any TLS certificate. Dangerous: anyone on the path can read your requests.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Refuse every change (change OS, reinstall, stop) for this run.
    #[arg(long, global = true, conflicts_with = "write")]
    pub read_only: bool,
    /// Lift the profile's `read_only = true` for this run.
    #[arg(long, global = true)]
    pub write: bool,
    /// Use the built-in sandbox cloud even when credentials are configured.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Log level: error, warn, info, debug, trace (or a tracing filter).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

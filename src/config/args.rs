//! The command-line flags of the client: accepted before the command (`reimage --sandbox
//! list`) and after it (`reimage list --sandbox`); the binary merges the two. `reimage
//! sandbox`, `completions` and `man` take none of them.

use clap::Args;
use std::path::PathBuf;

/// The heading the client's flags have in every `--help`.
pub const CLIENT_HEADING: &str = "Client options";
/// The heading of the flags every command takes.
pub const GLOBAL_HEADING: &str = "Global options";

#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = CLIENT_HEADING)]
pub struct GlobalArgs {
    /// Profile of config.toml to use (default: its `default_profile`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region id, e.g. ap-southeast-3 (default: profile, then HUAWEICLOUD_SDK_REGION,
    /// HW_REGION_NAME, OS_REGION_NAME).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// `URL` sends every service to one base URL; `SERVICE=URL` overrides one service
    /// (ecs, bms, ims, kps, iam). Repeatable.
    #[arg(long, value_name = "[SERVICE=]URL")]
    pub endpoint: Vec<String>,
    /// Extra PEM file of CA certificates to trust (corporate CAs), added to the system roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Accept any TLS certificate. Dangerous: anyone on the path can read your requests.
    #[arg(long)]
    pub insecure: bool,
    /// Refuse every change (change OS, reinstall, stop) for this run.
    #[arg(long, conflicts_with = "write")]
    pub read_only: bool,
    /// Lift the profile's `read_only = true` for this run.
    #[arg(long)]
    pub write: bool,
    /// Use the built-in sandbox cloud even when credentials are configured.
    #[arg(long)]
    pub sandbox: bool,
    /// Log level (from [`LogArgs`], which every command takes).
    #[arg(skip)]
    pub log_level: Option<String>,
}

/// The flag every command takes, wherever it is written.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = GLOBAL_HEADING)]
pub struct LogArgs {
    /// Log level: error, warn, info, debug, trace (or a tracing filter).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

impl GlobalArgs {
    /// The flags given before the command (`self`) and after it (`after`), as one set:
    /// a value after the command wins, switches add up.
    pub fn merged(&self, after: &GlobalArgs, log: &LogArgs) -> Result<GlobalArgs, String> {
        let merged = GlobalArgs {
            profile: after.profile.clone().or(self.profile.clone()),
            region: after.region.clone().or(self.region.clone()),
            endpoint: [self.endpoint.clone(), after.endpoint.clone()].concat(),
            ca_file: after.ca_file.clone().or(self.ca_file.clone()),
            insecure: self.insecure || after.insecure,
            read_only: self.read_only || after.read_only,
            write: self.write || after.write,
            sandbox: self.sandbox || after.sandbox,
            log_level: log.log_level.clone(),
        };
        if merged.read_only && merged.write {
            return Err("--read-only and --write cannot be used together: choose one".into());
        }
        Ok(merged)
    }

    /// The flags set, as written (`--insecure`), for saying a command takes none.
    pub fn given(&self) -> Vec<&'static str> {
        let set = [
            ("--profile", self.profile.is_some()),
            ("--region", self.region.is_some()),
            ("--endpoint", !self.endpoint.is_empty()),
            ("--ca-file", self.ca_file.is_some()),
            ("--insecure", self.insecure),
            ("--read-only", self.read_only),
            ("--write", self.write),
            ("--sandbox", self.sandbox),
        ];
        set.iter().filter(|(_, on)| *on).map(|(f, _)| *f).collect()
    }
}

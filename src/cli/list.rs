//! `reimage list servers|bms|images|keypairs [--format table|json]`.

use super::{CliError, connect, table};
use crate::cloud::ImageQuery;
use crate::cloud::model::{Image, Keypair, Server, ServerKind};
use crate::config::{Env, GlobalArgs};
use clap::{Args, ValueEnum};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListWhat {
    /// ECS virtual machines.
    Servers,
    /// BMS bare-metal servers.
    Bms,
    /// IMS images.
    Images,
    /// SSH key pairs (Nova and KPS merged).
    Keypairs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// What to list.
    pub what: ListWhat,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Images: `__imagetype` (gold, private, shared, market).
    #[arg(long)]
    pub image_type: Option<String>,
    /// Images: virtual_env_type (FusionCompute, Ironic, DataImage, IsoImage).
    #[arg(long)]
    pub env_type: Option<String>,
    /// Images: only those usable with this flavor id.
    #[arg(long)]
    pub flavor: Option<String>,
    /// Images: status (active, queued, ...).
    #[arg(long)]
    pub status: Option<String>,
    /// Images: `__platform` (Ubuntu, CentOS, ...).
    #[arg(long)]
    pub platform: Option<String>,
    /// Images: architecture (x86, arm).
    #[arg(long)]
    pub arch: Option<String>,
    /// Images: exact name.
    #[arg(long)]
    pub name: Option<String>,
}

fn dash(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

fn server_rows(servers: &[Server]) -> Vec<Vec<String>> {
    servers
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.status.to_string(),
                dash(s.task()),
                dash(s.image_name()),
                s.flavor.id.to_string(),
                dash(s.primary_ip()),
                dash(s.key_name.as_deref()),
            ]
        })
        .collect()
}

fn image_rows(images: &[Image]) -> Vec<Vec<String>> {
    images
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.name.clone(),
                i.image_type.to_string(),
                i.virtual_env_type.to_string(),
                dash(i.os_version.as_deref().or(i.platform.as_deref())),
                i.min_disk.map_or("-".into(), |d| format!("{d} GB")),
                if i.has_cloud_init() { "yes" } else { "no" }.into(),
                i.status.to_string(),
            ]
        })
        .collect()
}

fn keypair_rows(keys: &[Keypair]) -> Vec<Vec<String>> {
    keys.iter()
        .map(|k| {
            vec![
                k.name.clone(),
                format!("{:?}", k.source).to_ascii_lowercase(),
                dash(k.key_type.as_deref()),
                dash(k.scope.as_deref()),
                k.fingerprint.clone(),
            ]
        })
        .collect()
}

/// Run `reimage list`, writing to `out`.
pub async fn run_list(
    global: &GlobalArgs,
    args: &ListArgs,
    env: &Env,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let connected = connect(global, env).await?;
    let client = &connected.client;
    let json = args.format == OutputFormat::Json;
    let text = match args.what {
        ListWhat::Servers | ListWhat::Bms => {
            let kind = if args.what == ListWhat::Servers {
                ServerKind::Ecs
            } else {
                ServerKind::Bms
            };
            let servers = client.list_servers(kind).await?;
            if json {
                to_json(&servers)?
            } else {
                table::render(
                    &[
                        "ID", "NAME", "STATUS", "TASK", "IMAGE", "FLAVOR", "IP", "KEY PAIR",
                    ],
                    &server_rows(&servers),
                )
            }
        }
        ListWhat::Images => {
            let query = ImageQuery {
                image_type: args.image_type.clone(),
                virtual_env_type: args.env_type.clone(),
                flavor_id: args.flavor.clone(),
                status: args.status.clone(),
                platform: args.platform.clone(),
                architecture: args.arch.clone(),
                name: args.name.clone(),
                ..ImageQuery::default()
            };
            let images = client.list_images(&query).await?;
            if json {
                to_json(&images)?
            } else {
                table::render(
                    &[
                        "ID",
                        "NAME",
                        "TYPE",
                        "ENV",
                        "OS",
                        "MIN DISK",
                        "CLOUD-INIT",
                        "STATUS",
                    ],
                    &image_rows(&images),
                )
            }
        }
        ListWhat::Keypairs => {
            let keys = client.list_keypairs().await?;
            if json {
                to_json(&keys)?
            } else {
                table::render(
                    &["NAME", "SOURCE", "TYPE", "SCOPE", "FINGERPRINT"],
                    &keypair_rows(&keys),
                )
            }
        }
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn to_json<T: serde::Serialize>(items: &[T]) -> Result<String, CliError> {
    Ok(crate::safe_text::json::to_string_pretty(items)? + "\n")
}

//! `reimage list servers|bms|images|keypairs|all … [--format table|json]`: one kind, or
//! several read at once as the TUI reads them (every listing in flight together).

use super::{CliError, connect, table};
use crate::cloud::model::{Image, Keypair, Server, ServerKind};
use crate::cloud::{Client, ImageQuery};
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
    /// All four kinds.
    All,
}

impl ListWhat {
    const KINDS: [ListWhat; 4] = [
        ListWhat::Servers,
        ListWhat::Bms,
        ListWhat::Images,
        ListWhat::Keypairs,
    ];

    /// The key of this kind in the JSON object of several kinds, and its table's title.
    fn key(self) -> &'static str {
        match self {
            ListWhat::Servers => "servers",
            ListWhat::Bms => "bms",
            ListWhat::Images => "images",
            ListWhat::Keypairs => "keypairs",
            ListWhat::All => "all",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// What to list: one kind, several (read at once), or `all`. With more than one kind,
    /// JSON is an object keyed by kind and tables come one after another under a title.
    #[arg(required = true, num_args = 1..)]
    pub what: Vec<ListWhat>,
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

/// One kind's listing, as text (a table or a JSON array).
async fn one_kind(
    client: &Client,
    what: ListWhat,
    args: &ListArgs,
    json: bool,
) -> Result<String, CliError> {
    Ok(match what {
        ListWhat::Servers | ListWhat::Bms => {
            let kind = if what == ListWhat::Servers {
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
        // `kinds` expands `all` before anything is listed.
        ListWhat::All => String::new(),
    })
}

/// The kinds asked for, `all` expanded, each once, in the order of [`ListWhat::KINDS`].
fn kinds(what: &[ListWhat]) -> Vec<ListWhat> {
    let all = what.contains(&ListWhat::All);
    ListWhat::KINDS
        .into_iter()
        .filter(|k| all || what.contains(k))
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
    let kinds = kinds(&args.what);
    // Every listing in flight at once; the first error (in kind order) is the answer.
    let texts = futures::future::join_all(kinds.iter().map(|&k| one_kind(client, k, args, json)))
        .await
        .into_iter()
        .collect::<Result<Vec<String>, CliError>>()?;
    let text = match (kinds.as_slice(), json) {
        ([_], _) => texts.concat(),
        (_, true) => {
            // Each text is a complete JSON array (already escaped); the object joins them.
            let fields: Vec<String> = kinds
                .iter()
                .zip(&texts)
                .map(|(k, t)| {
                    let t = t.trim_end().replace('\n', "\n  ");
                    format!("  \"{}\": {t}", k.key())
                })
                .collect();
            format!("{{\n{}\n}}\n", fields.join(",\n"))
        }
        (_, false) => kinds
            .iter()
            .zip(&texts)
            .map(|(k, t)| format!("# {}\n{t}", k.key()))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn to_json<T: serde::Serialize>(items: &[T]) -> Result<String, CliError> {
    Ok(crate::safe_text::json::to_string_pretty(items)? + "\n")
}

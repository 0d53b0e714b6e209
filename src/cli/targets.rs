//! Which servers `plan` and `apply` act on: `--server` (repeatable), `--servers-from FILE`
//! (ids or unique names, one a line; `-` for stdin) and `--match REGEX` on names, resolved
//! against one listing of ECS and BMS servers, in the order given, each once.

use super::CliError;
use crate::cloud::Client;
use crate::cloud::model::Server;
use crate::safe_text::escape;
use clap::Args;
use std::io::Read;

#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Server id or unique name (ECS or BMS); repeat it for several servers.
    #[arg(long, value_name = "SERVER")]
    pub server: Vec<String>,
    /// Server ids or unique names, one a line (`#` comments and blank lines skipped);
    /// `-` reads them from stdin.
    #[arg(long, value_name = "FILE")]
    pub servers_from: Option<String>,
    /// Every server whose name matches this regular expression.
    #[arg(long = "match", value_name = "REGEX")]
    pub name_match: Option<String>,
    /// Rollout waves, Ansible's `serial`: sizes or percentages, the last repeating
    /// (e.g. 1,10,25%,100%). A wave is sent only once every job of the one before
    /// succeeded and its server shows the new image.
    #[arg(long, value_name = "LIST")]
    pub waves: Option<String>,
    /// Failures allowed before the rollout halts: a count or a percentage of its servers
    /// (default 0: the first failure halts it).
    #[arg(long, value_name = "N|P%")]
    pub max_failures: Option<String>,
}

impl TargetArgs {
    pub fn is_empty(&self) -> bool {
        self.server.is_empty() && self.servers_from.is_none() && self.name_match.is_none()
    }

    /// A rollout rather than a single request.
    pub fn is_rollout(&self) -> bool {
        self.server.len() > 1
            || self.servers_from.is_some()
            || self.name_match.is_some()
            || self.waves.is_some()
            || self.max_failures.is_some()
    }

    pub fn reads_stdin(&self) -> bool {
        self.servers_from.as_deref() == Some("-")
    }

    pub fn waves(&self) -> Result<crate::ops::Waves, CliError> {
        match &self.waves {
            None => Ok(crate::ops::Waves::default()),
            Some(w) => w
                .parse()
                .map_err(|e: String| CliError::Usage(format!("--waves {w}: {e}"))),
        }
    }

    pub fn max_failures(&self) -> Result<crate::ops::MaxFailures, CliError> {
        match &self.max_failures {
            None => Ok(crate::ops::MaxFailures::default()),
            Some(m) => m
                .parse()
                .map_err(|e: String| CliError::Usage(format!("--max-failures {m}: {e}"))),
        }
    }
}

/// The names of `--servers-from`: one a line, `#` comments and blank lines skipped.
fn read_list(from: &str) -> Result<Vec<String>, CliError> {
    let text = if from == "-" {
        let mut text = String::new();
        std::io::stdin().lock().read_to_string(&mut text)?;
        text
    } else {
        crate::fsio::read_text(
            std::path::Path::new(from),
            crate::fsio::FileKind::ServerList,
        )
        .map_err(|e| CliError::Usage(e.to_string()))?
        .to_string()
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// The servers named by the flags, in order, each once.
pub(super) async fn resolve(client: &Client, args: &TargetArgs) -> Result<Vec<Server>, CliError> {
    let regex = match &args.name_match {
        None => None,
        Some(r) => Some(regex::Regex::new(r).map_err(|e| {
            CliError::Usage(format!(
                "--match {}: not a regular expression: {e}",
                escape(r)
            ))
        })?),
    };
    let mut wanted = args.server.clone();
    if let Some(from) = &args.servers_from {
        let listed = read_list(from)?;
        if listed.is_empty() {
            return Err(CliError::Usage(format!(
                "--servers-from {}: no server in it",
                escape(from)
            )));
        }
        wanted.extend(listed);
    }
    let all = super::names::all_servers(client).await?;
    let mut chosen: Vec<Server> = Vec::new();
    let mut add = |s: &Server| {
        if !chosen.iter().any(|c| c.id == s.id) {
            chosen.push(s.clone());
        }
    };
    for w in &wanted {
        add(&super::names::server(&all, w)?);
    }
    if let Some(re) = &regex {
        let mut matched: Vec<&Server> = all.iter().filter(|s| re.is_match(&s.name)).collect();
        if matched.is_empty() {
            return Err(CliError::Usage(format!(
                "--match {}: no server name matches",
                escape(re.as_str())
            )));
        }
        matched.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        for s in matched {
            add(s);
        }
    }
    Ok(chosen)
}

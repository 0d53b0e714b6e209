//! `reimage stop SERVER… [--hard] [--yes]`: the TUI's stop from a script. The same check
//! (`ops::server_can_stop`), the same request (`Client::stop_servers_as`, sent once per
//! server), journaled and audited before the job id is printed.

use super::console::Console;
use super::list::OutputFormat;
use super::{CliError, connect};
use crate::cloud::model::Server;
use crate::config::{Env, GlobalArgs};
use crate::jobs::audit::{Actor, AuditLog};
use crate::safe_text::{self, escape};
use clap::Args;
use serde_json::json;
use std::io::Write;

#[derive(Debug, Clone, Args)]
pub struct StopArgs {
    /// Servers to stop: ids or unique names (ECS or BMS).
    #[arg(value_name = "SERVER", required = true)]
    pub servers: Vec<String>,
    /// Force the stop (the API's type HARD). Without it an ECS is stopped SOFT
    /// (gracefully); a BMS is always stopped HARD, the only stop it honours.
    #[arg(long)]
    pub hard: bool,
    /// Do not ask for the typed confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Output format of the job ids.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

pub async fn run_stop(
    global: &GlobalArgs,
    args: &StopArgs,
    env: &Env,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let connected = connect(global, env).await?;
    let client = &connected.client;
    client.ensure_writable("stopping servers")?;
    let resolved = crate::config::resolve(global, env)?;
    let mut servers = super::names::servers(client, &args.servers).await?;
    // A server named twice (by id and by name) is stopped once.
    let mut seen = std::collections::HashSet::new();
    servers.retain(|s| seen.insert(s.id.clone()));
    let (ok, refused): (Vec<Server>, Vec<Server>) = servers
        .into_iter()
        .partition(|s| crate::ops::server_can_stop(s).is_ok());
    for s in &refused {
        if let Err(r) = crate::ops::server_can_stop(s) {
            let fix = super::steps::script_fix(&r.way_out, r.step, &s.name);
            eprintln!(
                "x {} {}; {}",
                escape(&s.name),
                escape(&r.reason),
                escape(&fix)
            );
        }
    }
    if ok.is_empty() {
        return Err(CliError::Usage("nothing to stop; nothing was sent".into()));
    }
    let pairs: Vec<(&str, &str)> = ok
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let journal = super::apply_job::open_journal_for_all(&resolved, &pairs)?;
    for s in &ok {
        let how = crate::cloud::stop_type(s.kind, args.hard);
        eprintln!(
            "stop {} ({} {}, {})",
            escape(&s.name),
            s.kind.label(),
            escape(&s.id),
            how
        );
    }
    if !args.yes {
        confirm(&ok, input)?;
    }
    let audit = (
        AuditLog::new(resolved.paths.audit_log()),
        Actor::of(client).await,
    );
    let mut failed = 0;
    let mut accepted = Vec::new();
    for s in &ok {
        let how = crate::cloud::stop_type(s.kind, args.hard);
        match client
            .stop_servers_as(s.kind, std::slice::from_ref(&s.id), how)
            .await
        {
            Ok(job) => {
                let rec = crate::jobs::submitted::record_for_stop(
                    (s.kind, &s.id, &s.name),
                    &job,
                    client.context(),
                );
                super::jobs::journal_accepted(&journal, &audit, &rec, None);
                let line = match args.format {
                    OutputFormat::Json => safe_text::json::to_string(
                        &json!({"server": s.name, "server_id": s.id, "job_id": rec.job_id}),
                    )?,
                    OutputFormat::Table => {
                        format!("{}  {}", escape(&rec.job_id), escape(&s.name))
                    }
                };
                writeln!(out, "{line}")?;
                accepted.push(rec.job_id);
            }
            Err(e) => {
                failed += 1;
                let line = super::CliError::Cloud(e).to_string();
                eprintln!("x {}: {line}", escape(&s.name));
            }
        }
    }
    if !accepted.is_empty() {
        eprintln!(
            "{} stop job(s) journaled in {}; follow them with `reimage jobs --watch`",
            accepted.len(),
            escape(&journal.path().display().to_string())
        );
    }
    match failed + refused.len() {
        0 => Ok(()),
        n => Err(CliError::Usage(format!("{n} server(s) not stopped"))),
    }
}

/// Type the server name (one server) or the number of servers (several), as the TUI's
/// bulk review asks.
fn confirm(servers: &[Server], input: &mut Console) -> Result<(), CliError> {
    let (expected, shown, prompt) = match servers {
        [one] => {
            let shown = escape(&one.name).into_owned();
            let prompt = format!("Type the server name ({shown}) to stop it: ");
            (one.name.clone(), shown, prompt)
        }
        many => {
            let n = many.len().to_string();
            let prompt = format!("Type the number of servers ({n}) to stop them: ");
            (n.clone(), n, prompt)
        }
    };
    eprint!("{prompt}");
    let typed = input.line()?;
    if !input.is_terminal() {
        eprintln!();
    }
    if typed.expose() != expected && typed.expose() != shown {
        return Err(CliError::Usage(
            "confirmation did not match; nothing was sent".into(),
        ));
    }
    Ok(())
}

//! `reimage plan` (dry run) and `reimage apply` (send): the same `ops::plan` as the form.
//!
//! The password comes only from stdin (`--password-stdin`: asked with echo off at a terminal,
//! else the first line), never from argv.

use super::apply_job::{self, Followed};
use super::console::Console;
use super::list::OutputFormat;
use super::{CliError, connect};
use crate::cloud::model::{Image, Keypair, Server};
use crate::cloud::{Client, ImageQuery};
use crate::config::{Env, GlobalArgs};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::record::TrackedState;
use crate::ops::{self, Entries, FieldError, Input, LoginMode, Operation, Plan, Route};
use crate::safe_text::{self, escape};
use crate::secret::Secret;
use clap::{Args, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteArg {
    V1,
    V2,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Server id or unique name (ECS or BMS).
    #[arg(long)]
    pub server: String,
    /// Change the OS to this image (id or unique name).
    #[arg(
        long,
        value_name = "IMAGE",
        required_unless_present = "reinstall",
        conflicts_with = "reinstall"
    )]
    pub change_to: Option<String>,
    /// Reinstall the image the server has.
    #[arg(long)]
    pub reinstall: bool,
    /// Read the admin password from the first line of stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Send the password hashed, never in plain: reimage hashes it here (SHA-512 crypt)
    /// and sends a `chpasswd -e` script as the user data (BMS Linux, ECS /v2 Linux).
    #[arg(long, requires = "password_stdin", conflicts_with = "user_data")]
    pub hash_password: bool,
    /// Log in with this key pair.
    #[arg(long, value_name = "NAME")]
    pub keypair: Option<String>,
    /// User data file (script or #cloud-config; base64 is detected and sent as is).
    #[arg(long, value_name = "FILE")]
    pub user_data: Option<PathBuf>,
    /// Encrypt the new system disk with --kms-key.
    #[arg(long, requires = "kms_key")]
    pub encrypt: bool,
    /// KMS key id (36 characters) for --encrypt.
    #[arg(long, value_name = "ID", requires = "encrypt")]
    pub kms_key: Option<String>,
    /// Bring your own license (ECS).
    #[arg(long)]
    pub byol: bool,
    /// Stop a running ECS first (withStopServer).
    #[arg(long)]
    pub stop: bool,
    /// Pay the resulting order automatically (ECS change of a prepaid server or charged image).
    #[arg(long)]
    pub auto_pay: bool,
    /// Force the ECS route instead of what the image says.
    #[arg(long, value_enum)]
    pub route: Option<RouteArg>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Do not ask for the typed confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Follow the job until it ends (exit 1 if it fails).
    #[arg(long)]
    pub wait: bool,
}

/// Everything `ops::plan` needs, fetched from the cloud.
struct Fetched {
    server: Server,
    images: Vec<Image>,
    keypairs: Vec<Keypair>,
    user_id: String,
    project_id: String,
}

async fn find_server(client: &Client, wanted: &str) -> Result<Server, CliError> {
    let mut found =
        super::names::servers(client, std::slice::from_ref(&wanted.to_string())).await?;
    Ok(found.remove(0))
}

async fn fetch(client: &Client, args: &PlanArgs) -> Result<Fetched, CliError> {
    let server = find_server(client, &args.server).await?;
    let images = client.list_images(&ImageQuery::default()).await?;
    let (keypairs, user_id) = if args.keypair.is_some() {
        // IAM cannot tell the user of temporary (agency) keys; ops then leaves `userid`
        // blank where a page allows it and says so, and refuses where a model requires it.
        let user_id = match client.user_id().await {
            Ok(id) => id,
            Err(e) => {
                eprintln!("note: IAM could not tell your user id ({e}); userid is left blank");
                String::new()
            }
        };
        (client.list_keypairs().await?, user_id)
    } else {
        (Vec::new(), String::new())
    };
    Ok(Fetched {
        server,
        images,
        keypairs,
        user_id,
        project_id: client.context().project_id.clone(),
    })
}

/// `--change-to` takes an id or a unique name.
fn operation(args: &PlanArgs, images: &[Image]) -> Result<Operation, CliError> {
    Ok(match &args.change_to {
        None => Operation::Reinstall,
        Some(wanted) => Operation::Change {
            image_id: super::names::image_id(wanted, images)?,
        },
    })
}

/// The form's fields from the flags; the password is read here, from stdin.
fn entries(args: &PlanArgs, input: &mut Console) -> Result<Result<Entries, FieldError>, CliError> {
    let login = match LoginMode::from_flags(
        args.password_stdin,
        args.keypair.is_some(),
        args.hash_password,
    ) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let password = if args.password_stdin {
        input.password()?
    } else {
        Secret::default()
    };
    let user_data = match &args.user_data {
        None => None,
        Some(path) => Some(
            super::user_data::read_user_data(path).map_err(|e| CliError::Usage(e.to_string()))?,
        ),
    };
    Ok(Ok(Entries {
        login,
        password_confirm: password.clone(),
        password,
        keypair: args.keypair.clone().unwrap_or_default(),
        user_data,
        encrypt: args.encrypt,
        kms_key_id: args.kms_key.clone().unwrap_or_default(),
        byol: args.byol,
        stop_first: args.stop,
        auto_pay: args.auto_pay,
        route_override: args.route.map(|r| match r {
            RouteArg::V1 => Route::V1,
            RouteArg::V2 => Route::V2,
        }),
    }))
}

/// JSON output, one line: terminal controls in it are escaped too (see `safe_text::json`).
fn json_line(v: &serde_json::Value) -> Result<String, CliError> {
    Ok(safe_text::json::to_string(v)? + "\n")
}

fn plan_json(p: &Plan) -> serde_json::Value {
    let body: serde_json::Value = serde_json::from_str(&p.masked_body()).unwrap_or_default();
    json!({
        "ok": true,
        "server": {"id": p.server_id, "name": p.server_name, "kind": p.kind.label()},
        "operation": p.op.label(),
        "from_image": p.from_image,
        "to_image": p.to_image,
        "service": p.service(),
        "route": p.route.route.label(),
        "route_reason": p.route.reason,
        "route_overridden": p.route.overridden,
        "method": p.method,
        "path": p.path,
        "body": body,
        "user_data_shown": p.user_data_shown,
        "warnings": p.warnings.iter().map(|w| w.message()).collect::<Vec<_>>(),
        "preconditions": p.preconditions.iter().map(|c| c.message()).collect::<Vec<_>>(),
    })
}

/// The plan for the terminal; names, images and the body come from the cloud, so each is
/// escaped on its line.
fn plan_text(p: &Plan) -> String {
    let mut s = format!(
        "{} {} ({}): {} -> {}\nroute   {} ({})\n{} {}\n{}\n",
        p.op.label(),
        escape(&p.server_name),
        p.kind.label(),
        escape(&p.from_image),
        escape(&p.to_image),
        p.route.route.label(),
        escape(&p.route.reason),
        p.method,
        escape(&p.path),
        escape(&p.masked_body())
    );
    if let Some(script) = p.user_data_shown {
        s += "user_data, before base64:\n";
        for l in script.lines() {
            s += &format!("  {}\n", escape(l));
        }
    }
    for w in &p.warnings {
        s += &format!("! {}\n", escape(&w.message()));
    }
    for c in &p.preconditions {
        s += &format!("> {}\n", escape(c.message()));
    }
    s
}

/// Every field error, its fix naming the flag or command (`server` as the user gave it).
fn errors_out(
    errors: &[FieldError],
    format: OutputFormat,
    server: &str,
) -> Result<String, CliError> {
    let fix = |e: &FieldError| super::steps::script_fix(&e.fix, e.step, server);
    Ok(match format {
        OutputFormat::Json => {
            let list: Vec<_> = errors
                .iter()
                .map(|e| {
                    json!({"field": e.field.label(), "message": e.message, "fix": fix(e),
                           "source": e.basis.map(|c| c.to_string())})
                })
                .collect();
            json_line(&json!({"ok": false, "errors": list}))?
        }
        OutputFormat::Table => errors
            .iter()
            .map(|e| {
                let fix = fix(e);
                let (message, fix) = (escape(&e.message), escape(&fix));
                let source = e
                    .basis
                    .map(|c| format!("  source: {}\n", escape(&c.to_string())))
                    .unwrap_or_default();
                format!("x {}: {message}\n  fix: {fix}\n{source}", e.field.label())
            })
            .collect(),
    })
}

/// Decide; on refusal print every field error and fail.
async fn decide(
    client: &Client,
    args: &PlanArgs,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(Plan, Server), CliError> {
    let entries = match entries(args, input)? {
        Ok(e) => e,
        Err(e) => {
            out.write_all(errors_out(&[e], args.format, &args.server)?.as_bytes())?;
            return Err(CliError::Refused(1));
        }
    };
    let f = fetch(client, args).await?;
    let op = operation(args, &f.images)?;
    let verdict = ops::plan(&Input {
        project_id: &f.project_id,
        server: &f.server,
        system_disk_gb: None,
        operation: &op,
        images: &f.images,
        keypairs: &f.keypairs,
        user_id: &f.user_id,
        entries: &entries,
    });
    match verdict {
        Ok(plan) => Ok((plan, f.server)),
        Err(errors) => {
            out.write_all(errors_out(&errors, args.format, &args.server)?.as_bytes())?;
            Err(CliError::Refused(errors.len()))
        }
    }
}

/// `reimage plan`: print the plan (masked) or every field error; sends nothing.
pub async fn run_plan(
    global: &GlobalArgs,
    args: &PlanArgs,
    env: &Env,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let connected = connect(global, env).await?;
    let (plan, _) = decide(&connected.client, args, input, out).await?;
    let text = match args.format {
        OutputFormat::Json => json_line(&plan_json(&plan))?,
        OutputFormat::Table => plan_text(&plan),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `reimage apply`: plan, confirm (type the server name, or `--yes`), send once, journal
/// the job and print its id; with `--wait`, follow the job to its end.
pub async fn run_apply(
    global: &GlobalArgs,
    args: &ApplyArgs,
    env: &Env,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let connected = connect(global, env).await?;
    let client = &connected.client;
    let resolved = crate::config::resolve(global, env)?;
    let (plan, server) = decide(client, &args.plan, input, out).await?;
    let journal = apply_job::open_journal_for(&resolved, &plan.server_id, &server.name)?;
    eprint!("{}", plan_text(&plan));
    if !args.yes {
        // The name as shown (escaped) confirms too: a control in it cannot be typed.
        let shown = escape(&server.name);
        eprint!("This wipes the system disk of {shown}. Type the server name to confirm: ");
        let typed = input.line()?;
        if !input.is_terminal() {
            eprintln!(); // the typed line was not echoed
        }
        if typed.expose() != server.name && typed.expose() != shown {
            return Err(CliError::Usage(
                "confirmation did not match the server name; nothing was sent".into(),
            ));
        }
    }
    let accepted = client
        .submit_os_request(plan.kind, &plan.path, plan.body.to_bytes())
        .await?;
    tracing::info!(job = %accepted.job_id, server = %plan.server_id, op = plan.op.label(), "OS request accepted");
    let rec = crate::jobs::submitted::record_for_plan(&plan, &accepted, client.context());
    let mode = crate::jobs::submitted::login_mode(&plan);
    let audit = (
        AuditLog::new(resolved.paths.audit_log()),
        Actor::of(client).await,
    );
    if super::jobs::journal_accepted(&journal, &audit, &rec, Some(&mode)) {
        eprintln!(
            "job {} accepted; journaled in {}",
            escape(&rec.job_id),
            escape(&journal.path().display().to_string())
        );
    }
    let followed = if args.wait {
        eprintln!(
            "following job {} (the job goes on if this stops; `reimage jobs --watch` follows it too)",
            escape(&rec.job_id)
        );
        let journal = std::sync::Arc::new(journal);
        Some(apply_job::follow(&resolved, client.clone(), journal, audit.1, rec).await?)
    } else {
        None
    };
    let status = followed.as_ref().map(|f| match f {
        Followed::Ended(r) | Followed::PollFailed { last: r, .. } => r.state.label(),
    });
    let text = match args.plan.format {
        OutputFormat::Json => json_line(
            &json!({"job_id": accepted.job_id, "order_id": accepted.order_id, "status": status}),
        )?,
        OutputFormat::Table => match status {
            Some(s) => format!("{} {}\n", escape(&accepted.job_id), escape(s)),
            None => format!("{}\n", escape(&accepted.job_id)),
        },
    };
    out.write_all(text.as_bytes())?;
    match followed {
        Some(Followed::Ended(r))
            if !matches!(
                r.state,
                TrackedState::Success | TrackedState::PendingPayment
            ) =>
        {
            Err(CliError::JobFailed {
                job_id: r.job_id,
                code: r.error_code.unwrap_or_else(|| r.state.label().to_string()),
                reason: r.fail_reason.unwrap_or_default(),
            })
        }
        Some(Followed::PollFailed { last, error }) => Err(CliError::FollowFailed {
            job_id: last.job_id,
            error,
        }),
        _ => Ok(()),
    }
}

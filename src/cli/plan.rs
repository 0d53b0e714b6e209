//! `reimage plan` (dry run) and `reimage apply` (send): the same `ops::plan` as the form.
//!
//! The password comes only from stdin (`--password-stdin`: asked with echo off at a terminal,
//! else the first line), never from argv.

use super::apply_job::{self, Followed};
use super::console::Console;
use super::list::OutputFormat;
use super::plan_view::{errors_out, json_line, plan_json, plan_text};
use super::targets::TargetArgs;
use super::{CliError, connect};
use crate::cloud::model::{Image, Keypair, Server};
use crate::cloud::{Client, ImageQuery};
use crate::config::{Env, GlobalArgs};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::record::TrackedState;
use crate::ops::{self, Entries, FieldError, Input, LoginMode, Operation, Plan, Route};
use crate::safe_text::escape;
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
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Change the OS to this image (id or unique name).
    #[arg(long, value_name = "IMAGE", conflicts_with = "reinstall")]
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

/// `reimage plan`: the request flags, and where to write a plan file.
#[derive(Debug, Clone, Args)]
pub struct PlanCommand {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Write a plan file: the servers as seen, the routes and the exact bodies (a marker
    /// where each secret goes, never the secret), with a hash; `apply --plan` sends it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Send a plan file of `reimage plan --out`: refused when a server changed since.
    #[arg(long = "plan", value_name = "FILE")]
    pub plan_file: Option<PathBuf>,
    /// Continue an interrupted rollout from its first server not sent.
    #[arg(long, value_name = "ROLLOUT")]
    pub resume: Option<String>,
    /// Do not ask for the typed confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Follow the job until it ends (exit 1 if it fails).
    #[arg(long)]
    pub wait: bool,
}

/// Everything `ops::plan` needs besides the server, fetched from the cloud once.
pub(super) struct Fetched {
    pub images: Vec<Image>,
    keypairs: Vec<Keypair>,
    user_id: String,
    project_id: String,
}

pub(super) async fn fetch(client: &Client, args: &PlanArgs) -> Result<Fetched, CliError> {
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
        images,
        keypairs,
        user_id,
        project_id: client.context().project_id.clone(),
    })
}

/// `--change-to` takes an id or a unique name.
pub(super) fn operation(args: &PlanArgs, images: &[Image]) -> Result<Operation, CliError> {
    Ok(match &args.change_to {
        None => Operation::Reinstall,
        Some(wanted) => Operation::Change {
            image_id: super::names::image_id(wanted, images)?,
        },
    })
}

/// The form's fields from the flags; the password is read here, from stdin.
pub(super) fn entries(
    args: &PlanArgs,
    input: &mut Console,
) -> Result<Result<Entries, FieldError>, CliError> {
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

/// Check the flags that clap cannot tie together.
pub(super) fn check_flags(args: &PlanArgs) -> Result<(), CliError> {
    if args.change_to.is_none() && !args.reinstall {
        return Err(CliError::Usage(
            "say what to do: --change-to IMAGE or --reinstall".into(),
        ));
    }
    if args.targets.is_empty() {
        return Err(CliError::Usage(
            "name the servers: --server (repeatable), --servers-from FILE or --match REGEX".into(),
        ));
    }
    if args.targets.reads_stdin() && args.password_stdin {
        return Err(CliError::Usage(
            "--servers-from - and --password-stdin both read stdin: put the servers in a file"
                .into(),
        ));
    }
    args.targets.waves()?;
    args.targets.max_failures()?;
    Ok(())
}

/// Decide for every server; on any refusal print every field error (named by server when
/// there are several) and fail: nothing is sent for any of them.
pub(super) async fn decide_all(
    client: &Client,
    args: &PlanArgs,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(Vec<Plan>, Vec<Server>, Fetched), CliError> {
    check_flags(args)?;
    let servers = super::targets::resolve(client, &args.targets).await?;
    let entries = match entries(args, input)? {
        Ok(e) => e,
        Err(e) => {
            let who = match servers.as_slice() {
                [one] => one.name.as_str(),
                _ => "SERVER",
            };
            out.write_all(errors_out(&[e], args.format, who)?.as_bytes())?;
            return Err(CliError::Refused(1));
        }
    };
    let f = fetch(client, args).await?;
    let op = operation(args, &f.images)?;
    let (plans, refused) = plan_each(&f, &servers, &op, &entries);
    let mut count = 0;
    for (server, errors) in &refused {
        if servers.len() > 1 && args.format == OutputFormat::Table {
            out.write_all(format!("{}:\n", escape(&server.name)).as_bytes())?;
        }
        out.write_all(errors_out(errors, args.format, &server.name)?.as_bytes())?;
        count += errors.len();
    }
    if count > 0 {
        return Err(CliError::Refused(count));
    }
    Ok((plans, servers, f))
}

/// `ops::plan` for each server: the plans, and the field errors of those refused.
pub(super) fn plan_each<'s>(
    f: &Fetched,
    servers: &'s [Server],
    op: &Operation,
    entries: &Entries,
) -> (Vec<Plan>, Vec<(&'s Server, Vec<FieldError>)>) {
    let mut plans = Vec::new();
    let mut refused = Vec::new();
    for server in servers {
        let verdict = ops::plan(&Input {
            project_id: &f.project_id,
            server,
            system_disk_gb: None,
            operation: op,
            images: &f.images,
            keypairs: &f.keypairs,
            user_id: &f.user_id,
            entries,
        });
        match verdict {
            Ok(plan) => plans.push(plan),
            Err(errors) => refused.push((server, errors)),
        }
    }
    (plans, refused)
}

/// `reimage plan`: print the plan (masked) or every field error; sends nothing.
pub async fn run_plan(
    global: &GlobalArgs,
    cmd: &PlanCommand,
    env: &Env,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let args = &cmd.plan;
    check_flags(args)?;
    let connected = connect(global, env).await?;
    let (plans, servers, f) = decide_all(&connected.client, args, input, out).await?;
    let mut text = String::new();
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 && args.format == OutputFormat::Table {
            text.push('\n');
        }
        text += &match args.format {
            OutputFormat::Json => json_line(&plan_json(plan))?,
            OutputFormat::Table => plan_text(plan),
        };
    }
    if args.targets.is_rollout() && args.format == OutputFormat::Table {
        text += &super::apply_rollout::wave_lines(&args.targets, &servers)?;
    }
    out.write_all(text.as_bytes())?;
    if let Some(path) = &cmd.out {
        super::plan_file::write(&connected.client, args, &plans, &servers, &f, path)?;
    }
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
    if args.resume.is_some() || args.plan_file.is_some() {
        return super::apply_rollout::run(global, args, env, input, out).await;
    }
    check_flags(&args.plan)?;
    if args.plan.targets.is_rollout() {
        return super::apply_rollout::run(global, args, env, input, out).await;
    }
    let connected = connect(global, env).await?;
    let client = &connected.client;
    let resolved = crate::config::resolve(global, env)?;
    let (mut plans, mut servers, _) = decide_all(client, &args.plan, input, out).await?;
    let (Some(plan), Some(server)) = (plans.pop(), servers.pop()) else {
        return Err(CliError::Usage("no server to send to".into()));
    };
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

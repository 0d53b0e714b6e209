//! `reimage apply` over several servers, a plan file (`--plan`) or an interrupted rollout
//! (`--resume`): the list and its waves are printed, one typed confirmation (the number
//! of servers) covers them all, the rollout is journaled, then driven (`rollout.rs`).

use super::console::Console;
use super::plan::{ApplyArgs, PlanArgs};
use super::rollout::{self, Driver, Outgoing, Request};
pub(super) use super::rollout_source::{Flags, Source};
use super::targets::TargetArgs;
use super::{CliError, connect};
use crate::cloud::Client;
use crate::cloud::model::Server;
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::{Actor, AuditLog};
use crate::jobs::journal::Journal;
use crate::jobs::record::{JobOperation, now_rfc3339};
use crate::jobs::rollout::{Progress, Rollout, RolloutJournal, RolloutStart, ServerRef};
use crate::ops::{MaxFailures, Operation, Plan, Waves};
use crate::safe_text::escape;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A rollout ready to start: its servers, their requests and how it is described.
pub(super) struct Prepared {
    pub servers: Vec<ServerRef>,
    pub requests: HashMap<String, Request>,
    pub operation: JobOperation,
    pub image_id: String,
    pub image_name: String,
    pub login: String,
    pub source: Source,
    pub waves: Waves,
    pub waves_spec: String,
    pub max_failures: MaxFailures,
}

/// The server a plan is for, and the image it shows once done.
pub(super) fn server_ref(plan: &Plan, server: &Server, image_id: Option<&str>) -> ServerRef {
    ServerRef {
        id: plan.server_id.clone(),
        name: plan.server_name.clone(),
        kind: plan.kind,
        expect_image: image_id
            .or(server.current_image_id())
            .unwrap_or_default()
            .to_string(),
    }
}

pub(super) fn request_of(plan: Plan) -> Request {
    Request {
        path: plan.path.clone(),
        route: plan.route.route.word().to_string(),
        from_image: plan.from_image.clone(),
        to_image: plan.to_image.clone(),
        body: Outgoing::Plan(Box::new(plan)),
    }
}

/// The waves, one line each, and the failure budget.
pub(super) fn wave_lines(targets: &TargetArgs, servers: &[Server]) -> Result<String, CliError> {
    let names: Vec<String> = servers.iter().map(|s| s.name.clone()).collect();
    Ok(waves_text(
        &targets.waves()?,
        &names,
        targets.max_failures()?,
    ))
}

fn waves_text(waves: &Waves, names: &[String], max: MaxFailures) -> String {
    let mut text = String::new();
    for (i, wave) in waves.split(names).iter().enumerate() {
        text += &format!("wave {}: {}\n", i + 1, escape(&wave.join(", ")));
    }
    text + &format!(
        "{} server(s); --max-failures {max}: the rollout halts past {} failure(s)\n",
        names.len(),
        max.allowed(names.len())
    )
}

/// `apply` for a rollout, a plan file or a resume.
pub(super) async fn run(
    global: &GlobalArgs,
    args: &ApplyArgs,
    env: &Env,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let resolved = crate::config::resolve(global, env)?;
    let journal = RolloutJournal::open(rollouts_path(&resolved))?;
    if let Some(id) = &args.resume {
        return resume(global, args, env, &resolved, &journal, id, input, out).await;
    }
    if args.plan.targets.reads_stdin() && !args.yes {
        return Err(CliError::Usage(
            "--servers-from - reads stdin to its end: add --yes, or put the servers in a file"
                .into(),
        ));
    }
    let connected = connect(global, env).await?;
    let client = &connected.client;
    client.ensure_writable("a rollout")?;
    let prepared = match &args.plan_file {
        Some(path) => super::plan_file::load(client, args, path, input, None).await?,
        None => {
            let (plans, servers, f) =
                super::plan::decide_all(client, &args.plan, input, out).await?;
            let op = super::plan::operation(&args.plan, &f.images)?;
            from_plans(&args.plan, plans, &servers, &op)?
        }
    };
    let (jobs, open) = Journal::open(resolved.paths.jobs_journal())?;
    crate::fsio::state::open_append(&resolved.paths.audit_log(), crate::fsio::FileKind::AuditLog)?;
    if let Some(busy) = open
        .unfinished()
        .find(|j| prepared.servers.iter().any(|s| s.id == j.server_id))
    {
        return Err(CliError::Usage(format!(
            "server {} has an open job {} in the journal: nothing was sent. Follow it to its \
             end with `reimage jobs --watch`, then run this again",
            escape(&busy.server_name),
            escape(&busy.job_id)
        )));
    }
    let names: Vec<String> = prepared.servers.iter().map(|s| s.name.clone()).collect();
    eprint!(
        "{}",
        waves_text(&prepared.waves, &names, prepared.max_failures)
    );
    confirm(
        args,
        input,
        prepared.servers.len(),
        "This wipes the system disks of",
    )?;
    let start = RolloutStart {
        id: crate::jobs::rollout::new_id(),
        created_at: now_rfc3339(),
        region: client.context().region.clone(),
        project_id: client.context().project_id.clone(),
        operation: prepared.operation,
        image_id: prepared.image_id,
        image_name: prepared.image_name,
        login: prepared.login,
        waves_spec: prepared.waves_spec,
        max_failures: prepared.max_failures.to_string(),
        waves: prepared.waves.split(&prepared.servers),
        source: serde_json::to_value(&prepared.source)
            .map_err(|e| CliError::Usage(e.to_string()))?,
    };
    let Some(claim) = journal.claim(&start.id)? else {
        return Err(CliError::Usage(
            "the new rollout id is taken; run it again".into(),
        ));
    };
    journal.started(&start)?;
    eprintln!(
        "rollout {} journaled in {}",
        start.id,
        escape(&journal.path().display().to_string())
    );
    let mut r = Rollout::new(start);
    let jobs = Arc::new(jobs);
    let (d, follow) = driver(client, &resolved, &journal, jobs, prepared.max_failures).await?;
    let ended = rollout::drive(&d, &mut r, prepared.requests, follow, rollout::unsteered()).await?;
    journal.release(&r, claim);
    super::rollout_report::finish(&r, ended, args.plan.format, out)
}

pub(super) fn rollouts_path(resolved: &Resolved) -> PathBuf {
    rollouts_beside(&resolved.paths.jobs_journal())
}

/// The rollout journal lives beside the job journal.
pub(super) fn rollouts_beside(jobs_journal: &Path) -> PathBuf {
    jobs_journal.with_file_name("rollouts.jsonl")
}

/// `apply`'s driver: its lines on stderr, its jobs followed by a poller of its own.
async fn driver<'a>(
    client: &'a Client,
    resolved: &'a Resolved,
    journal: &'a RolloutJournal,
    jobs: Arc<Journal>,
    max_failures: MaxFailures,
) -> Result<(Driver<'a>, rollout::Follow), CliError> {
    let actor = Actor::of(client).await;
    let (poller, events) =
        super::jobs::script_poller(resolved, client.clone(), jobs.clone(), actor.clone())?;
    let d = Driver {
        client,
        journal,
        jobs,
        audit: (AuditLog::new(resolved.paths.audit_log()), actor),
        concurrency: resolved
            .config
            .bulk_concurrency
            .unwrap_or(super::DEFAULT_SUBMIT_CONCURRENCY),
        max_failures,
        face: &rollout::Stderr,
    };
    Ok((d, rollout::Follow { poller, events }))
}

/// The typed confirmation: the number of servers (or `--yes`).
fn confirm(args: &ApplyArgs, input: &mut Console, n: usize, what: &str) -> Result<(), CliError> {
    if args.yes {
        return Ok(());
    }
    eprint!("{what} {n} server(s). Type {n} to confirm: ");
    let typed = input.line()?;
    if !input.is_terminal() {
        eprintln!();
    }
    if typed.expose().trim() != n.to_string() {
        return Err(CliError::Usage(
            "confirmation did not match the number of servers; nothing was sent".into(),
        ));
    }
    Ok(())
}

fn from_plans(
    args: &PlanArgs,
    plans: Vec<Plan>,
    servers: &[Server],
    op: &Operation,
) -> Result<Prepared, CliError> {
    let first = plans
        .first()
        .ok_or_else(|| CliError::Usage("no server to send to".into()))?;
    let image_id = match op {
        Operation::Change { image_id } => image_id.clone(),
        Operation::Reinstall => String::new(),
    };
    let operation = first.op.into();
    let login = crate::jobs::submitted::login_mode(first);
    let image_name = if image_id.is_empty() {
        String::new()
    } else {
        first.to_image.clone()
    };
    let mut refs = Vec::new();
    let mut requests = HashMap::new();
    for (plan, server) in plans.into_iter().zip(servers) {
        let s = server_ref(
            &plan,
            server,
            Some(&image_id)
                .filter(|i| !i.is_empty())
                .map(String::as_str),
        );
        requests.insert(s.id.clone(), request_of(plan));
        refs.push(s);
    }
    let waves = args.targets.waves()?;
    Ok(Prepared {
        servers: refs,
        requests,
        operation,
        image_id,
        image_name,
        login,
        source: Source::Flags(Flags::of(args, op)),
        waves_spec: waves.to_string(),
        waves,
        max_failures: args.targets.max_failures()?,
    })
}

/// `apply --resume ROLLOUT`: from the first server not sent, asking for the secret again.
#[allow(clippy::too_many_arguments)]
async fn resume(
    global: &GlobalArgs,
    args: &ApplyArgs,
    env: &Env,
    resolved: &Resolved,
    journal: &RolloutJournal,
    id: &str,
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let find = |warn: bool| -> Result<Rollout, CliError> {
        let (all, warnings) = journal.read_all()?;
        for w in warnings.iter().filter(|_| warn) {
            eprintln!("warning: {}", escape(w));
        }
        all.into_iter().find(|r| r.start.id == id).ok_or_else(|| {
            CliError::Usage(format!(
                "no rollout {} in {} (see `reimage jobs`)",
                escape(id),
                journal.path().display()
            ))
        })
    };
    find(true)?;
    let Some(claim) = journal.claim(id)? else {
        return Err(CliError::Usage(format!(
            "another reimage process is driving rollout {} now",
            escape(id)
        )));
    };
    // Another process may have driven it between the first read and the claim.
    let mut r = find(false)?;
    if r.finished {
        out.write_all(super::rollout_report::report(&r).as_bytes())?;
        return Ok(());
    }
    if let Some(reason) = &r.halted {
        out.write_all(super::rollout_report::report(&r).as_bytes())?;
        return Err(CliError::Usage(format!(
            "rollout {} halted ({}); it is not resumed: check the failed servers, then start \
             a new rollout for those not sent",
            escape(id),
            escape(reason)
        )));
    }
    if r.abandoned {
        out.write_all(super::rollout_report::report(&r).as_bytes())?;
        return Err(CliError::Usage(format!(
            "rollout {} was abandoned; it is not resumed: start a new rollout for the servers \
             not sent",
            escape(id)
        )));
    }
    let connected = connect(global, env).await?;
    let client = &connected.client;
    client.ensure_writable("resuming a rollout")?;
    let ctx = client.context();
    if ctx.region != r.start.region || ctx.project_id != r.start.project_id {
        return Err(CliError::Usage(format!(
            "rollout {} belongs to region {} project {}; use --region/--profile for it",
            escape(id),
            escape(&r.start.region),
            escape(&r.start.project_id)
        )));
    }
    let not_sent: Vec<ServerRef> = r
        .servers()
        .filter(|(_, _, p)| **p == Progress::NotSent)
        .map(|(_, s, _)| s.clone())
        .collect();
    let source: Source = serde_json::from_value(r.start.source.clone())
        .map_err(|e| CliError::Usage(format!("rollout {id}: its source cannot be read ({e})")))?;
    let requests = if not_sent.is_empty() {
        HashMap::new()
    } else {
        match &source {
            Source::Flags(flags) => {
                flags.check_replannable(id)?;
                rebuild(client, flags, &not_sent, input, out).await?
            }
            Source::PlanFile { path, hash } => {
                super::plan_file::load(client, args, path, input, Some((hash, &not_sent)))
                    .await?
                    .requests
            }
        }
    };
    eprintln!(
        "rollout {}: {} of {} server(s) not sent yet",
        escape(id),
        not_sent.len(),
        r.total()
    );
    if !not_sent.is_empty() {
        confirm(
            args,
            input,
            not_sent.len(),
            "Resuming wipes the system disks of",
        )?;
    }
    let (jobs, _) = Journal::open(resolved.paths.jobs_journal())?;
    let max = r.start.max_failures.parse().unwrap_or_default();
    let (d, follow) = driver(client, resolved, journal, Arc::new(jobs), max).await?;
    let ended = rollout::drive(&d, &mut r, requests, follow, rollout::unsteered()).await?;
    journal.release(&r, claim);
    super::rollout_report::finish(&r, ended, args.plan.format, out)
}

/// The requests of the servers not sent, planned again from the journaled flags.
async fn rebuild(
    client: &Client,
    flags: &Flags,
    not_sent: &[ServerRef],
    input: &mut Console,
    out: &mut (dyn Write + Send),
) -> Result<HashMap<String, Request>, CliError> {
    let args = flags.args(not_sent.iter().map(|s| s.id.clone()).collect());
    let (plans, _, _) = super::plan::decide_all(client, &args, input, out).await?;
    Ok(plans
        .into_iter()
        .map(|p| (p.server_id.clone(), request_of(p)))
        .collect())
}

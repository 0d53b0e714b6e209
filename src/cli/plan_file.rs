//! `reimage plan --out FILE` writes a plan file (`ops::PlanFile`: the servers as seen, the
//! routes, the exact bodies with secret markers, a hash); `reimage apply --plan FILE`
//! checks the hash, re-reads every server and refuses if any changed since (nothing is
//! sent then), asks for the secrets and sends exactly the planned bodies.

use super::CliError;
use super::apply_rollout::{Prepared, Source};
use super::console::Console;
use super::plan::{ApplyArgs, Fetched, PlanArgs};
use super::rollout::{Outgoing, Request};
use crate::cloud::Client;
use crate::cloud::model::Server;
use crate::jobs::rollout::ServerRef;
use crate::ops::{self, PlanFile, PlannedServer, SecretSlot, SeenState, UserData};
use crate::safe_text::escape;
use crate::secret::Secret;
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

/// Write the plan file of `plans` (never a secret: each is a marker).
pub(super) fn write(
    client: &Client,
    args: &PlanArgs,
    plans: &[ops::Plan],
    servers: &[Server],
    f: &Fetched,
    path: &Path,
) -> Result<(), CliError> {
    let first = plans
        .first()
        .ok_or_else(|| CliError::Usage("no server to plan".into()))?;
    let mut secrets = Vec::new();
    if first.body.adminpass.is_some() {
        secrets.push(SecretSlot::Password);
    }
    let mut user_data_bytes = None;
    if let Some((_, len)) = &first.body.metadata.user_data {
        if args.hash_password {
            secrets.push(SecretSlot::HashedPassword);
        } else {
            secrets.push(SecretSlot::UserDataFile);
            user_data_bytes = Some(*len);
        }
    }
    let mut planned = Vec::new();
    for (plan, server) in plans.iter().zip(servers) {
        let expect = match &plan.body.imageid {
            Some(id) => id.clone(),
            None => server.current_image_id().unwrap_or_default().to_string(),
        };
        let image = f.images.iter().find(|i| i.id == expect);
        let os = match image {
            Some(i) => ops::OsFamily::from_os_type(i.os_type.as_deref()),
            None => ops::OsFamily::from_os_type(server.os_type()),
        };
        planned.push(PlannedServer {
            id: plan.server_id.clone(),
            name: plan.server_name.clone(),
            kind: plan.kind,
            os: os.to_string(),
            seen: SeenState::of(server),
            operation: plan.op.label().to_string(),
            route: plan.route.route.word().to_string(),
            route_reason: plan.route.reason.clone(),
            from_image: plan.from_image.clone(),
            to_image: plan.to_image.clone(),
            expect_image_id: expect,
            method: plan.method.to_string(),
            path: plan.path.clone(),
            body: plan.body.marked(),
        });
    }
    let ctx = client.context();
    let mut file = PlanFile {
        format: ops::PLAN_FORMAT.into(),
        created_at: crate::jobs::record::now_rfc3339(),
        region: ctx.region.clone(),
        project_id: ctx.project_id.clone(),
        login: crate::jobs::submitted::login_mode(first),
        secrets,
        user_data_bytes,
        waves: args.targets.waves()?.to_string(),
        max_failures: args.targets.max_failures()?.to_string(),
        servers: planned,
        hash: String::new(),
    };
    let text = file.to_text().map_err(CliError::Usage)?;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| {
            CliError::Usage(format!(
                "cannot write the plan file {}: {e}",
                path.display()
            ))
        })?;
    out.write_all(text.as_bytes())?;
    out.sync_all()?;
    eprintln!(
        "plan written to {} ({} server(s), {})",
        escape(&path.display().to_string()),
        plans.len(),
        file.hash
    );
    Ok(())
}

/// Flags that would change what a plan file sends are refused with it.
fn check_alone(args: &ApplyArgs) -> Result<(), CliError> {
    let p = &args.plan;
    let extra = !p.targets.is_empty()
        || p.targets.waves.is_some()
        || p.targets.max_failures.is_some()
        || p.change_to.is_some()
        || p.reinstall
        || p.keypair.is_some()
        || p.encrypt
        || p.byol
        || p.stop
        || p.auto_pay
        || p.route.is_some();
    if extra {
        return Err(CliError::Usage(
            "--plan sends the plan as written: give only --password-stdin, --user-data, --yes"
                .into(),
        ));
    }
    Ok(())
}

/// Read and check a plan file, then the secrets. On resume, `resume` holds the hash the
/// rollout started with and the servers still to send: only those are checked and built.
pub(super) async fn load(
    client: &Client,
    args: &ApplyArgs,
    path: &Path,
    input: &mut Console,
    resume: Option<(&String, &[ServerRef])>,
) -> Result<Prepared, CliError> {
    if resume.is_none() {
        check_alone(args)?;
    }
    let shown = escape(&path.display().to_string()).into_owned();
    let bytes = crate::fsio::read(path, crate::fsio::FileKind::PlanFile)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let plan = PlanFile::parse(&bytes)
        .map_err(|e| CliError::Usage(format!("plan file {shown}: {e}; nothing was sent")))?;
    if let Some((hash, _)) = resume
        && *hash != plan.hash
    {
        return Err(CliError::Usage(format!(
            "plan file {shown} is not the one the rollout started with; nothing was sent"
        )));
    }
    let ctx = client.context();
    if ctx.region != plan.region || ctx.project_id != plan.project_id {
        return Err(CliError::Usage(format!(
            "plan file {shown} is for region {} project {}; use --region/--profile for it",
            escape(&plan.region),
            escape(&plan.project_id)
        )));
    }
    let todo: Vec<&PlannedServer> = plan
        .servers
        .iter()
        .filter(|s| resume.is_none_or(|(_, left)| left.iter().any(|l| l.id == s.id)))
        .collect();
    let mut stale = Vec::new();
    for s in &todo {
        let now = client.show_server(s.kind, &s.id).await?;
        for change in s.seen.changes(&SeenState::of(&now)) {
            stale.push(format!("  {} ({}): {change}", s.name, s.id));
        }
    }
    if !stale.is_empty() {
        return Err(CliError::Usage(format!(
            "the plan {shown} is stale: these servers changed since it was made; nothing was \
             sent. Plan again.\n{}",
            escape(&stale.join("\n"))
        )));
    }
    let (password, user_data, hashed) = secrets(&plan, &args.plan, input)?;
    if let Some(p) = password.as_deref().or(hashed.as_ref()) {
        check_password(p, &plan, &todo)?;
    }
    let mut servers = Vec::new();
    let mut requests = HashMap::new();
    for s in &plan.servers {
        servers.push(ServerRef {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind,
            expect_image: s.expect_image_id.clone(),
        });
    }
    for s in todo {
        requests.insert(
            s.id.clone(),
            Request {
                path: s.path.clone(),
                body: Outgoing::Marked {
                    body: s.body.clone(),
                    password: password.clone(),
                    user_data: user_data.clone(),
                },
                route: s.route.clone(),
                from_image: s.from_image.clone(),
                to_image: s.to_image.clone(),
            },
        );
    }
    let first = plan.servers.first();
    let change = first.is_some_and(|s| s.operation == ops::OpKind::Change.label());
    let waves: ops::Waves = plan.waves.parse().map_err(CliError::Usage)?;
    Ok(Prepared {
        servers,
        requests,
        operation: crate::jobs::record::JobOperation::from(if change {
            ops::OpKind::Change
        } else {
            ops::OpKind::Reinstall
        }),
        image_id: first
            .filter(|_| change)
            .map(|s| s.expect_image_id.clone())
            .unwrap_or_default(),
        image_name: first
            .filter(|_| change)
            .map(|s| s.to_image.clone())
            .unwrap_or_default(),
        login: plan.login.clone(),
        source: Source::PlanFile {
            path: path.to_path_buf(),
            hash: plan.hash.clone(),
        },
        waves_spec: plan.waves.clone(),
        waves,
        max_failures: plan.max_failures.parse().map_err(CliError::Usage)?,
    })
}

type Secrets = (Option<Arc<Secret>>, Option<Arc<Secret>>, Option<Secret>);

/// The password against the rules of each server's route and OS, as `plan` checked it:
/// a rule that blocks refuses the plan (nothing sent); a recommendation is said.
fn check_password(p: &Secret, plan: &PlanFile, todo: &[&PlannedServer]) -> Result<(), CliError> {
    let hashed = plan.secrets.contains(&SecretSlot::HashedPassword);
    for s in todo {
        let route = match s.route.as_str() {
            "v1" => ops::Route::V1,
            "v2" => ops::Route::V2,
            _ => ops::Route::Bms,
        };
        let op = if s.operation == ops::OpKind::Change.label() {
            ops::OpKind::Change
        } else {
            ops::OpKind::Reinstall
        };
        let os = if s.os == "Windows" {
            ops::OsFamily::Windows
        } else {
            ops::OsFamily::Linux
        };
        let target = ops::PasswordTarget {
            os,
            route: Some(route),
            op,
            adminpass: !hashed,
        };
        let (error, warnings) = ops::check_password(p, target);
        if let Some(e) = error {
            return Err(CliError::Usage(format!(
                "{}: the password: {}\n  fix: {}\nnothing was sent",
                escape(&s.name),
                escape(&e.message),
                escape(&e.fix)
            )));
        }
        for w in warnings {
            eprintln!("! {}: {}", escape(&s.name), escape(&w.message()));
        }
    }
    Ok(())
}

/// The password and the base64 user data the plan's markers need, asked for again.
fn secrets(plan: &PlanFile, args: &PlanArgs, input: &mut Console) -> Result<Secrets, CliError> {
    let needs_password = plan
        .secrets
        .iter()
        .any(|s| matches!(s, SecretSlot::Password | SecretSlot::HashedPassword));
    let password = if needs_password {
        if !args.password_stdin {
            return Err(CliError::Usage(
                "this plan sends a password: add --password-stdin".into(),
            ));
        }
        let p = input.password()?;
        if p.is_empty() {
            return Err(CliError::Usage(
                "no password given; nothing was sent".into(),
            ));
        }
        Some(p)
    } else {
        None
    };
    let mut user_data = None;
    for slot in &plan.secrets {
        let data = match slot {
            SecretSlot::Password => continue,
            SecretSlot::HashedPassword => {
                let Some(p) = &password else { continue };
                let hash = ops::sha512_crypt(p).map_err(CliError::Usage)?;
                UserData::typed(ops::chpasswd_script(&hash).expose())
            }
            SecretSlot::UserDataFile => {
                let Some(path) = &args.user_data else {
                    return Err(CliError::Usage(
                        "this plan sends user data: give the same file with --user-data".into(),
                    ));
                };
                let mut bytes = crate::fsio::read(path, crate::fsio::FileKind::UserData)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                UserData::file(path.display().to_string(), std::mem::take(&mut *bytes))
            }
        };
        let encoded = ops::encode_user_data(&data).map_err(|e| CliError::Usage(e.message))?;
        if *slot == SecretSlot::UserDataFile && Some(encoded.raw_len) != plan.user_data_bytes {
            return Err(CliError::Usage(format!(
                "the user data file has {} bytes, the plan {}: not the same file; nothing was sent",
                encoded.raw_len,
                plan.user_data_bytes.unwrap_or_default()
            )));
        }
        user_data = Some(Arc::new(encoded.base64));
    }
    let hashed = plan.secrets.contains(&SecretSlot::HashedPassword);
    let sent = plan.secrets.contains(&SecretSlot::Password) || !hashed;
    // A hashed password is checked too, then only its hash leaves.
    let (password, hashed) = match password {
        Some(p) if sent => (Some(Arc::new(p)), None),
        other => (None, other),
    };
    Ok((password, user_data, hashed))
}

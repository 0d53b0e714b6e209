//! `reimage doctor`: which credentials, region, project and endpoints are in use, the clock
//! skew against the cloud, and one test call per service, each line ok or the error + hint.

use super::CliError;
use super::connect::{Face, HOW_TO_CONFIGURE, connect_with};
use crate::cloud::{CloudError, ErrorKind, Service};
use crate::config::{Env, GlobalArgs};
use crate::safe_text::escape;
use std::io::Write;

/// The gateway rejects signatures more than 15 minutes off; warn well before.
const SKEW_WARN_SECS: i64 = 5 * 60;

/// The report, one line per check: its name, then its detail, escaped (details echo the
/// services' answers).
struct Report<'a> {
    out: &'a mut (dyn Write + Send),
    failed: usize,
}

impl Report<'_> {
    fn ok(&mut self, what: &str, detail: &str) -> std::io::Result<()> {
        writeln!(self.out, "ok    {what:<13} {}", escape(detail))
    }

    fn info(&mut self, what: &str, detail: &str) -> std::io::Result<()> {
        writeln!(self.out, "      {what:<13} {}", escape(detail))
    }

    fn fail(&mut self, what: &str, detail: &str, hint: Option<&str>) -> std::io::Result<()> {
        self.failed += 1;
        writeln!(self.out, "FAIL  {what:<13} {}", escape(detail))?;
        if let Some(h) = hint {
            writeln!(self.out, "      {:<13} hint: {h}", "")?;
        }
        Ok(())
    }

    fn cloud_fail(&mut self, what: &str, e: &CloudError) -> std::io::Result<()> {
        self.fail(what, &e.to_string(), e.hint())
    }
}

/// Run `reimage doctor`, writing the report to `out`; fails when any check failed.
pub async fn run_doctor(
    global: &GlobalArgs,
    env: &Env,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let mut r = Report { out, failed: 0 };
    let resolved = match crate::config::resolve(global, env) {
        Ok(res) => res,
        Err(e) => {
            r.fail("config", &e.to_string(), None)?;
            return Err(CliError::ChecksFailed(r.failed));
        }
    };
    let file = resolved.paths.config_file();
    let absent = if file.is_file() {
        ""
    } else {
        " (absent: defaults apply)"
    };
    r.info("config", &format!("{}{absent}", file.display()))?;
    r.info("profile", resolved.profile.as_deref().unwrap_or("(none)"))?;
    // The same check the TUI makes before it starts.
    match super::tui::local_settings(&resolved) {
        Ok(_) => r.ok("settings", "[keys], [ui] and [jobs] of config.toml")?,
        Err(e) => r.fail("settings", &e.to_string(), None)?,
    }
    for n in &resolved.notices {
        r.info("note", n)?;
    }
    let connected = match connect_with(&resolved, Face::Script).await {
        Ok(c) => c,
        Err(e) if e.kind == ErrorKind::Credentials => {
            // Every other face's hint sends the user here: say what to set instead.
            let fix = (!e.message.contains(HOW_TO_CONFIGURE)).then_some(HOW_TO_CONFIGURE);
            r.fail("credentials", &e.to_string(), fix)?;
            return Err(CliError::ChecksFailed(r.failed));
        }
        Err(e) => {
            r.info("credentials", &resolved.settings.source.to_string())?;
            r.info(
                "region",
                resolved.settings.region.as_deref().unwrap_or("(none)"),
            )?;
            r.cloud_fail("connect", &e)?;
            return Err(CliError::ChecksFailed(r.failed));
        }
    };
    for n in &connected.notices {
        r.info("note", n)?;
    }
    let client = &connected.client;
    let ctx = client.context();
    let mode = match (ctx.is_sandbox, ctx.read_only) {
        (true, _) => " [SANDBOX]",
        (false, true) => " [READ-ONLY]",
        _ => "",
    };
    r.ok("credentials", &format!("{}{mode}", ctx.source_label()))?;
    r.ok("region", &ctx.region)?;
    r.ok(
        "project id",
        &format!("{} ({})", ctx.project_id, ctx.project_origin),
    )?;
    for (svc, ep) in ctx.endpoints.iter() {
        r.info(
            &format!("endpoint {}", svc.name()),
            &format!("{} ({})", ep.url, ep.origin),
        )?;
    }
    let mut skew_checked = false;
    for svc in Service::ALL {
        let now = time::OffsetDateTime::now_utc();
        match client.check(svc).await {
            Ok(check) => {
                r.ok(
                    svc.name(),
                    &format!("{} ({} ms)", check.detail, check.elapsed.as_millis()),
                )?;
                if let (false, Some(skew)) = (skew_checked, check.clock_skew(now)) {
                    skew_checked = true;
                    let secs = skew.whole_seconds();
                    let text = format!(
                        "server clock {} s {} this machine's",
                        secs.abs(),
                        if secs >= 0 { "ahead of" } else { "behind" }
                    );
                    if secs.abs() > SKEW_WARN_SECS {
                        r.fail("clock", &text, Some("signatures fail beyond 15 minutes of skew: sync this machine's clock (NTP)"))?;
                    } else {
                        r.ok("clock", &text)?;
                    }
                }
            }
            Err(e) => r.cloud_fail(svc.name(), &e)?,
        }
    }
    if !skew_checked {
        r.info("clock", "no reply carried a Date header: skew unknown")?;
    }
    match client.user_id().await {
        Ok(id) => r.ok("user id", &id)?,
        Err(e) => r.cloud_fail("user id", &e)?,
    }
    r.out.flush()?;
    if r.failed > 0 {
        Err(CliError::ChecksFailed(r.failed))
    } else {
        Ok(())
    }
}

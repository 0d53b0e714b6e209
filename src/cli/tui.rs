//! `reimage` with no subcommand, its start-up: resolve the configuration, take the
//! terminal, and hand the TUI effects that connect in the background (`tui_link`), route
//! its commands (`tui_dispatch`) and wire the job poller (`tui_jobs`).
//!
//! What is local fails before the terminal is taken over, plainly, on the normal screen with
//! its fix: the configuration, the keymap, the journal. What needs the network (credentials
//! from the metadata service, project discovery) is done after the first frame; the
//! commands that need the cloud wait for it, and a failure is shown in the TUI, where the
//! next refresh tries again.

use super::CliError;
use super::connect::{Face, sandbox_certain};
use super::tui_effects::{DEFAULT_SUBMIT_CONCURRENCY, EffectsParts, Start, TuiEffects};
use crate::cloud::CloudError;
use crate::config::{Env, GlobalArgs, Resolved};
use crate::jobs::audit::AuditLog;
use crate::jobs::pacing::JobSettings;
use crate::safe_text::escape;
use crate::tui::key_bindings::Keymap;
use crate::tui::theme::{ColorChoice, GlyphChoice};
use crate::tui::{HeaderInfo, UiOptions};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Run the TUI until the user quits.
pub async fn run_tui(global: &GlobalArgs, env: &Env) -> Result<(), CliError> {
    let resolved = crate::config::resolve(global, env)?;
    if let Err(e) = crate::logging::init(&resolved.paths.log_file(), global.log_level.as_deref()) {
        eprintln!("reimage: logging is off: {}", escape(&e.to_string()));
    }
    if resolved.settings.insecure {
        eprintln!(
            "WARNING: --insecure: TLS certificates are NOT checked; anyone on the network path can read and change your requests"
        );
    }
    // On the normal screen, seen after quitting; the TUI repeats them once connected.
    for n in resolved.notices.iter().filter(|n| n.starts_with("WARNING")) {
        eprintln!("reimage: {}", escape(n));
    }
    let local = local_settings(&resolved)?;
    let (journal, replay) = super::jobs::open_journal(&resolved)?;
    for w in &replay.warnings {
        tracing::warn!("{w}");
    }
    let header = connecting_header(&resolved);
    let effects = TuiEffects::new(EffectsParts {
        global: global.clone(),
        env: env.clone(),
        job_settings: local.jobs,
        audit_log: AuditLog::new(resolved.paths.audit_log()),
        submit_concurrency: local.submit_concurrency,
        journal: Arc::new(journal),
        replay: replay.jobs,
        // Credentials, the metadata probe and project discovery can take round trips:
        // the first frame does not wait for them.
        start: Start::Later(Box::new(resolved)),
    });
    let state = effects.state.clone();
    #[cfg(debug_assertions)]
    if env.raw(TEST_PANIC).is_some() {
        let result = crate::tui::run(
            header,
            local.options,
            PanicOnFirstCommand { _effects: effects },
        )
        .await;
        return result.map_err(|e| CliError::Io(std::io::Error::other(e.to_string())));
    }
    let result = crate::tui::run(header, local.options, effects).await;
    state.shutdown_sandbox();
    result.map_err(|e| CliError::Io(std::io::Error::other(e.to_string())))
}

/// Debug builds only: set, it makes the TUI panic (see [`PanicOnFirstCommand`]).
#[cfg(debug_assertions)]
const TEST_PANIC: &str = "REIMAGE_TEST_PANIC";

/// The effects, panicking on the first command the TUI sends: on the UI task, with the
/// terminal in TUI mode and the connection's secrets held, so the tests see the terminal
/// restored before the report and no secret in it. Release builds have no such hook.
#[cfg(debug_assertions)]
struct PanicOnFirstCommand {
    _effects: TuiEffects,
}

#[cfg(debug_assertions)]
impl crate::tui::Effects for PanicOnFirstCommand {
    fn run(&self, _: crate::tui::Command, _: tokio::sync::mpsc::UnboundedSender<crate::tui::Msg>) {
        panic!("{TEST_PANIC} is set: panicking on the TUI's first command");
    }
}

/// What config.toml sets beyond the client: key bindings, screen and job settings.
pub(super) struct LocalSettings {
    pub options: UiOptions,
    pub jobs: JobSettings,
    /// `bulk_concurrency`: requests the TUI sends at once.
    pub submit_concurrency: usize,
}

/// The one check of config.toml's `[keys]`, `[ui]` and `[jobs]`: the TUI's start and
/// `reimage doctor` agree on what is valid.
pub(super) fn local_settings(resolved: &Resolved) -> Result<LocalSettings, CliError> {
    let submit_concurrency = match resolved.config.bulk_concurrency {
        None => DEFAULT_SUBMIT_CONCURRENCY,
        // None would ever be sent: a bulk change would wait forever.
        Some(0) => {
            return Err(config_error(
                "bulk_concurrency = 0 in config.toml sends nothing: set 1 or more (default 4)"
                    .into(),
            ));
        }
        Some(n) => n,
    };
    Ok(LocalSettings {
        options: ui_options(resolved)?,
        jobs: super::jobs::job_settings(resolved)?,
        submit_concurrency,
    })
}

fn ui_options(resolved: &Resolved) -> Result<UiOptions, CliError> {
    let overrides: BTreeMap<String, Vec<String>> = match &resolved.config.keys {
        Some(table) => table
            .clone()
            .try_into()
            .map_err(|e| config_error(format!("[keys] in config.toml: {e}")))?,
        None => BTreeMap::new(),
    };
    let keymap = Keymap::with_overrides(&overrides)
        .map_err(|e| config_error(format!("[keys] in config.toml: {e}")))?;
    Ok(UiOptions {
        color: ColorChoice::Auto,
        glyphs: GlyphChoice::default(),
        keymap,
        mouse: false,
        filter: resolved.config.ui.filter.unwrap_or_default(),
        profiles: resolved.config.profiles.keys().cloned().collect(),
    })
}

fn config_error(message: String) -> CliError {
    CliError::Cloud(CloudError::config(message))
}

/// The header before the connection is up: what the configuration already says. The
/// sandbox is known at once when asked for, or when no credential source exists.
fn connecting_header(resolved: &Resolved) -> HeaderInfo {
    let sandbox = sandbox_certain(resolved, Face::Tui);
    // With only the metadata service left to ask, the probe decides: a cloud or the sandbox.
    let probing = matches!(
        resolved.settings.credentials,
        crate::config::Credentials::Metadata { .. }
    );
    let label = match (sandbox, probing) {
        (true, _) => "sandbox",
        (false, true) => "connecting",
        (false, false) => "Huawei Cloud",
    };
    HeaderInfo {
        cloud_label: label.into(),
        is_sandbox: sandbox,
        profile: resolved.profile.clone().unwrap_or_else(|| "default".into()),
        region: resolved.settings.region.clone().unwrap_or_default(),
        project_id: resolved.settings.project_id.clone().unwrap_or_default(),
        read_only: resolved.settings.read_only,
        insecure: resolved.settings.insecure,
        credential_source: String::new(),
    }
}

//! Flags + profile + environment -> the settings the cloud client runs with.

use super::credentials::{CredentialSource, Credentials, StaticKeys, resolve_credentials};
use super::{ConfigError, ConfigFile, Env, GlobalArgs, Paths, Profile};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Back-off for safe (GET) calls; never applied to calls that change anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    /// Upper bound of one wait, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// A base URL and where it was set (`--endpoint`, a profile, ...), for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedUrl {
    pub url: String,
    pub origin: String,
}

impl SourcedUrl {
    pub fn new(url: impl Into<String>, origin: impl Into<String>) -> SourcedUrl {
        SourcedUrl {
            url: url.into(),
            origin: origin.into(),
        }
    }
}

/// The raw inputs of endpoint resolution (done by `cloud::endpoints`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointSettings {
    /// `myhuaweicloud.com` unless a profile says otherwise.
    pub cloud_domain: String,
    /// One base URL for every service.
    pub all: Option<SourcedUrl>,
    /// Per-service base URLs keyed by lower-case service name; these beat `all`.
    pub per_service: BTreeMap<String, SourcedUrl>,
    /// `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>` variables.
    pub sdk_region_env: BTreeMap<String, String>,
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`.
    pub iam_endpoint: Option<String>,
    /// `$HUAWEICLOUD_SDK_REGIONS_FILE` or `~/.huaweicloud/regions.yaml`.
    pub regions_file: Option<PathBuf>,
}

/// Everything `cloud::Client::connect` needs.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    /// Fallback for the key-pair `userid` when IAM cannot tell it.
    pub user_id: Option<String>,
    pub credentials: Credentials,
    pub source: CredentialSource,
    pub endpoints: EndpointSettings,
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    pub read_only: bool,
    pub is_sandbox: bool,
    pub connect_timeout: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
    /// Longest wait for the next bytes of an answer: a body that stops coming ends here.
    pub read_timeout: Duration,
    pub metadata_timeout: Duration,
    pub retry: RetryPolicy,
    /// Most records one listing reads before it is refused as endless.
    pub max_records: usize,
    /// Where discovered project ids are cached; `None` keeps them in memory only.
    pub project_cache: Option<PathBuf>,
}

/// Most records one listing reads (servers of a kind, images, key pairs): far above any
/// account's quota, low enough that a service sending endless pages is stopped.
pub const MAX_RECORDS: usize = 1_000_000;

/// The read timeout: the whole timeout, at most 30 s (a gap that long in an answer is a
/// stall, not a slow network).
fn read_timeout(timeout: Duration) -> Duration {
    timeout.min(Duration::from_secs(30))
}

impl ClientSettings {
    /// Settings for a sandbox at `url` with its keys, keeping transport choices.
    pub fn for_sandbox(&self, url: &str, keys: StaticKeys, region: &str, user_id: &str) -> Self {
        ClientSettings {
            region: Some(region.to_string()),
            project_id: keys.project_id.clone(),
            domain_id: keys.domain_id.clone(),
            user_id: Some(user_id.to_string()),
            credentials: Credentials::Static(keys),
            source: CredentialSource::Sandbox,
            endpoints: EndpointSettings {
                cloud_domain: self.endpoints.cloud_domain.clone(),
                all: Some(SourcedUrl::new(url, "the built-in sandbox")),
                ..EndpointSettings::default()
            },
            is_sandbox: true,
            project_cache: None,
            ..self.clone()
        }
    }

    /// Minimal settings for static keys against one base URL (tests, scripts).
    pub fn with_keys(url: &str, keys: StaticKeys, region: &str) -> Self {
        ClientSettings {
            region: Some(region.to_string()),
            project_id: keys.project_id.clone(),
            domain_id: keys.domain_id.clone(),
            user_id: None,
            credentials: Credentials::Static(keys),
            source: CredentialSource::Profile("inline".into()),
            endpoints: EndpointSettings {
                cloud_domain: DEFAULT_DOMAIN.into(),
                all: Some(SourcedUrl::new(url, "the client settings")),
                ..EndpointSettings::default()
            },
            ca_file: None,
            insecure: false,
            read_only: false,
            is_sandbox: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            read_timeout: read_timeout(Duration::from_secs(60)),
            metadata_timeout: Duration::from_secs(3),
            retry: RetryPolicy::default(),
            max_records: MAX_RECORDS,
            project_cache: None,
        }
    }
}

pub const DEFAULT_DOMAIN: &str = "myhuaweicloud.com";

/// The outcome of reading flags, config and environment.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub paths: Paths,
    pub config: ConfigFile,
    /// Name of the profile in use, if any.
    pub profile: Option<String>,
    pub settings: ClientSettings,
    /// Whether the built-in sandbox may serve this run.
    pub sandbox: SandboxUse,
    /// Things to tell the user once (e.g. an encrypted KooCLI file).
    pub notices: Vec<String>,
    /// The region `--region` (or the TUI's `:region`) asked for: the sandbox serves one
    /// region, and refuses another asked this way.
    pub region_asked: Option<String>,
}

/// Whether the built-in sandbox may serve a run. It never stands in for something the user
/// set: a credential source (even a broken one) or an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxUse {
    /// `--sandbox`.
    Asked,
    /// No credential source and no endpoint is set: the TUI may open the sandbox when the
    /// built-in metadata service (if on) gives nothing; the scriptable faces refuse.
    IfNothingFound,
    /// Something is set: its failure is an error.
    Never,
}

/// Read `config.toml` and the environment, and apply the flags.
pub fn resolve(args: &GlobalArgs, env: &Env) -> Result<Resolved, ConfigError> {
    let paths = Paths::from_env(env)?;
    let config = ConfigFile::load(&paths.config_file())?;
    let selected = config.select(args.profile.as_deref())?;
    let profile = selected
        .as_ref()
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let found = resolve_credentials(selected.as_ref().map(|(n, p)| (n.as_str(), p)), env)?;
    let keys = match &found.credentials {
        Credentials::Static(k) => Some(k),
        _ => None,
    };
    let region = args
        .region
        .clone()
        .or(profile.region.clone())
        .or_else(|| {
            ["HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME", "OS_REGION_NAME"]
                .iter()
                .find_map(|v| env.get(v).map(str::to_string))
        })
        .or(keys.and_then(|k| k.region.clone()));
    if let Some(r) = &region {
        check_region(r)?;
    }
    if keys.is_some() && region.is_none() && !args.sandbox {
        return Err(ConfigError::Invalid(format!(
            "credentials found ({}) but no region: pass --region, set `region` in the profile, \
             or export HUAWEICLOUD_SDK_REGION",
            found.source
        )));
    }
    if args.sandbox && !args.endpoint.is_empty() {
        return Err(ConfigError::Invalid(
            "--sandbox and --endpoint cannot be used together: the sandbox serves every \
             service at its own address. Drop --endpoint to use the sandbox, or --sandbox to \
             use the endpoint"
                .into(),
        ));
    }
    let read_only = if args.write {
        false
    } else {
        args.read_only || profile.read_only.unwrap_or(false)
    };
    let endpoints = endpoints(
        args,
        selected.as_ref().map(|(n, _)| n.as_str()),
        &profile,
        &paths,
        env,
    )?;
    let timeout = Duration::from_secs(profile.timeout_secs.unwrap_or(60));
    let sandbox = if args.sandbox {
        SandboxUse::Asked
    } else if found.nothing_set && endpoints.all.is_none() && endpoints.per_service.is_empty() {
        SandboxUse::IfNothingFound
    } else {
        SandboxUse::Never
    };
    let settings = ClientSettings {
        region,
        project_id: profile
            .project_id
            .clone()
            .or(keys.and_then(|k| k.project_id.clone())),
        domain_id: profile
            .domain_id
            .clone()
            .or(keys.and_then(|k| k.domain_id.clone())),
        user_id: profile.user_id.clone(),
        credentials: found.credentials.clone(),
        source: found.source.clone(),
        endpoints,
        ca_file: args.ca_file.clone().or(profile.ca_file.clone()),
        insecure: args.insecure || profile.insecure.unwrap_or(false),
        read_only,
        is_sandbox: false,
        connect_timeout: Duration::from_secs(profile.connect_timeout_secs.unwrap_or(10)),
        timeout,
        read_timeout: read_timeout(timeout),
        metadata_timeout: Duration::from_secs(3),
        retry: RetryPolicy::default(),
        max_records: MAX_RECORDS,
        project_cache: Some(paths.project_cache()),
    };
    let notices = with_permission_warning(found.notices, &found.source, &paths);
    Ok(Resolved {
        sandbox,
        paths,
        config,
        profile: selected.map(|(n, _)| n),
        settings,
        notices,
        region_asked: args.region.clone(),
    })
}

/// A region id goes into every host name (`ecs.{region}.myhuaweicloud.com`): anything
/// but letters, digits and `-` could send the signed requests to another host.
fn check_region(region: &str) -> Result<(), ConfigError> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "region '{}' is not a region id: use letters, digits and '-', e.g. ap-southeast-3",
            region.escape_debug()
        )))
    }
}

/// A profile's secret key sits in config.toml: warn when others can read that file.
fn with_permission_warning(
    mut notices: Vec<String>,
    source: &CredentialSource,
    paths: &Paths,
) -> Vec<String> {
    if matches!(source, CredentialSource::Profile(_)) {
        notices.extend(super::perms::loose_secret_file(&paths.config_file()));
    }
    notices
}

/// Known service names for `--endpoint SERVICE=URL` (`kms` is accepted for KPS).
pub const SERVICES: [&str; 5] = ["ecs", "bms", "ims", "kps", "iam"];

fn service_name(raw: &str) -> Result<String, ConfigError> {
    let s = raw.trim().to_ascii_lowercase();
    let s = if s == "kms" { "kps".to_string() } else { s };
    if SERVICES.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(ConfigError::Invalid(format!(
            "unknown service '{raw}' in an endpoint override: use one of {}",
            SERVICES.join(", ")
        )))
    }
}

/// A base URL as given (`https://` added when no scheme is), with where it was set; the
/// rules every endpoint must meet are checked in `cloud::endpoints`, whatever set it.
fn check_url(url: &str, origin: String) -> Result<SourcedUrl, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let with_scheme = if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    reqwest::Url::parse(&with_scheme).map_err(|e| {
        ConfigError::Invalid(format!("bad endpoint URL '{url}' (from {origin}): {e}"))
    })?;
    Ok(SourcedUrl::new(with_scheme, origin))
}

fn endpoints(
    args: &GlobalArgs,
    profile_name: Option<&str>,
    p: &Profile,
    paths: &Paths,
    env: &Env,
) -> Result<EndpointSettings, ConfigError> {
    let mut cli_all = None;
    let mut cli_per = BTreeMap::new();
    for e in &args.endpoint {
        // `ecs=https://..`: a service name before `=` and no scheme before it.
        match e.split_once('=') {
            Some((svc, url)) if !svc.contains(':') && !svc.contains('/') => {
                let svc = service_name(svc)?;
                let origin = format!("--endpoint {svc}=");
                cli_per.insert(svc, check_url(url, origin)?);
            }
            _ => cli_all = Some(check_url(e, "--endpoint".into())?),
        }
    }
    let in_profile = |key: &str| {
        format!(
            "`{key}` of profile '{}' in {}",
            profile_name.unwrap_or_default(),
            paths.config_file().display()
        )
    };
    let (all, mut per_service) = if cli_all.is_some() {
        (cli_all, BTreeMap::new())
    } else {
        let mut per = BTreeMap::new();
        for (svc, url) in &p.endpoints {
            let name = service_name(svc)?;
            let origin = in_profile(&format!("endpoints.{svc}"));
            per.insert(name, check_url(url, origin)?);
        }
        let all = p.endpoint.as_deref();
        (
            all.map(|u| check_url(u, in_profile("endpoint")))
                .transpose()?,
            per,
        )
    };
    per_service.extend(cli_per);
    let regions_file = env
        .get("HUAWEICLOUD_SDK_REGIONS_FILE")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".huaweicloud/regions.yaml")));
    Ok(EndpointSettings {
        cloud_domain: p
            .cloud_domain
            .clone()
            .unwrap_or_else(|| DEFAULT_DOMAIN.to_string()),
        all,
        per_service,
        sdk_region_env: env.with_prefix("HUAWEICLOUD_SDK_REGION_"),
        iam_endpoint: env.get("HUAWEICLOUD_SDK_IAM_ENDPOINT").map(str::to_string),
        regions_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn debug_never_shows_secrets() {
        let keys = StaticKeys {
            ak: "AK".into(),
            sk: Secret::new("the-secret-key"),
            security_token: Some(Secret::new("the-token")),
            project_id: None,
            domain_id: None,
            region: None,
        };
        let s = ClientSettings::with_keys("http://127.0.0.1:1", keys, "r");
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("the-secret-key") && !shown.contains("the-token"),
            "{shown}"
        );
        assert!(shown.contains("AK"));
    }
}

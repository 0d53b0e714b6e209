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

/// The raw inputs of endpoint resolution (done by `cloud::endpoints`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointSettings {
    /// `myhuaweicloud.com` unless a profile says otherwise.
    pub cloud_domain: String,
    /// One base URL for every service.
    pub all: Option<String>,
    /// Per-service base URLs keyed by lower-case service name; these beat `all`.
    pub per_service: BTreeMap<String, String>,
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
    pub timeout: Duration,
    pub metadata_timeout: Duration,
    pub retry: RetryPolicy,
    /// Where discovered project ids are cached; `None` keeps them in memory only.
    pub project_cache: Option<PathBuf>,
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
                all: Some(url.to_string()),
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
                all: Some(url.to_string()),
                ..EndpointSettings::default()
            },
            ca_file: None,
            insecure: false,
            read_only: false,
            is_sandbox: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            metadata_timeout: Duration::from_secs(3),
            retry: RetryPolicy::default(),
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
    /// `--sandbox` was given, or no credential source exists (metadata switched off).
    /// When credentials are `Metadata`, the cloud layer decides after probing it.
    pub use_sandbox: bool,
    /// Things to tell the user once (e.g. an encrypted KooCLI file).
    pub notices: Vec<String>,
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
    let read_only = if args.write {
        false
    } else {
        args.read_only || profile.read_only.unwrap_or(false)
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
        endpoints: endpoints(args, &profile, env)?,
        ca_file: args.ca_file.clone().or(profile.ca_file.clone()),
        insecure: args.insecure || profile.insecure.unwrap_or(false),
        read_only,
        is_sandbox: false,
        connect_timeout: Duration::from_secs(profile.connect_timeout_secs.unwrap_or(10)),
        timeout: Duration::from_secs(profile.timeout_secs.unwrap_or(60)),
        metadata_timeout: Duration::from_secs(3),
        retry: RetryPolicy::default(),
        project_cache: Some(paths.project_cache()),
    };
    let notices = with_permission_warning(found.notices, &found.source, &paths);
    Ok(Resolved {
        use_sandbox: args.sandbox || found.credentials == Credentials::None,
        paths,
        config,
        profile: selected.map(|(n, _)| n),
        settings,
        notices,
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

fn check_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let with_scheme = if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    reqwest::Url::parse(&with_scheme)
        .map_err(|e| ConfigError::Invalid(format!("bad endpoint URL '{url}': {e}")))?;
    Ok(with_scheme)
}

fn endpoints(args: &GlobalArgs, p: &Profile, env: &Env) -> Result<EndpointSettings, ConfigError> {
    let mut cli_all = None;
    let mut cli_per = BTreeMap::new();
    for e in &args.endpoint {
        // `ecs=https://..`: a service name before `=` and no scheme before it.
        match e.split_once('=') {
            Some((svc, url)) if !svc.contains(':') && !svc.contains('/') => {
                cli_per.insert(service_name(svc)?, check_url(url)?);
            }
            _ => cli_all = Some(check_url(e)?),
        }
    }
    let (all, mut per_service) = if cli_all.is_some() {
        (cli_all, BTreeMap::new())
    } else {
        let mut per = BTreeMap::new();
        for (svc, url) in &p.endpoints {
            per.insert(service_name(svc)?, check_url(url)?);
        }
        (p.endpoint.as_deref().map(check_url).transpose()?, per)
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
    use crate::config::Secret;

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

//! The credential chain, steps 1 to 5 read from the profile, the environment and files.
//! Step 6 (ECS metadata) needs the network and is done by `cloud::credentials`; this
//! module only says where to look for it. Step 7 (nothing) means the sandbox.

use super::{ConfigError, Env, Profile};
use crate::secret::Secret;
use std::path::{Path, PathBuf};

/// Default base URL of the ECS instance metadata service.
pub const METADATA_URL: &str = "http://169.254.169.254";

/// Long-lived (or caller-supplied temporary) keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticKeys {
    pub ak: String,
    pub sk: Secret,
    pub security_token: Option<Secret>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    /// A region carried by the source itself (KooCLI profiles, credentials file).
    pub region: Option<String>,
}

/// Which step of the chain supplied the credentials: shown to the user, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Profile(String),
    SdkEnv,
    HwEnv,
    OsEnv,
    CredentialsFile(PathBuf),
    KooCli {
        path: PathBuf,
        profile: String,
    },
    EcsMetadata(String),
    Sandbox,
    /// No source is set.
    Nothing,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Profile(p) => write!(f, "profile '{p}' in config.toml"),
            Self::SdkEnv => f.write_str("environment (HUAWEICLOUD_SDK_AK/SK)"),
            Self::HwEnv => f.write_str("environment (HW_ACCESS_KEY/HW_SECRET_KEY)"),
            Self::OsEnv => f.write_str("environment (OS_ACCESS_KEY/OS_SECRET_KEY)"),
            Self::CredentialsFile(p) => write!(f, "credentials file {}", p.display()),
            Self::KooCli { path, profile } => {
                write!(f, "KooCLI profile '{profile}' in {}", path.display())
            }
            Self::EcsMetadata(url) => write!(f, "ECS instance metadata ({url}), temporary keys"),
            Self::Sandbox => f.write_str("built-in SANDBOX cloud (simulated, no real servers)"),
            Self::Nothing => f.write_str("none (no credential source is set)"),
        }
    }
}

/// What the chain decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Static(StaticKeys),
    /// Ask the ECS metadata service at this base URL (may turn out absent). `origin` says
    /// where the URL came from: [`METADATA_DEFAULT`], or the variable or profile that set it.
    Metadata {
        url: String,
        origin: String,
    },
    /// Nothing (the metadata service switched off).
    None,
}

/// The origin of the built-in metadata URL.
pub const METADATA_DEFAULT: &str = "default";

/// The chain's answer, with notices to show the user (e.g. an encrypted KooCLI file).
#[derive(Debug, Clone)]
pub struct Found {
    pub source: CredentialSource,
    pub credentials: Credentials,
    pub notices: Vec<String>,
    /// No source is set at all: no keys anywhere, no KooCLI profile (even encrypted), no
    /// metadata URL but the built-in one. Only then may the TUI open the sandbox unasked.
    pub nothing_set: bool,
}

/// Run steps 1 to 5; fall through to metadata (step 6) unless it is switched off.
/// Keys that cannot be right (empty, or with spaces, quotes or control characters from a
/// bad copy) are refused here, naming their source but never the secret.
pub fn resolve_credentials(
    profile: Option<(&str, &Profile)>,
    env: &Env,
) -> Result<Found, ConfigError> {
    let found = find_credentials(profile, env)?;
    if let Credentials::Static(keys) = &found.credentials {
        check_key("access key", &keys.ak, &found.source)?;
        check_key("secret key", keys.sk.expose(), &found.source)?;
        if let Some(t) = &keys.security_token {
            check_key("security token", t.expose(), &found.source)?;
        }
    }
    Ok(found)
}

fn check_key(what: &str, value: &str, source: &CredentialSource) -> Result<(), ConfigError> {
    let problem = if value.is_empty() {
        "is empty"
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "contains a space, line break or control character"
    } else if value.contains(['"', '\'']) {
        "contains a quote"
    } else {
        return Ok(());
    };
    Err(ConfigError::Credentials(format!(
        "the {what} from {source} {problem}: copy it again, without quotes or line breaks"
    )))
}

fn find_credentials(profile: Option<(&str, &Profile)>, env: &Env) -> Result<Found, ConfigError> {
    let mut notices = Vec::new();
    let mut koocli_encrypted = false;
    let found = |source, keys| Found {
        source,
        credentials: Credentials::Static(keys),
        notices: Vec::new(),
        nothing_set: false,
    };
    if let Some((name, p)) = profile
        && let Some(keys) = from_profile(name, p)?
    {
        return Ok(found(CredentialSource::Profile(name.to_string()), keys));
    }
    let sdk = [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_DOMAIN_ID",
        "HUAWEICLOUD_SDK_REGION",
    ];
    if let Some(keys) = from_env(env, sdk)? {
        return Ok(found(CredentialSource::SdkEnv, keys));
    }
    let hw = [
        "HW_ACCESS_KEY",
        "HW_SECRET_KEY",
        "HW_SECURITY_TOKEN",
        "HW_PROJECT_ID",
        "HW_DOMAIN_ID",
        "HW_REGION_NAME",
    ];
    if let Some(keys) = from_env(env, hw)? {
        return Ok(found(CredentialSource::HwEnv, keys));
    }
    let os = [
        "OS_ACCESS_KEY",
        "OS_SECRET_KEY",
        "OS_SECURITY_TOKEN",
        "OS_PROJECT_ID",
        "OS_DOMAIN_ID",
        "OS_REGION_NAME",
    ];
    if let Some(keys) = from_env(env, os)? {
        return Ok(found(CredentialSource::OsEnv, keys));
    }
    if let Some(named) = env.get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        && !readable(Path::new(named))
    {
        return Err(ConfigError::Credentials(format!(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE names {named}, which is not a readable file: \
             fix the path or unset the variable"
        )));
    }
    let file = env
        .get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".huaweicloud/credentials")));
    if let Some(path) = file
        && let Some(keys) = super::koocli::from_credentials_file(&path)?
    {
        let mut f = found(CredentialSource::CredentialsFile(path.clone()), keys);
        f.notices.extend(super::perms::loose_secret_file(&path));
        return Ok(f);
    }
    if let Some(path) = env.home().map(|h| h.join(".hcloud/config.json")) {
        match super::koocli::from_hcloud_config(&path)? {
            super::koocli::KooCli::Keys { profile, keys } => {
                return Ok(found(CredentialSource::KooCli { path, profile }, keys));
            }
            super::koocli::KooCli::Encrypted { profile } => {
                koocli_encrypted = true;
                notices.push(format!(
                    "KooCLI profile '{profile}' in {} keeps its keys encrypted, so reimage cannot \
                 read them. Export them instead: `export HUAWEICLOUD_SDK_AK=<access key> \
                 HUAWEICLOUD_SDK_SK=<secret key>` (or write them to ~/.huaweicloud/credentials \
                 under [basic] as ak = ... and sk = ...).",
                    path.display()
                ))
            }
            super::koocli::KooCli::Absent => {}
        }
    }
    let (metadata, origin) = if let Some(v) = env.raw("REIMAGE_METADATA_URL") {
        (v, "REIMAGE_METADATA_URL".to_string())
    } else if let Some((name, url)) =
        profile.and_then(|(n, p)| Some((n, p.metadata_url.as_deref()?)))
    {
        (
            url,
            format!("metadata_url of profile '{name}' in config.toml"),
        )
    } else {
        (METADATA_URL, METADATA_DEFAULT.to_string())
    };
    let off = metadata.trim().eq_ignore_ascii_case("off");
    let nothing_set = !koocli_encrypted && (off || origin == METADATA_DEFAULT);
    let (source, credentials) = if off {
        (CredentialSource::Nothing, Credentials::None)
    } else {
        let url = metadata_url(metadata, &origin)?;
        (
            CredentialSource::EcsMetadata(url.clone()),
            Credentials::Metadata { url, origin },
        )
    };
    Ok(Found {
        source,
        credentials,
        notices,
        nothing_set,
    })
}

/// The metadata service's base URL: `http` only on loopback or link-local addresses (the
/// service lives at 169.254.169.254), no path, query or credentials in it.
fn metadata_url(raw: &str, origin: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| {
        ConfigError::Credentials(format!(
            "the ECS metadata URL '{}' from {origin} {why}: use a base URL such as {METADATA_URL}, \
             or `off` to skip the metadata service",
            raw.escape_debug()
        ))
    };
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(bad("is empty"));
    }
    let url = reqwest::Url::parse(trimmed).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not http:// or https://"));
    }
    let Some(host) = url.host_str() else {
        return Err(bad("has no host"));
    };
    if url.scheme() == "http" && !super::net::is_local(host, true) {
        return Err(bad(
            "uses plain http:// to a host that is neither loopback nor link-local",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(bad("holds a user name, password or query"));
    }
    Ok(trimmed.to_string())
}

fn from_profile(name: &str, p: &Profile) -> Result<Option<StaticKeys>, ConfigError> {
    match (&p.access_key, &p.secret_key) {
        (None, None) => Ok(None),
        (Some(ak), Some(sk)) => Ok(Some(StaticKeys {
            ak: ak.trim().to_string(),
            sk: Secret::new(sk.expose().trim()),
            security_token: p.security_token.clone(),
            project_id: p.project_id.clone(),
            domain_id: p.domain_id.clone(),
            region: p.region.clone(),
        })),
        (Some(_), None) => Err(ConfigError::Credentials(format!(
            "profile '{name}' sets access_key but not secret_key"
        ))),
        (None, Some(_)) => Err(ConfigError::Credentials(format!(
            "profile '{name}' sets secret_key but not access_key"
        ))),
    }
}

/// Names: AK, SK, token, project id, domain id, region. A key variable set but empty is
/// an error naming it (a script that meant to export it), never "unset".
fn from_env(env: &Env, names: [&str; 6]) -> Result<Option<StaticKeys>, ConfigError> {
    let [ak, sk, token, project, domain, region] = names;
    for name in [ak, sk] {
        if env.raw(name).is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::Credentials(format!(
                "{name} is set but empty: set it to your {} key, or unset it (`unset {name}`)",
                if name == ak { "access" } else { "secret" }
            )));
        }
    }
    match (env.get(ak), env.get(sk)) {
        (None, None) => Ok(None),
        (Some(a), Some(s)) => Ok(Some(StaticKeys {
            ak: a.trim().to_string(),
            sk: Secret::new(s.trim()),
            security_token: env.get(token).map(|t| Secret::new(t.trim())),
            project_id: env.get(project).map(str::to_string),
            domain_id: env.get(domain).map(str::to_string),
            region: env.get(region).map(str::to_string),
        })),
        (Some(_), None) => Err(ConfigError::Credentials(format!(
            "{ak} is set but {sk} is not: set both, or unset {ak}"
        ))),
        (None, Some(_)) => Err(ConfigError::Credentials(format!(
            "{sk} is set but {ak} is not: set both, or unset {sk}"
        ))),
    }
}

/// `true` when the path names a file reimage may read (exists and is a file).
pub(super) fn readable(path: &Path) -> bool {
    path.is_file()
}

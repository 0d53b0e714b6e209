//! The `config.toml` model. Unknown keys are errors (with line and key), so a typo never
//! silently falls back to a default.

use super::ConfigError;
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Colours of the TUI (read by the TUI layer).
    pub theme: Option<toml::Table>,
    /// Key bindings of the TUI (read by the TUI layer).
    pub keys: Option<toml::Table>,
    /// Change/reinstall/stop requests the TUI sends at once in a bulk action (default 4).
    pub bulk_concurrency: Option<usize>,
    /// Job polling, time limits and the journal (`[jobs]`).
    #[serde(default)]
    pub jobs: JobsConfig,
    /// How the TUI behaves (`[ui]`).
    #[serde(default)]
    pub ui: UiConfig,
}

/// The `[ui]` table; every key is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// How `/` matches rows (default `literal`).
    pub filter: Option<FilterMode>,
}

/// How the TUI's `/` filter matches a row. A query starting with `~` is fuzzy in both.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FilterMode {
    /// Rows whose visible text contains the typed text, ignoring case: what is marked
    /// with `A` is exactly what the text names.
    #[default]
    Literal,
    /// nucleo's fuzzy matching (smart case), best matches first.
    Fuzzy,
}

/// The `[jobs]` table; every key is optional, defaults in the README.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Most job polls in flight at once (default 8).
    pub concurrency: Option<usize>,
    /// Longest wait between two polls of a job that does not change (default 15).
    pub max_poll_interval_secs: Option<u64>,
    /// Local time limits per kind of job, in minutes (defaults 5, 30, 60).
    pub stop_limit_minutes: Option<u64>,
    pub ecs_limit_minutes: Option<u64>,
    pub bms_limit_minutes: Option<u64>,
    /// Finished jobs older than this leave the journal at start (default 7).
    pub keep_finished_days: Option<u64>,
    /// Ring the terminal bell when a job ends (default false).
    pub bell: Option<bool>,
}

/// One named cloud account/region setting.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    /// IAM user id of the AK, used when IAM cannot tell it (temporary keys).
    pub user_id: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub security_token: Option<Secret>,
    /// `myhuaweicloud.com` by default; other domains for Huawei Cloud Stack or partner clouds.
    pub cloud_domain: Option<String>,
    /// Every service at this base URL (as the sandbox serves them).
    pub endpoint: Option<String>,
    /// Per-service base URLs: `ecs`, `bms`, `ims`, `kps`, `iam`.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    pub ca_file: Option<PathBuf>,
    pub insecure: Option<bool>,
    /// `true` (the default for real clouds): listing only, no change/reinstall/stop.
    pub read_only: Option<bool>,
    pub connect_timeout_secs: Option<u64>,
    pub timeout_secs: Option<u64>,
    /// Base URL of the ECS metadata service; `"off"` disables that credential source.
    pub metadata_url: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("domain_id", &self.domain_id)
            .field("user_id", &self.user_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("security_token", &self.security_token)
            .field("cloud_domain", &self.cloud_domain)
            .field("endpoint", &self.endpoint)
            .field("endpoints", &self.endpoints)
            .field("ca_file", &self.ca_file)
            .field("insecure", &self.insecure)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl ConfigFile {
    /// Parse the text of a config file; errors name the file, line and key.
    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Load the file if it exists; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let file = crate::fsio::read_text(path, crate::fsio::FileKind::Config);
        match crate::fsio::if_exists(file)? {
            Some(text) => Self::parse(path, &text),
            None => Ok(ConfigFile::default()),
        }
    }

    /// The profile to use: the one named, else `default_profile`, else none.
    pub fn select(&self, name: Option<&str>) -> Result<Option<(String, Profile)>, ConfigError> {
        let Some(name) = name.or(self.default_profile.as_deref()) else {
            return Ok(None);
        };
        match self.profiles.get(name) {
            Some(p) => Ok(Some((name.to_string(), p.clone()))),
            None => Err(ConfigError::UnknownProfile {
                name: name.to_string(),
                known: self.profiles.keys().cloned().collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
default_profile = "prod"

[profiles.prod]
region = "ap-southeast-3"
project_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
read_only = false

[profiles.stack]
region = "region-1"
cloud_domain = "cloud.example.com"
ca_file = "/etc/ssl/corp.pem"
endpoints = { ecs = "https://ecs.example.com" }
"#;

    #[test]
    fn parses_profiles_and_selects_default() {
        let f = ConfigFile::parse(Path::new("c.toml"), EXAMPLE).expect("valid");
        let (name, p) = f.select(None).expect("ok").expect("selected");
        assert_eq!(name, "prod");
        assert_eq!(p.region.as_deref(), Some("ap-southeast-3"));
        assert_eq!(p.read_only, Some(false));
        let (_, s) = f.select(Some("stack")).expect("ok").expect("selected");
        assert_eq!(s.endpoints["ecs"], "https://ecs.example.com");
        let err = f.select(Some("nope")).expect_err("unknown profile");
        assert!(err.to_string().contains("nope") && err.to_string().contains("prod"));
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "[profiles.a]\nregion = \"x\"\nregoin = \"y\"\n";
        let err = ConfigFile::parse(Path::new("c.toml"), text).expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("regoin"), "{msg}");
    }

    #[test]
    fn jobs_table_parses_and_rejects_typos() {
        let text = "[jobs]\nconcurrency = 4\nbms_limit_minutes = 90\nbell = true\n";
        let f = ConfigFile::parse(Path::new("c.toml"), text).expect("valid");
        assert_eq!(f.jobs.concurrency, Some(4));
        assert_eq!(f.jobs.bms_limit_minutes, Some(90));
        assert_eq!(f.jobs.bell, Some(true));
        let err =
            ConfigFile::parse(Path::new("c.toml"), "[jobs]\nconcurency = 4\n").expect_err("typo");
        assert!(err.to_string().contains("concurency"), "{err}");
    }

    #[test]
    fn ui_table_picks_the_filter_mode_and_rejects_others() {
        let f = ConfigFile::parse(Path::new("c.toml"), "").expect("empty");
        assert_eq!(f.ui.filter, None, "literal unless asked");
        let f = ConfigFile::parse(Path::new("c.toml"), "[ui]\nfilter = \"fuzzy\"\n").expect("ok");
        assert_eq!(f.ui.filter, Some(FilterMode::Fuzzy));
        let err = ConfigFile::parse(Path::new("c.toml"), "[ui]\nfilter = \"fuzy\"\n")
            .expect_err("unknown mode");
        let msg = err.to_string();
        assert!(msg.contains("fuzy") && msg.contains("literal"), "{msg}");
        let err =
            ConfigFile::parse(Path::new("c.toml"), "[ui]\nfiltre = \"fuzzy\"\n").expect_err("typo");
        assert!(err.to_string().contains("filtre"), "{err}");
    }

    #[test]
    fn bad_syntax_names_line() {
        let err = ConfigFile::parse(Path::new("c.toml"), "a = 1\nb = = 2\n").expect_err("bad");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn a_profile_secret_is_read_into_the_wiped_type() {
        let text = "[profiles.p]\naccess_key = \"AK\"\nsecret_key = \"from-the-file\"\n";
        let file = ConfigFile::parse(Path::new("c.toml"), text).expect("parses");
        let sk: &Secret = file.profiles["p"].secret_key.as_ref().expect("set");
        assert_eq!(sk.expose(), "from-the-file");
        assert!(!format!("{:?}", file.profiles["p"]).contains("from-the-file"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = Profile {
            secret_key: Some("very-secret".into()),
            ..Profile::default()
        };
        assert!(!format!("{p:?}").contains("very-secret"));
    }
}

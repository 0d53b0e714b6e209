//! Credentials other tools leave on disk: the SDK's `~/.huaweicloud/credentials` (INI) and
//! KooCLI's `~/.hcloud/config.json`.

use super::ConfigError;
use super::credentials::StaticKeys;
use crate::fsio::{self, FileKind};
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::path::Path;

/// The file's text, `None` when there is no file.
fn read(path: &Path, kind: FileKind) -> Result<Option<zeroize::Zeroizing<String>>, ConfigError> {
    Ok(fsio::if_exists(fsio::read_text(path, kind))?)
}

/// Sections of an INI file: `[name]` then `key = value` lines; `#`/`;` comments.
pub fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':')) {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

/// The `[basic]` (else `[global]`) section of the SDK credentials file.
pub fn from_credentials_file(path: &Path) -> Result<Option<StaticKeys>, ConfigError> {
    let Some(text) = read(path, FileKind::Credentials)? else {
        return Ok(None);
    };
    let ini = parse_ini(&text);
    let Some(sec) = ini.get("basic").or_else(|| ini.get("global")) else {
        let found: Vec<&str> = ini
            .keys()
            .map(|k| k.as_str())
            .filter(|k| !k.is_empty())
            .collect();
        return Err(ConfigError::Credentials(format!(
            "{} has no [basic] section (sections found: {}): write `[basic]`, then \
             `ak = ...` and `sk = ...` lines",
            path.display(),
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        )));
    };
    let get = |k: &str| sec.get(k).filter(|v| !v.is_empty()).cloned();
    match (get("ak"), get("sk")) {
        (Some(ak), Some(sk)) => Ok(Some(StaticKeys {
            ak,
            sk: Secret::new(sk),
            security_token: get("security_token").map(Secret::new),
            project_id: get("project_id"),
            domain_id: get("domain_id"),
            region: get("region"),
        })),
        // A file that is there but holds no keys is a mistake, not "no credentials".
        (None, None) => Err(ConfigError::Credentials(format!(
            "{} has no ak and sk in its [basic] section: set both, or remove the file",
            path.display()
        ))),
        _ => Err(ConfigError::Credentials(format!(
            "{} has only one of ak and sk in its [basic] section: set both",
            path.display()
        ))),
    }
}

/// What KooCLI's config file holds for its current profile.
#[derive(Debug)]
pub enum KooCli {
    Absent,
    Keys {
        profile: String,
        keys: StaticKeys,
    },
    /// Keys present but stored encrypted (KooCLI's default).
    Encrypted {
        profile: String,
    },
}

/// KooCLI stores plain keys as the raw AK (upper-case letters and digits) and SK
/// (letters and digits); anything else is its encrypted form.
fn looks_plain(ak: &str, sk: &str) -> bool {
    (16..=64).contains(&ak.len())
        && ak
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && (16..=64).contains(&sk.len())
        && sk.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn from_hcloud_config(path: &Path) -> Result<KooCli, ConfigError> {
    let Some(text) = read(path, FileKind::KooCli)? else {
        return Ok(KooCli::Absent);
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let current = json
        .get("current")
        .and_then(|c| c.as_str())
        .unwrap_or("default");
    let Some(profiles) = json.get("profiles").and_then(|p| p.as_array()) else {
        return Ok(KooCli::Absent);
    };
    let Some(p) = profiles
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(current))
    else {
        return Ok(KooCli::Absent);
    };
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| p.get(*n).and_then(|v| v.as_str()))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mode = field(&["mode"]).unwrap_or_else(|| "AKSK".into());
    if !mode.eq_ignore_ascii_case("AKSK") {
        return Ok(KooCli::Absent);
    }
    let (Some(ak), Some(sk)) = (
        field(&["accessKeyId", "access_key_id", "accessKey", "ak"]),
        field(&["secretAccessKey", "secret_access_key", "secretKey", "sk"]),
    ) else {
        return Ok(KooCli::Absent);
    };
    let profile = current.to_string();
    if !looks_plain(&ak, &sk) {
        return Ok(KooCli::Encrypted { profile });
    }
    Ok(KooCli::Keys {
        profile,
        keys: StaticKeys {
            ak,
            sk: Secret::new(sk),
            security_token: field(&["securityToken", "security_token"]).map(Secret::new),
            project_id: field(&["projectId", "project_id"]),
            domain_id: field(&["domainId", "domain_id"]),
            region: field(&["region"]),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_comments() {
        let ini = parse_ini("# c\n[basic]\nak = AK1\nsk=SK1 \n[global]\ndomain_id: d\n");
        assert_eq!(ini["basic"]["ak"], "AK1");
        assert_eq!(ini["basic"]["sk"], "SK1");
        assert_eq!(ini["global"]["domain_id"], "d");
    }

    #[test]
    fn plain_and_encrypted_koocli_keys() {
        assert!(looks_plain(
            "HPUASANDBOX000000001",
            "abcdEFGH1234abcdEFGH1234"
        ));
        assert!(!looks_plain(
            "HPUASANDBOX000000001",
            "c2VjcmV0+/=c2VjcmV0c2VjcmV0"
        ));
        assert!(!looks_plain(
            "0x9f3a1b2c3d4e5f607182",
            "abcdEFGH1234abcdEFGH1234"
        ));
    }
}

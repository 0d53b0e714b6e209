//! Where reimage keeps its files: `REIMAGE_HOME` overrides everything, XDG otherwise.

use super::{ConfigError, Env};
use std::path::PathBuf;

/// The directories reimage reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds `config.toml`.
    pub config_dir: PathBuf,
    /// Holds `jobs.jsonl`, `audit.log`, `reimage.log`.
    pub state_dir: PathBuf,
    /// Holds caches that can be thrown away (discovered project ids).
    pub cache_dir: PathBuf,
}

impl Paths {
    pub fn from_env(env: &Env) -> Result<Paths, ConfigError> {
        if let Some(home) = env.get("REIMAGE_HOME") {
            let home = PathBuf::from(home);
            return Ok(Paths {
                config_dir: home.clone(),
                state_dir: home.join("state"),
                cache_dir: home.join("cache"),
            });
        }
        let xdg = |var: &str, fallback: &str| -> Result<PathBuf, ConfigError> {
            match env.get(var) {
                // XDG says relative paths are invalid and must be ignored.
                Some(v) if PathBuf::from(v).is_absolute() => Ok(PathBuf::from(v).join("reimage")),
                _ => env
                    .home()
                    .map(|h| h.join(fallback).join("reimage"))
                    .ok_or(ConfigError::NoHome),
            }
        };
        Ok(Paths {
            config_dir: xdg("XDG_CONFIG_HOME", ".config")?,
            state_dir: xdg("XDG_STATE_HOME", ".local/state")?,
            cache_dir: xdg("XDG_CACHE_HOME", ".cache")?,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn jobs_journal(&self) -> PathBuf {
        self.state_dir.join("jobs.jsonl")
    }

    pub fn audit_log(&self) -> PathBuf {
        self.state_dir.join("audit.log")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("reimage.log")
    }

    /// Cache of project ids discovered through IAM, keyed by AK and region.
    pub fn project_cache(&self) -> PathBuf {
        self.cache_dir.join("projects.json")
    }

    /// The built-in sandbox's servers and jobs, kept across restarts.
    pub fn sandbox_state(&self) -> PathBuf {
        self.cache_dir.join("sandbox.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reimage_home_overrides_xdg() {
        let env = Env::from_map([
            ("REIMAGE_HOME", "/r"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        let p = Paths::from_env(&env).expect("paths");
        assert_eq!(p.config_file(), PathBuf::from("/r/config.toml"));
        assert_eq!(p.jobs_journal(), PathBuf::from("/r/state/jobs.jsonl"));
    }

    #[test]
    fn xdg_then_home_fallbacks() {
        let env = Env::from_map([
            ("XDG_CONFIG_HOME", "/x"),
            ("XDG_STATE_HOME", "rel"),
            ("HOME", "/h"),
        ]);
        let p = Paths::from_env(&env).expect("paths");
        assert_eq!(p.config_dir, PathBuf::from("/x/reimage"));
        assert_eq!(p.state_dir, PathBuf::from("/h/.local/state/reimage"));
        assert_eq!(p.cache_dir, PathBuf::from("/h/.cache/reimage"));
        assert_eq!(
            Paths::from_env(&Env::from_map::<[(&str, &str); 0], _, _>([])),
            Err(ConfigError::NoHome)
        );
    }
}

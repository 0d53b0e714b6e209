//! A snapshot of the process environment, injectable so tests never touch the real one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Environment variables and the home directory, as seen by the resolution code.
#[derive(Clone, Default)]
pub struct Env {
    /// Values are wiped when dropped: `HUAWEICLOUD_SDK_SK` and the like are among them.
    vars: BTreeMap<String, Zeroizing<String>>,
    home: Option<PathBuf>,
}

impl std::fmt::Debug for Env {
    // Variables hold secrets (`HW_SECRET_KEY`, ...): show only their names.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .finish()
    }
}

impl Env {
    /// The real process environment.
    pub fn from_process() -> Env {
        let vars: BTreeMap<String, Zeroizing<String>> = std::env::vars_os()
            .filter_map(|(k, v)| {
                Some((k.into_string().ok()?, Zeroizing::new(v.into_string().ok()?)))
            })
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h.as_str()))
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()));
        Env { vars, home }
    }

    /// A made-up environment (tests): `HOME` is taken from the map when present.
    pub fn from_map<I, K, V>(vars: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: BTreeMap<String, Zeroizing<String>> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), Zeroizing::new(v.into())))
            .collect();
        let home = vars.get("HOME").map(|h| PathBuf::from(h.as_str()));
        Env { vars, home }
    }

    /// A variable's value; empty values count as unset, as the SDKs treat them.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// A variable's value as set, empty included: a credential variable set but empty is
    /// a mistake to report, not "unset".
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.as_str())
    }

    pub fn home(&self) -> Option<&PathBuf> {
        self.home.as_ref()
    }

    /// All variables whose name starts with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.vars
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect()
    }
}

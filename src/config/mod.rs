//! Configuration: paths, `config.toml` profiles, the credential chain, and the resolution
//! of flags + profile + environment into the settings the cloud client runs with.

pub mod args;
pub mod credentials;
mod env;
pub mod file;
pub mod koocli;
pub mod net;
pub mod paths;
pub mod perms;
pub mod settings;

/// The wiped holder of the secret key and token, named here for the credential chain's users.
pub use crate::secret::Secret;
pub use args::{CLIENT_HEADING, GLOBAL_HEADING, GlobalArgs, LogArgs};
pub use credentials::{CredentialSource, Credentials, StaticKeys};
pub use env::Env;
pub use file::{ConfigFile, FilterMode, Profile, UiConfig};
pub use paths::Paths;
pub use settings::{
    ClientSettings, EndpointSettings, MAX_RECORDS, Resolved, RetryPolicy, SandboxUse, SourcedUrl,
    resolve,
};

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot find the home directory: set HOME or REIMAGE_HOME")]
    NoHome,
    #[error("{}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("cannot read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("no profile named '{name}' in config.toml (known: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownProfile { name: String, known: Vec<String> },
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("{0}")]
    Invalid(String),
}

/// A file that cannot be read: its message names the file, what is wrong and the fix.
impl From<crate::fsio::FileError> for ConfigError {
    fn from(e: crate::fsio::FileError) -> Self {
        ConfigError::Invalid(e.to_string())
    }
}

//! The keys each request is signed with: fixed keys, or temporary keys from the ECS
//! metadata service that are refreshed before they expire.

mod metadata;

pub use metadata::MetadataProvider;

use super::error::CloudError;
use crate::config::StaticKeys;
use crate::secret::Secret;

/// One AK/SK pair, with the security token of temporary keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub ak: String,
    pub sk: Secret,
    pub token: Option<Secret>,
}

impl From<&StaticKeys> for Keys {
    fn from(k: &StaticKeys) -> Keys {
        Keys {
            ak: k.ak.clone(),
            sk: k.sk.clone(),
            token: k.security_token.clone(),
        }
    }
}

#[derive(Debug)]
pub enum Provider {
    Static(Keys),
    Metadata(MetadataProvider),
}

impl Provider {
    /// Keys valid for the next request.
    pub async fn current(&self) -> Result<Keys, CloudError> {
        match self {
            Provider::Static(k) => Ok(k.clone()),
            Provider::Metadata(m) => m.current().await,
        }
    }
}

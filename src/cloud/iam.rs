//! IAM: project id discovery (cached per AK + region) and the user id of an AK.

use super::endpoints::Service;
use super::error::CloudError;
use super::request::{Call, Transport};
use super::signer;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    #[serde(default, deserialize_with = "super::lenient::text")]
    id: String,
}

/// The project id of `region`: from the cache, else IAM `GET /v3/projects?name={region}`.
pub async fn project_id(
    t: &Transport,
    region: &str,
    cache: Option<&Path>,
) -> Result<(String, &'static str), CloudError> {
    let ak = t.provider().current().await?.ak;
    // The AK is not secret, but the cache needs no readable copy of it.
    let key = format!("{}:{region}", &signer::sha256_hex(ak.as_bytes())[..16]);
    let mut map = cache.map(read_cache).unwrap_or_default();
    if let Some(id) = map.get(&key) {
        return Ok((id.clone(), "cached"));
    }
    let reply = t
        .send(&Call::get(Service::Iam, "/v3/projects").query("name", region))
        .await?;
    let found: Projects = reply.json("IAM KeystoneListProjects")?;
    let id = match found.projects.as_slice() {
        [one] if !one.id.is_empty() => one.id.clone(),
        [] => {
            return Err(CloudError::config(format!(
                "IAM found no project named '{region}': check the region, or set project_id"
            )));
        }
        _ => {
            return Err(CloudError::config(format!(
                "IAM found several projects named '{region}': set project_id in the profile"
            )));
        }
    };
    if let Some(path) = cache {
        map.insert(key, id.clone());
        if let Err(e) = write_cache(path, &map) {
            tracing::warn!("cannot cache the project id in {}: {e}", path.display());
        }
    }
    Ok((id, "discovered via IAM"))
}

/// The cache, or nothing when it is missing, unusable (said in the log) or not JSON.
fn read_cache(path: &Path) -> BTreeMap<String, String> {
    let kind = crate::fsio::FileKind::ProjectCache;
    match crate::fsio::if_exists(crate::fsio::read(path, kind)) {
        Ok(bytes) => bytes
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default(),
        Err(e) => {
            tracing::warn!("{e}");
            BTreeMap::new()
        }
    }
}

fn write_cache(path: &Path, map: &BTreeMap<String, String>) -> Result<(), String> {
    let bytes = serde_json::to_vec_pretty(map).map_err(|e| e.to_string())?;
    crate::fsio::state::replace(path, crate::fsio::FileKind::ProjectCache, &bytes)
        .map_err(|e| e.to_string())
}

#[derive(Deserialize)]
struct CredentialReply {
    credential: CredentialInfo,
}

#[derive(Deserialize)]
struct CredentialInfo {
    #[serde(default, deserialize_with = "super::lenient::text")]
    user_id: String,
}

/// IAM `ShowPermanentAccessKey`: `GET /v3.0/OS-CREDENTIAL/credentials/{ak}`.
pub async fn user_id_of_ak(t: &Transport) -> Result<String, CloudError> {
    let ak = t.provider().current().await?.ak;
    let path = format!(
        "/v3.0/OS-CREDENTIAL/credentials/{}",
        crate::safe_text::percent::encode(&ak)
    );
    let reply = t.send(&Call::get(Service::Iam, path)).await?;
    let c: CredentialReply = reply.json("IAM ShowPermanentAccessKey")?;
    if c.credential.user_id.is_empty() {
        return Err(CloudError::decode(
            "IAM returned no user_id for this access key",
        ));
    }
    Ok(c.credential.user_id)
}

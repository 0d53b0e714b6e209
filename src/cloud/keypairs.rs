//! SSH key pairs from Nova (`/v2.1/{pid}/os-keypairs`) and KPS (`/v3/{pid}/keypairs`),
//! merged by name.

use super::client::Client;
use super::endpoints::Service;
use super::error::CloudError;
use super::model::{Keypair, KeypairSource};
use super::request::Call;
use crate::safe_text::percent::encode;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Asked page size. KPS pages by marker, one request after another, so the page size sets
/// the number of round trips (2,000 keys: 40 at the default 50, 2 at 1000). Its maximum is
/// not documented: a smaller page than asked is followed by its marker, not taken as the end.
const KPS_PAGE: u32 = 1000;

#[derive(Deserialize)]
struct Wrapped {
    keypair: Keypair,
}

#[derive(Deserialize)]
struct NovaList {
    #[serde(default)]
    keypairs: Option<Vec<Wrapped>>,
}

#[derive(Deserialize)]
struct PageInfo {
    #[serde(default, deserialize_with = "super::lenient::opt_text")]
    next_marker: Option<String>,
}

#[derive(Deserialize)]
struct KpsList {
    #[serde(default)]
    keypairs: Option<Vec<Wrapped>>,
    #[serde(default)]
    page_info: Option<PageInfo>,
}

impl Client {
    async fn nova_keypairs(&self) -> Result<Vec<Keypair>, CloudError> {
        let path = format!("/v2.1/{}/os-keypairs", encode(self.project_id()));
        let list: NovaList = self
            .send(Call::get(Service::Ecs, path))
            .await?
            .json("Nova key pairs")?;
        let keys = list.keypairs.unwrap_or_default();
        // One page, no size asked: only the ceiling applies.
        self.tally("Nova key pairs", None).page(keys.len())?;
        Ok(keys.into_iter().map(|w| w.keypair).collect())
    }

    async fn kps_keypairs(&self) -> Result<Vec<Keypair>, CloudError> {
        let path = format!("/v3/{}/keypairs", encode(self.project_id()));
        let mut all = Vec::new();
        let mut tally = self.tally("KPS key pairs", Some(KPS_PAGE.into()));
        let mut marker: Option<String> = None;
        loop {
            let mut call =
                Call::get(Service::Kps, path.clone()).query("limit", KPS_PAGE.to_string());
            if let Some(m) = &marker {
                call = call.query("marker", m.clone());
            }
            let page: KpsList = self.send(call).await?.json("KPS key pairs")?;
            let keys: Vec<Keypair> = page
                .keypairs
                .unwrap_or_default()
                .into_iter()
                .map(|w| w.keypair)
                .collect();
            let n = keys.len();
            tally.page(n)?;
            all.extend(keys);
            let next = page
                .page_info
                .and_then(|p| p.next_marker)
                .filter(|m| !m.is_empty());
            match next {
                Some(m) if n > 0 && marker.as_ref() != Some(&m) => marker = Some(m),
                _ => break,
            }
        }
        Ok(all)
    }

    /// Key pairs of both services merged by name (KPS details win: scope, user).
    /// One service failing is logged and the other's list returned; both failing is an error.
    pub async fn list_keypairs(&self) -> Result<Vec<Keypair>, CloudError> {
        let (nova, kps) = futures::join!(self.nova_keypairs(), self.kps_keypairs());
        let (nova, kps) = match (nova, kps) {
            (Err(e), Err(_)) => return Err(e),
            (Ok(n), Err(e)) => {
                tracing::warn!(%e, "KPS key pairs unavailable; showing Nova's only");
                (n, Vec::new())
            }
            (Err(e), Ok(k)) => {
                tracing::warn!(%e, "Nova key pairs unavailable; showing KPS's only");
                (Vec::new(), k)
            }
            (Ok(n), Ok(k)) => (n, k),
        };
        let mut merged: BTreeMap<String, Keypair> = BTreeMap::new();
        for mut k in nova {
            k.source = KeypairSource::Nova;
            merged.insert(k.name.clone(), k);
        }
        for mut k in kps {
            match merged.get_mut(&k.name) {
                Some(existing) => {
                    existing.source = KeypairSource::Both;
                    existing.scope = k.scope.take().or(existing.scope.take());
                    existing.user_id = k.user_id.take().or(existing.user_id.take());
                    if existing.fingerprint.is_empty() {
                        existing.fingerprint = std::mem::take(&mut k.fingerprint);
                    }
                }
                None => {
                    k.source = KeypairSource::Kps;
                    merged.insert(k.name.clone(), k);
                }
            }
        }
        Ok(merged.into_values().collect())
    }
}

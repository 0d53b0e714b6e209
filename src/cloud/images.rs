//! IMS `ListImages` with its filters and marker paging.

use super::client::Client;
use super::endpoints::Service;
use super::error::CloudError;
use super::model::{Image, ServerKind};
use super::request::Call;
use serde::Deserialize;

/// Filters of `GET /v2/cloudimages`; `None` leaves a filter out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageQuery {
    /// `__imagetype`: gold, private, shared, market.
    pub image_type: Option<String>,
    /// FusionCompute (ECS), Ironic (BMS), DataImage, IsoImage.
    pub virtual_env_type: Option<String>,
    /// Only public images usable with this flavor.
    pub flavor_id: Option<String>,
    /// queued, saving, deleted, killed, active.
    pub status: Option<String>,
    /// `__platform`: Ubuntu, CentOS, ...
    pub platform: Option<String>,
    /// x86, arm.
    pub architecture: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// `__os_type`: Linux, Windows, Other.
    pub os_type: Option<String>,
    /// Page size (default 500).
    pub limit: Option<u32>,
}

impl ImageQuery {
    /// Active images usable by servers of this kind.
    pub fn for_kind(kind: ServerKind) -> ImageQuery {
        ImageQuery {
            virtual_env_type: Some(
                match kind {
                    ServerKind::Ecs => "FusionCompute",
                    ServerKind::Bms => "Ironic",
                }
                .into(),
            ),
            status: Some("active".into()),
            ..ImageQuery::default()
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("__imagetype", &self.image_type),
            ("virtual_env_type", &self.virtual_env_type),
            ("flavor_id", &self.flavor_id),
            ("status", &self.status),
            ("__platform", &self.platform),
            ("architecture", &self.architecture),
            ("name", &self.name),
            ("__os_type", &self.os_type),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    images: Option<Vec<Image>>,
}

impl Client {
    /// Every image matching the query (marker paging until a short page).
    pub async fn list_images(&self, query: &ImageQuery) -> Result<Vec<Image>, CloudError> {
        let limit = query.limit.unwrap_or(500).max(1);
        let mut tally = self.tally("IMS ListImages", Some(limit.into()));
        let mut all: Vec<Image> = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut call =
                Call::get(Service::Ims, "/v2/cloudimages").query("limit", limit.to_string());
            for (k, v) in query.pairs() {
                call = call.query(k, v);
            }
            if let Some(m) = &marker {
                call = call.query("marker", m.clone());
            }
            let page: Page = self.send(call).await?.json("IMS ListImages")?;
            let images = page.images.unwrap_or_default();
            let n = images.len();
            tally.page(n)?;
            let last = images.last().map(|i| i.id.clone());
            all.extend(images);
            match last {
                // A server that ignores the marker would loop forever: stop on a repeat.
                Some(id) if (n as u32) >= limit && marker.as_deref() != Some(id.as_str()) => {
                    marker = Some(id)
                }
                _ => break,
            }
        }
        Ok(all)
    }
}

//! IMS `ListImages` with its filters, and marker paging from both ends of the id order.

use super::client::Client;
use super::endpoints::Service;
use super::error::CloudError;
use super::model::{Image, ServerKind};
use super::paging::Tally;
use super::request::Call;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Mutex;

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

/// Which end of the id order a chain walks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    First,
    Last,
}

impl End {
    fn sort_dir(self) -> &'static str {
        match self {
            End::First => "asc",
            End::Last => "desc",
        }
    }
}

/// What the two chains of one listing share: the ids each has received, whether they have
/// met, and the record count.
struct Meeting {
    seen: [HashSet<String>; 2],
    met: bool,
    tally: Tally,
}

impl Meeting {
    /// Takes a page of the chain walking from `end`; true once the chains together hold
    /// every image: this page holds an id the other chain received, or it is short (this
    /// chain reached the other end).
    fn page(&mut self, end: End, images: &[Image], limit: u32) -> Result<bool, CloudError> {
        self.tally.page(images.len())?;
        if (images.len() as u32) < limit {
            self.met = true;
        }
        let (mine, other) = match end {
            End::First => (0, 1),
            End::Last => (1, 0),
        };
        if images.iter().any(|i| self.seen[other].contains(&i.id)) {
            self.met = true;
        }
        self.seen[mine].extend(images.iter().map(|i| i.id.clone()));
        Ok(self.met)
    }
}

fn lock(m: &Mutex<Meeting>) -> std::sync::MutexGuard<'_, Meeting> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Client {
    /// One page of the query in id order from `end`, after `marker`.
    async fn image_page(
        &self,
        query: &ImageQuery,
        limit: u32,
        end: End,
        marker: Option<&str>,
    ) -> Result<Vec<Image>, CloudError> {
        let mut call = Call::get(Service::Ims, "/v2/cloudimages")
            .query("limit", limit.to_string())
            .query("sort_key", "id")
            .query("sort_dir", end.sort_dir());
        for (k, v) in query.pairs() {
            call = call.query(k, v);
        }
        if let Some(m) = marker {
            call = call.query("marker", m.to_string());
        }
        let page: Page = self.send(call).await?.json("IMS ListImages")?;
        Ok(page.images.unwrap_or_default())
    }

    /// Every image matching the query.
    ///
    /// IMS pages by marker, so one chain of pages is one round trip after another (5,000
    /// images at 500 a page: 11 in a row). The listing is walked in id order from both ends
    /// at once (`sort_key=id`, `sort_dir` asc and desc, both documented) until the two chains
    /// meet: a page holding an id the other chain already received. Ids are unique, so the
    /// two covered ranges then overlap and together hold every image, whatever its type;
    /// splitting by `__imagetype` or `virtual_env_type` instead would miss the values the
    /// API does not document and leave the largest class (public images) in one chain.
    /// The second chain starts only once the first page is full: a listing of one page
    /// costs one request. The page size is IMS's documented default (500): no maximum is
    /// documented, and a short page is the documented end of a chain.
    pub async fn list_images(&self, query: &ImageQuery) -> Result<Vec<Image>, CloudError> {
        let limit = query.limit.unwrap_or(500).max(1);
        let mut tally = self.tally("IMS ListImages", Some(limit.into()));
        let first = self.image_page(query, limit, End::First, None).await?;
        tally.page(first.len())?;
        if (first.len() as u32) < limit {
            return Ok(first);
        }
        let marker = first.last().map(|i| i.id.clone());
        let meeting = Mutex::new(Meeting {
            seen: [first.iter().map(|i| i.id.clone()).collect(), HashSet::new()],
            met: false,
            tally,
        });
        let (ascending, descending) = futures::try_join!(
            self.image_chain(query, limit, End::First, marker, &meeting),
            self.image_chain(query, limit, End::Last, None, &meeting),
        )?;
        let mut seen = HashSet::new();
        let mut all: Vec<Image> = first
            .into_iter()
            .chain(ascending)
            .chain(descending.into_iter().rev())
            .filter(|i| seen.insert(i.id.clone()))
            .collect();
        // One order whatever the timing of the chains: by id, as one ascending chain.
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    /// Pages from `end` (after `marker`) until the chains meet, a page is short, or the
    /// service repeats the marker (a server that ignores it would loop forever).
    async fn image_chain(
        &self,
        query: &ImageQuery,
        limit: u32,
        end: End,
        mut marker: Option<String>,
        meeting: &Mutex<Meeting>,
    ) -> Result<Vec<Image>, CloudError> {
        let mut all = Vec::new();
        loop {
            if lock(meeting).met {
                return Ok(all);
            }
            let images = self
                .image_page(query, limit, end, marker.as_deref())
                .await?;
            let met = lock(meeting).page(end, &images, limit)?;
            let last = images.last().map(|i| i.id.clone());
            all.extend(images);
            match last {
                Some(id) if !met && marker.as_deref() != Some(&id) => marker = Some(id),
                _ => return Ok(all),
            }
        }
    }
}

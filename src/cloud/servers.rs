//! ECS and BMS servers: list (paged, pages fetched in parallel once the count is known),
//! show, and stop.

use super::client::{Client, service_of};
use super::error::CloudError;
use super::lenient;
use super::model::{JobAccepted, Server, ServerKind};
use super::request::Call;
use crate::safe_text::percent::encode;
use futures::StreamExt;
use serde::Deserialize;

/// Largest page both services accept.
pub const PAGE_SIZE: u64 = 1000;
/// Pages fetched at once after the first. Each page is a round trip (100 ms to a region
/// away): 100,000 servers are 99 pages after the first, 25 rounds at 4, 13 at 8. Decoding
/// a page costs the client about 5 ms, so 8 in flight keep it busy without piling up.
const PARALLEL_PAGES: usize = 8;

#[derive(Deserialize)]
struct Page {
    #[serde(default, deserialize_with = "lenient::u64")]
    count: Option<u64>,
    #[serde(default)]
    servers: Option<Vec<Server>>,
}

#[derive(Deserialize)]
struct One {
    server: Server,
}

fn collection(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Ecs => "cloudservers",
        ServerKind::Bms => "baremetalservers",
    }
}

impl Client {
    async fn server_page(
        &self,
        kind: ServerKind,
        page: u64,
    ) -> Result<(Vec<Server>, Option<u64>), CloudError> {
        let path = format!(
            "/v1/{}/{}/detail",
            encode(self.project_id()),
            collection(kind)
        );
        let mut call = Call::get(service_of(kind), path)
            .query("limit", PAGE_SIZE.to_string())
            .query("offset", page.to_string());
        if kind == ServerKind::Ecs {
            // Keep bare-metal servers out of the ECS list.
            call = call.query("not-tags", "__type_baremetal");
        }
        let reply = self.send(call).await?;
        let p: Page = reply.json(&format!("{} list", kind.label()))?;
        let mut servers = p.servers.unwrap_or_default();
        for s in &mut servers {
            s.kind = kind;
        }
        Ok((servers, p.count))
    }

    /// Every server of a kind, `kind` set on each.
    pub async fn list_servers(&self, kind: ServerKind) -> Result<Vec<Server>, CloudError> {
        let mut all = Vec::new();
        self.list_servers_pages(kind, |page| all.extend(page))
            .await?;
        Ok(all)
    }

    /// Stream pages to `on_page` in order as they arrive; returns the number of servers.
    /// ECS: after page 1 gives the total, the other pages are fetched in parallel.
    /// BMS: its `count` is not reliable, so pages follow one another until a short one.
    pub async fn list_servers_pages(
        &self,
        kind: ServerKind,
        mut on_page: impl FnMut(Vec<Server>) + Send,
    ) -> Result<usize, CloudError> {
        let what = match kind {
            ServerKind::Ecs => "ECS list",
            ServerKind::Bms => "BMS list",
        };
        let mut tally = self.tally(what, Some(PAGE_SIZE));
        let (first, count) = self.server_page(kind, 1).await?;
        tally.page(first.len())?;
        let short = (first.len() as u64) < PAGE_SIZE;
        on_page(first);
        if short {
            return Ok(tally.total());
        }
        match (kind, count) {
            (ServerKind::Ecs, Some(count)) => {
                tally.claim(count)?;
                let pages = count.div_ceil(PAGE_SIZE);
                let mut stream = futures::stream::iter(2..=pages)
                    .map(|p| self.server_page(kind, p))
                    .buffered(PARALLEL_PAGES);
                while let Some(page) = stream.next().await {
                    let (servers, _) = page?;
                    tally.page(servers.len())?;
                    on_page(servers);
                }
            }
            _ => {
                for p in 2.. {
                    let (servers, _) = self.server_page(kind, p).await?;
                    let n = servers.len();
                    tally.page(n)?;
                    if n > 0 {
                        on_page(servers);
                    }
                    if (n as u64) < PAGE_SIZE {
                        break;
                    }
                }
            }
        }
        Ok(tally.total())
    }

    pub async fn show_server(&self, kind: ServerKind, id: &str) -> Result<Server, CloudError> {
        let path = format!(
            "/v1/{}/{}/{}",
            encode(self.project_id()),
            collection(kind),
            encode(id)
        );
        let reply = self.send(Call::get(service_of(kind), path)).await?;
        let mut one: One = reply.json(&format!("{} show", kind.label()))?;
        one.server.kind = kind;
        Ok(one.server)
    }

    /// Stop servers the usual way (ECS soft stop, BMS hard stop). Sent once.
    pub async fn stop_servers(
        &self,
        kind: ServerKind,
        ids: &[String],
    ) -> Result<JobAccepted, CloudError> {
        self.stop_servers_as(kind, ids, stop_type(kind, false))
            .await
    }

    /// Stop servers with the API's `type` (`SOFT` or `HARD`, see [`stop_type`]). Sent once.
    pub async fn stop_servers_as(
        &self,
        kind: ServerKind,
        ids: &[String],
        kind_of_stop: &'static str,
    ) -> Result<JobAccepted, CloudError> {
        self.ensure_writable("stopping servers")?;
        if ids.is_empty() {
            return Err(CloudError::config("no server to stop"));
        }
        let servers: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({ "id": id }))
            .collect();
        let body = serde_json::json!({ "os-stop": { "type": kind_of_stop, "servers": servers } });
        let path = format!(
            "/v1/{}/{}/action",
            encode(self.project_id()),
            collection(kind)
        );
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| CloudError::config(format!("cannot encode the request body: {e}")))?;
        self.submit(Call::post_once(service_of(kind), path, bytes))
            .await
    }
}

/// The API's stop `type` (the TUI's stop popup shows it too, so it lives in the model).
pub use super::model::stop_type;

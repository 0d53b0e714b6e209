//! One cheap read per service, for `reimage doctor`: reachability, credentials, clock.

use super::client::Client;
use super::endpoints::Service;
use super::error::CloudError;
use super::request::Call;
use crate::safe_text::percent::encode;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The outcome of one probe call.
#[derive(Debug, Clone)]
pub struct Check {
    pub service: Service,
    pub elapsed: Duration,
    /// The reply's `Date` header.
    pub server_date: Option<OffsetDateTime>,
    /// What the call showed, e.g. `1 of 42 servers`.
    pub detail: String,
}

impl Check {
    /// Server clock minus local clock, when the reply had a `Date` header.
    pub fn clock_skew(&self, local: OffsetDateTime) -> Option<time::Duration> {
        self.server_date.map(|d| d - local)
    }
}

/// Parse an HTTP `Date` (IMF-fixdate, e.g. `Fri, 27 Nov 2026 08:22:00 GMT`).
pub fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

impl Client {
    /// One read on `service` (list with limit 1, or the project lookup for IAM).
    pub async fn check(&self, service: Service) -> Result<Check, CloudError> {
        let pid = encode(self.project_id());
        let call = match service {
            Service::Ecs => {
                Call::get(service, format!("/v1/{pid}/cloudservers/detail")).query("limit", "1")
            }
            Service::Bms => {
                Call::get(service, format!("/v1/{pid}/baremetalservers/detail")).query("limit", "1")
            }
            Service::Ims => Call::get(service, "/v2/cloudimages").query("limit", "1"),
            Service::Kps => Call::get(service, format!("/v3/{pid}/keypairs")).query("limit", "1"),
            Service::Iam => {
                Call::get(service, "/v3/projects").query("name", self.context().region.clone())
            }
        };
        let started = Instant::now();
        let reply = self.send(call).await?;
        let elapsed = started.elapsed();
        let v: serde_json::Value = reply.json(&format!("{} probe", service.name()))?;
        let len = |k: &str| v.get(k).and_then(|a| a.as_array()).map_or(0, Vec::len);
        let detail = match service {
            Service::Ecs | Service::Bms => match v.get("count").and_then(|c| c.as_u64()) {
                Some(c) => format!("{c} servers"),
                None => format!("{} servers on the first page", len("servers")),
            },
            Service::Ims => format!("{} image(s) on a 1-image page", len("images")),
            Service::Kps => format!("{} key pair(s) on a 1-key page", len("keypairs")),
            Service::Iam => format!(
                "{} project(s) named {}",
                len("projects"),
                self.context().region
            ),
        };
        Ok(Check {
            service,
            elapsed,
            server_date: reply
                .headers
                .get("date")
                .and_then(|d| d.to_str().ok())
                .and_then(parse_http_date),
            detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date() {
        let d = parse_http_date("Fri, 27 Nov 2026 08:22:00 GMT").expect("parses");
        assert_eq!((d.hour(), d.minute(), d.day()), (8, 22, 27));
        assert!(parse_http_date("yesterday").is_none());
    }
}

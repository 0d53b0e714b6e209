//! Fault switches: added latency, 500/503 answers, 429 throttling, dropped connections and
//! malformed JSON bodies, globally or per operation name.

use futures::StreamExt;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One set of switches. Shares are probabilities in `0.0..=1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSpec {
    /// Added before answering, in milliseconds.
    pub latency_ms: u64,
    /// Share of requests answered 500 `Common.0001`.
    pub error_500: f64,
    /// Share of requests answered 503 `APIGW.0103`.
    pub error_503: f64,
    /// Share of requests answered 429 `APIGW.0308` with `Retry-After`.
    pub throttle_429: f64,
    /// Value of the `Retry-After` header on 429 answers, in seconds.
    pub retry_after_seconds: u64,
    /// Share of connections closed without an answer.
    pub drop_connection: f64,
    /// Share of successful answers whose JSON body is cut short.
    pub malformed_json: f64,
    /// Slow body: the headers go out at once, then the body trickles in 256-byte chunks,
    /// one every this many milliseconds (0 = off).
    pub slow_body_ms: u64,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            latency_ms: 0,
            error_500: 0.0,
            error_503: 0.0,
            throttle_429: 0.0,
            retry_after_seconds: 1,
            drop_connection: 0.0,
            malformed_json: 0.0,
            slow_body_ms: 0,
        }
    }
}

/// All switches: `global` applies to every operation that has no entry in `operations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub global: FaultSpec,
    /// Per operation name (`ecs.list`, `jobs.show`, ...); replaces `global` for that operation.
    pub operations: BTreeMap<String, FaultSpec>,
}

/// What a fault roll decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    None,
    Drop,
    Throttle { retry_after: u64 },
    Error500,
    Error503,
}

impl FaultSpec {
    fn validate(&self, at: &str) -> Result<(), String> {
        for (name, v) in [
            ("error_500", self.error_500),
            ("error_503", self.error_503),
            ("throttle_429", self.throttle_429),
            ("drop_connection", self.drop_connection),
            ("malformed_json", self.malformed_json),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{at}.{name} must be between 0.0 and 1.0, got {v}"));
            }
        }
        Ok(())
    }

    /// Roll the dice for one request (drop first, then 429, 500, 503).
    pub fn decide(&self, rng: &mut impl Rng) -> FaultAction {
        let mut hit = |share: f64| share > 0.0 && rng.random::<f64>() < share;
        if hit(self.drop_connection) {
            FaultAction::Drop
        } else if hit(self.throttle_429) {
            FaultAction::Throttle {
                retry_after: self.retry_after_seconds,
            }
        } else if hit(self.error_500) {
            FaultAction::Error500
        } else if hit(self.error_503) {
            FaultAction::Error503
        } else {
            FaultAction::None
        }
    }

    pub fn roll_malformed(&self, rng: &mut impl Rng) -> bool {
        self.malformed_json > 0.0 && rng.random::<f64>() < self.malformed_json
    }
}

impl Faults {
    /// The switches that apply to `operation`.
    pub fn for_operation(&self, operation: &str) -> &FaultSpec {
        self.operations.get(operation).unwrap_or(&self.global)
    }

    /// Every share must be a probability.
    pub fn validate(&self) -> Result<(), String> {
        self.global.validate("global")?;
        for (op, spec) in &self.operations {
            if !super::OPERATION_NAMES.contains(&op.as_str()) {
                return Err(format!(
                    "unknown operation {op:?}; use one of: {}",
                    super::OPERATION_NAMES.join(", ")
                ));
            }
            spec.validate(&format!("operations.{op}"))?;
        }
        Ok(())
    }

    /// Apply one `FIELD=VALUE` setting (as given on the command line) to `global` or to an
    /// operation (`OP:FIELD=VALUE`).
    pub fn apply_setting(&mut self, setting: &str) -> Result<(), String> {
        let (target, assignment) = match setting.split_once(':') {
            Some((op, rest)) => (Some(op.trim()), rest),
            None => (None, setting),
        };
        let (field, value) = assignment.split_once('=').ok_or_else(|| {
            format!("fault setting {setting:?} must look like [OPERATION:]FIELD=VALUE")
        })?;
        let spec = match target {
            Some(op) => self.operations.entry(op.to_string()).or_default(),
            None => &mut self.global,
        };
        let bad = |e: &dyn std::fmt::Display| format!("fault setting {setting:?}: {e}");
        let value = value.trim();
        match field.trim() {
            "latency_ms" => spec.latency_ms = value.parse().map_err(|e| bad(&e))?,
            "retry_after_seconds" => {
                spec.retry_after_seconds = value.parse().map_err(|e| bad(&e))?
            }
            "error_500" => spec.error_500 = value.parse().map_err(|e| bad(&e))?,
            "error_503" => spec.error_503 = value.parse().map_err(|e| bad(&e))?,
            "throttle_429" => spec.throttle_429 = value.parse().map_err(|e| bad(&e))?,
            "drop_connection" => spec.drop_connection = value.parse().map_err(|e| bad(&e))?,
            "malformed_json" => spec.malformed_json = value.parse().map_err(|e| bad(&e))?,
            "slow_body_ms" => spec.slow_body_ms = value.parse().map_err(|e| bad(&e))?,
            other => {
                return Err(format!(
                    "unknown fault field {other:?}; use latency_ms, error_500, error_503, \
                     throttle_429, retry_after_seconds, drop_connection, malformed_json or slow_body_ms"
                ));
            }
        }
        self.validate()
    }
}

/// Send the headers of `response` now and its body 256 bytes at a time, `every` apart.
pub async fn trickle(
    response: axum::response::Response,
    every: std::time::Duration,
) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let chunks: Vec<axum::body::Bytes> = bytes
        .chunks(256)
        .map(axum::body::Bytes::copy_from_slice)
        .collect();
    let stream = futures::stream::iter(chunks).then(move |chunk| async move {
        tokio::time::sleep(every).await;
        Ok::<_, std::convert::Infallible>(chunk)
    });
    axum::response::Response::from_parts(parts, axum::body::Body::from_stream(stream))
}

/// Cut a JSON body short so it no longer parses.
pub fn mangle(body: &[u8]) -> Vec<u8> {
    let keep = (body.len() / 2).max(1).min(body.len());
    let mut out = body[..keep].to_vec();
    out.extend_from_slice(b"\x00{\"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn certain_and_impossible_faults() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let spec = FaultSpec {
            error_500: 1.0,
            ..FaultSpec::default()
        };
        assert_eq!(spec.decide(&mut rng), FaultAction::Error500);
        assert_eq!(FaultSpec::default().decide(&mut rng), FaultAction::None);
    }

    #[test]
    fn settings_parse_and_validate() {
        let mut f = Faults::default();
        f.apply_setting("ecs.list:throttle_429=1").expect("valid");
        f.apply_setting("latency_ms=20").expect("valid");
        assert_eq!(f.for_operation("ecs.list").throttle_429, 1.0);
        assert_eq!(f.for_operation("ims.list").latency_ms, 20);
        assert!(f.apply_setting("error_500=2").is_err());
        assert!(f.apply_setting("nonsense").is_err());
        assert!(f.apply_setting("bogus=1").is_err());
        assert!(f.apply_setting("ecs.lists:error_500=1").is_err());
        assert!(serde_json::from_str::<Faults>("{\"global\":{\"error_5000\":1}}").is_err());
        assert!(serde_json::from_slice::<serde_json::Value>(&mangle(b"{\"a\":1}")).is_err());
    }
}

//! What reimage remembers about one submitted job. Never holds a secret: the request body
//! is not kept, only what the user needs to find the job and the server again.

use crate::cloud::model::{JobStatus, ServerKind};
use serde::{Deserialize, Serialize};

/// What the job does to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobOperation {
    ChangeOs,
    ReinstallOs,
    Stop,
}

impl From<crate::ops::OpKind> for JobOperation {
    fn from(op: crate::ops::OpKind) -> Self {
        match op {
            crate::ops::OpKind::Change => JobOperation::ChangeOs,
            crate::ops::OpKind::Reinstall => JobOperation::ReinstallOs,
        }
    }
}

impl JobOperation {
    pub fn label(self) -> &'static str {
        match self {
            Self::ChangeOs => "change OS",
            Self::ReinstallOs => "reinstall OS",
            Self::Stop => "stop",
        }
    }
}

/// Where reimage stands with a job: the service's own states plus the two the client
/// decides on its own (the service forgot the job, or it ran past the local time limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrackedState {
    /// Accepted by the service, not polled yet.
    Submitted,
    Init,
    Running,
    PendingPayment,
    Success,
    Fail,
    /// The service answered 4xx for the job id: it does not know it (any more).
    Lost,
    /// Still not finished after the local time limit; polling stopped.
    TimedOut,
}

impl TrackedState {
    pub fn from_status(s: JobStatus) -> Self {
        match s {
            JobStatus::Init => Self::Init,
            JobStatus::Running | JobStatus::Unknown => Self::Running,
            JobStatus::Success => Self::Success,
            JobStatus::Fail => Self::Fail,
            JobStatus::PendingPayment => Self::PendingPayment,
        }
    }

    /// Finished for reimage: no more polling.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Fail | Self::Lost | Self::TimedOut
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::Init => "INIT",
            Self::Running => "RUNNING",
            Self::PendingPayment => "PENDING_PAYMENT",
            Self::Success => "SUCCESS",
            Self::Fail => "FAIL",
            Self::Lost => "LOST",
            Self::TimedOut => "TIMED_OUT",
        }
    }
}

/// One job as submitted, plus its latest known state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub job_id: String,
    pub kind: ServerKind,
    pub operation: JobOperation,
    pub server_id: String,
    pub server_name: String,
    /// `v1`, `v2` or `bms` for OS operations; absent for stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub state: TrackedState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// RFC 3339, UTC: when `state` was last set.
    pub updated_at: String,
}

impl JobRecord {
    /// Whether a client for this region and project can poll the job (records written
    /// without them belong anywhere).
    pub fn belongs_to(&self, region: &str, project_id: &str) -> bool {
        (self.region.is_empty() || self.region == region)
            && (self.project_id.is_empty() || self.project_id == project_id)
    }

    /// How long the job ran: until `updated_at` once it ended (its own duration, the same
    /// after a restart), until `now` while it is open. Unreadable times count as zero.
    pub fn elapsed(&self, now: time::OffsetDateTime) -> std::time::Duration {
        let parse = |t: &str| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        };
        let Some(start) = parse(&self.submitted_at) else {
            return std::time::Duration::ZERO;
        };
        let end = if self.state.is_final() {
            parse(&self.updated_at).unwrap_or(start)
        } else {
            now
        };
        (end - start).try_into().unwrap_or_default()
    }

    /// The failure text with the error code said once: `CODE reason`, or the reason alone
    /// when it already quotes the code.
    pub fn code_and_reason(&self) -> String {
        let reason = self.fail_reason.as_deref().unwrap_or("");
        match self.error_code.as_deref() {
            Some(code) if !reason.contains(code) => {
                format!("{code} {reason}").trim_end().to_string()
            }
            _ => reason.to_string(),
        }
    }

    /// What to do about the job's error code, when reimage knows.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.error_code.as_deref()?;
        crate::cloud::CloudError {
            code: Some(code.to_string()),
            ..crate::cloud::CloudError::new(crate::cloud::ErrorKind::Api, "")
        }
        .hint()
    }
}

/// Current time as RFC 3339 UTC (seconds precision).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// When a job ended, for its record: the service's `end_time` (seconds precision) when it
/// reads as a time between the submission and now, a minute of clock skew either way
/// allowed; else `now`. So a job that ended while reimage was not running keeps its own
/// duration, and a service's odd time cannot make one negative or end in the future.
pub fn ended_at(service: Option<&str>, submitted_at: &str, now: time::OffsetDateTime) -> String {
    let rfc = &time::format_description::well_known::Rfc3339;
    let skew = time::Duration::minutes(1);
    let parsed = |t: &str| time::OffsetDateTime::parse(t.trim(), rfc).ok();
    let at = match (service.and_then(parsed), parsed(submitted_at)) {
        (Some(end), Some(start)) if end >= start - skew && end <= now + skew => end,
        _ => now,
    };
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(rfc)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::ended_at;

    #[test]
    fn the_service_end_time_is_kept_when_it_is_believable() {
        let now = time::macros::datetime!(2026-12-02 12:00:00 UTC);
        let start = "2026-12-02T10:00:00Z";
        // Ended while reimage was away: its own time.
        assert_eq!(
            ended_at(Some("2026-12-02T10:03:47.904Z"), start, now),
            "2026-12-02T10:03:47Z"
        );
        // Missing, empty, unreadable, before the submission or in the future: now.
        for odd in [
            None,
            Some(""),
            Some("yesterday"),
            Some("2026-12-01T10:00:00Z"),
            Some("2027-01-01T00:00:00Z"),
        ] {
            assert_eq!(ended_at(odd, start, now), "2026-12-02T12:00:00Z", "{odd:?}");
        }
    }
}

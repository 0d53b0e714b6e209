//! How often the poller asks about a job, and how long it waits for one at most.

use super::record::{JobOperation, JobRecord};
use crate::cloud::model::ServerKind;
use crate::config::file::JobsConfig;
use std::time::Duration;

/// Poller timing and limits. Defaults follow the API doc (section 10.3): first poll after
/// ~2 s, at most 15 s between polls, change/reinstall allowed 30 min (BMS 60 min).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollerConfig {
    pub first_poll: Duration,
    /// Interval right after the job changed.
    pub fast_interval: Duration,
    /// Longest interval for a job that sits still.
    pub max_interval: Duration,
    /// Interval while the job waits for an order to be paid.
    pub payment_interval: Duration,
    /// Pause of every poll after a 429 without `Retry-After`.
    pub throttled_interval: Duration,
    /// Most polls in flight at once.
    pub concurrency: usize,
    pub limit_stop: Duration,
    pub limit_ecs: Duration,
    pub limit_bms: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_secs(2),
            fast_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(15),
            payment_interval: Duration::from_secs(60),
            throttled_interval: Duration::from_secs(10),
            concurrency: 8,
            limit_stop: Duration::from_secs(5 * 60),
            limit_ecs: Duration::from_secs(30 * 60),
            limit_bms: Duration::from_secs(60 * 60),
        }
    }
}

impl PollerConfig {
    /// How long a job may run before reimage stops waiting for it.
    pub fn limit_for(&self, rec: &JobRecord) -> Duration {
        match (rec.operation, rec.kind) {
            (JobOperation::Stop, _) => self.limit_stop,
            (_, ServerKind::Ecs) => self.limit_ecs,
            (_, ServerKind::Bms) => self.limit_bms,
        }
    }

    /// The interval after a poll: fast after a change, half again longer after each
    /// unchanged poll, capped.
    pub fn next_interval(&self, current: Duration, changed: bool) -> Duration {
        if changed {
            self.fast_interval
        } else {
            (current + current / 2)
                .max(self.fast_interval)
                .min(self.max_interval)
        }
    }

    /// Time left before the local limit, counted from the submission (so a job replayed
    /// after a restart keeps its original deadline).
    pub fn remaining(&self, rec: &JobRecord) -> Duration {
        let submitted = time::OffsetDateTime::parse(
            &rec.submitted_at,
            &time::format_description::well_known::Rfc3339,
        )
        .ok();
        let elapsed = submitted
            .map(|t| (time::OffsetDateTime::now_utc() - t).unsigned_abs())
            .unwrap_or_default();
        self.limit_for(rec).saturating_sub(elapsed)
    }
}

/// Everything `[jobs]` in config.toml decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    pub poller: PollerConfig,
    /// Finished jobs older than this are compacted out of the journal at start.
    pub keep_finished: Duration,
    /// Ring the terminal bell when a job ends.
    pub bell: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            poller: PollerConfig::default(),
            keep_finished: Duration::from_secs(7 * 24 * 3600),
            bell: false,
        }
    }
}

/// `Some(0)` is an error naming the key.
fn positive(key: &str, v: Option<u64>) -> Result<Option<u64>, String> {
    match v {
        Some(0) => Err(format!("[jobs] {key} in config.toml must be at least 1")),
        v => Ok(v),
    }
}

fn minutes(key: &str, v: Option<u64>, default: Duration) -> Result<Duration, String> {
    Ok(positive(key, v)?.map_or(default, |m| Duration::from_secs(m * 60)))
}

impl JobSettings {
    /// Apply the `[jobs]` table over the defaults.
    pub fn from_config(c: &JobsConfig) -> Result<JobSettings, String> {
        let d = JobSettings::default();
        let max_interval = positive("max_poll_interval_secs", c.max_poll_interval_secs)?
            .map_or(d.poller.max_interval, Duration::from_secs);
        let concurrency = positive("concurrency", c.concurrency.map(|n| n as u64))?
            .map_or(d.poller.concurrency, |n| n as usize);
        let poller = PollerConfig {
            max_interval,
            fast_interval: d.poller.fast_interval.min(max_interval),
            concurrency,
            limit_stop: minutes(
                "stop_limit_minutes",
                c.stop_limit_minutes,
                d.poller.limit_stop,
            )?,
            limit_ecs: minutes("ecs_limit_minutes", c.ecs_limit_minutes, d.poller.limit_ecs)?,
            limit_bms: minutes("bms_limit_minutes", c.bms_limit_minutes, d.poller.limit_bms)?,
            ..d.poller
        };
        let keep_finished = c.keep_finished_days.map_or(d.keep_finished, |days| {
            Duration::from_secs(days * 24 * 3600)
        });
        Ok(JobSettings {
            poller,
            keep_finished,
            bell: c.bell.unwrap_or(d.bell),
        })
    }
}

/// `90 s`, `5 min`, `1 h 30 min`: a limit as people say it.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=3599 => format!("{} min", s / 60),
        _ if s.is_multiple_of(3600) => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_while_unchanged_and_resets_on_change() {
        let c = PollerConfig::default();
        let mut i = c.fast_interval;
        let mut seen = vec![];
        for _ in 0..8 {
            i = c.next_interval(i, false);
            seen.push(i.as_secs_f32());
        }
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(i, c.max_interval);
        assert_eq!(c.next_interval(i, true), c.fast_interval);
    }

    #[test]
    fn settings_from_the_jobs_table() {
        let s = JobSettings::from_config(&JobsConfig::default()).expect("defaults");
        assert_eq!(s, JobSettings::default());
        assert_eq!(s.poller.limit_ecs, Duration::from_secs(1800));
        let c = JobsConfig {
            concurrency: Some(3),
            bms_limit_minutes: Some(90),
            keep_finished_days: Some(1),
            bell: Some(true),
            ..JobsConfig::default()
        };
        let s = JobSettings::from_config(&c).expect("valid");
        assert_eq!(s.poller.concurrency, 3);
        assert_eq!(s.poller.limit_bms, Duration::from_secs(5400));
        assert_eq!(s.poller.limit_stop, Duration::from_secs(300));
        assert_eq!(s.keep_finished, Duration::from_secs(86400));
        assert!(s.bell);
        let bad = JobsConfig {
            concurrency: Some(0),
            ..JobsConfig::default()
        };
        let err = JobSettings::from_config(&bad).expect_err("zero");
        assert!(err.contains("concurrency"), "{err}");
    }

    #[test]
    fn human_limits() {
        assert_eq!(human(Duration::from_secs(30)), "30 s");
        assert_eq!(human(Duration::from_secs(300)), "5 min");
        assert_eq!(human(Duration::from_secs(3600)), "1 h");
        assert_eq!(human(Duration::from_secs(5400)), "1 h 30 min");
    }
}

//! The sandbox's state as data, to start another sandbox where this one stopped: its
//! servers and jobs (images and key pairs come from the inventory; credentials and
//! metadata tokens are not kept). Jobs keep their times as wall-clock instants, so a job
//! that was running goes on, or has finished, by the clock when it is read again.

use super::jobs::{Action, SimJob};
use super::kind::SimKind;
use super::state::{SimServer, World};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// What changes while a sandbox runs, at one moment. Serialised as JSON by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    servers: Vec<SimServer>,
    jobs: Vec<StoredJob>,
}

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredJob {
    id: String,
    service: SimKind,
    job_type: String,
    status: String,
    begin_time: String,
    end_time: String,
    error_code: Option<String>,
    fail_reason: Option<String>,
    action: Action,
    sub_job_ids: Vec<String>,
    /// Unix milliseconds of the state machine's two steps.
    starts_at_ms: i128,
    ends_at_ms: i128,
}

/// The `&'static` words a job carries, from their stored text; anything else is damage.
fn known(word: &str, words: &[&'static str]) -> Option<&'static str> {
    words.iter().find(|w| **w == word).copied()
}

const STATUSES: &[&str] = &["INIT", "RUNNING", "SUCCESS", "FAIL", "PENDING_PAYMENT"];
const JOB_TYPES: &[&str] = &[
    "changeOS",
    "reinstallOS",
    "baremetalChangeOsVolumeBoot",
    "baremetalChangeOsLocalDisk",
    "baremetalVolumeBootReinstallOs",
    "baremetalReinstallOs",
    "batchStopServer",
    "baremetalBatchOperate",
];

/// A monotonic instant as wall-clock milliseconds, and back.
fn to_wall(t: Instant, now: Instant, wall: OffsetDateTime) -> i128 {
    let ms = |d: Duration| d.as_millis() as i128;
    let wall_ms = wall.unix_timestamp_nanos() / 1_000_000;
    if t >= now {
        wall_ms + ms(t - now)
    } else {
        wall_ms - ms(now - t)
    }
}

fn from_wall(ms: i128, now: Instant, wall: OffsetDateTime) -> Instant {
    let wall_ms = wall.unix_timestamp_nanos() / 1_000_000;
    let delta = Duration::from_millis((ms - wall_ms).unsigned_abs().min(u64::MAX as u128) as u64);
    if ms >= wall_ms {
        now + delta
    } else {
        now.checked_sub(delta).unwrap_or(now)
    }
}

impl World {
    pub fn snapshot(&self) -> Snapshot {
        let (now, wall) = (Instant::now(), OffsetDateTime::now_utc());
        let mut jobs: Vec<StoredJob> = self
            .jobs
            .table
            .values()
            .map(|j| StoredJob {
                id: j.id.clone(),
                service: j.service,
                job_type: j.job_type.to_string(),
                status: j.status.to_string(),
                begin_time: j.begin_time.clone(),
                end_time: j.end_time.clone(),
                error_code: j.error_code.clone(),
                fail_reason: j.fail_reason.clone(),
                action: j.action.clone(),
                sub_job_ids: j.sub_job_ids.clone(),
                starts_at_ms: to_wall(j.starts_at, now, wall),
                ends_at_ms: to_wall(j.ends_at, now, wall),
            })
            .collect();
        jobs.sort_by(|a, b| a.begin_time.cmp(&b.begin_time).then(a.id.cmp(&b.id)));
        Snapshot {
            version: VERSION,
            servers: self.servers.clone(),
            jobs,
        }
    }

    /// This world (its images and key pairs) with the servers and jobs of `snap`.
    pub fn restored(mut self, snap: &Snapshot) -> Result<World, String> {
        if snap.version != VERSION {
            return Err(format!(
                "version {} (this reimage reads {VERSION})",
                snap.version
            ));
        }
        let (now, wall) = (Instant::now(), OffsetDateTime::now_utc());
        let images = std::mem::take(&mut self.images);
        let keypairs = std::mem::take(&mut self.keypairs);
        let mut world = World::new(snap.servers.clone(), images, keypairs);
        for j in &snap.jobs {
            let status = known(&j.status, STATUSES)
                .ok_or_else(|| format!("job {} has an unknown status", j.id))?;
            let job_type = known(&j.job_type, JOB_TYPES)
                .ok_or_else(|| format!("job {} has an unknown type", j.id))?;
            let job = SimJob {
                id: j.id.clone(),
                service: j.service,
                job_type,
                status,
                begin_time: j.begin_time.clone(),
                end_time: j.end_time.clone(),
                error_code: j.error_code.clone(),
                fail_reason: j.fail_reason.clone(),
                action: j.action.clone(),
                sub_job_ids: j.sub_job_ids.clone(),
                starts_at: from_wall(j.starts_at_ms, now, wall),
                ends_at: from_wall(j.ends_at_ms, now, wall),
            };
            world.jobs.insert(job);
        }
        world.advance_jobs();
        Ok(world)
    }
}

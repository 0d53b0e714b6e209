//! The jobs of ECS and BMS (one table, each job answered only by the service that created
//! it), and the job state machine:
//! `INIT` -> `RUNNING` (server rebuilding / powering off) -> `SUCCESS` or `FAIL`.
//! State advances lazily from timestamps whenever a request comes in.

use crate::sandbox::kind::SimKind;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

use super::state::World;

/// What the job does when it finishes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    /// Change OS (new image) or reinstall (same image).
    Rebuild {
        server_id: String,
        image_id: String,
        key_name: Option<String>,
        /// `(error_code, fail_reason)` when the job is going to fail.
        failure: Option<(String, String)>,
        /// The login that takes effect (see `routes::os`).
        injected: String,
    },
    /// Power off; per server `Some((code, reason))` when that sub job fails.
    Stop {
        servers: Vec<(String, Option<(String, String)>)>,
    },
}

#[derive(Debug, Clone)]
pub struct SimJob {
    pub id: String,
    pub service: SimKind,
    pub job_type: &'static str,
    pub status: &'static str,
    pub begin_time: String,
    pub end_time: String,
    pub error_code: Option<String>,
    pub fail_reason: Option<String>,
    pub action: Action,
    pub sub_job_ids: Vec<String>,
    pub(super) starts_at: Instant,
    pub(super) ends_at: Instant,
}

#[derive(Default)]
pub struct Jobs {
    pub table: HashMap<String, SimJob>,
    /// Jobs not yet finished.
    live: Vec<String>,
}

impl Jobs {
    /// A job read back from a snapshot; followed again while it is INIT or RUNNING.
    pub(super) fn insert(&mut self, job: SimJob) {
        if matches!(job.status, "INIT" | "RUNNING") {
            self.live.push(job.id.clone());
        }
        self.table.insert(job.id.clone(), job);
    }
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `2024-01-15T08:30:01.120Z`
pub fn job_time(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).unwrap_or_default()
}

/// `2024-01-15T08:30:01Z`
pub fn server_time(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

impl World {
    /// Register a job; the servers it touches become busy at once.
    pub fn submit(
        &mut self,
        service: SimKind,
        job_type: &'static str,
        action: Action,
        seconds: f64,
    ) -> String {
        let id = new_id();
        let now = Instant::now();
        let total = Duration::from_secs_f64(seconds.max(0.0));
        let server_ids: Vec<String> = match &action {
            Action::Rebuild { server_id, .. } => vec![server_id.clone()],
            // A sub job bound to fail never touches its server.
            Action::Stop { servers } => servers
                .iter()
                .filter(|(_, failure)| failure.is_none())
                .map(|(s, _)| s.clone())
                .collect(),
        };
        for sid in &server_ids {
            if let Some(s) = self.server_mut(sid) {
                s.busy_job = Some(id.clone());
            }
        }
        let sub_job_ids = match &action {
            Action::Stop { servers } => servers.iter().map(|_| new_id()).collect(),
            Action::Rebuild { .. } => Vec::new(),
        };
        let job = SimJob {
            id: id.clone(),
            service,
            job_type,
            status: "INIT",
            begin_time: job_time(OffsetDateTime::now_utc()),
            end_time: String::new(),
            error_code: None,
            fail_reason: None,
            action,
            sub_job_ids,
            starts_at: now + total / 10,
            ends_at: now + total,
        };
        self.jobs.table.insert(id.clone(), job);
        self.jobs.live.push(id.clone());
        self.advance_jobs();
        id
    }

    /// A job waiting for an unpaid order: it stays `PENDING_PAYMENT` and touches nothing.
    pub fn submit_pending_payment(
        &mut self,
        service: SimKind,
        job_type: &'static str,
        action: Action,
    ) -> String {
        let id = new_id();
        let now = Instant::now();
        let job = SimJob {
            id: id.clone(),
            service,
            job_type,
            status: "PENDING_PAYMENT",
            begin_time: job_time(OffsetDateTime::now_utc()),
            end_time: String::new(),
            error_code: None,
            fail_reason: None,
            action,
            sub_job_ids: Vec::new(),
            starts_at: now,
            ends_at: now,
        };
        self.jobs.table.insert(id.clone(), job);
        id
    }

    /// Move every live job along to where its timestamps say it is.
    pub fn advance_jobs(&mut self) {
        let now = Instant::now();
        let live = std::mem::take(&mut self.jobs.live);
        let mut still = Vec::with_capacity(live.len());
        for id in live {
            let Some(job) = self.jobs.table.get(&id).cloned() else {
                continue;
            };
            let mut job = job;
            if job.status == "INIT" && now >= job.starts_at {
                job.status = "RUNNING";
                self.on_running(&job);
            }
            if job.status == "RUNNING" && now >= job.ends_at {
                self.on_finished(&mut job);
            } else {
                still.push(id.clone());
            }
            self.jobs.table.insert(id, job);
        }
        self.jobs.live = still;
    }

    fn on_running(&mut self, job: &SimJob) {
        let stamp = server_time(OffsetDateTime::now_utc());
        match &job.action {
            Action::Rebuild { server_id, .. } => {
                if let Some(s) = self.server_mut(server_id) {
                    s.status = "REBUILD".into();
                    s.task_state = "rebuilding".into();
                    s.updated = stamp;
                }
            }
            Action::Stop { servers } => {
                for (sid, failure) in servers {
                    if let Some(s) = self.server_mut(sid).filter(|_| failure.is_none()) {
                        s.task_state = "powering-off".into();
                        s.updated = stamp.clone();
                    }
                }
            }
        }
    }

    fn on_finished(&mut self, job: &mut SimJob) {
        // Jobs move when the service is next asked; a job ends when it was due, as a real
        // one does while nobody polls it.
        let late = Instant::now().saturating_duration_since(job.ends_at);
        let now = OffsetDateTime::now_utc() - late;
        let stamp = server_time(now);
        job.end_time = job_time(now);
        match &job.action {
            Action::Rebuild {
                server_id,
                image_id,
                key_name,
                failure,
                injected,
            } => {
                let image = self.image(image_id).cloned();
                let Some(s) = self.server_mut(server_id) else {
                    return;
                };
                s.busy_job = None;
                s.task_state = String::new();
                s.updated = stamp;
                if let Some((code, reason)) = failure {
                    s.status = "ERROR".into();
                    s.vm_state = "error".into();
                    s.power_state = 4;
                    s.fault = Some(reason.clone());
                    job.status = "FAIL";
                    job.error_code = Some(code.clone());
                    job.fail_reason = Some(reason.clone());
                    return;
                }
                s.status = "ACTIVE".into();
                s.vm_state = "active".into();
                s.power_state = 1;
                s.fault = None;
                if let Some(image) = image {
                    s.image_id = image.id.clone();
                    let flavor = s.flavor.id.clone();
                    super::inventory::image_metadata(s.kind, &image, &flavor, &mut s.metadata);
                }
                s.key_name = key_name.clone().unwrap_or_default();
                s.injected = Some(injected.clone());
                job.status = "SUCCESS";
            }
            Action::Stop { servers } => {
                let mut first_failure = None;
                for (sid, failure) in servers {
                    let Some(s) = self.server_mut(sid) else {
                        continue;
                    };
                    if failure.is_none() {
                        s.busy_job = None;
                        s.task_state = String::new();
                        s.status = "SHUTOFF".into();
                        s.vm_state = if s.kind == SimKind::Bms {
                            "shutoff"
                        } else {
                            "stopped"
                        }
                        .into();
                        s.power_state = 4;
                        s.updated = stamp.clone();
                    } else if first_failure.is_none() {
                        first_failure = failure.clone();
                    }
                }
                match first_failure {
                    Some((code, reason)) => {
                        job.status = "FAIL";
                        job.error_code = Some(code);
                        job.fail_reason = Some(reason);
                    }
                    None => job.status = "SUCCESS",
                }
            }
        }
    }

    /// The job `id` as `service` knows it: a job belongs to the service that created it
    /// (`None`: the sandbox's single address, which serves both).
    pub fn job_of(&self, id: &str, service: Option<SimKind>) -> Option<&SimJob> {
        self.jobs
            .table
            .get(id)
            .filter(|j| service.is_none_or(|s| s == j.service))
    }

    /// The wire shape of a job (API doc 10.1 / 10.2).
    pub fn render_job(&self, job: &SimJob) -> Value {
        let bms = job.service == SimKind::Bms;
        let entities = match &job.action {
            Action::Rebuild { server_id, .. } if bms => {
                json!({"server_id": server_id, "sub_jobs_total": 0, "sub_jobs": []})
            }
            Action::Rebuild { server_id, .. } => json!({"server_id": server_id}),
            Action::Stop { servers } => {
                let subs: Vec<Value> = servers
                    .iter()
                    .zip(&job.sub_job_ids)
                    .map(|((sid, failure), sub_id)| self.render_sub_job(job, sid, failure, sub_id))
                    .collect();
                json!({"sub_jobs_total": subs.len(), "sub_jobs": subs})
            }
        };
        json!({
            "job_id": job.id, "job_type": job.job_type, "status": job.status,
            "begin_time": job.begin_time, "end_time": job.end_time,
            "error_code": job.error_code, "fail_reason": job.fail_reason,
            "entities": entities,
        })
    }

    fn render_sub_job(
        &self,
        job: &SimJob,
        sid: &str,
        failure: &Option<(String, String)>,
        sub_id: &str,
    ) -> Value {
        let bms = job.service == SimKind::Bms;
        let status = match (job.status, failure) {
            ("SUCCESS" | "FAIL", Some(_)) => "FAIL",
            ("SUCCESS" | "FAIL", None) => "SUCCESS",
            (other, _) => other,
        };
        let (code, reason) = match (status, failure) {
            ("FAIL", Some((c, r))) => (Value::from(c.as_str()), Value::from(r.as_str())),
            _ => (Value::Null, Value::Null),
        };
        let mut sub = json!({
            "status": status, "job_id": sub_id,
            "job_type": if bms { "baremetalSingleOperate" } else { "stopServer" },
            "begin_time": job.begin_time, "end_time": job.end_time,
            "error_code": code, "fail_reason": reason,
            "entities": {"server_id": sid},
        });
        if bms && let Some(obj) = sub.as_object_mut() {
            obj.insert("message".into(), reason_or_empty(failure));
            obj.insert("code".into(), code_or_empty(failure));
        }
        sub
    }
}

fn reason_or_empty(f: &Option<(String, String)>) -> Value {
    f.as_ref()
        .map(|(_, r)| Value::from(r.as_str()))
        .unwrap_or(Value::Null)
}

fn code_or_empty(f: &Option<(String, String)>) -> Value {
    f.as_ref()
        .map(|(c, _)| Value::from(c.as_str()))
        .unwrap_or(Value::Null)
}

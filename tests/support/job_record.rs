//! Job records as a submission journals them: one builder instead of the full literal in
//! every test that plants a job in a journal or hands one to the poller.

use reimage::cloud::model::ServerKind;
use reimage::jobs::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
use reimage::sandbox::Sandbox;

/// A job just submitted (`Submitted`, stamped now) for `server` (id, name), in
/// ap-southeast-3 with no project, no route and no images; the methods set the rest.
pub fn submitted(
    job_id: &str,
    kind: ServerKind,
    operation: JobOperation,
    server: (&str, &str),
) -> Builder {
    Builder(JobRecord {
        job_id: job_id.to_string(),
        kind,
        operation,
        server_id: server.0.to_string(),
        server_name: server.1.to_string(),
        route: None,
        region: "ap-southeast-3".into(),
        project_id: String::new(),
        old_image: None,
        new_image: None,
        order_id: None,
        submitted_at: now_rfc3339(),
        state: TrackedState::Submitted,
        error_code: None,
        fail_reason: None,
        updated_at: now_rfc3339(),
    })
}

pub struct Builder(JobRecord);

impl Builder {
    /// `v1`, `v2` or `bms`.
    pub fn route(mut self, route: &str) -> Self {
        self.0.route = Some(route.to_string());
        self
    }

    /// The region and project of `sb`, so a client of that sandbox polls the job.
    pub fn in_sandbox(mut self, sb: &Sandbox) -> Self {
        self.0.region = sb.region.clone();
        self.0.project_id = sb.project_id.clone();
        self
    }

    pub fn region(mut self, region: &str) -> Self {
        self.0.region = region.to_string();
        self
    }

    pub fn project(mut self, project_id: &str) -> Self {
        self.0.project_id = project_id.to_string();
        self
    }

    pub fn images(mut self, old: Option<&str>, new: Option<&str>) -> Self {
        self.0.old_image = old.map(str::to_string);
        self.0.new_image = new.map(str::to_string);
        self
    }

    pub fn build(self) -> JobRecord {
        self.0
    }
}

//! The sandbox's own admin API under `/_sandbox/` (signed like every other request):
//! `GET|PUT /_sandbox/faults`, `GET /_sandbox/counters`, `POST /_sandbox/reset`, and
//! `GET /_sandbox/servers/{id}`: what the service knows that its API does not show (the
//! login the last change/reinstall injected).

use axum::http::Method;
use serde_json::json;

use crate::sandbox::Faults;
use crate::sandbox::errors::Reply;
use crate::sandbox::server::App;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOp {
    FaultsGet,
    FaultsPut,
    Counters,
    Reset,
    Server(String),
}

impl AdminOp {
    pub fn route(method: &Method, rest: &[&str]) -> Option<AdminOp> {
        Some(match (method, rest) {
            (&Method::GET, ["faults"]) => AdminOp::FaultsGet,
            (&Method::PUT, ["faults"]) => AdminOp::FaultsPut,
            (&Method::GET, ["counters"]) => AdminOp::Counters,
            (&Method::POST, ["reset"]) => AdminOp::Reset,
            (&Method::GET, ["servers", id]) => AdminOp::Server((*id).to_string()),
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            AdminOp::FaultsGet => "admin.faults.get",
            AdminOp::FaultsPut => "admin.faults.put",
            AdminOp::Counters => "admin.counters",
            AdminOp::Reset => "admin.reset",
            AdminOp::Server(_) => "admin.server",
        }
    }

    pub fn handle(&self, app: &App, body: &[u8]) -> Reply {
        match self {
            AdminOp::FaultsGet => Reply::ok(json!(app.faults())),
            AdminOp::FaultsPut => {
                let faults: Faults = match serde_json::from_slice(body) {
                    Ok(f) => f,
                    Err(e) => {
                        return Reply::service(
                            400,
                            "Sandbox.0001",
                            format!("Invalid faults document: {e}"),
                        );
                    }
                };
                if let Err(e) = faults.validate() {
                    return Reply::service(
                        400,
                        "Sandbox.0001",
                        format!("Invalid faults document: {e}"),
                    );
                }
                app.set_faults(faults.clone());
                Reply::ok(json!(faults))
            }
            AdminOp::Counters => Reply::ok(json!(app.counters())),
            AdminOp::Server(id) => match app.server_state(id) {
                Some(state) => Reply::ok(state),
                None => Reply::service(404, "Sandbox.0003", format!("No server {id}.")),
            },
            AdminOp::Reset => match app.reset() {
                Ok(()) => Reply::ok(json!({"reset": true})),
                Err(e) => Reply::service(500, "Sandbox.0002", e.to_string()),
            },
        }
    }
}

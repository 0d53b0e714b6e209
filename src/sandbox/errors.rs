//! Replies and the error shapes of the services (API doc section 3.3).

use axum::http::StatusCode;
use serde_json::{Value, json};

/// What a handler answers; the dispatcher adds `X-Request-Id` and serialises it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Body,
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    /// JSON already serialised (listing pages joined from cached records).
    RawJson(String),
    Text(String),
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Body::Json(body),
            headers: Vec::new(),
        }
    }

    /// A 200 whose JSON body is already written.
    pub fn raw_json(body: String) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Body::RawJson(body),
            headers: Vec::new(),
        }
    }

    pub fn text(body: String) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Body::Text(body),
            headers: Vec::new(),
        }
    }

    pub fn with_status(mut self, code: u16) -> Self {
        self.status = status(code);
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// ECS / BMS / IMS service error: `{"error": {"code", "message"}}`.
    pub fn service(code_status: u16, code: &str, message: impl Into<String>) -> Self {
        Reply::ok(json!({"error": {"code": code, "message": message.into()}}))
            .with_status(code_status)
    }

    /// API gateway error: `{"error_code", "error_msg", "request_id"}` (request id filled in
    /// by the dispatcher).
    pub fn gateway(code_status: u16, code: &str, message: impl Into<String>) -> Self {
        Reply::ok(json!({"error_code": code, "error_msg": message.into()})).with_status(code_status)
    }

    /// Nova error: `{"itemNotFound": {"code": 404, "message"}}` (code is a number).
    pub fn nova(code_status: u16, kind: &str, message: impl Into<String>) -> Self {
        Reply::ok(json!({kind: {"code": code_status, "message": message.into()}}))
            .with_status(code_status)
    }

    pub fn unknown_api() -> Self {
        Reply::gateway(
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment",
        )
    }

    pub fn unauthorized(why: &str) -> Self {
        Reply::gateway(
            401,
            "APIGW.0301",
            format!("Incorrect IAM authentication information: {why}"),
        )
    }
}

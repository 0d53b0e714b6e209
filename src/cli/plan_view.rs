//! How `plan` and `apply` show a plan or a refusal: text for the terminal (escaped), JSON
//! for scripts.

use super::CliError;
use super::list::OutputFormat;
use crate::ops::{FieldError, Plan};
use crate::safe_text::{self, escape};
use serde_json::json;

/// JSON output, one line: terminal controls in it are escaped too (see `safe_text::json`).
pub(super) fn json_line(v: &serde_json::Value) -> Result<String, CliError> {
    Ok(safe_text::json::to_string(v)? + "\n")
}

pub(super) fn plan_json(p: &Plan) -> serde_json::Value {
    let body: serde_json::Value = serde_json::from_str(&p.masked_body()).unwrap_or_default();
    json!({
        "ok": true,
        "server": {"id": p.server_id, "name": p.server_name, "kind": p.kind.label()},
        "operation": p.op.label(),
        "from_image": p.from_image,
        "to_image": p.to_image,
        "service": p.service(),
        "route": p.route.route.label(),
        "route_reason": p.route.reason,
        "route_overridden": p.route.overridden,
        "method": p.method,
        "path": p.path,
        "body": body,
        "user_data_shown": p.user_data_shown,
        "warnings": p.warnings.iter().map(|w| w.message()).collect::<Vec<_>>(),
        "preconditions": p.preconditions.iter().map(|c| c.message()).collect::<Vec<_>>(),
    })
}

/// The plan for the terminal; names, images and the body come from the cloud, so each is
/// escaped on its line.
pub(super) fn plan_text(p: &Plan) -> String {
    let mut s = format!(
        "{} {} ({}): {} -> {}\nroute   {} ({})\n{} {}\n{}\n",
        p.op.label(),
        escape(&p.server_name),
        p.kind.label(),
        escape(&p.from_image),
        escape(&p.to_image),
        p.route.route.label(),
        escape(&p.route.reason),
        p.method,
        escape(&p.path),
        escape(&p.masked_body())
    );
    if let Some(script) = p.user_data_shown {
        s += "user_data, before base64:\n";
        for l in script.lines() {
            s += &format!("  {}\n", escape(l));
        }
    }
    for w in &p.warnings {
        s += &format!("! {}\n", escape(&w.message()));
    }
    for c in &p.preconditions {
        s += &format!("> {}\n", escape(c.message()));
    }
    s
}

pub(super) fn errors_out(
    errors: &[FieldError],
    format: OutputFormat,
    server: &str,
) -> Result<String, CliError> {
    let fix = |e: &FieldError| super::steps::script_fix(&e.fix, e.step, server);
    Ok(match format {
        OutputFormat::Json => {
            let list: Vec<_> = errors
                .iter()
                .map(|e| {
                    json!({"field": e.field.label(), "message": e.message, "fix": fix(e),
                           "source": e.basis.map(|c| c.to_string())})
                })
                .collect();
            json_line(&json!({"ok": false, "errors": list}))?
        }
        OutputFormat::Table => errors
            .iter()
            .map(|e| {
                let fix = fix(e);
                let (message, fix) = (escape(&e.message), escape(&fix));
                let source = e
                    .basis
                    .map(|c| format!("  source: {}\n", escape(&c.to_string())))
                    .unwrap_or_default();
                format!("x {}: {message}\n  fix: {fix}\n{source}", e.field.label())
            })
            .collect(),
    })
}

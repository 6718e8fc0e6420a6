//! Flows' error documents: `{"error": {"code", "detail"}, "debug_id"}`, where `detail` is a
//! text, or for a refused body (422) a list of `{"loc", "msg", "type"}` with a summary
//! `message` (as in the Python SDK's registered responses).

use serde_json::{Value, json};

use crate::flows::DefinitionErrors;
use crate::testing::local::http::{Reply, Request};

/// The code Flows gives a status.
fn code(status: u16) -> &'static str {
    match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "STATE_CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        422 => "UNPROCESSABLE_ENTITY",
        429 => "TOO_MANY_REQUESTS",
        501 => "NOT_IMPLEMENTED",
        _ => "UNEXPECTED_ERROR",
    }
}

/// An error with a text detail.
pub(super) fn error(status: u16, detail: &str) -> Reply {
    let debug_id = uuid::Uuid::new_v4().to_string();
    Reply::json(status, &json!({"error": {"code": code(status), "detail": detail}, "debug_id": debug_id}))
}

/// The error for a status alone (`Service::error`).
pub(super) fn for_status(status: u16, message: &str, _req: &Request) -> Reply {
    error(status, message)
}

/// A 422 for refused fields: each `(loc, msg)`.
pub(super) fn invalid(problems: &[(Vec<String>, String)]) -> Reply {
    let detail: Vec<Value> =
        problems.iter().map(|(loc, msg)| json!({"loc": loc, "msg": msg, "type": "value_error"})).collect();
    let n = problems.len();
    let summary: Vec<String> = problems.iter().map(|(loc, msg)| format!("$.{}: {msg}", loc.join("."))).collect();
    let message = format!("{n} validation error{} in body. {}", if n == 1 { "" } else { "s" }, summary.join(" "));
    let debug_id = uuid::Uuid::new_v4().to_string();
    Reply::json(422, &json!({"error": {"code": "UNPROCESSABLE_ENTITY", "detail": detail, "message": message}, "debug_id": debug_id}))
}

/// One refused field.
pub(super) fn invalid_one(loc: &[&str], msg: &str) -> Reply {
    invalid(&[(loc.iter().map(|s| s.to_string()).collect(), msg.to_string())])
}

/// A refused definition.
pub(super) fn definition(errors: &DefinitionErrors) -> Reply {
    invalid(&errors.0.iter().map(|p| (p.loc.clone(), p.msg.clone())).collect::<Vec<_>>())
}

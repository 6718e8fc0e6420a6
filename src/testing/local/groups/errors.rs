//! Groups' error documents, as its API describes them: `{"code", "detail"}` (401 adds
//! `authorization_parameters`, 403 `provided_scopes`, a batch naming an identity twice
//! `ambiguous_identities`), and FastAPI's validation error for a request that does not fit
//! the API's model (422: `{"detail": [{"loc", "msg", "type"}]}`).
//!
//! Refused tokens carry the codes Groups' documentation gives (`AUTHENTICATION_ERROR`,
//! `INVALID_TOKEN`); the other codes are the local Globus's own where the public record shows
//! none (`NOT_FOUND`, `FORBIDDEN`...): clients read the status and `detail`.

use serde_json::{Value, json};

use crate::testing::local::http::{Reply, Request};

/// A Groups error: `{"code", "detail"}` with the request id alongside.
pub(crate) fn error(status: u16, code: &str, detail: impl Into<String>, req: &Request) -> Reply {
    let mut body = json!({"code": code, "detail": detail.into(), "request_id": req.request_id});
    match status {
        401 => body["authorization_parameters"] = json!({}),
        403 => body["provided_scopes"] = Value::Null,
        _ => {}
    }
    Reply::json(status, &body)
}

/// The Groups error for a status alone (unknown paths, wrong methods, unimplemented
/// operations, refused tokens, injected faults).
pub(crate) fn for_status(status: u16, detail: &str, req: &Request) -> Reply {
    let code = match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        413 => "REQUEST_TOO_LARGE",
        422 => "UNPROCESSABLE_ENTITY",
        429 => "TOO_MANY_REQUESTS",
        501 => "NOT_IMPLEMENTED",
        503 => "SERVICE_UNAVAILABLE",
        s if s >= 500 => "INTERNAL_SERVER_ERROR",
        _ => "ERROR",
    };
    error(status, code, detail, req)
}

/// A 422: the request does not fit the API's model; `loc` says where (`["body", "add", 0,
/// "identity_id"]`).
pub(crate) fn invalid(loc: &[Value], msg: impl Into<String>, req: &Request) -> Reply {
    let body = json!({
        "detail": [{"loc": loc, "msg": msg.into(), "type": "value_error"}],
        "request_id": req.request_id,
    });
    Reply::json(422, &body)
}

/// The group is not there, or not for the caller to see (Groups does not tell them apart).
pub(crate) fn group_not_found(id: &str, req: &Request) -> Reply {
    error(404, "NOT_FOUND", format!("Group {id} was not found, or you are not allowed to see it"), req)
}

pub(crate) fn forbidden(detail: impl Into<String>, req: &Request) -> Reply {
    error(403, "FORBIDDEN", detail, req)
}

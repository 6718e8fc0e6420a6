//! Auth's error documents: the OAuth2 `error` and `error_description` beside the `errors`
//! list (`code`, `detail`, `status`, `id`, `title`).

use http::StatusCode;
use serde_json::json;

use crate::testing::local::http::{Reply, Request};

/// An Auth error: `error` is the OAuth2 error (`invalid_client`, `invalid_grant`...), `code`
/// the code of the entry in `errors` (`INVALID_CLIENT`, `UNAUTHORIZED`...).
pub(crate) fn error(status: u16, error: &str, code: &str, detail: impl Into<String>, req: &Request) -> Reply {
    let detail = detail.into();
    let title = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
    let body = json!({
        "error": error,
        "error_description": detail,
        "errors": [{
            "code": code,
            "detail": detail,
            "status": status.to_string(),
            "id": req.request_id,
            "title": title,
        }],
    });
    Reply::json(status, &body)
}

/// The Auth error for a status alone (unknown paths, wrong methods, unimplemented
/// operations, injected faults).
pub(crate) fn for_status(status: u16, detail: &str, req: &Request) -> Reply {
    let (oauth_error, code) = match status {
        400 => ("invalid_request", "INVALID_REQUEST"),
        401 => ("invalid_token", "UNAUTHORIZED"),
        403 => ("access_denied", "FORBIDDEN"),
        404 => ("not_found", "NOT_FOUND"),
        405 => ("invalid_request", "METHOD_NOT_ALLOWED"),
        413 => ("invalid_request", "REQUEST_TOO_LARGE"),
        429 => ("too_many_requests", "TOO_MANY_REQUESTS"),
        501 => ("not_implemented", "NOT_IMPLEMENTED"),
        503 => ("temporarily_unavailable", "SERVICE_UNAVAILABLE"),
        s if s >= 500 => ("server_error", "INTERNAL_ERROR"),
        _ => ("invalid_request", "ERROR"),
    };
    error(status, oauth_error, code, detail, req)
}

//! Error bodies in the shapes Globus services send them.
//!
//! Transfer: `{"code", "message", "request_id", "resource"}`. Auth: the OAuth2 `error` and
//! `error_description` beside the `errors` list (`code`, `detail`, `status`, `id`, `title`).

use http::StatusCode;
use serde_json::json;

use super::server::{Reply, Request, Service};

/// A Transfer error: `code` like `ClientError.NotFound`, `EndpointPermissionDenied`...
pub(crate) fn transfer(status: u16, code: &str, message: impl Into<String>, req: &Request) -> Reply {
    let body = json!({
        "code": code,
        "message": message.into(),
        "request_id": req.request_id,
        "resource": transfer_resource(&req.path),
    });
    Reply::json(status, &body)
}

/// The `resource` Transfer reports: the path without the version prefix.
pub(crate) fn transfer_resource(path: &str) -> String {
    path.strip_prefix("/v0.10").filter(|p| !p.is_empty()).unwrap_or(path).to_string()
}

/// An Auth error: `error` is the OAuth2 error (`invalid_client`, `invalid_grant`...), `code`
/// the code of the entry in `errors` (`INVALID_CLIENT`, `UNAUTHORIZED`...).
pub(crate) fn auth(status: u16, error: &str, code: &str, detail: impl Into<String>, req: &Request) -> Reply {
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

/// The answer to a request an injected fault makes fail, in the service's own error shape.
pub(crate) fn injected(service: Service, status: u16, req: &Request) -> Reply {
    let message = format!("fault injected by the local Globus (HTTP {status})");
    match service {
        Service::Transfer => {
            let code = match status {
                400 => "ClientError.BadRequest",
                401 => "AuthenticationFailed",
                403 => "PermissionDenied",
                404 => "ClientError.NotFound",
                409 => "ClientError.Conflict",
                429 => "ClientError.Throttled",
                502 => "ExternalError",
                503 => "ServiceUnavailable",
                504 => "GatewayTimeout",
                s if s >= 500 => "InternalError",
                _ => "ClientError",
            };
            transfer(status, code, message, req)
        }
        Service::Auth => {
            let (error, code) = match status {
                400 => ("invalid_request", "INVALID_REQUEST"),
                401 => ("invalid_token", "UNAUTHORIZED"),
                403 => ("access_denied", "FORBIDDEN"),
                404 => ("not_found", "NOT_FOUND"),
                429 => ("too_many_requests", "TOO_MANY_REQUESTS"),
                503 => ("temporarily_unavailable", "SERVICE_UNAVAILABLE"),
                s if s >= 500 => ("server_error", "INTERNAL_ERROR"),
                _ => ("invalid_request", "ERROR"),
            };
            auth(status, error, code, message, req)
        }
    }
}

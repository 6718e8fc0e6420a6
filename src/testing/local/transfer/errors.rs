//! Transfer's error documents: `{"code", "message", "request_id", "resource"}`.

use serde_json::json;

use crate::testing::local::http::{Reply, Request};

/// A Transfer error: `code` like `ClientError.NotFound`, `EndpointPermissionDenied`...
pub(crate) fn error(status: u16, code: &str, message: impl Into<String>, req: &Request) -> Reply {
    let body = json!({
        "code": code,
        "message": message.into(),
        "request_id": req.request_id,
        "resource": resource(&req.path),
    });
    Reply::json(status, &body)
}

/// The Transfer error for a status alone (unknown paths, wrong methods, unimplemented
/// operations, refused tokens, injected faults).
pub(crate) fn for_status(status: u16, message: &str, req: &Request) -> Reply {
    let code = match status {
        400 => "ClientError.BadRequest",
        401 => "AuthenticationFailed",
        403 => "PermissionDenied",
        404 => "ClientError.NotFound",
        405 => "ClientError.MethodNotAllowed",
        409 => "ClientError.Conflict",
        413 => "ClientError.RequestTooLarge",
        429 => "ClientError.Throttled",
        501 => "NotImplemented",
        502 => "ExternalError",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        s if s >= 500 => "InternalError",
        _ => "ClientError",
    };
    error(status, code, message, req)
}

/// The `resource` Transfer reports: the path as requested, version prefix included
/// (`/v0.10/transfer`, `/v0.10/operation/endpoint/<id>/mkdir`), as in the Python SDK's
/// registered responses.
pub(crate) fn resource(path: &str) -> String {
    path.to_string()
}

/// The API version prefix of a request's path (`/v0.10`), or nothing.
pub(crate) fn version_prefix(path: &str) -> &str {
    match path.strip_prefix('/').and_then(|p| p.split_once('/')) {
        Some((version, _)) if version.starts_with('v') => &path[..version.len() + 1],
        _ => "",
    }
}

pub(crate) fn bad_request(message: impl Into<String>, req: &Request) -> Reply {
    error(400, "ClientError.BadRequest", message, req)
}

pub(crate) fn permission_denied(message: impl Into<String>, req: &Request) -> Reply {
    error(403, "EndpointPermissionDenied", message, req)
}

/// Transfer's result document (`DATA_TYPE` `result`, or `mkdir_result`...): a code and a
/// message about the request.
pub(crate) fn result(data_type: &str, code: &str, message: impl Into<String>, req: &Request) -> Reply {
    Reply::ok(&crate::transfer::types::ResultDocument {
        code: code.into(),
        data_type: Some(data_type.into()),
        message: Some(message.into()),
        request_id: Some(req.request_id.clone()),
        resource: Some(resource(&req.path)),
        extra: Default::default(),
    })
}

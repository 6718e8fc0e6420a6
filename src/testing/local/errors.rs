//! The error document a service answers with when it does not define its own shape
//! (`Service::error`): Globus's common `{"code", "message", "request_id", "status"}`.

use http::StatusCode;
use serde_json::json;

use super::http::{Reply, Request};

/// A Globus-style error: `code` from the status (`NotFound`, `MethodNotAllowed`...).
pub(crate) fn globus(status: u16, message: &str, req: &Request) -> Reply {
    let body = json!({
        "code": code(status),
        "message": message,
        "request_id": req.request_id,
        "status": status,
    });
    Reply::json(status, &body)
}

/// The error code for a status: its reason phrase in camel case (`Not Found` ->
/// `NotFound`).
fn code(status: u16) -> String {
    let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
    reason.split(|c: char| !c.is_ascii_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_status() {
        assert_eq!(code(404), "NotFound");
        assert_eq!(code(405), "MethodNotAllowed");
        assert_eq!(code(501), "NotImplemented");
        assert_eq!(code(599), "Error");
    }
}

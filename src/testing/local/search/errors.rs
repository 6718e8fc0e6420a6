//! Search's error documents (GError): `{"@datatype": "GError", "@version", "status",
//! "code", "message", "request_id"}`, with `error_data` (`cause`, `recommended_resolution`)
//! where Search gives it.

use http::StatusCode;
use serde_json::{Value, json};

use crate::testing::local::http::{Reply, Request};

/// A Search error with its code (`NotFound.Generic`, `Conflict.IncompatibleIndexStatus`...).
pub(crate) fn error(status: u16, code: &str, message: impl Into<String>, req: &Request) -> Reply {
    with_data(status, code, message, None, req)
}

/// A Search error with `error_data`.
pub(crate) fn with_data(status: u16, code: &str, message: impl Into<String>, data: Option<Value>, req: &Request) -> Reply {
    let mut body = json!({
        "@datatype": "GError",
        "@version": "2017-09-01",
        "status": status,
        "code": code,
        "message": message.into(),
        "request_id": req.request_id,
    });
    if let (Some(data), Some(obj)) = (data, body.as_object_mut()) {
        obj.insert("error_data".into(), data);
    }
    Reply::json(status, &body)
}

/// The error for a status alone: its reason in camel case, then `.Generic`
/// (`BadRequest.Generic`, `Forbidden.Generic`, `NotFound.Generic`...).
pub(crate) fn for_status(status: u16, message: &str, req: &Request) -> Reply {
    error(status, &generic_code(status), message, req)
}

fn generic_code(status: u16) -> String {
    let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
    let camel: String = reason.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    format!("{camel}.Generic")
}

/// A malformed request (400).
pub(crate) fn bad_request(message: impl Into<String>, req: &Request) -> Reply {
    error(400, "BadRequest.Generic", message, req)
}

/// Something that does not exist, or that the caller may not see (404).
pub(crate) fn not_found(message: impl Into<String>, req: &Request) -> Reply {
    error(404, "NotFound.Generic", message, req)
}

/// The caller lacks the role `operation` needs (403, with `error_data`).
pub(crate) fn denied(operation: &str, req: &Request) -> Reply {
    let data = json!({
        "cause": format!("The caller has no role on this index that allows {operation}."),
        "recommended_resolution": "Call with a Search token of an identity (or a member of a group) that holds the \
                                   role this operation needs on the index",
    });
    with_data(403, "Forbidden.Generic", format!("{operation} request denied by service"), Some(data), req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_status() {
        assert_eq!(generic_code(400), "BadRequest.Generic");
        assert_eq!(generic_code(404), "NotFound.Generic");
        assert_eq!(generic_code(405), "MethodNotAllowed.Generic");
        assert_eq!(generic_code(501), "NotImplemented.Generic");
    }
}

//! Timers' error documents: a validation error is `422` with
//! `{"detail": [{"loc": [...], "msg", "type"}]}`; any other error
//! `{"error": {"code", "detail", "status"}}` (as in the Python SDK's registered responses).

use serde_json::json;

use crate::testing::local::http::{Reply, Request};

/// One refused field: where (`["body", "timer", "schedule", "interval_seconds"]`), why, and
/// the kind of error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Invalid {
    pub loc: Vec<String>,
    pub msg: String,
    pub kind: String,
}

impl Invalid {
    pub fn new(loc: &[&str], msg: &str, kind: &str) -> Invalid {
        Invalid { loc: loc.iter().map(|s| s.to_string()).collect(), msg: msg.to_string(), kind: kind.to_string() }
    }

    /// The 422 answer.
    pub fn reply(&self) -> Reply {
        Reply::json(422, &json!({"detail": [{"loc": self.loc, "msg": self.msg, "type": self.kind}]}))
    }
}

impl From<Invalid> for Reply {
    fn from(i: Invalid) -> Reply {
        i.reply()
    }
}

/// An error that is not a validation error.
pub(super) fn error(status: u16, message: &str) -> Reply {
    let code = match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        429 => "TOO_MANY_REQUESTS",
        501 => "NOT_IMPLEMENTED",
        _ => "ERROR",
    };
    Reply::json(status, &json!({"error": {"code": code, "detail": message, "status": status}}))
}

/// The error for a status alone (`Service::error`).
pub(super) fn for_status(status: u16, message: &str, _req: &Request) -> Reply {
    error(status, message)
}

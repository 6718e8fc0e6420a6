//! Globus Transfer v0.10: routing, token checks, and the helpers the handlers share.

mod checksum;
mod copy;
mod delete;
mod endpoints;
mod files;
mod paths;
mod submit;
mod tasks;
mod worker;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::server::{Reply, Request};
use super::tokens::{TRANSFER_RS, TRANSFER_SCOPE};
use super::{LocalCollection, Shared, auth, errors};

pub(crate) use tasks::TaskStore;

/// The identity a Transfer request acts for.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub identity_id: String,
    pub username: String,
}

/// The operations served, by method and path.
enum Op<'a> {
    EndpointSearch,
    GetEndpoint(&'a str),
    Ls(&'a str),
    Mkdir(&'a str),
    Rename(&'a str),
    Stat(&'a str),
    SubmissionId,
    SubmitTransfer,
    SubmitDelete,
    TaskList,
    GetTask(&'a str),
    UpdateTask(&'a str),
    CancelTask(&'a str),
    EventList(&'a str),
    SuccessfulTransfers(&'a str),
    SkippedErrors(&'a str),
}

/// The operation for a path, or whether the path is known at all (for 405 against 404).
fn operation<'a>(method: &str, segments: &[&'a str]) -> Result<Op<'a>, bool> {
    let op = match segments {
        ["v0.10", "endpoint_search"] => ("GET", Op::EndpointSearch),
        ["v0.10", "endpoint", id] => ("GET", Op::GetEndpoint(id)),
        ["v0.10", "operation", "endpoint", id, "ls"] => ("GET", Op::Ls(id)),
        ["v0.10", "operation", "endpoint", id, "mkdir"] => ("POST", Op::Mkdir(id)),
        ["v0.10", "operation", "endpoint", id, "rename"] => ("POST", Op::Rename(id)),
        ["v0.10", "operation", "endpoint", id, "stat"] => ("GET", Op::Stat(id)),
        ["v0.10", "submission_id"] => ("GET", Op::SubmissionId),
        ["v0.10", "transfer"] => ("POST", Op::SubmitTransfer),
        ["v0.10", "delete"] => ("POST", Op::SubmitDelete),
        ["v0.10", "task_list"] => ("GET", Op::TaskList),
        ["v0.10", "task", id] if method == "PUT" => ("PUT", Op::UpdateTask(id)),
        ["v0.10", "task", id] => ("GET", Op::GetTask(id)),
        ["v0.10", "task", id, "cancel"] => ("POST", Op::CancelTask(id)),
        ["v0.10", "task", id, "event_list"] => ("GET", Op::EventList(id)),
        ["v0.10", "task", id, "successful_transfers"] => ("GET", Op::SuccessfulTransfers(id)),
        ["v0.10", "task", id, "skipped_errors"] => ("GET", Op::SkippedErrors(id)),
        _ => return Err(false),
    };
    if op.0 == method { Ok(op.1) } else { Err(true) }
}

pub(crate) fn route(shared: &Arc<Shared>, req: &Request) -> Reply {
    let segments = req.segments();
    let op = match operation(req.method.as_str(), &segments) {
        Ok(op) => op,
        Err(true) => {
            let msg = format!("{} is not allowed on {}", req.method, errors::transfer_resource(&req.path));
            return errors::transfer(405, "ClientError.MethodNotAllowed", msg, req);
        }
        Err(false) => {
            let msg = format!("the local Globus Transfer does not serve {}", req.path);
            return errors::transfer(404, "ClientError.NotFound", msg, req);
        }
    };
    let caller = match authenticate(shared, req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let result = match op {
        Op::EndpointSearch => endpoints::search(shared, req, &caller),
        Op::GetEndpoint(id) => endpoints::get(shared, req, &caller, id),
        Op::Ls(id) => files::ls(shared, req, id),
        Op::Mkdir(id) => files::mkdir(shared, req, id),
        Op::Rename(id) => files::rename(shared, req, id),
        Op::Stat(id) => files::stat(shared, req, id),
        Op::SubmissionId => Ok(Reply::ok(&crate::transfer::types::SubmissionId {
            data_type: Some("submission_id".into()),
            value: uuid::Uuid::new_v4().to_string(),
            extra: Default::default(),
        })),
        Op::SubmitTransfer => submit::submit_transfer(shared, req, &caller),
        Op::SubmitDelete => submit::submit_delete(shared, req, &caller),
        Op::TaskList => tasks::list(shared, req, &caller),
        Op::GetTask(id) => tasks::get(shared, req, &caller, id),
        Op::UpdateTask(id) => tasks::update(shared, req, &caller, id),
        Op::CancelTask(id) => tasks::cancel(shared, req, &caller, id),
        Op::EventList(id) => tasks::events(shared, req, &caller, id),
        Op::SuccessfulTransfers(id) => tasks::successful_transfers(shared, req, &caller, id),
        Op::SkippedErrors(id) => tasks::skipped_errors(shared, req, &caller, id),
    };
    result.unwrap_or_else(|e| e)
}

/// Every Transfer call needs an active token for Transfer with its scope.
fn authenticate(shared: &Shared, req: &Request) -> Result<Caller, Reply> {
    let record =
        auth::bearer_token(shared, req).map_err(|detail| errors::transfer(401, "AuthenticationFailed", detail, req))?;
    if record.resource_server != TRANSFER_RS || !record.has_scope(TRANSFER_SCOPE) {
        let msg = format!(
            "the token is for {} with scopes {:?}; Transfer needs a token with the scope {TRANSFER_SCOPE}",
            record.resource_server,
            record.scope_string()
        );
        return Err(errors::transfer(403, "PermissionDenied", msg, req));
    }
    let username = shared.find_identity(&record.identity_id).map(|i| i.username).unwrap_or_default();
    Ok(Caller { identity_id: record.identity_id, username })
}

type Handled = Result<Reply, Reply>;

pub(super) fn bad_request(message: impl Into<String>, req: &Request) -> Reply {
    errors::transfer(400, "ClientError.BadRequest", message, req)
}

pub(super) fn permission_denied(message: impl Into<String>, req: &Request) -> Reply {
    errors::transfer(403, "EndpointPermissionDenied", message, req)
}

/// The collection with this id, or `EndpointNotFound`.
pub(super) fn collection<'a>(shared: &'a Shared, id: &str, req: &Request) -> Result<&'a LocalCollection, Reply> {
    shared
        .collections
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| errors::transfer(404, "EndpointNotFound", format!("No such endpoint with id '{id}'"), req))
}

/// A collection that may be written to.
pub(super) fn writable<'a>(shared: &'a Shared, id: &str, req: &Request) -> Result<&'a LocalCollection, Reply> {
    let c = collection(shared, id, req)?;
    if c.read_only {
        return Err(permission_denied(format!("Denied by endpoint: collection {} ({id}) is read-only", c.name), req));
    }
    Ok(c)
}

/// Resolve a path, answering errors as Transfer does.
pub(super) fn resolve(c: &LocalCollection, path: &str, req: &Request) -> Result<paths::Resolved, Reply> {
    paths::resolve(c, path).map_err(|e| match e {
        paths::PathError::Escape(m) => permission_denied(format!("Denied by endpoint: Path not allowed. {m}"), req),
        paths::PathError::Invalid(m) => bad_request(m, req),
    })
}

/// An integer query parameter within `min..=max`, or `default` when absent.
pub(super) fn int_param(req: &Request, name: &str, default: i64, min: i64, max: i64) -> Result<i64, Reply> {
    match req.query(name) {
        None | Some("") => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad_request(format!("Invalid {name} value {v:?}: expected an integer from {min} to {max}"), req)),
        },
    }
}

/// A document as Globus sends it: the fields it always has are `null` when unset.
pub(super) fn document(value: &impl Serialize, always: &[&str]) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        for key in always {
            obj.entry(key.to_string()).or_insert(Value::Null);
        }
    }
    v
}

/// Build a generated type from its builder (a missing required field is a server bug,
/// answered with a 500).
pub(super) fn build<T, B>(builder: B, req: &Request) -> Result<T, Reply>
where
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    T::try_from(builder).map_err(|e| {
        errors::transfer(500, "InternalError", format!("the local Globus built an invalid document: {e}"), req)
    })
}

/// Task times as Transfer writes them: `2021-09-02T18:04:47+00:00`.
pub(super) fn task_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// A time as Transfer accepts it: RFC 3339, or `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|±HH:MM]`
/// (UTC when no zone is given).
pub(super) fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let s = s.trim();
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(stripped) => format!("{stripped}+00:00"),
        None => s.to_string(),
    };
    let zoned = ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"];
    for fmt in zoned.iter().chain(["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"].iter()) {
        if let Ok(t) = DateTime::parse_from_str(&s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form_transfer_takes() {
        let want = chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:00Z").unwrap();
        for s in [
            "2024-05-06T07:08:00Z",
            "2024-05-06T07:08:00+00:00",
            "2024-05-06 07:08:00+00:00",
            "2024-05-06 07:08Z",
            "2024-05-06T09:08:00+02:00",
            "2024-05-06 07:08:00",
            "2024-05-06 07:08:00.000+0000",
        ] {
            assert_eq!(parse_time(s), Some(want.with_timezone(&chrono::Utc)), "{s}");
        }
        assert!(parse_time("2024-05-06").is_some());
        assert!(parse_time("tomorrow").is_none());
    }
}

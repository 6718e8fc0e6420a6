//! Deleting data, each a task on the index: by query (what the query and filters match
//! among the entries the caller may see, or all with `bypass_visible_to` for admins and
//! owners), by subjects (`batch_delete_by_subject`), one subject, one entry.

use serde_json::Value;

use super::access::{Need, RoleName};
use super::request::{self, Kind};
use super::tasks::{Work, submit};
use super::{Access, Search, errors, json_body, open_index};
use crate::testing::local::core::lock;
use crate::testing::local::plugin::{Call, Handled};

/// How many subjects one `batch_delete_by_subject` may name.
const MAX_SUBJECTS: usize = 10_000;

/// Submit a deletion task after the checks every deletion shares (`admin`: the caller must
/// be an admin or owner, for `bypass_visible_to`).
fn delete(s: &Search, call: &Call<'_, Access>, task_type: &'static str, admin: bool, work: Work) -> Handled {
    let req = call.req;
    let id = call.param("index_id")?;
    let mut guard = lock(&s.state);
    let state = &mut *guard;
    let index = open_index(state, id, req)?;
    let principals = call.caller.principals();
    index.require(&principals, RoleName::Writer, task_type, req)?;
    if admin {
        index.require(&principals, RoleName::Admin, "bypass_visible_to", req)?;
    }
    submit(s, state, id, task_type, work, req)
}

/// `POST /v1/index/{index_id}/delete_by_query`.
pub(super) fn by_query(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Write, req)?;
    let body = json_body(req)?;
    let query = request::parse(&body, Kind::DeleteByQuery).map_err(|e| errors::bad_request(e, req))?;
    let admin = query.bypass_visible_to;
    let work = Work::DeleteByQuery(Box::new(query), call.caller.principals());
    delete(s, call, "delete-by-query", admin, work)
}

/// `POST /v1/index/{index_id}/batch_delete_by_subject`.
pub(super) fn batch_by_subject(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Write, req)?;
    let body = json_body(req)?;
    let subjects = match body.get("subjects") {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= MAX_SUBJECTS => list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| errors::bad_request("'subjects' must hold strings only", req))?,
        _ => return Err(errors::bad_request(format!("'subjects' must be a list of 1 to {MAX_SUBJECTS} subjects"), req)),
    };
    delete(s, call, "delete-by-subject", false, Work::DeleteSubjects(subjects))
}

/// The required `subject` query parameter.
fn subject_param(call: &Call<'_, Access>) -> Result<String, crate::testing::local::http::Reply> {
    match call.req.query("subject") {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(errors::bad_request("the query parameter 'subject' is required", call.req)),
    }
}

/// `DELETE /v1/index/{index_id}/subject?subject=...`.
pub(super) fn subject(s: &Search, call: &Call<'_, Access>) -> Handled {
    call.caller.need(Need::Write, call.req)?;
    let subject = subject_param(call)?;
    delete(s, call, "delete-by-subject", false, Work::DeleteSubjects(vec![subject]))
}

/// `DELETE /v1/index/{index_id}/entry?subject=...[&entry_id=...]`.
pub(super) fn entry(s: &Search, call: &Call<'_, Access>) -> Handled {
    call.caller.need(Need::Write, call.req)?;
    let subject = subject_param(call)?;
    let entry_id = call.req.query("entry_id").map(str::to_string);
    delete(s, call, "delete-by-entry-id", false, Work::DeleteEntry(subject, entry_id))
}

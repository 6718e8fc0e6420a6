//! Reading data: `search` (GET, the query in parameters), `post_search` (a query document),
//! `scroll` (every result, page after page by marker), `get_subject` and `get_entry`. Each
//! shows only the entries whose `visible_to` holds one of the caller's principals, unless
//! an admin or owner asks for `bypass_visible_to`.

use serde_json::Value;

use super::access::{Need, RoleName};
use super::request::{self, Kind, Shown};
use super::store::{Viewer, meta_result};
use super::{Access, Index, Search, errors, json_body, open_index};
use crate::testing::local::core::lock;
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// Run `body` as a query of `kind` on the call's index.
fn run(s: &Search, call: &Call<'_, Access>, body: &Value, kind: Kind) -> Handled {
    let req = call.req;
    call.caller.need(Need::Query, req)?;
    let query = request::parse(body, kind).map_err(|e| errors::bad_request(e, req))?;
    let id = call.param("index_id")?;
    let principals = call.caller.principals();
    let mut state = lock(&s.state);
    let index = open_index(&mut state, id, req)?;
    check_bypass(index, query.bypass_visible_to, &principals, req)?;
    let viewer = Viewer { principals: &principals };
    let result = match kind {
        Kind::Scroll => index.store.scroll(&query, &viewer),
        _ => index.store.search(&query, &viewer),
    };
    result.map(|doc| Reply::ok(&doc)).map_err(|e| errors::bad_request(e, req))
}

/// `bypass_visible_to` is for admins and owners.
fn check_bypass(index: &Index, bypass: bool, principals: &[String], req: &Request) -> Result<(), Reply> {
    if bypass { index.require(principals, RoleName::Admin, "bypass_visible_to", req) } else { Ok(()) }
}

/// `GET /v1/index/{index_id}/search`.
pub(super) fn search(s: &Search, call: &Call<'_, Access>) -> Handled {
    let body = request::from_query_params(&call.req.query).map_err(|e| errors::bad_request(e, call.req))?;
    run(s, call, &body, Kind::Search)
}

/// `POST /v1/index/{index_id}/search`.
pub(super) fn post_search(s: &Search, call: &Call<'_, Access>) -> Handled {
    run(s, call, &json_body(call.req)?, Kind::Search)
}

/// `POST /v1/index/{index_id}/scroll`.
pub(super) fn scroll(s: &Search, call: &Call<'_, Access>) -> Handled {
    run(s, call, &json_body(call.req)?, Kind::Scroll)
}

/// The parameters `get_subject` and `get_entry` share: subject, bypass, format.
fn lookup_params(call: &Call<'_, Access>) -> Result<(String, bool), Reply> {
    let req = call.req;
    call.caller.need(Need::Query, req)?;
    let subject = match req.query("subject") {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => return Err(errors::bad_request("the query parameter 'subject' is required", req)),
    };
    let bypass = match req.query("bypass_visible_to").map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "") => false,
        Some("true" | "1") => true,
        Some(other) => return Err(errors::bad_request(format!("'bypass_visible_to' must be true or false, not {other:?}"), req)),
    };
    match req.query("result_format_version") {
        None | Some("2019-08-27") => {}
        Some(other) => {
            return Err(errors::bad_request(
                format!("result_format_version {other:?} is not supported by the local Globus Search (only 2019-08-27)"),
                req,
            ));
        }
    }
    Ok((subject, bypass))
}

/// Look up a subject's entries (all, or the one with `entry_id`) the caller may see.
fn lookup(s: &Search, call: &Call<'_, Access>, entry_id: Option<Option<&str>>) -> Handled {
    let req = call.req;
    let (subject, bypass) = lookup_params(call)?;
    let id = call.param("index_id")?;
    let principals = call.caller.principals();
    let mut state = lock(&s.state);
    let index = open_index(&mut state, id, req)?;
    check_bypass(index, bypass, &principals, req)?;
    let viewer = Viewer { principals: &principals };
    let entries = index.store.subject(&subject, &viewer, bypass).unwrap_or_default();
    let entries: Vec<_> = match entry_id {
        None => entries,
        Some(want) => entries.into_iter().filter(|e| e.entry_id.as_deref() == want).collect(),
    };
    if entries.is_empty() {
        let what = match entry_id {
            None => format!("subject {subject:?}"),
            Some(e) => format!("entry {:?} of subject {subject:?}", e.unwrap_or("null")),
        };
        return Err(errors::not_found(format!("No {what} is visible in this index"), req));
    }
    let shown = Shown { content: true, visible_to: false, principal_sets: false };
    Ok(Reply::ok(&meta_result(&subject, &entries, shown, &viewer, &[])))
}

/// `GET /v1/index/{index_id}/subject?subject=...`.
pub(super) fn get_subject(s: &Search, call: &Call<'_, Access>) -> Handled {
    lookup(s, call, None)
}

/// `GET /v1/index/{index_id}/entry?subject=...[&entry_id=...]` (no `entry_id`: the entry
/// whose id is null).
pub(super) fn get_entry(s: &Search, call: &Call<'_, Access>) -> Handled {
    let entry_id = call.req.query("entry_id");
    lookup(s, call, Some(entry_id))
}

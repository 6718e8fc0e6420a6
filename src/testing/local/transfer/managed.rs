//! The endpoint manager's view of other users' tasks on one's collections:
//! `endpoint_manager_task_list` (filters, `last_key` paging), `endpoint_manager_get_task`, its
//! events, successful transfers and skipped errors, and `endpoint_manager_cancel_tasks` with
//! `endpoint_manager_cancel_status`.
//!
//! A task is seen by the administrators (its collection's owner among them), activity managers
//! and activity monitors of its source or destination collection (`roles`); administrators and
//! activity managers may cancel it. A task the caller may not see is not found.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::errors::{self, bad_request};
use super::tasks::{self, CANCEL_ROLES, SEE_ROLES, View};
use super::{Transfer, collection, int_param, parse_time};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::plugin::{Call, Handled};
use crate::testing::local::http::{Reply, Request};

/// At most this many task ids per filter or cancel request.
const MAX_IDS: usize = 50;
/// Admin cancel jobs kept for `endpoint_manager_cancel_status`.
const MAX_CANCELS: usize = 1000;

/// An admin cancel job (done at once: the local tasks stop when asked).
#[derive(Clone, Debug)]
pub(super) struct AdminCancel {
    id: i64,
    by: String,
    message: String,
    task_ids: Vec<String>,
}

impl AdminCancel {
    fn document(&self) -> Value {
        json!({
            "DATA_TYPE": "admin_cancel",
            "id": self.id,
            "done": true,
            "message": self.message,
            "task_id_list": self.task_ids,
        })
    }
}

fn ids(value: &str, name: &str, req: &Request) -> Result<Vec<String>, Reply> {
    let list: Vec<String> = value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if list.len() > MAX_IDS {
        return Err(bad_request(format!("{name} holds at most {MAX_IDS} ids"), req));
    }
    Ok(list)
}

/// A time range; either bound may be open.
type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The `task_id_list` of an admin cancel, pause or resume: 1 to `MAX_IDS` task ids.
pub(super) fn task_id_list(list: Option<&Value>, req: &Request) -> Result<Vec<String>, Reply> {
    match list {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= MAX_IDS => list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| bad_request("task_id_list holds task ids (strings)", req)),
        _ => Err(bad_request(format!("task_id_list is required: 1 to {MAX_IDS} task ids"), req)),
    }
}

/// `start,end`, either side empty for no bound (not both).
fn time_range(value: &str, req: &Request) -> Result<TimeRange, Reply> {
    let invalid = || bad_request(format!("Invalid filter_completion_time {value:?}: use START,END (one may be empty)"), req);
    let (start, end) = value.split_once(',').ok_or_else(invalid)?;
    let bound = |s: &str| -> Result<Option<DateTime<Utc>>, Reply> {
        let s = s.trim();
        if s.is_empty() { Ok(None) } else { parse_time(s).map(Some).ok_or_else(invalid) }
    };
    let range = (bound(start)?, bound(end)?);
    if range == (None, None) {
        return Err(invalid());
    }
    Ok(range)
}

pub(super) fn task_list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let limit = int_param(req, "limit", 10, 1, 1000)? as usize;
    let statuses = match req.query("filter_status") {
        None | Some("") => None,
        Some(s) => {
            let list: Vec<String> = s.split(',').map(|x| x.trim().to_ascii_uppercase()).filter(|x| !x.is_empty()).collect();
            if let Some(bad) = list.iter().find(|x| !["ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"].contains(&x.as_str())) {
                return Err(bad_request(format!("Invalid filter_status {bad:?}: use ACTIVE, INACTIVE, SUCCEEDED or FAILED"), req));
            }
            Some(list)
        }
    };
    let task_ids = req.query("filter_task_id").map(|v| ids(v, "filter_task_id", req)).transpose()?;
    let endpoint = req.query("filter_endpoint").map(str::trim).filter(|e| !e.is_empty());
    let only_running = statuses.as_ref().is_some_and(|s| s.iter().all(|x| x == "ACTIVE" || x == "INACTIVE"));
    if !only_running && task_ids.is_none() && endpoint.is_none() {
        let msg = "filter_task_id or filter_endpoint is required unless filter_status is ACTIVE or INACTIVE only";
        return Err(bad_request(msg, req));
    }
    let endpoint_use = match req.query("filter_endpoint_use") {
        None | Some("") => None,
        Some(u @ ("source" | "destination")) if endpoint.is_some() => Some(u),
        Some("source" | "destination") => return Err(bad_request("filter_endpoint_use requires filter_endpoint", req)),
        Some(other) => return Err(bad_request(format!("Invalid filter_endpoint_use {other:?}: use source or destination"), req)),
    };
    if let Some(id) = endpoint {
        let c = collection(t, id, req)?;
        if !super::roles::holds(t, &c, &caller.identity_id, SEE_ROLES) {
            let msg = format!("You are not an administrator, activity manager or activity monitor of {id}");
            return Err(errors::error(403, "PermissionDenied", msg, req));
        }
    }
    let owner = req.query("filter_owner_id").map(str::trim).filter(|o| !o.is_empty());
    let paused = match req.query("filter_is_paused") {
        None | Some("") => None,
        Some(p) if !only_running => return Err(bad_request(format!("filter_is_paused {p:?} requires filter_status ACTIVE or INACTIVE"), req)),
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => return Err(bad_request(format!("Invalid filter_is_paused {other:?}"), req)),
    };
    let completed = req.query("filter_completion_time").filter(|v| !v.is_empty()).map(|v| time_range(v, req)).transpose()?;
    let min_faults = match req.query("filter_min_faults") {
        None | Some("") => None,
        Some(_) => Some(int_param(req, "filter_min_faults", 0, 0, i64::MAX)?),
    };
    if req.query("filter_local_user").is_some_and(|u| !u.is_empty()) {
        return Err(bad_request("filter_local_user: the local Globus maps no local user accounts", req));
    }
    let after = match req.query("last_key") {
        None | Some("") => None,
        Some(k) => Some(k.parse::<u64>().map_err(|_| bad_request(format!("Invalid last_key {k:?}"), req))?),
    };

    // The collections whose tasks the caller sees, decided once for the whole listing.
    let visible: HashSet<String> = {
        let collections = lock(&t.collections).clone();
        collections
            .into_iter()
            .filter(|c| super::roles::holds(t, c, &caller.identity_id, SEE_ROLES))
            .map(|c| c.id)
            .collect()
    };
    let store = lock(&t.tasks);
    let mut found: Vec<&tasks::TaskRecord> = store
        .all()
        .iter()
        .filter(|task| {
            statuses.as_ref().is_none_or(|s| s.iter().any(|x| x == task.status))
                && task_ids.as_ref().is_none_or(|ids| ids.contains(&task.id))
                && owner.is_none_or(|o| task.owner_id == o)
                && endpoint.is_none_or(|e| match endpoint_use {
                    Some("source") => task.source.0 == e,
                    Some(_) => task.destination.as_ref().is_some_and(|d| d.0 == e),
                    None => task.source.0 == e || task.destination.as_ref().is_some_and(|d| d.0 == e),
                })
                && paused.is_none_or(|p| !p)
                && completed.is_none_or(|(lo, hi)| {
                    task.completion_time.is_some_and(|c| lo.is_none_or(|lo| c >= lo) && hi.is_none_or(|hi| c <= hi))
                })
                && min_faults.is_none_or(|m| task.counters.faults >= m)
                && after.is_none_or(|k| task.seq < k)
                && (visible.contains(&task.source.0) || task.destination.as_ref().is_some_and(|d| visible.contains(&d.0)))
        })
        .collect();
    // Newest first; the key of a page is the position of its last task.
    found.sort_by_key(|task| std::cmp::Reverse(task.seq));
    let more = found.len() > limit;
    let mut data = Vec::new();
    for task in found.iter().take(limit) {
        data.push(tasks::task_doc(task, req)?);
    }
    let last_key = more.then(|| found[limit - 1].seq.to_string());
    Ok(Reply::ok(&json!({
        "DATA_TYPE": "task_list",
        "DATA": data,
        "has_next_page": more,
        "last_key": last_key,
        "length": data.len(),
        "limit": limit,
    })))
}

pub(super) fn get_task(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    tasks::get_as(t, call, View::Manager)
}

pub(super) fn pause_info(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    tasks::pause_info_as(t, call, View::Manager)
}

pub(super) fn events(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    tasks::events_as(t, call, View::Manager)
}

pub(super) fn successful_transfers(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    tasks::successful_transfers_as(t, call, View::Manager)
}

pub(super) fn skipped_errors(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    tasks::skipped_errors_as(t, call, View::Manager)
}

pub(super) fn cancel_tasks(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let doc: Value = req.json().map_err(|e| bad_request(e, req))?;
    if let Some(d) = doc.get("DATA_TYPE").filter(|d| !d.is_null())
        && d != "admin_cancel"
    {
        return Err(bad_request(format!("Invalid DATA_TYPE {d}: use admin_cancel"), req));
    }
    let message = match doc.get("message") {
        Some(Value::String(m)) if !m.trim().is_empty() && m.len() <= 2048 => m.clone(),
        _ => return Err(bad_request("message is required: a string of 1 to 2048 bytes for the owners", req)),
    };
    let task_ids = task_id_list(doc.get("task_id_list"), req)?;
    let unique: HashSet<&String> = task_ids.iter().collect();
    let mut store = lock(&t.tasks);
    // Every task must be one the caller may cancel, or nothing is canceled.
    let mut sides = Vec::new();
    for id in &unique {
        let side = store
            .get(id)
            .and_then(|task| tasks::managed_side(t, task, &caller.identity_id, CANCEL_ROLES))
            .ok_or_else(|| errors::error(404, "ClientError.NotFound", format!("No task you may cancel has id '{id}'"), req))?;
        sides.push(((*id).clone(), side));
    }
    for (id, side) in sides {
        if let Some(task) = store.get_mut(&id)
            && task.is_active()
        {
            task.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            task.canceled_by_admin = Some((side, message.clone()));
            task.finish(Some(("CANCELED", format!("The task was canceled by an administrator of its endpoint: {message}"))));
        }
    }
    drop(store);
    let mut cancels = lock(&t.admin_cancels);
    let job = AdminCancel {
        id: cancels.last().map_or(1, |c| c.id + 1),
        by: caller.identity_id.clone(),
        message,
        task_ids,
    };
    if cancels.len() >= MAX_CANCELS {
        cancels.remove(0);
    }
    cancels.push(job.clone());
    Ok(Reply::ok(&job.document()))
}

pub(super) fn cancel_status(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, id) = (call.req, call.param("admin_cancel_id")?);
    let cancels = lock(&t.admin_cancels);
    let job = cancels
        .iter()
        .find(|c| c.id.to_string() == id && c.by == call.caller.identity_id)
        .ok_or_else(|| errors::error(404, "ClientError.NotFound", format!("No admin cancel with id '{id}'"), req))?;
    Ok(Reply::ok(&job.document()))
}

//! The handlers: `create_timer` (v2 transfer timers), and the jobs API (`create_job`,
//! `list_jobs`, `get_job`, `update_job`, `delete_job`, `pause_job`, `resume_job`). A timer is
//! its owner's alone: another caller gets a 404, as for a timer that does not exist.

use std::collections::VecDeque;

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::errors::{Invalid, error};
use super::schedule::{self, Plan};
use super::store::{Origin, Status, TRANSFER_ACTION_URL, TimerRecord};
use super::{TIMERS_RS, TRANSFER_RS, TRANSFER_SCOPE, Timers};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// The most timers the local Timers holds (every owner's).
const MAX_TIMERS: usize = 10_000;
/// The largest request body it reads (a timer's transfer is kept for its life).
const MAX_BODY: usize = 1024 * 1024;
/// The longest name.
const MAX_NAME: usize = 1024;
/// The most items a timer's transfer may have.
const MAX_ITEMS: usize = 10_000;

/// The request's JSON object, or Timers' 422 (413 for an oversized body).
fn object(req: &Request) -> Result<Map<String, Value>, Reply> {
    if req.body.len() > MAX_BODY {
        return Err(error(413, &format!("the request body is over {MAX_BODY} bytes")));
    }
    match req.json::<Value>() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Invalid::new(&["body"], "value is not a valid dict", "type_error.dict").reply()),
        Err(e) => Err(Invalid::new(&["body"], &e, "value_error.jsondecode").reply()),
    }
}

/// An optional string field (`null` is absent).
fn opt_string(m: &Map<String, Value>, key: &str, loc: &[&str], max: usize) -> Result<Option<String>, Invalid> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(Invalid::new(loc, &format!("ensure this value has at most {max} characters"), "value_error.any_str.max_length")),
        Some(_) => Err(Invalid::new(loc, "str type expected", "type_error.str")),
    }
}

/// A transfer document a timer may run: `DATA_TYPE` `transfer` (or absent), the two
/// collections, one or more items each with both paths. Kept as sent, without
/// `submission_id` and `skip_activation_check` (each run gets its own submission id). The
/// Transfer action provider's form (`source_endpoint_id`, `destination_endpoint_id`,
/// `transfer_items`) is taken too, as Transfer's.
fn transfer_body(v: Option<&Value>, loc: &[&str]) -> Result<Map<String, Value>, Invalid> {
    let at = |field: &'static str| -> Vec<&str> { loc.iter().copied().chain(std::iter::once(field)).collect() };
    let mut body = match v {
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(Invalid::new(loc, "value is not a valid dict", "type_error.dict")),
        None => return Err(Invalid::new(loc, "field required", "value_error.missing")),
    };
    for (from, to) in [("source_endpoint_id", "source_endpoint"), ("destination_endpoint_id", "destination_endpoint"), ("transfer_items", "DATA")] {
        if !body.contains_key(to)
            && let Some(v) = body.remove(from)
        {
            body.insert(to.into(), v);
        }
    }
    body.remove("submission_id");
    body.remove("skip_activation_check");
    match body.get("DATA_TYPE") {
        None => {
            body.insert("DATA_TYPE".into(), "transfer".into());
        }
        Some(Value::String(s)) if s == "transfer" => {}
        Some(_) => return Err(Invalid::new(&at("DATA_TYPE"), "a timer runs transfers: DATA_TYPE is \"transfer\"", "value_error.const")),
    }
    for key in ["source_endpoint", "destination_endpoint"] {
        match body.get(key) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => {}
            Some(_) => return Err(Invalid::new(&at(key), "a collection id is expected", "type_error.str")),
            None => return Err(Invalid::new(&at(key), "field required", "value_error.missing")),
        }
    }
    let items = match body.get_mut("DATA") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Invalid::new(&at("DATA"), "value is not a valid list", "type_error.list")),
        None => return Err(Invalid::new(&at("DATA"), "field required", "value_error.missing")),
    };
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(Invalid::new(&at("DATA"), &format!("a transfer has from 1 to {MAX_ITEMS} items"), "value_error.list"));
    }
    for item in items.iter_mut() {
        let Value::Object(item) = item else {
            return Err(Invalid::new(&at("DATA"), "each item is a dict", "type_error.dict"));
        };
        for key in ["source_path", "destination_path"] {
            if !item.get(key).is_some_and(Value::is_string) {
                return Err(Invalid::new(&[&at("DATA")[..], &[key]].concat(), "field required (a path)", "value_error.missing"));
            }
        }
        item.entry("DATA_TYPE").or_insert_with(|| "transfer_item".into());
    }
    Ok(body)
}

/// Keep a new timer (its dependent grant for Transfer made with the caller's token), wake
/// the scheduler, answer with `doc` of it.
fn insert(
    t: &Timers,
    call: &Call<'_, Caller>,
    name: Option<String>,
    origin: Origin,
    plan: Plan,
    body: Map<String, Value>,
    doc: fn(&TimerRecord) -> Value,
) -> Handled {
    let Some(first) = plan.within_end(plan.first) else {
        return Err(Invalid::new(&["body", "schedule"], "the timer would end before its first run", "value_error").into());
    };
    let credential = t
        .core
        .dependent_grant(call.req.header("authorization"), TIMERS_RS, TRANSFER_RS, TRANSFER_SCOPE)
        .map_err(|r| error(r.status, &r.message))?;
    let record = TimerRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: call.caller.identity_id.clone(),
        name,
        origin,
        plan,
        body,
        status: Status::New,
        inactive_reason: None,
        submitted_at: Utc::now(),
        last_ran_at: None,
        next_run: Some(first),
        number_of_runs: 0,
        number_of_errors: 0,
        runs: VecDeque::new(),
        credential,
    };
    let answer = doc(&record);
    let mut timers = lock(&t.shared.timers);
    if timers.len() >= MAX_TIMERS {
        return Err(error(429, &format!("the local Timers holds {MAX_TIMERS} timers already: delete some")));
    }
    timers.insert(record.id.clone(), record);
    t.shared.wake.notify_all();
    Ok(Reply::json(201, &answer))
}

/// `POST /v2/timer`: `{"timer": {"timer_type": "transfer", "name", "schedule", "body"}}`.
pub(super) fn create_timer(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let doc = object(call.req)?;
    let timer = match doc.get("timer") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err(Invalid::new(&["body", "timer"], "value is not a valid dict", "type_error.dict").into()),
        None => return Err(Invalid::new(&["body", "timer"], "field required", "value_error.missing").into()),
    };
    match timer.get("timer_type").and_then(Value::as_str) {
        Some("transfer") => {}
        Some("flow") => {
            return Err(Invalid::new(
                &["body", "timer", "timer_type"],
                "the local Timers runs transfer timers only (there is no local Flows)",
                "value_error.const",
            )
            .into());
        }
        _ => {
            return Err(Invalid::new(&["body", "timer", "timer_type"], "timer_type is \"transfer\" or \"flow\"", "value_error.const").into());
        }
    }
    let name = opt_string(timer, "name", &["body", "timer", "name"], MAX_NAME)?;
    let schedule = timer.get("schedule").ok_or_else(|| Invalid::new(&["body", "timer", "schedule"], "field required", "value_error.missing"))?;
    let (plan, shown) = schedule::from_v2(schedule, Utc::now())?;
    let body = transfer_body(timer.get("body"), &["body", "timer", "body"])?;
    let answer = |r: &TimerRecord| json!({"timer": r.v2()});
    insert(t, call, name, Origin::V2 { schedule: shown }, plan, body, answer)
}

/// `POST /jobs/`: a job calling the Transfer action provider (the only one the local Globus
/// has) with `callback_body.body`, the transfer.
pub(super) fn create_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let doc = object(call.req)?;
    let mut missing: Vec<Invalid> = Vec::new();
    for key in ["start", "callback_url", "callback_body"] {
        if !doc.contains_key(key) {
            missing.push(Invalid::new(&["body", key], "field required", "value_error.missing"));
        }
    }
    if !missing.is_empty() {
        let detail: Vec<Value> = missing.iter().map(|i| json!({"loc": i.loc, "msg": i.msg, "type": i.kind})).collect();
        return Err(Reply::json(422, &json!({"detail": detail})));
    }
    let callback_url = opt_string(&doc, "callback_url", &["body", "callback_url"], 2048)?.unwrap_or_default();
    let is_transfer_action = url::Url::parse(&callback_url).is_ok_and(|u| u.path().trim_end_matches('/').ends_with("/transfer/transfer/run"));
    if !is_transfer_action {
        return Err(Invalid::new(
            &["body", "callback_url"],
            &format!("the local Timers calls the Transfer action provider only ({TRANSFER_ACTION_URL})"),
            "value_error.url",
        )
        .into());
    }
    let callback_body = match doc.get("callback_body") {
        Some(Value::Object(m)) => m.clone(),
        _ => return Err(Invalid::new(&["body", "callback_body"], "value is not a valid dict", "type_error.dict").into()),
    };
    let body = transfer_body(callback_body.get("body"), &["body", "callback_body", "body"])?;
    let name = opt_string(&doc, "name", &["body", "name"], MAX_NAME)?;
    let scope = opt_string(&doc, "scope", &["body", "scope"], 4096)?;
    let plan = schedule::from_job(&doc, Utc::now())?;
    insert(t, call, name, Origin::Job { callback_url, callback_body, scope }, plan, body, TimerRecord::job)
}

/// `GET /jobs/`: the caller's timers, oldest first; `filter_status` (comma-separated
/// `active`, `inactive`, `ended`) keeps those.
pub(super) fn list_jobs(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let wanted: Vec<&str> = match call.req.query("filter_status") {
        None | Some("") => vec!["active", "inactive", "ended"],
        Some(list) => list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
    };
    if let Some(bad) = wanted.iter().find(|s| !["active", "inactive", "ended"].contains(s)) {
        return Err(Invalid::new(&["query", "filter_status"], &format!("unknown status {bad:?}: use active, inactive, ended"), "value_error").into());
    }
    let category = |s: Status| match s {
        Status::Inactive => "inactive",
        Status::Ended => "ended",
        _ => "active",
    };
    let timers = lock(&t.shared.timers);
    let mut mine: Vec<&TimerRecord> =
        timers.values().filter(|r| r.owner == call.caller.identity_id && wanted.contains(&category(r.status))).collect();
    mine.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at).then_with(|| a.id.cmp(&b.id)));
    Ok(Reply::ok(&json!({"jobs": mine.iter().map(|r| r.job()).collect::<Vec<_>>()})))
}

/// The caller's timer `job_id`, changed by `change` (under the lock), or 404.
fn with_timer<T>(
    t: &Timers,
    call: &Call<'_, Caller>,
    change: impl FnOnce(&mut TimerRecord) -> Result<T, Reply>,
) -> Result<T, Reply> {
    let id = call.param("job_id")?;
    let mut timers = lock(&t.shared.timers);
    match timers.get_mut(id).filter(|r| r.owner == call.caller.identity_id) {
        Some(record) => {
            let out = change(record);
            t.shared.wake.notify_all();
            out
        }
        None => Err(error(404, &format!("Timer {id} not found"))),
    }
}

/// `GET /jobs/{job_id}`.
pub(super) fn get_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    with_timer(t, call, |r| Ok(Reply::ok(&r.job())))
}

/// `PATCH /jobs/{job_id}`: the name may change (other fields are not updatable and are
/// ignored).
pub(super) fn update_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let doc = object(call.req)?;
    let name = match doc.get("name") {
        None => None,
        Some(Value::String(s)) if s.chars().count() <= MAX_NAME => Some(s.clone()),
        Some(_) => return Err(Invalid::new(&["body", "name"], &format!("a string of at most {MAX_NAME} characters"), "type_error.str").into()),
    };
    with_timer(t, call, |r| {
        if let Some(name) = name {
            r.name = Some(name);
        }
        Ok(Reply::ok(&r.job()))
    })
}

/// `DELETE /jobs/{job_id}`: the timer stops and is gone; the answer is its last document,
/// `status` `deleted`.
pub(super) fn delete_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let id = call.param("job_id")?;
    let mut timers = lock(&t.shared.timers);
    if timers.get(id).is_none_or(|r| r.owner != call.caller.identity_id) {
        return Err(error(404, &format!("Timer {id} not found")));
    }
    let Some(record) = timers.remove(id) else { return Err(error(404, &format!("Timer {id} not found"))) };
    t.shared.wake.notify_all();
    let mut doc = record.job();
    doc["status"] = "deleted".into();
    doc["next_run"] = Value::Null;
    Ok(Reply::ok(&doc))
}

/// `POST /jobs/{job_id}/pause`: inactive (cause `user`) until resumed; an ended timer
/// cannot be paused (409).
pub(super) fn pause_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    with_timer(t, call, |r| {
        if r.status == Status::Ended {
            return Err(error(409, &format!("Timer {} has ended: it cannot be paused", r.id)));
        }
        r.status = Status::Inactive;
        r.inactive_reason = Some(json!({"cause": "user", "detail": null}));
        Ok(Reply::ok(&json!({"message": format!("Successfully paused job {}.", r.id)})))
    })
}

/// `POST /jobs/{job_id}/resume`: active again; a run missed while inactive runs once at
/// once, then the schedule goes on. `update_credentials` (in the body, as the Python SDK
/// sends it, or the query) replaces the timer's grant with one made from this call's token.
/// An ended timer cannot be resumed (409).
pub(super) fn resume_job(t: &Timers, call: &Call<'_, Caller>) -> Handled {
    let update = if call.req.body.is_empty() {
        None
    } else {
        let doc = object(call.req)?;
        match doc.get("update_credentials") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(Invalid::new(&["body", "update_credentials"], "value could not be parsed to a boolean", "type_error.bool").into()),
        }
    };
    let update = match (update, call.req.query("update_credentials")) {
        (Some(b), _) => b,
        (None, None) => false,
        (None, Some(q)) => match q.to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" | "" => false,
            _ => return Err(Invalid::new(&["query", "update_credentials"], "value could not be parsed to a boolean", "type_error.bool").into()),
        },
    };
    let credential = if update {
        Some(
            t.core
                .dependent_grant(call.req.header("authorization"), TIMERS_RS, TRANSFER_RS, TRANSFER_SCOPE)
                .map_err(|r| error(r.status, &r.message))?,
        )
    } else {
        None
    };
    with_timer(t, call, |r| {
        if r.status == Status::Ended {
            return Err(error(409, &format!("Timer {} has ended: it cannot be resumed", r.id)));
        }
        if let Some(c) = credential {
            r.credential = c;
        }
        if r.status == Status::Inactive {
            r.status = if r.number_of_runs == 0 { Status::New } else { Status::Loaded };
            r.inactive_reason = None;
            let now = Utc::now();
            if r.next_run.is_some_and(|n| n <= now) {
                r.next_run = r.plan.within_end(now);
                if r.next_run.is_none() {
                    r.status = Status::Ended;
                }
            }
        }
        Ok(Reply::ok(&json!({"message": format!("Successfully resumed job {}.", r.id)})))
    })
}

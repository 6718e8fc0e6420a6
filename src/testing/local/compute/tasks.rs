//! Tasks: submission (v2: a list of `[function, endpoint, arguments]`; v3: arguments by
//! function for one endpoint), status alone and in batches, task groups; and the version.
//! Tasks are accepted and never run: each stays `waiting-for-ep`.

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::{Compute, MAX_TASKS, MAX_TASKS_PER_SUBMIT, State, TaskRecord, body, error, uuid_param};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// The API version the local Compute reports.
const API_VERSION: &str = "1.23.0";

/// `GET /v2/version` (`service=all`: the versions object).
pub(super) fn version(_c: &Compute, call: &Call<'_, Caller>) -> Handled {
    match call.req.query("service") {
        Some("all") => Ok(Reply::ok(&json!({
            "api": API_VERSION,
            "min_sdk_version": "1.0.0a6",
            "min_endpoint_version": "1.0.0a0",
            "git_sha": "local",
        }))),
        _ => Ok(Reply::ok(&API_VERSION)),
    }
}

/// Why `function_id` may not run on `endpoint_id` for `caller`, if it may not.
fn refusal(state: &State, caller: &Caller, function_id: &str, endpoint_id: &str) -> Option<(u16, String)> {
    let Some(f) = state.functions.get(function_id).filter(|f| f.public || f.owner == caller.identity_id) else {
        return Some((404, format!("function {function_id} was not found")));
    };
    let Some(e) = state.endpoints.get(endpoint_id).filter(|e| e.public || e.owner == caller.identity_id) else {
        return Some((404, format!("endpoint {endpoint_id} was not found")));
    };
    if !e.allowed_functions.is_empty() && !e.allowed_functions.contains(&f.id) {
        return Some((403, format!("function {function_id} is not allowed on endpoint {endpoint_id}")));
    }
    None
}

/// Record a task in `group`.
fn accept(state: &mut State, caller: &Caller, group: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    state.tasks.insert(id.clone(), TaskRecord { id: id.clone(), owner: caller.identity_id.clone(), group: group.to_string(), created: Utc::now() });
    state.groups.entry(group.to_string()).or_insert_with(|| (caller.identity_id.clone(), Vec::new())).1.push(id.clone());
    id
}

/// The task group of a submission: the one named (yours), or a new one.
fn group_of(state: &State, caller: &Caller, b: &Map<String, Value>, req: &Request) -> Result<String, Reply> {
    match b.get("task_group_id") {
        None | Some(Value::Null) => Ok(uuid::Uuid::new_v4().to_string()),
        Some(Value::String(g)) => {
            let g = uuid_param(g, "task_group_id", req)?;
            match state.groups.get(&g) {
                Some((owner, _)) if *owner != caller.identity_id => Err(error(403, &format!("task group {g} is not yours"), req)),
                _ => Ok(g),
            }
        }
        Some(_) => Err(error(400, "task_group_id must be a UUID", req)),
    }
}

fn room(state: &State, n: usize, req: &Request) -> Result<(), Reply> {
    if n > MAX_TASKS_PER_SUBMIT {
        return Err(error(413, &format!("at most {MAX_TASKS_PER_SUBMIT} tasks per submission"), req));
    }
    if state.tasks.len() + n > MAX_TASKS {
        return Err(error(429, &format!("the local Compute holds at most {MAX_TASKS} tasks"), req));
    }
    Ok(())
}

/// `POST /v2/submit`: one result per task, in order (refused ones with their reason).
pub(super) fn submit_v2(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let b = body(call.req)?;
    let tasks = b.get("tasks").and_then(Value::as_array).ok_or_else(|| error(400, "tasks must be a list", call.req))?;
    let mut state = lock(&c.state);
    room(&state, tasks.len(), call.req)?;
    let group = group_of(&state, &call.caller, &b, call.req)?;
    let mut results = Vec::new();
    for t in tasks {
        let parts: Option<Vec<&str>> = t.as_array().filter(|p| p.len() == 3).and_then(|p| p.iter().map(Value::as_str).collect());
        let Some(parts) = parts else {
            results.push(json!({"status": "failed", "task_uuid": null, "http_status_code": 400, "reason": "each task is [function_id, endpoint_id, arguments]"}));
            continue;
        };
        let (Some(function), Some(endpoint)) = (parts.first(), parts.get(1)) else { continue };
        let (function, endpoint) = (function.to_ascii_lowercase(), endpoint.to_ascii_lowercase());
        match refusal(&state, &call.caller, &function, &endpoint) {
            Some((status, reason)) => {
                results.push(json!({"status": "failed", "task_uuid": null, "http_status_code": status, "reason": reason}))
            }
            None => {
                let id = accept(&mut state, &call.caller, &group);
                results.push(json!({"status": "success", "task_uuid": id, "http_status_code": 200, "reason": null}));
            }
        }
    }
    Ok(Reply::ok(&json!({"response": "success", "task_group_id": group, "results": results})))
}

/// `POST /v3/endpoints/{endpoint_id}/submit`: all tasks accepted, or none.
pub(super) fn submit_v3(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let endpoint = uuid_param(call.param("endpoint_id")?, "endpoint", call.req)?;
    let b = body(call.req)?;
    let tasks = b.get("tasks").and_then(Value::as_object).ok_or_else(|| error(400, "tasks must be an object of argument lists by function id", call.req))?;
    let mut state = lock(&c.state);
    let mut count = 0usize;
    for (function, args) in tasks {
        let args = args.as_array().filter(|a| a.iter().all(Value::is_string)).ok_or_else(|| {
            error(400, &format!("the tasks of function {function} must be a list of serialized arguments"), call.req)
        })?;
        count = count.saturating_add(args.len());
        let function = uuid_param(function, "function", call.req)?;
        if let Some((status, reason)) = refusal(&state, &call.caller, &function, &endpoint) {
            return Err(error(status, &reason, call.req));
        }
    }
    room(&state, count, call.req)?;
    let group = group_of(&state, &call.caller, &b, call.req)?;
    let mut out = Map::new();
    for (function, args) in tasks {
        let n = args.as_array().map_or(0, Vec::len);
        let ids: Vec<Value> = (0..n).map(|_| Value::from(accept(&mut state, &call.caller, &group))).collect();
        out.insert(function.to_ascii_lowercase(), ids.into());
    }
    Ok(Reply::ok(&json!({
        "request_id": uuid::Uuid::new_v4().to_string(),
        "task_group_id": group,
        "endpoint_id": endpoint,
        "tasks": out,
    })))
}

/// A task's document: waiting for its endpoint (none ever runs it).
fn task_doc(t: &TaskRecord) -> Value {
    json!({
        "task_id": t.id,
        "status": "waiting-for-ep",
        "pending": true,
        "completion_t": null,
        "details": {"task_group_id": t.group, "task_transitions": {"submitted": t.created.timestamp_millis() as f64 / 1000.0}},
    })
}

/// `GET /v2/tasks/{task_id}`: yours only.
pub(super) fn get(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let id = uuid_param(call.param("task_id")?, "task", call.req)?;
    let state = lock(&c.state);
    let t = state
        .tasks
        .get(&id)
        .filter(|t| t.owner == call.caller.identity_id)
        .ok_or_else(|| error(404, &format!("task {id} was not found"), call.req))?;
    Ok(Reply::ok(&task_doc(t)))
}

/// `POST /v2/batch_status`: each task's document (an unknown one says so).
pub(super) fn batch(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let b = body(call.req)?;
    let ids = b.get("task_ids").and_then(Value::as_array).ok_or_else(|| error(400, "task_ids must be a list", call.req))?;
    if ids.len() > MAX_TASKS_PER_SUBMIT {
        return Err(error(413, &format!("at most {MAX_TASKS_PER_SUBMIT} task ids per request"), call.req));
    }
    let state = lock(&c.state);
    let mut results = Map::new();
    for id in ids {
        let Some(id) = id.as_str() else { return Err(error(400, "task_ids must be strings", call.req)) };
        let doc = match state.tasks.get(&id.to_ascii_lowercase()).filter(|t| t.owner == call.caller.identity_id) {
            Some(t) => task_doc(t),
            None => json!({"task_id": id, "status": "unknown", "pending": false, "reason": "unknown task id"}),
        };
        results.insert(id.to_string(), doc);
    }
    Ok(Reply::ok(&json!({"response": "batch", "results": results})))
}

/// `GET /v2/taskgroup/{task_group_id}`: yours only.
pub(super) fn group(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let id = uuid_param(call.param("task_group_id")?, "task group", call.req)?;
    let state = lock(&c.state);
    let (_, ids) = state
        .groups
        .get(&id)
        .filter(|(owner, _)| *owner == call.caller.identity_id)
        .ok_or_else(|| error(404, &format!("task group {id} was not found"), call.req))?;
    let tasks: Vec<Value> = ids
        .iter()
        .filter_map(|t| state.tasks.get(t))
        .map(|t| json!({"id": t.id, "created_at": t.created.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()}))
        .collect();
    Ok(Reply::ok(&json!({"taskgroup_id": id, "create_websockets_queue": false, "tasks": tasks})))
}

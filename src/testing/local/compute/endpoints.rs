//! Endpoints: registration (v2, v3), update, get, list, status, lock, allowed functions,
//! delete; and the AMQP result URL.

use chrono::Utc;
use serde_json::{Value, json};

use super::{Compute, EndpointRecord, LOCK_SECONDS, MAX_ALLOWED, MAX_ENDPOINTS, body, error, text, uuid_param};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// Random AMQP credentials: a connection URL that leads nowhere (no AMQP service runs).
fn queue(name: &str, endpoint_id: &str) -> Value {
    let user = uuid::Uuid::new_v4().simple().to_string();
    let password = uuid::Uuid::new_v4().simple().to_string();
    json!({
        "connection_url": format!("amqp://{user}:{password}@127.0.0.1:1/local-compute"),
        "exchange": format!("{name}_exchange"),
        "queue": format!("{endpoint_id}.{name}"),
        "queue_publish_kwargs": {},
    })
}

fn registration(id: &str) -> Value {
    json!({
        "endpoint_id": id,
        "task_queue_info": queue("tasks", id),
        "result_queue_info": queue("results", id),
        "heartbeat_queue_info": queue("heartbeats", id),
        "command_queue_info": queue("commands", id),
        "warnings": [],
    })
}

/// Register or update endpoint `id` from a registration body, as `caller`.
fn upsert(c: &Compute, caller: &Caller, req: &Request, id: String, create_only: bool) -> Handled {
    let b = body(req)?;
    let name = text(&b, "endpoint_name", req)?.ok_or_else(|| error(400, "endpoint_name is required", req))?;
    let allowed = match b.get("allowed_functions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) if l.len() <= MAX_ALLOWED => l
            .iter()
            .map(|v| v.as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()).map(|u| u.to_string()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| error(400, "allowed_functions must be function UUIDs", req))?,
        Some(_) => return Err(error(400, &format!("allowed_functions must be a list of at most {MAX_ALLOWED} UUIDs"), req)),
    };
    let flag = |k: &str| b.get(k).and_then(Value::as_bool).unwrap_or(false);
    let record = EndpointRecord {
        id: id.clone(),
        owner: caller.identity_id.clone(),
        display_name: text(&b, "display_name", req)?.unwrap_or_else(|| name.clone()),
        description: text(&b, "description", req)?.unwrap_or_default(),
        name,
        multi_user: flag("multi_user"),
        public: flag("public"),
        high_assurance: flag("high_assurance"),
        allowed_functions: allowed,
        version: text(&b, "version", req)?.unwrap_or_default(),
        locked_until: None,
    };
    let mut state = lock(&c.state);
    match state.endpoints.get(&id) {
        Some(e) if e.owner != caller.identity_id => {
            return Err(error(403, &format!("endpoint {id} belongs to another identity"), req));
        }
        Some(_) if create_only => return Err(error(409, &format!("endpoint {id} is already registered"), req)),
        Some(e) if e.locked_until.is_some_and(|t| t > Utc::now()) => {
            return Err(error(423, &format!("endpoint {id} is locked: registrations are refused until the lock expires"), req));
        }
        None if state.endpoints.len() >= MAX_ENDPOINTS => {
            return Err(error(429, &format!("the local Compute holds at most {MAX_ENDPOINTS} endpoints"), req));
        }
        _ => {}
    }
    state.endpoints.insert(id.clone(), record);
    Ok(Reply::ok(&registration(&id)))
}

/// `POST /v2/endpoints` (an `endpoint_uuid` re-registers that endpoint).
pub(super) fn register_v2(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let id = match call.req.json::<Value>().ok().and_then(|b| b.get("endpoint_uuid").and_then(Value::as_str).map(str::to_string)) {
        Some(id) => uuid_param(&id, "endpoint_uuid", call.req)?,
        None => uuid::Uuid::new_v4().to_string(),
    };
    upsert(c, &call.caller, call.req, id, false)
}

/// `POST /v3/endpoints`.
pub(super) fn register_v3(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    upsert(c, &call.caller, call.req, uuid::Uuid::new_v4().to_string(), true)
}

/// `PUT /v3/endpoints/{endpoint_id}`: re-register (or register with that id).
pub(super) fn update_v3(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let id = uuid_param(call.param("endpoint_id")?, "endpoint", call.req)?;
    upsert(c, &call.caller, call.req, id, false)
}

/// An endpoint the caller may see (its own, or public): 404 otherwise.
fn visible(c: &Compute, call: &Call<'_, Caller>) -> Result<EndpointRecord, Reply> {
    let id = uuid_param(call.param("endpoint_id")?, "endpoint", call.req)?;
    lock(&c.state)
        .endpoints
        .get(&id)
        .filter(|e| e.public || e.owner == call.caller.identity_id)
        .cloned()
        .ok_or_else(|| error(404, &format!("endpoint {id} was not found"), call.req))
}

/// An endpoint the caller owns: 404 when it cannot see it, 403 when it is not its own.
fn owned(c: &Compute, call: &Call<'_, Caller>) -> Result<EndpointRecord, Reply> {
    let e = visible(c, call)?;
    if e.owner != call.caller.identity_id {
        return Err(error(403, &format!("endpoint {} belongs to another identity", e.id), call.req));
    }
    Ok(e)
}

/// `GET /v2/endpoints/{endpoint_id}`.
pub(super) fn get(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let e = visible(c, call)?;
    Ok(Reply::ok(&json!({
        "uuid": e.id,
        "name": e.name,
        "display_name": e.display_name,
        "description": e.description,
        "multi_user": e.multi_user,
        "high_assurance": e.high_assurance,
        "public": e.public,
        "endpoint_config": "",
        "user_config_template": "",
        "user_config_schema": {},
        "hostname": "localhost",
        "ip_address": "127.0.0.1",
        "local_user": "",
        "endpoint_version": e.version,
        "sdk_version": e.version,
        "owner": e.owner,
    })))
}

/// `GET /v2/endpoints`: `role=owner` (default) lists your endpoints, `role=any` the public
/// ones too.
pub(super) fn list(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let any = match call.req.query("role") {
        None | Some("owner") => false,
        Some("any") => true,
        Some(other) => return Err(error(400, &format!("role must be owner or any, not {other:?}"), call.req)),
    };
    let state = lock(&c.state);
    let mut list: Vec<&EndpointRecord> =
        state.endpoints.values().filter(|e| e.owner == call.caller.identity_id || any && e.public).collect();
    list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let docs: Vec<Value> = list
        .iter()
        .map(|e| json!({"uuid": e.id, "name": e.name, "display_name": e.display_name, "owner": e.owner}))
        .collect();
    Ok(Reply::ok(&docs))
}

/// `GET /v2/endpoints/{endpoint_id}/status`: always offline (no worker connects).
pub(super) fn status(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let e = visible(c, call)?;
    Ok(Reply::ok(&json!({
        "status": "offline",
        "details": {"endpoint_id": e.id, "total_workers": 0, "idle_workers": 0, "pending_tasks": 0, "outstanding_tasks": 0, "managers": 0},
    })))
}

/// `POST /v2|v3/endpoints/{endpoint_id}/lock`: registrations are refused for five minutes.
pub(super) fn lock_endpoint(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let e = owned(c, call)?;
    let until = Utc::now() + chrono::Duration::seconds(LOCK_SECONDS);
    if let Some(r) = lock(&c.state).endpoints.get_mut(&e.id) {
        r.locked_until = Some(until);
    }
    Ok(Reply::ok(&json!({
        "endpoint_id": e.id,
        "lock_expiration_timestamp": until.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    })))
}

/// `GET /v3/endpoints/{endpoint_id}/allowed_functions`.
pub(super) fn allowlist(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let e = visible(c, call)?;
    Ok(Reply::ok(&json!({
        "endpoint_id": e.id,
        "restricted": !e.allowed_functions.is_empty(),
        "functions": e.allowed_functions,
    })))
}

/// `DELETE /v2|v3/endpoints/{endpoint_id}`.
pub(super) fn delete(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let e = owned(c, call)?;
    lock(&c.state).endpoints.remove(&e.id);
    Ok(Reply::ok(&json!({"result": 302})))
}

/// `GET /v2/get_amqp_result_connection_url`.
pub(super) fn result_amqp_url(_c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let q = queue("results", &call.caller.identity_id);
    Ok(Reply::ok(&json!({"connection_url": q["connection_url"], "queue_prefix": format!("{}.", call.caller.identity_id)})))
}

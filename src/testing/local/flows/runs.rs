//! The runs API: start (and validate) a run with a token for the flow's scope, list, get,
//! update, cancel, resume, release, the definition a run started with, and its logs.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::actions::{SEARCH_RS, SEARCH_SCOPE, TRANSFER_RS, TRANSFER_SCOPE};
use super::api::body;
use super::errors::{error, invalid_one};
use super::pages::{self, Page};
use super::store::{self, FlowRecord, Grants, Principals, RunRecord, Status, Waiting};
use super::{FLOWS_CLIENT_ID, Flows, MAX_ACTIVE_RUNS, MAX_RUNS, MAX_TAGS, MAX_TEXT};
use crate::scopes::flows as scopes;
use crate::testing::local::core::lock;
use crate::testing::local::http::Reply;
use crate::testing::local::plugin::{Call, Handled};

/// What a run request asks for.
struct RunRequest {
    input: Value,
    label: String,
    tags: Vec<String>,
    run_managers: Vec<String>,
    run_monitors: Vec<String>,
}

/// Read and check a run request against the flow (its input schema, its roles).
fn run_request(call: &Call<'_>, flow: &FlowRecord) -> Result<RunRequest, Reply> {
    let body = body(call)?;
    let input = body.get("body").cloned().ok_or_else(|| invalid_one(&["body"], "field required"))?;
    if !input.is_object() {
        return Err(invalid_one(&["body"], "the run's input must be a JSON object"));
    }
    check_input(&input, &flow.input_schema)?;
    let label = match body.get("label") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => s.clone(),
        Some(_) => return Err(invalid_one(&["label"], &format!("must be a string of at most {MAX_TEXT} characters"))),
    };
    let tags = tags(&body)?.unwrap_or_default();
    let list = |field: &str| store::principals(&body, field).map_err(|m| invalid_one(&[field], &m));
    Ok(RunRequest {
        input,
        label,
        tags,
        run_managers: list("run_managers")?.unwrap_or_default(),
        run_monitors: list("run_monitors")?.unwrap_or_default(),
    })
}

fn tags(body: &Map<String, Value>) -> Result<Option<Vec<String>>, Reply> {
    match body.get("tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(l)) if l.len() <= MAX_TAGS => l
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty() && s.len() <= MAX_TEXT).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid_one(&["tags"], "tags must be non-empty short strings")),
        Some(_) => Err(invalid_one(&["tags"], &format!("must be a list of at most {MAX_TAGS} strings"))),
    }
}

/// The part of JSON Schema the local Flows checks a run's input with: the top level's
/// `required`, `additionalProperties: false`, and each property's `type`.
fn check_input(input: &Value, schema: &Value) -> Result<(), Reply> {
    let refuse = |msg: String| error(400, &format!("the run's input does not match the flow's input schema: {msg}"));
    let Some(schema) = schema.as_object() else { return Ok(()) };
    let props = schema.get("properties").and_then(Value::as_object);
    for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if input.get(name).is_none() {
            return Err(refuse(format!("{name:?} is a required property")));
        }
    }
    let Some(map) = input.as_object() else { return Ok(()) };
    for (k, v) in map {
        match props.and_then(|p| p.get(k)) {
            Some(prop) => {
                if let Some(kind) = prop.get("type").and_then(Value::as_str) {
                    let ok = match kind {
                        "string" => v.is_string(),
                        "number" => v.is_number(),
                        "integer" => v.is_i64() || v.is_u64(),
                        "boolean" => v.is_boolean(),
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "null" => v.is_null(),
                        _ => true,
                    };
                    if !ok {
                        return Err(refuse(format!("{k:?} is not of type {kind:?}")));
                    }
                }
            }
            None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                return Err(refuse(format!("additional property {k:?} is not allowed")));
            }
            None => {}
        }
    }
    Ok(())
}

/// The flow of a run request, and the caller (a token for the flow's scope) who may start it.
fn starter(t: &Flows, call: &Call<'_>) -> Result<(FlowRecord, Principals), Reply> {
    let id = call.param("flow_id")?;
    let who = t.flow_caller(call, id)?;
    let flow = lock(&t.shared.flows)
        .get(id)
        .filter(|f| !f.roles(&who).is_empty())
        .cloned()
        .ok_or_else(|| error(404, &format!("Flow {id} was not found, or you have no role on it")))?;
    if !flow.may_start(&who) {
        return Err(error(403, &format!("you may not start runs of flow {id}")));
    }
    Ok((flow, who))
}

/// The dependent grants a run acts with, from the caller's token.
fn grants(t: &Flows, call: &Call<'_>) -> Result<Grants, Reply> {
    let auth = call.req.header("authorization");
    let grant = |rs: &str, scope: &str| t.core.dependent_grant(auth, FLOWS_CLIENT_ID, rs, scope).map_err(|r| error(r.status, &r.message));
    Ok(Grants {
        transfer: t.core.urls().url("transfer").map(|_| grant(TRANSFER_RS, TRANSFER_SCOPE)).transpose()?,
        search: t.core.urls().url("search").map(|_| grant(SEARCH_RS, SEARCH_SCOPE)).transpose()?,
    })
}

/// `POST /flows/{flow_id}/run`.
pub(super) fn run_flow(t: &Flows, call: &Call<'_>) -> Handled {
    let (flow, who) = starter(t, call)?;
    let request = run_request(call, &flow)?;
    let grants = grants(t, call)?;
    let start = flow.definition.get("StartAt").and_then(Value::as_str).unwrap_or_default().to_string();
    let now = Utc::now();
    let mut run = RunRecord {
        id: uuid::Uuid::new_v4().to_string(),
        flow_id: flow.id.clone(),
        flow_title: flow.title.clone(),
        flow_last_updated: flow.updated_at,
        flow_run_managers: flow.run_managers.clone(),
        flow_run_monitors: flow.run_monitors.clone(),
        owner: store::urn(&who.identity_id),
        label: request.label,
        tags: request.tags,
        run_managers: request.run_managers,
        run_monitors: request.run_monitors,
        definition: flow.definition.clone(),
        input_schema: flow.input_schema.clone(),
        input: request.input.clone(),
        state: request.input.clone(),
        status: Status::Active,
        current: Some(start),
        waiting: Waiting::Ready,
        steps: 0,
        start_time: now,
        completion_time: None,
        details: json!({
            "code": "FlowStarting",
            "description": "The Flow is starting execution",
            "details": {"input": request.input},
        }),
        logs: Vec::new(),
        grants,
        released: false,
        seq: t.shared.next_seq(),
        generation: 0,
    };
    run.log("FlowStarted", "The Flow Instance started execution".into(), json!({"input": run.input}));
    let doc = run.doc(&who);
    let mut runs = lock(&t.shared.runs);
    if runs.len() >= MAX_RUNS {
        return Err(error(429, &format!("the local Flows keeps at most {MAX_RUNS} runs: release finished ones")));
    }
    if runs.values().filter(|r| !r.status.is_finished()).count() >= MAX_ACTIVE_RUNS {
        return Err(error(429, &format!("the local Flows runs at most {MAX_ACTIVE_RUNS} runs at once")));
    }
    runs.insert(run.id.clone(), run);
    t.shared.wake.notify_all();
    Ok(Reply::ok(&doc))
}

/// `POST /flows/{flow_id}/validate_run`.
pub(super) fn validate_run(t: &Flows, call: &Call<'_>) -> Handled {
    let (flow, _) = starter(t, call)?;
    run_request(call, &flow)?;
    Ok(Reply::ok(&json!({"message": "validation successful"})))
}

/// A run the caller may see (not released): 404 otherwise.
fn visible(t: &Flows, who: &Principals, id: &str) -> Result<RunRecord, Reply> {
    lock(&t.shared.runs)
        .get(id)
        .filter(|r| !r.released && !r.roles(who).is_empty())
        .cloned()
        .ok_or_else(|| error(404, &format!("Run {id} was not found, or you have no role on it")))
}

/// Change a run the caller may manage, under the lock; the run's document after.
fn manage(t: &Flows, who: &Principals, id: &str, change: impl FnOnce(&mut RunRecord) -> Result<(), Reply>) -> Handled {
    let mut runs = lock(&t.shared.runs);
    let run = runs
        .get_mut(id)
        .filter(|r| !r.released && !r.roles(who).is_empty())
        .ok_or_else(|| error(404, &format!("Run {id} was not found, or you have no role on it")))?;
    if !run.may_manage(who) {
        return Err(error(403, &format!("you may not manage run {id}: you are not its owner or a manager")));
    }
    change(run)?;
    let doc = run.doc(who);
    t.shared.wake.notify_all();
    Ok(Reply::ok(&doc))
}

/// `GET /runs/{run_id}`.
pub(super) fn get_run(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_status(), scopes::run_manage()])?;
    let run = visible(t, &who, call.param("run_id")?)?;
    let mut doc = run.doc(&who);
    if call.req.query("include_flow_description") == Some("true")
        && let Some(map) = doc.as_object_mut()
    {
        let flow = lock(&t.shared.flows).get(&run.flow_id).cloned();
        let description = flow.map_or_else(|| json!({"id": run.flow_id}), |f| {
            json!({
                "id": f.id,
                "title": f.title,
                "subtitle": f.subtitle,
                "description": f.description,
                "keywords": f.keywords,
                "flow_owner": f.owner,
                "created_by": f.owner,
                "globus_auth_scope": store::flow_scope(&f.id),
                "created_at": store::show_time(f.created_at),
                "updated_at": store::show_time(f.updated_at),
            })
        });
        map.insert("flow_description".into(), description);
    }
    Ok(Reply::ok(&doc))
}

/// `PUT /runs/{run_id}`.
pub(super) fn update_run(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_manage()])?;
    let id = call.param("run_id")?;
    let body = body(call)?;
    let label = match body.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Some(s.clone()),
        Some(_) => return Err(invalid_one(&["label"], &format!("must be a string of at most {MAX_TEXT} characters"))),
    };
    let tags = tags(&body)?;
    let list = |field: &str| store::principals(&body, field).map_err(|m| invalid_one(&[field], &m));
    let (managers, monitors) = (list("run_managers")?, list("run_monitors")?);
    manage(t, &who, id, |run| {
        if let Some(l) = label {
            run.label = l;
        }
        if let Some(tags) = tags {
            run.tags = tags;
        }
        if let Some(m) = managers {
            run.run_managers = m;
        }
        if let Some(m) = monitors {
            run.run_monitors = m;
        }
        Ok(())
    })
}

/// `POST /runs/{run_id}/cancel`: an unfinished run ends as FAILED (`FlowCanceled`), and the
/// Transfer task its action waits for is cancelled (by the engine, as the run's user); a
/// finished one is left as it is.
pub(super) fn cancel_run(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_manage()])?;
    let id = call.param("run_id")?;
    manage(t, &who, id, |run| {
        if run.status.is_finished() {
            return Ok(());
        }
        if let (Waiting::Task { task_id, .. }, Some(grant)) = (&run.waiting, &run.grants.transfer) {
            lock(&t.shared.cancels).push((task_id.clone(), grant.clone()));
        }
        run.generation += 1;
        run.status = Status::Failed;
        run.current = None;
        run.waiting = Waiting::Ready;
        run.completion_time = Some(Utc::now());
        run.details = json!({
            "code": "FlowCanceled",
            "description": "The Flow run was canceled by a user",
            "output": run.state,
        });
        run.log("FlowCanceled", "The Flow Instance was canceled".into(), json!({"canceled_by": store::urn(&who.identity_id)}));
        Ok(())
    })
}

/// `POST /runs/{run_id}/release`: only a finished run; it is gone after.
pub(super) fn delete_run(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_manage()])?;
    let id = call.param("run_id")?;
    manage(t, &who, id, |run| {
        if !run.status.is_finished() {
            return Err(error(409, &format!("Run {id} is {}: only a completed run can be released", run.status.as_str())));
        }
        run.released = true;
        Ok(())
    })
    .inspect(|_| {
        lock(&t.shared.runs).remove(id);
    })
}

/// `POST /runs/{run_id}/resume`: an INACTIVE run is active again with new grants from the
/// caller's token (one for the flow's scope); an active run is left as it is; a finished
/// one is a 409.
pub(super) fn resume_run(t: &Flows, call: &Call<'_>) -> Handled {
    let id = call.param("run_id")?;
    let flow_id = lock(&t.shared.runs)
        .get(id)
        .filter(|r| !r.released)
        .map(|r| r.flow_id.clone())
        .ok_or_else(|| error(404, &format!("Run {id} was not found, or you have no role on it")))?;
    let who = t.flow_caller(call, &flow_id)?;
    let grants = grants(t, call)?;
    manage(t, &who, id, |run| match run.status {
        Status::Inactive => {
            run.generation += 1;
            run.status = Status::Active;
            run.grants = grants;
            run.details = json!({"code": "FlowResumed", "description": "The Flow run was resumed"});
            run.log("FlowResumed", "The Flow Instance was resumed".into(), json!({"state_name": run.current}));
            Ok(())
        }
        Status::Active => Ok(()),
        other => Err(error(409, &format!("Run {id} is {}: it cannot be resumed", other.as_str()))),
    })
}

/// `GET /runs/{run_id}/definition`.
pub(super) fn get_run_definition(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_status(), scopes::run_manage()])?;
    let run = visible(t, &who, call.param("run_id")?)?;
    Ok(Reply::ok(&json!({"flow_id": run.flow_id, "definition": run.definition, "input_schema": run.input_schema})))
}

/// `GET /runs/{run_id}/log`: oldest first (newest first with `reverse_order`), by `limit`.
pub(super) fn get_run_logs(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_status(), scopes::run_manage()])?;
    let run = visible(t, &who, call.param("run_id")?)?;
    let page = Page::of(&call.req.query).map_err(|e| error(400, &e))?;
    let limit = page.size("limit", 10, 100).map_err(|e| invalid_one(&["limit"], &e))?;
    let mut entries = run.logs;
    match page.get("reverse_order") {
        None | Some("false") => {}
        Some("true") => entries.reverse(),
        Some(_) => return Err(invalid_one(&["reverse_order"], "must be true or false")),
    }
    let (items, marker) = pages::slice(&page, &entries, limit);
    Ok(Reply::ok(&json!({"entries": items, "limit": limit, "has_next_page": marker.is_some(), "marker": marker})))
}

/// `GET /runs`: the runs the caller has a role on, filtered, ordered, a page at a time.
pub(super) fn list_runs(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::run_status(), scopes::run_manage()])?;
    let page = Page::of(&call.req.query).map_err(|e| error(400, &e))?;
    let size = page.size("per_page", 10, 50).map_err(|e| invalid_one(&["per_page"], &e))?;
    let split = |name: &str| page.get(name).map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>());
    let flow_ids = split("filter_flow_id");
    let roles = split("filter_roles");
    let statuses = split("filter_status");
    let labels = split("filter_label");
    let titles = split("filter_flow_title");
    let started = range(page.get("filter_start_time"), "filter_start_time")?;
    let completed = range(page.get("filter_completion_time"), "filter_completion_time")?;
    const FIELDS: &[&str] = &["id", "start_time", "completion_time", "status", "label"];
    let order = super::api::orderby(page.get("orderby").unwrap_or("start_time DESC"), FIELDS, "runs")?;
    let matches = |list: &Option<Vec<String>>, v: &str| list.as_ref().is_none_or(|l| l.iter().any(|x| x == v));
    let mut runs: Vec<RunRecord> = lock(&t.shared.runs)
        .values()
        .filter(|r| {
            let mine = r.roles(&who);
            !r.released
                && !mine.is_empty()
                && matches(&flow_ids, &r.flow_id)
                && matches(&statuses, r.status.as_str())
                && matches(&labels, &r.label)
                && matches(&titles, &r.flow_title)
                && roles.as_ref().is_none_or(|want| mine.iter().any(|m| want.iter().any(|w| w == m)))
                && started.contains(Some(r.start_time))
                && completed.contains(r.completion_time)
        })
        .cloned()
        .collect();
    runs.sort_by(|a, b| {
        for (field, desc) in &order {
            let key = |r: &RunRecord| -> String {
                match field.as_str() {
                    "id" => r.id.clone(),
                    "completion_time" => r.completion_time.map(store::show_time).unwrap_or_default(),
                    "status" => r.status.as_str().to_string(),
                    "label" => r.label.clone(),
                    _ => store::show_time(r.start_time),
                }
            };
            let o = key(a).cmp(&key(b));
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        a.seq.cmp(&b.seq)
    });
    let (items, marker) = pages::slice(&page, &runs, size);
    let docs: Vec<Value> = items.iter().map(|r| r.doc(&who)).collect();
    Ok(Reply::ok(&json!({"runs": docs, "limit": size, "has_next_page": marker.is_some(), "marker": marker})))
}

/// A time range filter: `start,end`, either side may be empty.
struct Range {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    set: bool,
}

impl Range {
    fn contains(&self, t: Option<DateTime<Utc>>) -> bool {
        if !self.set {
            return true;
        }
        let Some(t) = t else { return false };
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t <= e)
    }
}

fn range(v: Option<&str>, field: &str) -> Result<Range, Reply> {
    let Some(v) = v else { return Ok(Range { from: None, to: None, set: false }) };
    let (a, b) = v.split_once(',').unwrap_or((v, ""));
    let parse = |s: &str| -> Result<Option<DateTime<Utc>>, Reply> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| invalid_one(&[field], &format!("{s:?} is not an ISO 8601 time")))
    };
    Ok(Range { from: parse(a)?, to: parse(b)?, set: true })
}

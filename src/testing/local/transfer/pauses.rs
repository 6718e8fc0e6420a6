//! Pause rules and paused tasks: the endpoint manager's `endpoint_manager_pause_rule_list`,
//! `endpoint_manager_create_pause_rule`, `endpoint_manager_get_pause_rule`,
//! `endpoint_manager_update_pause_rule`, `endpoint_manager_delete_pause_rule`,
//! `endpoint_manager_pause_tasks` and `endpoint_manager_resume_tasks`, and what users see of
//! them (`my_effective_pause_rule_list`, `task_pause_info`).
//!
//! A rule pauses operations on one collection, for everyone or for one identity, from its
//! start time on: `ls`, `mkdir` and `rename` are refused while it holds, and tasks reading from
//! it, writing to it or deleting on it wait (`is_paused`, `nice_status` `PAUSED`) until it is
//! deleted or changed, then go on. An operation the rule does not name is paused, as
//! Transfer's default. Tasks paused by id wait until they are resumed. Administrators and
//! activity managers of the collection manage its rules and pause its tasks.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::errors::{self, bad_request};
use super::tasks::{CANCEL_ROLES, TaskRecord};
use super::{LocalCollection, Transfer, collection, parse_time, task_time};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// How many rules the local Transfer keeps.
const MAX_RULES: usize = 1000;
/// The longest message, in bytes.
const MAX_MESSAGE: usize = 2048;

/// What a rule may pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Ls,
    Mkdir,
    Rename,
    TaskDelete,
    TaskRead,
    TaskWrite,
}

/// The operations' flags, in the document's names.
const FLAGS: [&str; 7] = [
    "pause_ls",
    "pause_mkdir",
    "pause_rename",
    "pause_symlink",
    "pause_task_delete",
    "pause_task_transfer_read",
    "pause_task_transfer_write",
];

#[derive(Clone, Debug)]
pub(crate) struct PauseRule {
    id: String,
    endpoint_id: String,
    endpoint_name: String,
    identity_id: Option<String>,
    message: String,
    start_time: Option<DateTime<Utc>>,
    /// In the order of [`FLAGS`].
    flags: [bool; 7],
    modified_by: String,
    modified_by_id: String,
}

/// The rules, shared with the task workers.
pub(crate) type PauseStore = Arc<Mutex<Vec<PauseRule>>>;

impl PauseRule {
    fn pauses(&self, op: Op) -> bool {
        let i = match op {
            Op::Ls => 0,
            Op::Mkdir => 1,
            Op::Rename => 2,
            Op::TaskDelete => 4,
            Op::TaskRead => 5,
            Op::TaskWrite => 6,
        };
        self.flags[i]
    }

    /// Whether the rule holds now for `identity` on `endpoint` and pauses `op`.
    fn holds(&self, endpoint: &str, identity: &str, op: Op, now: DateTime<Utc>) -> bool {
        self.endpoint_id == endpoint
            && self.identity_id.as_deref().is_none_or(|i| i == identity)
            && self.start_time.is_none_or(|s| s <= now)
            && self.pauses(op)
    }

    /// The document: `pause_rule` for the managers, `pause_rule_limited` (without who made it)
    /// for the users it applies to.
    fn document(&self, full: bool) -> Value {
        let mut doc = json!({
            "DATA_TYPE": if full { "pause_rule" } else { "pause_rule_limited" },
            "id": self.id,
            "message": self.message,
            "start_time": self.start_time.map(task_time),
            "endpoint_id": self.endpoint_id,
            "endpoint_display_name": self.endpoint_name,
            "identity_id": self.identity_id,
        });
        for (name, on) in FLAGS.iter().zip(self.flags) {
            doc[*name] = Value::Bool(on);
        }
        if full {
            doc["modified_by"] = Value::String(self.modified_by.clone());
            doc["modified_by_id"] = Value::String(self.modified_by_id.clone());
            doc["created_by_host_manager"] = Value::Bool(false);
            doc["editable"] = Value::Bool(true);
        }
        doc
    }
}

/// The first rule that pauses `op` for `identity` on `endpoint` now.
pub(crate) fn pausing(store: &PauseStore, endpoint: &str, identity: &str, op: Op) -> Option<String> {
    let now = Utc::now();
    lock(store).iter().find(|r| r.holds(endpoint, identity, op, now)).map(|r| r.message.clone())
}

/// Refuse a synchronous operation a rule pauses (409 `EndpointPaused`, with the rule's
/// message: the code is a guess).
pub(super) fn refuse_if_paused(t: &Transfer, c: &LocalCollection, caller: &Caller, op: Op, req: &Request) -> Result<(), Reply> {
    match pausing(&t.pauses, &c.id, &caller.identity_id, op) {
        None => Ok(()),
        Some(message) => Err(errors::error(409, "EndpointPaused", format!("The collection {} is paused: {message}", c.id), req)),
    }
}

/// Why `task` waits now: a rule on its source or destination for its owner, or a pause by id.
pub(super) fn task_paused_by(store: &PauseStore, task: &TaskRecord) -> Option<String> {
    if let Some(message) = &task.admin_paused {
        return Some(message.clone());
    }
    let owner = &task.owner_id;
    match &task.destination {
        Some((dest, _)) => pausing(store, &task.source.0, owner, Op::TaskRead)
            .or_else(|| pausing(store, dest, owner, Op::TaskWrite)),
        None => pausing(store, &task.source.0, owner, Op::TaskDelete),
    }
}

/// The rules in effect for `task` now, as its owner sees them.
pub(super) fn task_rules(t: &Transfer, task: &TaskRecord, full: bool) -> Vec<Value> {
    let now = Utc::now();
    let ends: Vec<(&str, Op)> = match &task.destination {
        Some((dest, _)) => vec![(task.source.0.as_str(), Op::TaskRead), (dest.as_str(), Op::TaskWrite)],
        None => vec![(task.source.0.as_str(), Op::TaskDelete)],
    };
    let rules = lock(&t.pauses);
    rules
        .iter()
        .filter(|r| ends.iter().any(|(endpoint, op)| r.holds(endpoint, &task.owner_id, *op, now)))
        .map(|r| r.document(full))
        .collect()
}

/// The rules in effect for the caller on a collection.
pub(super) fn my_effective(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let c = collection(t, call.param("endpoint_id")?, call.req)?;
    let now = Utc::now();
    let rules = lock(&t.pauses);
    let data: Vec<Value> = rules
        .iter()
        .filter(|r| {
            r.endpoint_id == c.id
                && r.identity_id.as_deref().is_none_or(|i| i == call.caller.identity_id)
                && r.start_time.is_none_or(|s| s <= now)
        })
        .map(|r| r.document(false))
        .collect();
    Ok(Reply::ok(&json!({"DATA_TYPE": "pause_rule_list", "DATA": data})))
}

/// The collection `id`, if the caller may manage its pause rules.
fn manageable(t: &Transfer, id: &str, caller: &Caller, req: &Request) -> Result<LocalCollection, Reply> {
    let c = collection(t, id, req)?;
    if !super::roles::holds(t, &c, &caller.identity_id, CANCEL_ROLES) {
        let msg = format!("You are not an administrator or activity manager of {id}");
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    Ok(c)
}

fn not_found(id: &str, req: &Request) -> Reply {
    errors::error(404, "ClientError.NotFound", format!("No pause rule with id '{id}'"), req)
}

/// The rule `id`, if the caller manages its collection (otherwise it is not found).
fn find(t: &Transfer, call: &Call<'_, Caller>) -> Result<PauseRule, Reply> {
    let (req, id) = (call.req, call.param("pause_rule_id")?);
    let rule = lock(&t.pauses).iter().find(|r| r.id == id).cloned().ok_or_else(|| not_found(id, req))?;
    manageable(t, &rule.endpoint_id, &call.caller, req).map_err(|_| not_found(id, req))?;
    Ok(rule)
}

fn object(req: &Request) -> Result<serde_json::Map<String, Value>, Reply> {
    match req.json::<Value>() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad_request("The request body must be a JSON object", req)),
        Err(e) => Err(bad_request(e, req)),
    }
}

fn message_of(doc: &serde_json::Map<String, Value>, req: &Request) -> Result<Option<String>, Reply> {
    match doc.get("message") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(m)) if !m.trim().is_empty() && m.len() <= MAX_MESSAGE => Ok(Some(m.clone())),
        Some(_) => Err(bad_request(format!("message must be a string of 1 to {MAX_MESSAGE} bytes"), req)),
    }
}

/// Apply the document's flags, start time and message to `rule`.
fn apply(rule: &mut PauseRule, doc: &serde_json::Map<String, Value>, req: &Request) -> Result<(), Reply> {
    if let Some(d) = doc.get("DATA_TYPE").filter(|d| !d.is_null())
        && d != "pause_rule"
    {
        return Err(bad_request(format!("Invalid DATA_TYPE {d}: use pause_rule"), req));
    }
    for (i, name) in FLAGS.iter().enumerate() {
        match doc.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(on)) => rule.flags[i] = *on,
            Some(_) => return Err(bad_request(format!("{name} must be true or false"), req)),
        }
    }
    match doc.get("start_time") {
        None => {}
        Some(Value::Null) => rule.start_time = None,
        Some(Value::String(s)) => {
            rule.start_time = Some(parse_time(s).ok_or_else(|| bad_request(format!("Invalid start_time {s:?}"), req))?);
        }
        Some(_) => return Err(bad_request("start_time must be a date-time string", req)),
    }
    if let Some(m) = message_of(doc, req)? {
        rule.message = m;
    }
    Ok(())
}

pub(super) fn list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let endpoint = req.query("filter_endpoint").filter(|e| !e.is_empty());
    let host = req.query("filter_host_endpoint").filter(|e| !e.is_empty());
    if let Some(e) = endpoint {
        manageable(t, e, caller, req)?;
    }
    if let Some(h) = host {
        manageable(t, h, caller, req)?;
    }
    let collections: Vec<LocalCollection> = lock(&t.collections).clone();
    let rules: Vec<PauseRule> = lock(&t.pauses).clone();
    let data: Vec<Value> = rules
        .iter()
        .filter(|r| endpoint.is_none_or(|e| r.endpoint_id == e))
        .filter(|r| {
            host.is_none_or(|h| collections.iter().any(|c| c.id == r.endpoint_id && c.host.as_deref() == Some(h)))
        })
        .filter(|r| {
            collections
                .iter()
                .find(|c| c.id == r.endpoint_id)
                .is_some_and(|c| super::roles::holds(t, c, &caller.identity_id, CANCEL_ROLES))
        })
        .map(|r| r.document(true))
        .collect();
    Ok(Reply::ok(&json!({"DATA_TYPE": "pause_rule_list", "DATA": data})))
}

pub(super) fn create(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let doc = object(req)?;
    let endpoint = match doc.get("endpoint_id") {
        Some(Value::String(e)) => e.clone(),
        _ => return Err(bad_request("endpoint_id is required: the collection to pause", req)),
    };
    let c = manageable(t, &endpoint, caller, req)?;
    let message = message_of(&doc, req)?.ok_or_else(|| bad_request("message is required", req))?;
    let identity_id = match doc.get("identity_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(i)) if uuid::Uuid::try_parse(i).is_ok() => Some(i.clone()),
        Some(_) => return Err(bad_request("identity_id must be an identity id (a UUID)", req)),
    };
    let mut rule = PauseRule {
        id: uuid::Uuid::new_v4().to_string(),
        endpoint_id: c.id.clone(),
        endpoint_name: c.name.clone(),
        identity_id,
        message,
        start_time: None,
        flags: [true; 7],
        modified_by: caller.username.clone(),
        modified_by_id: caller.identity_id.clone(),
    };
    apply(&mut rule, &doc, req)?;
    let mut rules = lock(&t.pauses);
    if rules.len() >= MAX_RULES {
        return Err(errors::error(409, "LimitExceeded", format!("The local Transfer keeps at most {MAX_RULES} pause rules"), req));
    }
    rules.push(rule.clone());
    Ok(Reply::ok(&rule.document(true)))
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    Ok(Reply::ok(&find(t, call)?.document(true)))
}

pub(super) fn update(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let mut rule = find(t, call)?;
    let doc = object(req)?;
    if doc.contains_key("endpoint_id") || doc.contains_key("identity_id") {
        return Err(bad_request("A pause rule's endpoint_id and identity_id cannot change", req));
    }
    apply(&mut rule, &doc, req)?;
    rule.modified_by = caller.username.clone();
    rule.modified_by_id = caller.identity_id.clone();
    let mut rules = lock(&t.pauses);
    let slot = rules.iter_mut().find(|r| r.id == rule.id).ok_or_else(|| not_found(&rule.id, req))?;
    *slot = rule.clone();
    Ok(Reply::ok(&rule.document(true)))
}

pub(super) fn delete(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let rule = find(t, call)?;
    lock(&t.pauses).retain(|r| r.id != rule.id);
    Ok(errors::result("result", "Deleted", format!("Pause rule '{}' deleted successfully", rule.id), req))
}

/// The task ids of a pause or resume request, each a running task the caller may manage.
fn managed_tasks(t: &Transfer, call: &Call<'_, Caller>) -> Result<(Vec<String>, serde_json::Map<String, Value>), Reply> {
    let (req, caller) = (call.req, &call.caller);
    let doc = object(req)?;
    let ids = super::managed::task_id_list(doc.get("task_id_list"), req)?;
    let store = lock(&t.tasks);
    for id in &ids {
        store
            .get(id)
            .filter(|task| super::tasks::managed_side(t, task, &caller.identity_id, CANCEL_ROLES).is_some())
            .ok_or_else(|| errors::error(404, "ClientError.NotFound", format!("No task you may pause has id '{id}'"), req))?;
    }
    Ok((ids, doc))
}

pub(super) fn pause_tasks(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let (ids, doc) = managed_tasks(t, call)?;
    let message = message_of(&doc, req)?.ok_or_else(|| bad_request("message is required", req))?;
    let mut store = lock(&t.tasks);
    for id in &ids {
        if let Some(task) = store.get_mut(id)
            && task.is_active()
        {
            // Set at once, as Transfer does for a pause by id; the worker holds at its next step.
            task.admin_paused = Some(message.clone());
            task.paused = true;
            task.nice_status = Some("PAUSED");
        }
    }
    Ok(errors::result("result", "PauseAccepted", format!("{} task(s) paused", ids.len()), req))
}

pub(super) fn resume_tasks(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let (ids, _) = managed_tasks(t, call)?;
    let mut store = lock(&t.tasks);
    for id in &ids {
        if let Some(task) = store.get_mut(id) {
            task.admin_paused = None;
            // Still paused by a rule, or not: the worker says so at its next step.
            task.paused = task.is_active() && task_paused_by(&t.pauses, task).is_some();
        }
    }
    Ok(errors::result("result", "ResumeAccepted", format!("{} task(s) resumed", ids.len()), req))
}

//! Indexes: create (the caller becomes its owner; at most three trial indexes owned per
//! identity, as Globus Search allows), show, list (the caller's, by role), update, delete
//! (the index becomes `delete-pending`, its pending tasks are cancelled, and it answers no
//! query or write until reopened) and reopen.

use serde_json::{Value, json};

use super::access::{Need, RoleName};
use super::{Access, Index, Role, Search, Status, errors, json_body, no_index, short_date, status_conflict};
use crate::testing::local::core::lock;
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// The longest display name and description accepted, in characters.
const MAX_NAME_LENGTH: usize = 1000;
const MAX_DESCRIPTION_LENGTH: usize = 10_000;
/// How many indexes `index_list` shows at most, as Globus Search.
const MAX_LISTED: usize = 100;

/// An index document (GSearchIndex); with `permissions` for `get_index` and `index_list`.
fn document(index: &Index, permissions: Option<Vec<&'static str>>) -> Value {
    let (subjects, entries, bytes) = index.store.counts();
    let mut doc = json!({
        "@datatype": "GSearchIndex",
        "@version": "2017-09-01",
        "id": index.id,
        "display_name": index.display_name,
        "description": index.description,
        "creation_date": short_date(index.creation_date),
        "content_last_modified_date": index.content_last_modified.map(short_date),
        "is_trial": true,
        "subscription_id": null,
        "max_size_in_mb": super::store::MAX_INDEX_MB,
        "size_in_mb": bytes / (1024 * 1024),
        "num_subjects": subjects,
        "num_entries": entries,
        "status": index.status.as_str(),
        "available": index.status == Status::Open,
    });
    if let (Some(p), Some(obj)) = (permissions, doc.as_object_mut()) {
        obj.insert("permissions".into(), json!(p));
    }
    doc
}

/// A text field of a body: required or not, at most `max` characters.
fn text(body: &Value, key: &str, required: bool, max: usize, req: &Request) -> Result<Option<String>, Reply> {
    match body.get(key) {
        None | Some(Value::Null) if required => Err(errors::bad_request(format!("'{key}' is required"), req)),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max && (!required || !s.trim().is_empty()) => Ok(Some(s.clone())),
        Some(_) => Err(errors::bad_request(format!("'{key}' must be a non-empty string of at most {max} characters"), req)),
    }
}

/// `POST /v1/index`.
pub(super) fn create(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let body = json_body(req)?;
    if !body.is_object() {
        return Err(errors::bad_request("the request body must be a JSON object", req));
    }
    let display_name = text(&body, "display_name", true, MAX_NAME_LENGTH, req)?.unwrap_or_default();
    let description = text(&body, "description", true, MAX_DESCRIPTION_LENGTH, req)?.unwrap_or_default();
    let Some(who) = call.caller.identity() else {
        return Err(errors::for_status(401, "Creating an index needs a token", req));
    };
    let owner = format!("urn:globus:auth:identity:{}", who.identity_id);
    let mut state = lock(&s.state);
    let owned = state
        .indexes
        .values()
        .filter(|i| i.roles.iter().any(|r| r.name == RoleName::Owner && r.principal == owner))
        .count();
    if owned >= s.trial_index_limit {
        let data = json!({
            "cause": "Creating an index gives its creator the owner role, and trial indexes count against the \
                      creator's ownership limit.",
            "constraint": format!("At most {} trial indexes may be owned by one identity", s.trial_index_limit),
        });
        return Err(errors::with_data(409, "Conflict.LimitExceeded", "Role limit exceeded", Some(data), req));
    }
    state.role_seq += 1;
    let now = chrono::Utc::now();
    let index = Index {
        id: uuid::Uuid::new_v4().to_string(),
        display_name,
        description,
        creation_date: now,
        content_last_modified: None,
        status: Status::Open,
        roles: vec![Role { id: super::roles::role_id(state.role_seq), name: RoleName::Owner, principal: owner, creation_date: now }],
        store: Default::default(),
    };
    let doc = document(&index, None);
    state.indexes.insert(index.id.clone(), index);
    Ok(Reply::ok(&doc))
}

/// `GET /v1/index/{index_id}`: anyone may read an index's description.
pub(super) fn get(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Query, req)?;
    let id = call.param("index_id")?;
    let state = lock(&s.state);
    let index = state.indexes.get(id).ok_or_else(|| no_index(id, req))?;
    Ok(Reply::ok(&document(index, Some(index.permissions(&call.caller.principals())))))
}

/// `GET /v1/index_list`: the indexes where the caller holds a role (`filter_roles`: only
/// these roles), at most 100.
pub(super) fn list(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Read, req)?;
    let mut wanted = Vec::new();
    for value in req.queries("filter_roles").flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()) {
        let role = RoleName::parse(value).ok_or_else(|| {
            errors::bad_request(format!("filter_roles may hold owner, admin and writer, not {value:?}"), req)
        })?;
        wanted.push(role.as_str());
    }
    let principals = call.caller.principals();
    let state = lock(&s.state);
    let mut found: Vec<&Index> = state
        .indexes
        .values()
        .filter(|i| {
            let p = i.permissions(&principals);
            !p.is_empty() && (wanted.is_empty() || p.iter().any(|r| wanted.contains(r)))
        })
        .collect();
    found.sort_by_key(|i| i.creation_date);
    let list: Vec<Value> =
        found.into_iter().take(MAX_LISTED).map(|i| document(i, Some(i.permissions(&principals)))).collect();
    Ok(Reply::ok(&json!({"index_list": list})))
}

/// `PATCH /v1/index/{index_id}`: admins and owners change the name and description.
pub(super) fn update(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let body = json_body(req)?;
    if !body.is_object() {
        return Err(errors::bad_request("the request body must be a JSON object", req));
    }
    let display_name = text(&body, "display_name", false, MAX_NAME_LENGTH, req)?;
    let description = text(&body, "description", false, MAX_DESCRIPTION_LENGTH, req)?;
    let mut state = lock(&s.state);
    let index = super::open_index(&mut state, id, req)?;
    index.require(&call.caller.principals(), RoleName::Admin, "index_update", req)?;
    if let Some(name) = display_name {
        if name.trim().is_empty() {
            return Err(errors::bad_request("'display_name' must not be empty", req));
        }
        index.display_name = name;
    }
    if let Some(d) = description {
        index.description = d;
    }
    Ok(Reply::ok(&document(index, None)))
}

/// `DELETE /v1/index/{index_id}`: owners mark it for deletion.
pub(super) fn delete(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let mut guard = lock(&s.state);
    let state = &mut *guard;
    let index = state.indexes.get_mut(id).ok_or_else(|| no_index(id, req))?;
    index.require(&call.caller.principals(), RoleName::Owner, "index_delete", req)?;
    if index.status != Status::Open {
        return Err(status_conflict(index.status, Status::Open, req));
    }
    index.status = Status::DeletePending;
    state.tasks.cancel_pending(id);
    Ok(Reply::ok(&json!({"index_id": id, "acknowledged": true})))
}

/// `POST /v1/index/{index_id}/reopen`: owners cancel a deletion.
pub(super) fn reopen(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let mut state = lock(&s.state);
    let index = state.indexes.get_mut(id).ok_or_else(|| no_index(id, req))?;
    index.require(&call.caller.principals(), RoleName::Owner, "index_reopen", req)?;
    if index.status != Status::DeletePending {
        return Err(status_conflict(index.status, Status::DeletePending, req));
    }
    index.status = Status::Open;
    Ok(Reply::ok(&json!({"index_id": id, "acknowledged": true})))
}

//! Roles on an index: `owner`, `admin`, `writer`, given to an identity or group URN.
//! Owners and admins list, create and delete roles; only owners give or take the owner
//! role; the last owner stays. Writers ingest and delete data and read the index's tasks;
//! admins and owners also query past `visible_to` (`bypass_visible_to`).

use base64::Engine as _;
use serde_json::{Value, json};

use super::access::{Need, RoleName, principal_type};
use super::{Access, Index, Role, Search, errors, json_body, no_index, open_index, short_date};
use crate::testing::local::core::lock;
use crate::testing::local::plugin::{Call, Handled};
use crate::testing::local::http::Reply;

/// How many roles an index may hold, as Globus Search allows.
const MAX_ROLES: usize = 50;

/// A role id like Search's: opaque, short, unique.
pub(super) fn role_id(seq: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{seq:06}"))
}

fn document(index: &Index, role: &Role) -> Value {
    json!({
        "creation_date": short_date(role.creation_date),
        "id": role.id,
        "index_id": index.id,
        "principal": role.principal,
        "principal_type": principal_type(&role.principal).unwrap_or("identity"),
        "role_name": role.name.as_str(),
    })
}

/// `GET /v1/index/{index_id}/role_list`.
pub(super) fn list(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let state = lock(&s.state);
    let index = state.indexes.get(id).ok_or_else(|| no_index(id, req))?;
    index.require(&call.caller.principals(), RoleName::Admin, "role_list", req)?;
    let roles: Vec<Value> = index.roles.iter().map(|r| document(index, r)).collect();
    Ok(Reply::ok(&json!({"role_list": roles})))
}

/// `POST /v1/index/{index_id}/role`.
pub(super) fn create(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let body = json_body(req)?;
    let name = body
        .get("role_name")
        .and_then(Value::as_str)
        .and_then(RoleName::parse)
        .ok_or_else(|| errors::bad_request("'role_name' must be one of owner, admin, writer", req))?;
    let principal = body.get("principal").and_then(Value::as_str).unwrap_or_default().to_string();
    if principal_type(&principal).is_none() {
        return Err(errors::bad_request(
            "'principal' must be urn:globus:auth:identity:<uuid> or urn:globus:groups:id:<uuid>",
            req,
        ));
    }
    let mut guard = lock(&s.state);
    let state = &mut *guard;
    let index = open_index(state, id, req)?;
    let need = if name == RoleName::Owner { RoleName::Owner } else { RoleName::Admin };
    index.require(&call.caller.principals(), need, "role_create", req)?;
    if index.roles.iter().any(|r| r.name == name && r.principal == principal) {
        return Err(errors::error(409, "Conflict.Generic", format!("{principal} already has the role {}", name.as_str()), req));
    }
    if index.roles.len() >= MAX_ROLES {
        return Err(errors::error(409, "Conflict.LimitExceeded", format!("An index may hold at most {MAX_ROLES} roles"), req));
    }
    state.role_seq += 1;
    let role = Role { id: role_id(state.role_seq), name, principal, creation_date: chrono::Utc::now() };
    let index = open_index(state, id, req)?;
    let doc = document(index, &role);
    index.roles.push(role);
    Ok(Reply::ok(&doc))
}

/// `DELETE /v1/index/{index_id}/role/{role_id}`.
pub(super) fn delete(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Manage, req)?;
    let id = call.param("index_id")?;
    let role_id = call.param("role_id")?;
    let mut state = lock(&s.state);
    let index = open_index(&mut state, id, req)?;
    index.require(&call.caller.principals(), RoleName::Admin, "role_delete", req)?;
    let pos = index
        .roles
        .iter()
        .position(|r| r.id == role_id)
        .ok_or_else(|| errors::not_found(format!("There is no role with the id {role_id:?} on this index"), req))?;
    let role = index.roles.get(pos).cloned().ok_or_else(|| errors::not_found("no such role", req))?;
    if role.name == RoleName::Owner {
        index.require(&call.caller.principals(), RoleName::Owner, "role_delete", req)?;
        if index.roles.iter().filter(|r| r.name == RoleName::Owner).count() == 1 {
            return Err(errors::error(409, "Conflict.Generic", "The last owner of an index cannot be removed", req));
        }
    }
    index.roles.remove(pos);
    Ok(Reply::ok(&json!({"deleted": document(index, &role), "success": true})))
}

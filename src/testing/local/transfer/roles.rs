//! Role assignments on collections: `endpoint_role_list`, `add_endpoint_role`,
//! `get_endpoint_role`, `delete_endpoint_role`.
//!
//! A collection's owner is its administrator. Roles name an identity, or a group of the local
//! Groups (its active members), with one of Transfer's roles: `administrator` (assigns roles
//! and manages access rules), `access_manager` (manages the access rules of a guest
//! collection), `activity_manager` and `activity_monitor` (kept and listed; the local Globus
//! has no other user's tasks to show them). Administrators and access managers see the
//! assignments; administrators change them. The count per collection is bounded.

use std::collections::HashMap;

use super::errors::{self, bad_request};
use super::{LocalCollection, Transfer, collection};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// How many assignments one collection may hold.
const MAX_ROLES: usize = 100;
/// The roles Transfer knows.
const ROLES: [&str; 4] = ["administrator", "access_manager", "activity_manager", "activity_monitor"];

#[derive(Clone, Debug)]
pub(super) struct RoleRecord {
    id: String,
    principal_type: String,
    principal: String,
    role: String,
}

/// The role assignments, by collection id.
pub(super) type RoleStore = HashMap<String, Vec<RoleRecord>>;

impl RoleRecord {
    fn document(&self) -> types::Role {
        types::Role {
            data_type: Some("role".into()),
            id: self.id.clone(),
            principal: Some(self.principal.clone()),
            principal_type: Some(self.principal_type.clone()),
            role: Some(self.role.clone()),
            extra: Default::default(),
        }
    }
}

/// The roles `identity` holds on `c`: `administrator` for its owner, and every role assigned
/// to the identity or to a group it is an active member of.
pub(super) fn effective(t: &Transfer, c: &LocalCollection, identity: &str) -> Vec<String> {
    let mut roles = Vec::new();
    if c.owner_id == identity {
        roles.push("administrator".to_string());
    }
    let groups = t.core.groups_of(identity);
    for r in lock(&t.roles).get(&c.id).into_iter().flatten() {
        let named = match r.principal_type.as_str() {
            "identity" => r.principal == identity,
            "group" => groups.contains(&r.principal),
            _ => false,
        };
        if named && !roles.contains(&r.role) {
            roles.push(r.role.clone());
        }
    }
    roles
}

/// Whether `identity` holds one of `roles` on `c`.
pub(super) fn holds(t: &Transfer, c: &LocalCollection, identity: &str, roles: &[&str]) -> bool {
    effective(t, c, identity).iter().any(|r| roles.contains(&r.as_str()))
}

/// The collection of the call, if the caller holds one of `roles` on it.
fn with_role(t: &Transfer, call: &Call<'_, Caller>, roles: &[&str], what: &str) -> Result<LocalCollection, Reply> {
    let req = call.req;
    let c = collection(t, call.param("endpoint_id")?, req)?;
    if !holds(t, &c, &call.caller.identity_id, roles) {
        let msg = format!("You do not have permission to {what} the roles of the collection {}", c.id);
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    Ok(c)
}

fn not_found(role_id: &str, req: &Request) -> Reply {
    errors::error(404, "ClientError.NotFound", format!("Role '{role_id}' not found"), req)
}

pub(super) fn list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let c = with_role(t, call, &["administrator", "access_manager"], "see")?;
    let data: Vec<types::Role> = lock(&t.roles).get(&c.id).into_iter().flatten().map(RoleRecord::document).collect();
    Ok(Reply::ok(&types::RoleList { data, data_type: Some("role_list".into()), extra: Default::default() }))
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let c = with_role(t, call, &["administrator", "access_manager"], "see")?;
    let role_id = call.param("role_id")?;
    let roles = lock(&t.roles);
    let r = roles.get(&c.id).into_iter().flatten().find(|r| r.id == role_id).ok_or_else(|| not_found(role_id, call.req))?;
    Ok(Reply::ok(&r.document()))
}

pub(super) fn add(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = with_role(t, call, &["administrator"], "change")?;
    let doc: types::RoleCreate = req.json().map_err(|e| bad_request(e, req))?;
    if doc.data_type != "role" {
        return Err(bad_request(format!("Invalid DATA_TYPE {:?}: use role", doc.data_type), req));
    }
    if !ROLES.contains(&doc.role.as_str()) {
        let msg = format!("Invalid role {:?}: use one of {}", doc.role, ROLES.join(", "));
        return Err(errors::error(400, "InvalidRole", msg, req));
    }
    if !matches!(doc.principal_type.as_str(), "identity" | "group") {
        let msg = format!("Invalid principal_type {:?}: use identity or group", doc.principal_type);
        return Err(errors::error(400, "InvalidPrincipal", msg, req));
    }
    if uuid::Uuid::try_parse(&doc.principal).is_err() {
        let msg = format!("Invalid principal {:?}: a {} id is a UUID", doc.principal, doc.principal_type);
        return Err(errors::error(400, "InvalidPrincipal", msg, req));
    }
    let mut roles = lock(&t.roles);
    let assigned = roles.entry(c.id.clone()).or_default();
    if assigned.iter().any(|r| r.principal_type == doc.principal_type && r.principal == doc.principal && r.role == doc.role)
    {
        return Err(errors::error(409, "Exists", format!("The {} role is already assigned to this principal", doc.role), req));
    }
    if assigned.len() >= MAX_ROLES {
        let msg = format!("A collection holds at most {MAX_ROLES} role assignments");
        return Err(errors::error(409, "LimitExceeded", msg, req));
    }
    let record = RoleRecord {
        id: uuid::Uuid::new_v4().to_string(),
        principal_type: doc.principal_type,
        principal: doc.principal,
        role: doc.role,
    };
    let document = record.document();
    assigned.push(record);
    Ok(Reply::json(201, &document))
}

pub(super) fn delete(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = with_role(t, call, &["administrator"], "change")?;
    let role_id = call.param("role_id")?;
    let mut roles = lock(&t.roles);
    let assigned = roles.get_mut(&c.id).ok_or_else(|| not_found(role_id, req))?;
    let at = assigned.iter().position(|r| r.id == role_id).ok_or_else(|| not_found(role_id, req))?;
    assigned.remove(at);
    Ok(errors::result("result", "Deleted", format!("Role '{role_id}' deleted successfully"), req))
}

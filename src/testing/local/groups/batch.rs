//! `POST /v2/groups/{group_id}`: a batch of membership actions, with their effects and
//! errors as Groups' API documents them.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::errors::{self, forbidden, group_not_found, invalid};
use super::store::{Group, MAX_MEMBERSHIPS, ROLES, Store};
use super::{Groups, body, path_uuid, truncate, uuid_at};
use crate::testing::local::core::{Caller, Core, lock};
use crate::testing::local::http::Request;
use crate::testing::local::plugin::{Call, Handled};

/// The actions, in the order they are applied, and whether each takes a role.
const ACTIONS: &[(&str, bool)] = &[
    ("accept", false),
    ("add", true),
    ("approve", false),
    ("change_role", true),
    ("decline", false),
    ("invite", true),
    ("join", false),
    ("leave", false),
    ("reject", false),
    ("remove", false),
    ("request_join", false),
];
/// The actions only managers and admins may take at all.
const MANAGING: &[&str] = &["add", "approve", "invite", "reject", "remove"];
/// The most identities one batch may name.
const MAX_BATCH: usize = 1_000;

/// One entry of the batch, checked.
struct Entry {
    identity_id: String,
    role: String,
    status_reason: Option<String>,
    invite_email_address: Option<String>,
}

/// Why one action failed for one identity.
struct Failure {
    code: &'static str,
    detail: String,
}

fn fail(code: &'static str, detail: impl Into<String>) -> Result<Value, Failure> {
    Err(Failure { code, detail: detail.into() })
}

pub(super) fn batch(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let req = call.req;
    let doc = body(req)?;
    let Some(map) = doc.as_object() else {
        return Err(invalid(&[json!("body")], "Input should be a valid dictionary", req));
    };
    let actions = parse(map, req)?;

    // Every identity once in the whole batch, or the whole batch is refused.
    let mut seen = HashSet::new();
    let mut twice: Vec<String> = Vec::new();
    for (_, entries) in &actions {
        for e in entries {
            if !seen.insert(e.identity_id.clone()) && !twice.contains(&e.identity_id) {
                twice.push(e.identity_id.clone());
            }
        }
    }
    if !twice.is_empty() {
        let body = json!({
            "code": "AMBIGUOUS_IDENTITIES",
            "detail": "An identity may appear in one action of a batch only",
            "ambiguous_identities": twice,
            "request_id": req.request_id,
        });
        return Err(crate::testing::local::http::Reply::json(400, &body));
    }

    let me = &call.caller.identity_id;
    let mut store = lock(&g.store);
    let group = store.group(&id).filter(|gr| gr.visible_to(me)).ok_or_else(|| group_not_found(&id, req))?;
    // An action the caller may not take at all fails the whole batch.
    for (action, entries) in &actions {
        if entries.is_empty() {
            continue;
        }
        if MANAGING.contains(action) && !group.manages(me) {
            return Err(forbidden(format!("Only managers and admins of group {id} may {action} members"), req));
        }
        if *action == "change_role" && !group.administers(me) {
            return Err(forbidden(format!("Only admins of group {id} may change roles"), req));
        }
    }

    let mut out = Map::new();
    let mut failed = Map::new();
    for (action, entries) in &actions {
        let mut done = Vec::new();
        let mut errs = Vec::new();
        for e in entries {
            match apply(&g.core, &mut store, &id, me, action, e) {
                Ok(m) => done.push(m),
                Err(f) => errs.push(json!({"identity_id": e.identity_id, "code": f.code, "detail": f.detail})),
            }
        }
        out.insert(action.to_string(), Value::Array(done));
        if !errs.is_empty() {
            failed.insert(action.to_string(), Value::Array(errs));
        }
    }
    if !failed.is_empty() {
        out.insert("errors".into(), Value::Object(failed));
    }
    Ok(crate::testing::local::http::Reply::ok(&out))
}

/// The batch's actions, each a list of checked entries (FastAPI's 422 for what does not fit
/// the model; a batch over [`MAX_BATCH`] identities is a 400).
fn parse(map: &Map<String, Value>, req: &Request) -> Result<Vec<(&'static str, Vec<Entry>)>, crate::testing::local::http::Reply> {
    let mut actions = Vec::new();
    let mut total = 0usize;
    for (action, takes_role) in ACTIONS {
        let list = match map.get(*action) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(list)) => list,
            Some(_) => return Err(invalid(&[json!("body"), json!(action)], "Input should be a valid list", req)),
        };
        total += list.len();
        if total > MAX_BATCH {
            return Err(errors::error(
                400,
                "BAD_REQUEST",
                format!("A batch may name at most {MAX_BATCH} identities; send several batches"),
                req,
            ));
        }
        let mut entries = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let at = |field: &str| [json!("body"), json!(action), json!(i), json!(field)];
            let Some(obj) = item.as_object() else {
                return Err(invalid(&[json!("body"), json!(action), json!(i)], "Input should be a valid dictionary", req));
            };
            let identity_id = match obj.get("identity_id") {
                Some(Value::String(s)) => uuid_at(s, &at("identity_id"), req)?,
                None | Some(Value::Null) => return Err(invalid(&at("identity_id"), "Field required", req)),
                Some(_) => return Err(invalid(&at("identity_id"), "Input should be a valid UUID", req)),
            };
            let role = match obj.get("role") {
                Some(Value::String(r)) if *takes_role && ROLES.contains(&r.as_str()) => r.clone(),
                Some(Value::String(r)) if *takes_role => {
                    let msg = format!("Input should be 'member', 'manager' or 'admin'; got {:?}", truncate(r));
                    return Err(invalid(&at("role"), msg, req));
                }
                None | Some(Value::Null) => "member".to_string(),
                Some(_) if *takes_role => return Err(invalid(&at("role"), "Input should be a valid string", req)),
                Some(_) => "member".to_string(),
            };
            let status_reason = match obj.get("status_reason") {
                Some(Value::String(s)) => Some(s.chars().take(1_000).collect()),
                _ => None,
            };
            let invite_email_address = match obj.get("invite_email_address") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if *action == "invite" && s.len() <= 320 && s.contains('@') => Some(s.clone()),
                Some(_) if *action == "invite" => {
                    return Err(invalid(&at("invite_email_address"), "Input should be an email address", req));
                }
                Some(_) => None,
            };
            entries.push(Entry { identity_id, role, status_reason, invite_email_address });
        }
        actions.push((*action, entries));
    }
    Ok(actions)
}

/// Apply one action for one identity: the membership as it now is, or why not.
fn apply(core: &Core, store: &mut Store, group_id: &str, me: &str, action: &str, e: &Entry) -> Result<Value, Failure> {
    let allows_add = store.allows_add(&e.identity_id);
    let Some(group) = store.group_mut(group_id) else {
        return fail("NOT_FOUND", format!("Group {group_id} is gone"));
    };
    let who = e.identity_id.as_str();
    let status = group.member(who).map(|m| m.status.clone());
    let status = status.as_deref();
    let own = who == me;
    let not_yours = || fail("IDENTITY_NOT_IN_SET", format!("Identity {who} is not in your identity set"));
    let username = || core.identity(who).map(|i| i.username);
    match action {
        "accept" | "decline" => {
            if !own {
                return not_yours();
            }
            if status != Some("invited") {
                return fail("MEMBERSHIP_NOT_INVITED", format!("Identity {who} has no invitation to accept or decline"));
            }
            let role = group.member(who).map(|m| m.role.clone()).unwrap_or_else(|| "member".into());
            let next = if action == "accept" { "active" } else { "declined" };
            Ok(set(group, who, "", &role, next, e))
        }
        "add" | "invite" => {
            let Some(username) = username() else {
                return fail("IDENTITY_NOT_FOUND", format!("No identity {who} is known to Globus Auth"));
            };
            if e.role != "member" && !group.administers(me) {
                return fail("ROLE_NOT_PERMITTED", format!("Only admins may {action} {}s", e.role));
            }
            if status == Some("active") {
                return fail("ACTIVE_MEMBERSHIP_EXISTS", format!("Identity {who} is already an active member"));
            }
            if action == "add" {
                if status == Some("left") {
                    return fail("ADD_NOT_ALLOWED", format!("Identity {who} left the group: invite it instead"));
                }
                if !allows_add && !own {
                    return fail("ADD_NOT_ALLOWED", format!("Identity {who} does not allow being added: invite it instead"));
                }
            }
            if status.is_none() && group.members.len() >= MAX_MEMBERSHIPS {
                return fail("TOO_MANY_MEMBERSHIPS", format!("A group holds at most {MAX_MEMBERSHIPS} memberships"));
            }
            let next = if action == "add" { "active" } else { "invited" };
            Ok(set(group, who, &username, &e.role, next, e))
        }
        "approve" | "reject" => {
            if status != Some("pending") {
                return fail("MEMBERSHIP_NOT_PENDING", format!("Identity {who} has no pending request to join"));
            }
            let role = group.member(who).map(|m| m.role.clone()).unwrap_or_else(|| "member".into());
            let next = if action == "approve" { "active" } else { "rejected" };
            Ok(set(group, who, "", &role, next, e))
        }
        "change_role" => {
            if status != Some("active") {
                return fail("MEMBERSHIP_NOT_ACTIVE", format!("Identity {who} is not an active member"));
            }
            if group.member(who).is_some_and(|m| m.role == "admin") && e.role != "admin" && group.admins() <= 1 {
                return fail("LAST_ADMIN", format!("Identity {who} is the group's last admin: make another admin first"));
            }
            Ok(set(group, who, "", &e.role.clone(), "active", e))
        }
        "join" | "request_join" => {
            if !own {
                return not_yours();
            }
            if status == Some("active") {
                return fail("ACTIVE_MEMBERSHIP_EXISTS", format!("Identity {who} is already an active member"));
            }
            if !group.policies.join_requests {
                return fail("JOIN_NOT_ALLOWED", "The group's policies do not take requests to join");
            }
            if action == "join" && group.policies.is_high_assurance {
                return fail("JOIN_NOT_ALLOWED", "A high-assurance group cannot be joined directly: request to join");
            }
            if action == "request_join" && status == Some("pending") {
                return fail("PENDING_REQUEST_EXISTS", format!("Identity {who} already asked to join"));
            }
            if status.is_none() && group.members.len() >= MAX_MEMBERSHIPS {
                return fail("TOO_MANY_MEMBERSHIPS", format!("A group holds at most {MAX_MEMBERSHIPS} memberships"));
            }
            let username = username().unwrap_or_default();
            let next = if action == "join" { "active" } else { "pending" };
            Ok(set(group, who, &username, "member", next, e))
        }
        "leave" => {
            if !own {
                return not_yours();
            }
            if status != Some("active") {
                return fail("MEMBERSHIP_NOT_ACTIVE", format!("Identity {who} is not an active member"));
            }
            if group.administers(who) && group.admins() <= 1 {
                return fail("LAST_ADMIN", "The last admin cannot leave the group: make another admin first");
            }
            let role = group.member(who).map(|m| m.role.clone()).unwrap_or_default();
            Ok(set(group, who, "", &role, "left", e))
        }
        "remove" => {
            if own {
                return fail("CANNOT_REMOVE_SELF", "You cannot remove your own membership: leave the group instead");
            }
            if !matches!(status, Some("active" | "invited")) {
                return fail("MEMBERSHIP_NOT_FOUND", format!("Identity {who} has no active or invited membership"));
            }
            let role = group.member(who).map(|m| m.role.clone()).unwrap_or_default();
            if role == "admin" && !group.administers(me) {
                return fail("ROLE_NOT_PERMITTED", "Only admins may remove admins");
            }
            if role == "admin" && status == Some("active") && group.admins() <= 1 {
                return fail("LAST_ADMIN", "The last admin cannot be removed");
            }
            Ok(set(group, who, "", &role, "removed", e))
        }
        _ => fail("UNKNOWN_ACTION", format!("Unknown action {action}")),
    }
}

/// Set the membership and give it as Groups shows it.
fn set(group: &mut Group, who: &str, username: &str, role: &str, status: &str, e: &Entry) -> Value {
    let gid = group.id.clone();
    group.set_member(who, username, role, status);
    if let Some(m) = group.member_mut(who) {
        if m.username.is_empty() && !username.is_empty() {
            m.username = username.to_string();
        }
        m.status_reason = e.status_reason.clone();
        if e.invite_email_address.is_some() {
            m.invite_email_address = e.invite_email_address.clone();
        }
        m.to_json(&gid)
    } else {
        Value::Null
    }
}

//! Groups' operations beside the batch of membership actions: your groups, a group (create,
//! read, update, delete), its policies, your membership fields, your preferences, and
//! subscriptions.

use serde_json::{Map, Value, json};

use super::errors::{self, forbidden, group_not_found, invalid};
use super::store::{
    self, Group, Include, MAX_GROUPS, MEMBER_VISIBILITIES, MEMBERSHIP_FIELDS, Policies, SIGNUP_FIELDS, STATUSES,
    VISIBILITIES,
};
use super::{Groups, body, path_uuid, truncate, uuid_at};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// The longest group name the local Groups takes.
const MAX_NAME: usize = 1_000;
/// The longest description, terms and conditions, or membership field.
const MAX_TEXT: usize = 100_000;
/// Groups refuses a new group to an identity with more active memberships than this.
const MAX_ACTIVE_TO_CREATE: usize = 1_000;

/// A comma-separated (or repeated) query parameter's values, each one of `allowed`.
fn list_param(req: &Request, name: &str, allowed: &[&str]) -> Result<Option<Vec<String>>, Reply> {
    let values: Vec<String> = req
        .queries(name)
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
        let msg = format!("Input should be one of {}; got {:?}", allowed.join(", "), truncate(bad));
        return Err(invalid(&[json!("query"), json!(name)], msg, req));
    }
    Ok(Some(values))
}

/// `GET /v2/groups/my_groups`: the groups holding one of the caller's memberships with one
/// of `statuses` (default `active`), each with those memberships.
pub(super) fn my_groups(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let statuses = list_param(call.req, "statuses", STATUSES)?.unwrap_or_else(|| vec!["active".into()]);
    let me = &call.caller.identity_id;
    let store = lock(&g.store);
    let include = Include { statuses: statuses.clone(), ..Include::default() };
    let list: Vec<Value> = store
        .groups
        .iter()
        .filter(|gr| gr.member(me).is_some_and(|m| statuses.contains(&m.status)))
        .map(|gr| gr.to_json(me, &include, &store))
        .collect();
    Ok(Reply::ok(&list))
}

/// `GET /v2/groups/{group_id}` with `include`.
pub(super) fn get(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let wanted = list_param(
        call.req,
        "include",
        &["memberships", "my_memberships", "policies", "allowed_actions", "child_ids"],
    )?
    .unwrap_or_default();
    let include = Include {
        memberships: wanted.iter().any(|w| w == "memberships"),
        allowed_actions: wanted.iter().any(|w| w == "allowed_actions"),
        child_ids: wanted.iter().any(|w| w == "child_ids"),
        ..Include::default()
    };
    let store = lock(&g.store);
    let group = visible(&store, &id, &call.caller, call.req)?;
    Ok(Reply::ok(&group.to_json(&call.caller.identity_id, &include, &store)))
}

/// The group `id` if the caller may see it, else Groups' 404.
fn visible<'s>(store: &'s store::Store, id: &str, caller: &Caller, req: &Request) -> Result<&'s Group, Reply> {
    store.group(id).filter(|gr| gr.visible_to(&caller.identity_id)).ok_or_else(|| group_not_found(id, req))
}

/// The group `id` if the caller administers it: 404 if they cannot see it, 403 if they see
/// it without being an active admin.
fn administered<'s>(store: &'s mut store::Store, id: &str, caller: &Caller, req: &Request) -> Result<&'s mut Group, Reply> {
    visible(store, id, caller, req)?;
    let group = store.group_mut(id).ok_or_else(|| group_not_found(id, req))?;
    if !group.administers(&caller.identity_id) {
        return Err(forbidden(format!("Only an admin of group {id} may do this"), req));
    }
    Ok(group)
}

/// The body as a JSON object, or the 422.
fn object(req: &Request) -> Result<Map<String, Value>, Reply> {
    match body(req)? {
        Value::Object(map) => Ok(map),
        _ => Err(invalid(&[json!("body")], "Input should be a valid dictionary", req)),
    }
}

/// An optional text field (`null` or absent: None), at most `max` characters.
fn text(map: &Map<String, Value>, key: &str, max: usize, req: &Request) -> Result<Option<String>, Reply> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => {
            Err(invalid(&[json!("body"), json!(key)], format!("String should have at most {max} characters"), req))
        }
        Some(_) => Err(invalid(&[json!("body"), json!(key)], "Input should be a valid string", req)),
    }
}

/// A group name: required when `required`, never empty.
fn name(map: &Map<String, Value>, required: bool, req: &Request) -> Result<Option<String>, Reply> {
    let name = text(map, "name", MAX_NAME, req)?;
    match &name {
        None if required => Err(invalid(&[json!("body"), json!("name")], "Field required", req)),
        Some(n) if n.trim().is_empty() => {
            Err(invalid(&[json!("body"), json!("name")], "String should have at least 1 character", req))
        }
        _ => Ok(name),
    }
}

/// `POST /v2/groups`: a new group whose admin is the caller.
pub(super) fn create(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let map = object(req)?;
    let name = name(&map, true, req)?.unwrap_or_default();
    let description = text(&map, "description", MAX_TEXT, req)?;
    let terms = text(&map, "terms_and_conditions", MAX_TEXT, req)?;
    let parent_id = match text(&map, "parent_id", 100, req)? {
        Some(p) => Some(uuid_at(&p, &[json!("body"), json!("parent_id")], req)?),
        None => None,
    };
    let mut policies = Policies::default();
    if let Some(p) = map.get("policies").filter(|p| !p.is_null()) {
        apply_policies(&mut policies, p, &[json!("body"), json!("policies")], req)?;
    }
    let me = &call.caller;
    let mut store = lock(&g.store);
    if let Some(parent) = &parent_id {
        let p = visible(&store, parent, me, req)?;
        if !p.administers(&me.identity_id) {
            return Err(forbidden(format!("Only an admin of group {parent} may create its subgroups"), req));
        }
    }
    if store.active_groups(&me.identity_id).len() > MAX_ACTIVE_TO_CREATE {
        return Err(forbidden(
            format!("Groups are created only by identities with {MAX_ACTIVE_TO_CREATE} or fewer active memberships"),
            req,
        ));
    }
    if store.groups.len() >= MAX_GROUPS {
        return Err(errors::error(409, "CONFLICT", format!("The local Groups holds at most {MAX_GROUPS} groups"), req));
    }
    let mut group = Group::new(name, description, parent_id);
    group.terms_and_conditions = terms;
    group.policies = policies;
    group.set_member(&me.identity_id, &me.username, "admin", "active");
    let doc = group.to_json(&me.identity_id, &Include::default(), &store);
    store.groups.push(group);
    Ok(Reply::ok(&doc))
}

/// `PUT /v2/groups/{group_id}`: an admin changes the name, description, terms (and may
/// clear the verified subscription).
pub(super) fn update(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let req = call.req;
    let map = object(req)?;
    let name = name(&map, false, req)?;
    let description = text(&map, "description", MAX_TEXT, req)?;
    let terms = text(&map, "terms_and_conditions", MAX_TEXT, req)?;
    let verified = match map.get("subscription_admin_verified_id") {
        None => None,
        Some(Value::Null) => Some(()),
        Some(_) => {
            return Err(forbidden(
                "A verified subscription is set with PUT /v2/groups/{group_id}/subscription_admin_verified; \
                 this endpoint only clears it (null)",
                req,
            ));
        }
    };
    let mut store = lock(&g.store);
    let group = administered(&mut store, &id, &call.caller, req)?;
    if let Some(n) = name {
        group.name = n;
    }
    if map.contains_key("description") {
        group.description = description;
    }
    if map.contains_key("terms_and_conditions") {
        group.terms_and_conditions = terms;
    }
    if verified.is_some() {
        group.subscription_admin_verified_id = None;
    }
    let group = group.clone();
    Ok(Reply::ok(&group.to_json(&call.caller.identity_id, &Include::default(), &store)))
}

/// `DELETE /v2/groups/{group_id}`: an admin deletes a group without subgroups; the answer
/// is the group as it was.
pub(super) fn delete(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let mut store = lock(&g.store);
    administered(&mut store, &id, &call.caller, call.req)?;
    if store.groups.iter().any(|gr| gr.parent_id.as_deref() == Some(id.as_str())) {
        return Err(errors::error(409, "CONFLICT", format!("Group {id} has subgroups: delete them first"), call.req));
    }
    let Some(index) = store.groups.iter().position(|gr| gr.id == id) else {
        return Err(group_not_found(&id, call.req));
    };
    let removed = store.groups.remove(index);
    Ok(Reply::ok(&removed.to_json(&call.caller.identity_id, &Include::default(), &store)))
}

/// `GET /v2/groups/{group_id}/policies`.
pub(super) fn get_policies(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let store = lock(&g.store);
    Ok(Reply::ok(&visible(&store, &id, &call.caller, call.req)?.policies.to_json()))
}

/// `PUT /v2/groups/{group_id}/policies`: an admin sets the policies given (`null` timeout:
/// the default).
pub(super) fn set_policies(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let doc = body(call.req)?;
    let mut store = lock(&g.store);
    let group = administered(&mut store, &id, &call.caller, call.req)?;
    let mut policies = group.policies.clone();
    apply_policies(&mut policies, &doc, &[json!("body")], call.req)?;
    group.policies = policies;
    Ok(Reply::ok(&group.policies.to_json()))
}

/// Apply a policies document (each field optional) to `p`, or the 422 naming the field.
fn apply_policies(p: &mut Policies, doc: &Value, at: &[Value], req: &Request) -> Result<(), Reply> {
    let Some(map) = doc.as_object() else {
        return Err(invalid(at, "Input should be a valid dictionary", req));
    };
    let loc = |key: &str| {
        let mut l = at.to_vec();
        l.push(json!(key));
        l
    };
    let boolean = |key: &str| -> Result<Option<bool>, Reply> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(&loc(key), "Input should be a valid boolean", req)),
        }
    };
    let word = |key: &str, allowed: &[&str]| -> Result<Option<String>, Reply> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
            Some(other) => Err(invalid(
                &loc(key),
                format!("Input should be one of {}; got {}", allowed.join(", "), truncate(&other.to_string())),
                req,
            )),
        }
    };
    let high = boolean("is_high_assurance")?;
    let join = boolean("join_requests")?;
    let visibility = word("group_visibility", VISIBILITIES)?;
    let members = word("group_members_visibility", MEMBER_VISIBILITIES)?;
    let timeout = match map.get("authentication_assurance_timeout") {
        None => None,
        Some(Value::Null) => Some(store::DEFAULT_TIMEOUT),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=i64::from(i32::MAX)).contains(&n) => Some(n),
            _ => {
                return Err(invalid(
                    &loc("authentication_assurance_timeout"),
                    "Input should be a whole number of seconds from 0 to 2147483647",
                    req,
                ));
            }
        },
    };
    let fields = match map.get("signup_fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut fields = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(f) if SIGNUP_FIELDS.contains(&f) => {
                        if !fields.iter().any(|x| x == f) {
                            fields.push(f.to_string());
                        }
                    }
                    _ => {
                        let mut l = loc("signup_fields");
                        l.push(json!(i));
                        let msg = format!("Input should be one of {}", SIGNUP_FIELDS.join(", "));
                        return Err(invalid(&l, msg, req));
                    }
                }
            }
            Some(fields)
        }
        Some(_) => return Err(invalid(&loc("signup_fields"), "Input should be a valid list", req)),
    };
    if let Some(v) = high {
        p.is_high_assurance = v;
    }
    if let Some(v) = join {
        p.join_requests = v;
    }
    if let Some(v) = visibility {
        p.group_visibility = v;
    }
    if let Some(v) = members {
        p.group_members_visibility = v;
    }
    if let Some(v) = timeout {
        p.authentication_assurance_timeout = v;
    }
    if let Some(v) = fields {
        p.signup_fields = v;
    }
    Ok(())
}

/// `GET /v2/groups/{group_id}/membership_fields`: the caller's fields, by identity.
pub(super) fn get_fields(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let store = lock(&g.store);
    let group = visible(&store, &id, &call.caller, call.req)?;
    let mut out = Map::new();
    if let Some(m) = group.member(&call.caller.identity_id) {
        out.insert(m.identity_id.clone(), Value::Object(m.membership_fields.clone()));
    }
    Ok(Reply::ok(&out))
}

/// `PUT /v2/groups/{group_id}/membership_fields`: the caller sets their fields, given by
/// identity (`{"<identity id>": {...}}`, as Groups' API describes it) or for their own
/// identity (`{"institution": ...}`, as the Python SDK's example sends).
pub(super) fn set_fields(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let req = call.req;
    let me = &call.caller.identity_id;
    let map = object(req)?;
    let fields = match by_identity(&map, me, req)? {
        Some(fields) => fields,
        None => map,
    };
    let mut clean = Map::new();
    for (k, v) in &fields {
        if !MEMBERSHIP_FIELDS.contains(&k.as_str()) {
            let msg = format!("Unknown membership field; the fields are {}", MEMBERSHIP_FIELDS.join(", "));
            return Err(invalid(&[json!("body"), json!(truncate(k))], msg, req));
        }
        match v {
            Value::Null => {}
            Value::String(s) if s.chars().count() <= MAX_TEXT => {
                clean.insert(k.clone(), v.clone());
                let _ = s;
            }
            _ => return Err(invalid(&[json!("body"), json!(k)], "Input should be a valid string", req)),
        }
    }
    let mut store = lock(&g.store);
    visible(&store, &id, &call.caller, req)?;
    let group = store.group_mut(&id).ok_or_else(|| group_not_found(&id, req))?;
    let Some(member) = group.member_mut(me) else {
        return Err(forbidden(format!("You have no membership in group {id} to set fields of"), req));
    };
    member.membership_fields = clean;
    member.updated = store::now();
    let mut out = Map::new();
    out.insert(me.clone(), Value::Object(member.membership_fields.clone()));
    Ok(Reply::ok(&out))
}

/// A document given by identity: the caller's entry (another identity is refused), or None
/// when the document is not by identity.
fn by_identity(map: &Map<String, Value>, me: &str, req: &Request) -> Result<Option<Map<String, Value>>, Reply> {
    let keyed = !map.is_empty() && map.iter().all(|(k, v)| v.is_object() && uuid::Uuid::parse_str(k).is_ok());
    if !keyed {
        return Ok(None);
    }
    let mut mine = None;
    for (k, v) in map {
        let canonical = uuid::Uuid::parse_str(k).map(|u| u.hyphenated().to_string()).unwrap_or_default();
        if canonical != me {
            return Err(forbidden(format!("Identity {k} is not in your identity set"), req));
        }
        mine = v.as_object().cloned();
    }
    Ok(mine)
}

/// `GET /v2/preferences`: the caller's preferences, by identity.
pub(super) fn get_preferences(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let me = &call.caller.identity_id;
    let allow = lock(&g.store).allows_add(me);
    Ok(Reply::ok(&json!({ me: {"allow_add": allow} })))
}

/// `PUT /v2/preferences`: by identity, or for the caller's identity.
pub(super) fn set_preferences(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let me = &call.caller.identity_id;
    let map = object(req)?;
    let prefs = by_identity(&map, me, req)?.unwrap_or(map);
    let allow = match prefs.get("allow_add") {
        Some(Value::Bool(b)) => Some(*b),
        None | Some(Value::Null) => None,
        Some(_) => return Err(invalid(&[json!("body"), json!("allow_add")], "Input should be a valid boolean", req)),
    };
    let mut store = lock(&g.store);
    if let Some(a) = allow {
        store.allow_add.insert(me.clone(), a);
    }
    Ok(Reply::ok(&json!({ me: {"allow_add": store.allows_add(me)} })))
}

/// `PUT /v2/groups/{group_id}/subscription_admin_verified`: verify a group as belonging to
/// a subscription (the caller must administer the group providing the new subscription,
/// and the one providing the old), or clear it (null).
pub(super) fn set_subscription_admin_verified(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let id = path_uuid(call, "group_id")?;
    let req = call.req;
    let map = object(req)?;
    let loc = [json!("body"), json!("subscription_admin_verified_id")];
    let new = match map.get("subscription_admin_verified_id") {
        None => return Err(invalid(&loc, "Field required", req)),
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(uuid_at(s, &loc, req)?),
        Some(_) => return Err(invalid(&loc, "Input should be a valid UUID", req)),
    };
    let me = &call.caller.identity_id;
    let mut store = lock(&g.store);
    let old = visible(&store, &id, &call.caller, req)?.subscription_admin_verified_id.clone();
    let admin_of_subscription = |sub: &str| {
        store.groups.iter().any(|gr| gr.subscription_id.as_deref() == Some(sub) && gr.administers(me))
    };
    for sub in [&old, &new].into_iter().flatten() {
        if !admin_of_subscription(sub) {
            return Err(forbidden(
                format!("Only an admin of the group providing subscription {sub} may verify groups for it"),
                req,
            ));
        }
    }
    if old.is_none() && new.is_none() && !store.group(&id).is_some_and(|gr| gr.administers(me)) {
        return Err(forbidden(format!("Only an admin of group {id} may do this"), req));
    }
    let group = store.group_mut(&id).ok_or_else(|| group_not_found(&id, req))?;
    group.subscription_admin_verified_id = new;
    Ok(Reply::ok(&json!({"group_id": group.id, "subscription_admin_verified_id": group.subscription_admin_verified_id})))
}

/// `GET /v2/subscription_info/{subscription_id}`: the group providing a subscription, with
/// restricted subscription information (no name).
pub(super) fn by_subscription(g: &Groups, call: &Call<'_, Caller>) -> Handled {
    let sub = path_uuid(call, "subscription_id")?;
    let store = lock(&g.store);
    let group = store.groups.iter().find(|gr| gr.subscription_id.as_deref() == Some(sub.as_str())).ok_or_else(|| {
        errors::error(404, "NOT_FOUND", format!("No group provides subscription {sub}"), call.req)
    })?;
    Ok(Reply::ok(&json!({
        "group_id": group.id,
        "subscription_id": sub,
        "subscription_info": store::subscription_info(group, false),
    })))
}

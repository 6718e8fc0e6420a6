//! Access rules (ACLs) of guest collections: `endpoint_acl_list`, `add_endpoint_acl_rule`,
//! `get_endpoint_acl_rule`, `update_endpoint_acl_rule`, `delete_endpoint_acl_rule`, and the
//! check every file operation and task submission makes on a collection that uses them.
//!
//! On a guest collection the owner has every permission; anyone else needs a rule for a
//! directory holding the path: for their identity, a group they are an active member of
//! (through the core's group directory), all authenticated users, or anyone (`anonymous`).
//! `r` allows ls, stat and reading by transfers; `rw` also mkdir, rename, deletes and
//! transfers into it. A rule is judged on where a path really leads (its links followed,
//! inside the collection), so a link under a shared directory cannot reach a directory the
//! rule does not cover. A task's access is judged again before each of its steps
//! ([`Grant`]): a rule taken back while the task runs stops it at the next file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::errors::{self, bad_request};
use super::paths::{self, Resolved};
use super::{LocalCollection, Transfer, collection, parse_time, resolve, task_time};
use crate::testing::local::core::{Caller, Core, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// How many rules one collection may hold (a request cannot grow the store without bound).
const MAX_RULES: usize = 1000;

/// One access rule of a guest collection.
#[derive(Clone, Debug)]
pub(super) struct AclRule {
    id: String,
    principal_type: String,
    principal: String,
    /// The directory, normalised: `/` or `/a/b/`.
    path: String,
    permissions: String,
    create_time: String,
    expiration: Option<DateTime<Utc>>,
    notify_email: Option<String>,
    notify_message: Option<String>,
}

impl AclRule {
    fn document(&self) -> types::AccessRule {
        types::AccessRule {
            create_time: Some(self.create_time.clone()),
            data_type: Some("access".into()),
            expiration_date: self.expiration.map(task_time),
            id: Some(self.id.clone()),
            notify_email: self.notify_email.clone(),
            notify_message: self.notify_message.clone(),
            path: Some(self.path.clone()),
            permissions: Some(self.permissions.clone()),
            principal: Some(self.principal.clone()),
            principal_type: Some(self.principal_type.clone()),
            role_id: None,
            role_type: None,
            extra: Default::default(),
        }
    }

    fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expiration.is_none_or(|e| e > now)
    }

    /// Whether the rule, active now, names `identity` (itself, one of its `groups`, everyone
    /// authenticated or anyone) with the permission asked for (`write`: `rw`).
    fn grants(&self, identity: &str, groups: &[String], now: DateTime<Utc>, write: bool) -> bool {
        let principal = match self.principal_type.as_str() {
            "identity" => self.principal == identity,
            "group" => groups.contains(&self.principal),
            "all_authenticated_users" | "anonymous" => true,
            _ => false,
        };
        principal && self.is_active(now) && (!write || self.permissions == "rw")
    }

    /// Whether the rule's directory holds `path` (a normalised Globus path).
    fn covers(&self, path: &str) -> bool {
        covers(&self.path, path)
    }
}

/// Whether the directory `dir` (`/` or `/a/b/`) holds `path` (a normalised Globus path).
fn covers(dir: &str, path: &str) -> bool {
    dir == "/" || path == dir.trim_end_matches('/') || path.starts_with(dir)
}

/// The rules of every collection that has some, by collection id.
pub(super) type AclStore = HashMap<String, Vec<AclRule>>;

/// Whether `caller` may use `r` on `c` (`write`: to change it). Collections without access
/// rules (the mapped ones) keep their own behaviour; the owner of a guest collection may do
/// anything; anyone else needs a rule.
pub(super) fn check(
    t: &Transfer,
    c: &LocalCollection,
    caller: &Caller,
    r: &Resolved,
    asked: &str,
    write: bool,
    req: &Request,
) -> Result<(), Reply> {
    if !c.uses_acls() || caller.identity_id == c.owner_id {
        return Ok(());
    }
    let real = real_path(c, r);
    let groups = t.core.groups_of(&caller.identity_id);
    let now = Utc::now();
    let acls = lock(&t.acls);
    let allowed = acls
        .get(&c.id)
        .into_iter()
        .flatten()
        .any(|rule| rule.grants(&caller.identity_id, &groups, now, write) && rule.covers(&real));
    if allowed {
        return Ok(());
    }
    let what = if write { "write" } else { "read" };
    let msg = format!("You do not have {what} permission on '{asked}' of the collection {}", c.id);
    Err(errors::error(403, "PermissionDenied", msg, req))
}

/// The collection a task of `caller` works in: `c` itself, or, for a caller whose access is
/// decided by rules, a view of `c` rooted at the directory of one rule that grants the access
/// for every path (opened beneath the guest root), the paths rebased onto it. A task walks
/// directories and follows links in the background: in the view, cap-std keeps every step
/// (a link met on the way included) inside the rule's directory.
pub(super) fn task_view(
    t: &Transfer,
    c: &LocalCollection,
    caller: &Caller,
    paths: &mut [&mut Resolved],
    write: bool,
    req: &Request,
) -> Result<LocalCollection, Reply> {
    if !c.uses_acls() || caller.identity_id == c.owner_id {
        return Ok(c.clone());
    }
    let groups = t.core.groups_of(&caller.identity_id);
    let now = Utc::now();
    let chosen = lock(&t.acls)
        .get(&c.id)
        .into_iter()
        .flatten()
        .filter(|rule| rule.grants(&caller.identity_id, &groups, now, write))
        .map(|rule| rule.path.clone())
        .filter(|dir| paths.iter().all(|r| covers(dir, &r.path)))
        .min_by_key(String::len);
    let denied = || {
        let msg = format!("You do not have permission for every path of this task on the collection {}", c.id);
        errors::error(403, "PermissionDenied", msg, req)
    };
    let dir = chosen.ok_or_else(denied)?;
    let base = paths::resolve(&dir).map_err(|_| denied())?;
    let handle = if base.is_root() { c.dir.try_clone() } else { c.dir.open_dir(&base.rel) }.map_err(|_| denied())?;
    if !base.is_root() {
        for r in paths.iter_mut() {
            let rel = r.rel.strip_prefix(&base.rel).map(std::path::Path::to_path_buf).unwrap_or_default();
            let path = r.path[base.path.len()..].to_string();
            **r = if rel.as_os_str().is_empty() { Resolved::root() } else { Resolved { rel, path } };
        }
    }
    let grant = Grant {
        acls: t.acls.clone(),
        core: t.core.clone(),
        collection: c.id.clone(),
        identity: caller.identity_id.clone(),
        dir,
        write,
    };
    Ok(LocalCollection { dir: std::sync::Arc::new(handle), grant: Some(grant), ..c.clone() })
}

/// What let a task of someone other than its owner into a guest collection: a rule for the
/// directory `dir` (where the task's view is rooted) with the permission it needs. A task
/// runs in the background; before each of its steps it asks again ([`Grant::check`]), so a
/// rule deleted, expired, narrowed or downgraded to `r`, or a group left, while the task runs
/// takes the access back from the next file on, as Globus judges each file's access when it
/// gets to it. Any rule that covers `dir` with the permission will do, not only the first.
#[derive(Clone)]
pub(crate) struct Grant {
    acls: Arc<Mutex<AclStore>>,
    core: Arc<Core>,
    collection: String,
    identity: String,
    dir: String,
    write: bool,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant").field("identity", &self.identity).field("dir", &self.dir).field("write", &self.write).finish()
    }
}

impl Grant {
    /// Ok while some rule still grants the access; otherwise a permission error (a fault the
    /// task retries until its deadline, in case the access is granted again).
    pub(crate) fn check(&self) -> std::io::Result<()> {
        let groups = self.core.groups_of(&self.identity);
        let now = Utc::now();
        let granted = lock(&self.acls)
            .get(&self.collection)
            .into_iter()
            .flatten()
            .any(|rule| rule.grants(&self.identity, &groups, now, self.write) && covers(&rule.path, &self.dir));
        if granted {
            return Ok(());
        }
        let what = if self.write { "write" } else { "read" };
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("no access rule of the collection grants {what} access any more"),
        ))
    }
}

/// Whether some active rule of `c` names `caller` (by identity or group: the collections
/// shared with them).
pub(super) fn grants_any(t: &Transfer, c: &LocalCollection, caller: &Caller) -> bool {
    let groups = t.core.groups_of(&caller.identity_id);
    let now = Utc::now();
    lock(&t.acls).get(&c.id).into_iter().flatten().any(|rule| {
        rule.is_active(now)
            && match rule.principal_type.as_str() {
                "identity" => rule.principal == caller.identity_id,
                "group" => groups.contains(&rule.principal),
                _ => false,
            }
    })
}

/// Where `r` leads on `c`: the real path of its deepest existing directory, with the rest as
/// written (a file to create does not exist yet).
fn real_path(c: &LocalCollection, r: &Resolved) -> String {
    let mut existing = r.clone();
    loop {
        match paths::real_path(&c.dir, &existing.rel) {
            Ok(real) => {
                let rest = if existing.is_root() { &r.path[..] } else { &r.path[existing.path.len()..] };
                let joined = format!("{}{}", real.trim_end_matches('/'), rest.trim_end_matches('/'));
                return if joined.is_empty() { "/".into() } else { joined };
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !existing.is_root() => existing = existing.parent(),
            // A path that cannot be opened is refused by the operation itself; a link that
            // leads outside never reaches the rule.
            Err(_) => return r.path.clone(),
        }
    }
}

/// The collection of the call, if the caller may manage its rules: its owner, an
/// administrator or an access manager (`roles`).
fn managed(t: &Transfer, call: &Call<'_, Caller>) -> Result<LocalCollection, Reply> {
    let req = call.req;
    let c = collection(t, call.param("endpoint_id")?, req)?;
    if !c.uses_acls() {
        let msg = format!("The collection {} is not a guest collection: it has no access rules", c.id);
        return Err(errors::error(409, "ClientError.Conflict", msg, req));
    }
    if !super::roles::holds(t, &c, &call.caller.identity_id, &["administrator", "access_manager"]) {
        let msg = format!("You do not have permission to manage the access rules of the collection {}", c.id);
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    Ok(c)
}

fn not_found(rule_id: &str, req: &Request) -> Reply {
    errors::error(404, "ClientError.NotFound", format!("Access rule '{rule_id}' not found"), req)
}


fn check_permissions(p: &str, req: &Request) -> Result<(), Reply> {
    if p == "r" || p == "rw" {
        return Ok(());
    }
    Err(errors::error(400, "InvalidPermissions", format!("Invalid permissions {p:?}: use r or rw"), req))
}

/// An expiration date in the future, or none (an empty value clears it).
fn expiration(d: Option<&str>, req: &Request) -> Result<Option<DateTime<Utc>>, Reply> {
    let Some(d) = d.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let t = parse_time(d).ok_or_else(|| bad_request(format!("Invalid expiration_date {d:?}: use ISO 8601"), req))?;
    if t <= Utc::now() {
        return Err(bad_request(format!("Invalid expiration_date {d:?}: it is in the past"), req));
    }
    Ok(Some(t))
}

pub(super) fn list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    Ok(rule_list(t, &managed(t, call)?))
}

/// The `access_list` of `c`.
fn rule_list(t: &Transfer, c: &LocalCollection) -> Reply {
    let rules: Vec<types::AccessRule> = lock(&t.acls).get(&c.id).into_iter().flatten().map(AclRule::document).collect();
    Reply::ok(&types::AccessRuleList {
        data_type: Some("access_list".into()),
        endpoint: Some(c.id.clone()),
        length: Some(rules.len() as i64),
        data: rules,
        extra: Default::default(),
    })
}

/// A guest collection's rules, for the administrators of the collection or of the mapped
/// collection it lies in (`endpoint_manager_acl_list`).
pub(super) fn manager_list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let c = collection(t, call.param("endpoint_id")?, req)?;
    if !c.uses_acls() {
        let msg = format!("The collection {} is not a guest collection: it has no access rules", c.id);
        return Err(errors::error(409, "ClientError.Conflict", msg, req));
    }
    let host = c.host.as_deref().and_then(|h| collection(t, h, req).ok());
    let admin = |x: &LocalCollection| super::roles::holds(t, x, &caller.identity_id, &["administrator"]);
    if !admin(&c) && !host.as_ref().is_some_and(admin) {
        let msg = format!("You are not an administrator of the collection {} or of its host", c.id);
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    Ok(rule_list(t, &c))
}

pub(super) fn add(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = &managed(t, call)?;
    let doc: types::AccessRuleCreate = req.json().map_err(|e| bad_request(e, req))?;
    if doc.data_type != "access" {
        return Err(bad_request(format!("Invalid DATA_TYPE {:?}: use access", doc.data_type), req));
    }
    check_permissions(&doc.permissions, req)?;
    match doc.principal_type.as_str() {
        "identity" | "group" => {
            if uuid::Uuid::try_parse(&doc.principal).is_err() {
                let msg = format!("Invalid principal {:?}: a {} id is a UUID", doc.principal, doc.principal_type);
                return Err(errors::error(400, "InvalidPrincipal", msg, req));
            }
        }
        "all_authenticated_users" | "anonymous" => {
            if !doc.principal.is_empty() {
                let msg = format!("The principal of a {} rule must be empty", doc.principal_type);
                return Err(errors::error(400, "InvalidPrincipal", msg, req));
            }
        }
        other => {
            let msg = format!("Invalid principal_type {other:?}: use identity, group, all_authenticated_users or anonymous");
            return Err(errors::error(400, "InvalidPrincipal", msg, req));
        }
    }
    if !doc.path.starts_with('/') || !doc.path.ends_with('/') {
        let msg = format!("Invalid path {:?}: an access rule's path is a directory, starting and ending with /", doc.path);
        return Err(errors::error(400, "InvalidPath", msg, req));
    }
    let r = resolve(&doc.path, req)?;
    let path = if r.is_root() { "/".to_string() } else { format!("{}/", r.path) };
    let expiration = expiration(doc.expiration_date.as_deref(), req)?;
    let mut acls = lock(&t.acls);
    let rules = acls.entry(c.id.clone()).or_default();
    if rules.iter().any(|x| x.principal_type == doc.principal_type && x.principal == doc.principal && x.path == path) {
        let msg = format!("A rule for this principal on '{path}' already exists");
        return Err(errors::error(409, "Exists", msg, req));
    }
    if rules.len() >= MAX_RULES {
        let msg = format!("A collection holds at most {MAX_RULES} access rules");
        return Err(errors::error(409, "LimitExceeded", msg, req));
    }
    let rule = AclRule {
        id: uuid::Uuid::new_v4().to_string(),
        principal_type: doc.principal_type,
        principal: doc.principal,
        path,
        permissions: doc.permissions,
        create_time: task_time(Utc::now()),
        expiration,
        notify_email: doc.notify_email.filter(|e| !e.is_empty()),
        notify_message: doc.notify_message.filter(|m| !m.is_empty()),
    };
    let id = rule.id.clone();
    rules.push(rule);
    drop(acls);
    Ok(Reply::json(201, &types::AccessCreateResult {
        access_id: id.into(),
        code: Some("Created".into()),
        data_type: Some("access_create_result".into()),
        message: Some("Access rule created successfully.".into()),
        request_id: Some(req.request_id.clone()),
        resource: Some(errors::resource(&req.path)),
        extra: Default::default(),
    }))
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let c = &managed(t, call)?;
    let rule_id = call.param("rule_id")?;
    let acls = lock(&t.acls);
    let rule = acls.get(&c.id).into_iter().flatten().find(|r| r.id == rule_id).ok_or_else(|| not_found(rule_id, call.req))?;
    Ok(Reply::ok(&rule.document()))
}

pub(super) fn update(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = &managed(t, call)?;
    let rule_id = call.param("rule_id")?;
    let doc: types::AccessRuleUpdate = req.json().map_err(|e| bad_request(e, req))?;
    if doc.data_type != "access" {
        return Err(bad_request(format!("Invalid DATA_TYPE {:?}: use access", doc.data_type), req));
    }
    if let Some(p) = &doc.permissions {
        check_permissions(p, req)?;
    }
    let expiration = match &doc.expiration_date {
        Some(d) => Some(expiration(Some(d), req)?),
        None => None,
    };
    let mut acls = lock(&t.acls);
    let rule = acls
        .get_mut(&c.id)
        .into_iter()
        .flatten()
        .find(|r| r.id == rule_id)
        .ok_or_else(|| not_found(rule_id, req))?;
    if let Some(p) = doc.permissions {
        rule.permissions = p;
    }
    if let Some(e) = expiration {
        rule.expiration = e;
    }
    Ok(errors::result("result", "Updated", format!("Updated access rule '{rule_id}'"), req))
}

pub(super) fn delete(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = &managed(t, call)?;
    let rule_id = call.param("rule_id")?;
    let mut acls = lock(&t.acls);
    let rules = acls.get_mut(&c.id).ok_or_else(|| not_found(rule_id, req))?;
    let before = rules.len();
    rules.retain(|r| r.id != rule_id);
    if rules.len() == before {
        return Err(not_found(rule_id, req));
    }
    Ok(errors::result("result", "Deleted", format!("Access rule '{rule_id}' deleted successfully"), req))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str) -> AclRule {
        AclRule {
            id: "x".into(),
            principal_type: "identity".into(),
            principal: "p".into(),
            path: path.into(),
            permissions: "r".into(),
            create_time: String::new(),
            expiration: None,
            notify_email: None,
            notify_message: None,
        }
    }

    #[test]
    fn a_rule_covers_its_directory_and_below_only() {
        let r = rule("/shared/");
        assert!(r.covers("/shared") && r.covers("/shared/a/b"));
        assert!(!r.covers("/") && !r.covers("/sharedx") && !r.covers("/other/shared"));
        assert!(rule("/").covers("/") && rule("/").covers("/anything"));
        let mut old = rule("/");
        old.expiration = Some(Utc::now() - chrono::TimeDelta::seconds(1));
        assert!(!old.is_active(Utc::now()));
    }
}

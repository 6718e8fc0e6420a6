//! Synchronous file operations: `ls` (with filters, ordering, paging), `mkdir`, `rename`,
//! `stat`, and the file documents they answer with.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::errors::{self, bad_request, permission_denied};
use super::paths::{self, Kind, Meta, Resolved};
use super::{LocalCollection, Transfer, acls, collection, document, glob, int_param, parse_time, resolve, writable};
use crate::testing::local::core::Caller;
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// The fields of a file document Transfer always sends.
const FILE_FIELDS: &[&str] = &[
    "DATA_TYPE",
    "group",
    "last_modified",
    "link_group",
    "link_last_modified",
    "link_size",
    "link_target",
    "link_user",
    "name",
    "permissions",
    "size",
    "type",
    "user",
];

/// File times as Transfer writes them: `2023-12-18 16:52:50+00:00`; None for a time the
/// calendar cannot show (a file system may hold any 64-bit time).
fn file_time(t: Option<SystemTime>) -> Option<String> {
    let (secs, nanos) = match t?.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).ok()?;
            match d.subsec_nanos() {
                0 => (secs.checked_neg()?, 0),
                n => (secs.checked_neg()?.checked_sub(1)?, 1_000_000_000 - n),
            }
        }
    };
    DateTime::<Utc>::from_timestamp(secs, nanos).map(|t| t.format("%Y-%m-%d %H:%M:%S+00:00").to_string())
}

/// User and group names by id, from /etc/passwd and /etc/group.
fn names(file: &str) -> &'static HashMap<u32, String> {
    static USERS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    static GROUPS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    let cell = if file == "/etc/passwd" { &USERS } else { &GROUPS };
    cell.get_or_init(|| {
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                let id = f.nth(1)?.parse().ok()?;
                Some((id, name.to_string()))
            })
            .collect()
    })
}

/// User, group and permissions (`0644`) of a file.
fn owner_fields(m: &Meta) -> (Option<String>, Option<String>, Option<String>) {
    let user = m.uid.map(|uid| names("/etc/passwd").get(&uid).cloned().unwrap_or_else(|| uid.to_string()));
    let group = m.gid.map(|gid| names("/etc/group").get(&gid).cloned().unwrap_or_else(|| gid.to_string()));
    (user, group, m.mode.map(|mode| format!("{mode:04o}")))
}

/// A size as Transfer's signed integer.
fn size(len: u64) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// Fill the main fields of `entry` from `m`.
fn describe(entry: &mut types::FileEntry, kind: &str, m: &Meta) {
    let (user, group, permissions) = owner_fields(m);
    entry.type_ = kind.into();
    entry.size = Some(size(m.len));
    entry.last_modified = file_time(m.modified);
    entry.user = user;
    entry.group = group;
    entry.permissions = permissions;
}

/// The file document of `r`, named `name`. A symbolic link that stays inside the collection
/// is described by its target, with the link's own facts in the `link_*` fields and the
/// target's Globus path in `link_target`; one that leads outside is a `link` described by
/// itself alone (nothing of its target, no host path); a broken one is `invalid_symlink`.
pub(super) fn file_entry(c: &LocalCollection, r: &Resolved, name: &str) -> std::io::Result<types::FileEntry> {
    let lmeta = paths::lstat(&c.dir, &r.rel)?;
    let mut entry = types::FileEntry {
        data_type: Some("file".into()),
        group: None,
        last_modified: None,
        link_group: None,
        link_last_modified: None,
        link_size: None,
        link_target: None,
        link_user: None,
        name: name.to_string(),
        permissions: None,
        size: None,
        type_: String::new(),
        user: None,
        extra: Default::default(),
    };
    if lmeta.kind != Kind::Symlink {
        describe(&mut entry, lmeta.kind.name(), &lmeta);
        return Ok(entry);
    }
    let (user, group, _) = owner_fields(&lmeta);
    entry.link_size = Some(size(lmeta.len));
    entry.link_user = user;
    entry.link_group = group;
    entry.link_last_modified = file_time(lmeta.modified);
    match paths::stat(&c.dir, &r.rel) {
        Ok(target) => {
            entry.link_target = paths::link_target(&c.dir, r);
            describe(&mut entry, target.kind.name(), &target);
        }
        Err(e) if paths::is_escape(&e) => describe(&mut entry, Kind::Symlink.name(), &lmeta),
        Err(_) => {
            entry.link_target = paths::link_target(&c.dir, r);
            describe(&mut entry, "invalid_symlink", &lmeta);
        }
    }
    Ok(entry)
}

/// An I/O failure on a collection, answered as Transfer does.
pub(super) fn io_error(e: &std::io::Error, path: &str, req: &Request) -> Reply {
    if paths::is_escape(e) {
        let msg = format!("Denied by endpoint: Path not allowed. '{path}' leads outside the collection through a link");
        return permission_denied(msg, req);
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            errors::error(404, "ClientError.NotFound", format!("'{path}' not found on the collection: {e}"), req)
        }
        std::io::ErrorKind::PermissionDenied => permission_denied(format!("Denied by endpoint: {path}: {e}"), req),
        _ => errors::error(502, "ExternalError", format!("the storage failed on '{path}': {e}"), req),
    }
}

// ------------------------------------------------------------------ ls filters and ordering

enum Cmp<T> {
    Eq(T),
    Ne(T),
    Gt(T),
    Ge(T),
    Lt(T),
    Le(T),
    Range(Option<T>, Option<T>),
}

impl<T: PartialOrd> Cmp<T> {
    fn test(&self, v: &T) -> bool {
        match self {
            Cmp::Eq(x) => v == x,
            Cmp::Ne(x) => v != x,
            Cmp::Gt(x) => v > x,
            Cmp::Ge(x) => v >= x,
            Cmp::Lt(x) => v < x,
            Cmp::Le(x) => v <= x,
            Cmp::Range(lo, hi) => lo.as_ref().is_none_or(|lo| v >= lo) && hi.as_ref().is_none_or(|hi| v <= hi),
        }
    }

    fn parse(s: &str, value: impl Fn(&str) -> Option<T>) -> Option<Cmp<T>> {
        let s = s.trim();
        for (op, make) in [
            (">=", Cmp::Ge as fn(T) -> Cmp<T>),
            ("<=", Cmp::Le),
            ("!=", Cmp::Ne),
            (">", Cmp::Gt),
            ("<", Cmp::Lt),
            ("=", Cmp::Eq),
        ] {
            if let Some(rest) = s.strip_prefix(op) {
                return value(rest).map(make);
            }
        }
        match s.split_once(',') {
            Some((lo, hi)) => {
                let bound = |b: &str| if b.trim().is_empty() { Some(None) } else { value(b).map(Some) };
                Some(Cmp::Range(bound(lo)?, bound(hi)?))
            }
            None => value(s).map(Cmp::Eq),
        }
    }
}

enum Clause {
    NameGlob(String, bool),
    NameIn(Vec<String>, bool),
    Type(Vec<String>),
    Size(Cmp<i64>),
    Modified(Cmp<DateTime<Utc>>),
    Permissions(Vec<String>),
}

fn parse_filter(filter: &str) -> Result<Vec<Clause>, String> {
    let mut clauses = Vec::new();
    for part in filter.split('/').filter(|p| !p.trim().is_empty()) {
        let (field, value) =
            part.split_once(':').ok_or_else(|| format!("Invalid filter clause {part:?}: expected field:value"))?;
        let list = |v: &str| v.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
        let bad = || format!("Invalid filter value {value:?} for {field}");
        clauses.push(match field.trim() {
            "name" => {
                if let Some(p) = value.strip_prefix("!~") {
                    Clause::NameGlob(p.to_string(), true)
                } else if let Some(p) = value.strip_prefix('~') {
                    Clause::NameGlob(p.to_string(), false)
                } else if let Some(v) = value.strip_prefix("!=") {
                    Clause::NameIn(list(v), true)
                } else {
                    Clause::NameIn(list(value.strip_prefix('=').unwrap_or(value)), false)
                }
            }
            "type" => Clause::Type(list(value)),
            "size" => Clause::Size(Cmp::parse(value, |v| v.trim().parse().ok()).ok_or_else(bad)?),
            "last_modified" => Clause::Modified(Cmp::parse(value, parse_time).ok_or_else(bad)?),
            "permissions" => Clause::Permissions(list(value)),
            other => {
                return Err(format!(
                    "Unsupported filter field {other:?}; use name, type, size, last_modified or permissions"
                ));
            }
        });
    }
    Ok(clauses)
}

fn entry_time(e: &types::FileEntry) -> Option<DateTime<Utc>> {
    e.last_modified.as_deref().and_then(parse_time)
}

fn keep(e: &types::FileEntry, clauses: &[Clause]) -> bool {
    clauses.iter().all(|c| match c {
        Clause::NameGlob(p, negate) => glob::matches(p, &e.name) != *negate,
        Clause::NameIn(names, negate) => names.contains(&e.name) != *negate,
        Clause::Type(types) => types.contains(&e.type_),
        Clause::Size(cmp) => e.size.is_some_and(|s| cmp.test(&s)),
        Clause::Modified(cmp) => entry_time(e).is_some_and(|t| cmp.test(&t)),
        Clause::Permissions(p) => e.permissions.as_ref().is_some_and(|x| p.contains(x)),
    })
}

fn parse_orderby(orderby: &str) -> Result<Vec<(String, bool)>, String> {
    let mut keys = Vec::new();
    for part in orderby.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or_default().to_string();
        let descending = match words.next().map(|w| w.to_ascii_uppercase()) {
            None => false,
            Some(w) if w == "ASC" => false,
            Some(w) if w == "DESC" => true,
            Some(w) => return Err(format!("Invalid sort direction {w:?}; use ASC or DESC")),
        };
        if !["name", "type", "size", "last_modified", "permissions", "user", "group"].contains(&field.as_str()) {
            return Err(format!("Unsupported orderby field {field:?}"));
        }
        keys.push((field, descending));
    }
    Ok(keys)
}

fn compare(a: &types::FileEntry, b: &types::FileEntry, keys: &[(String, bool)]) -> Ordering {
    for (field, descending) in keys {
        let o = match field.as_str() {
            "name" => a.name.cmp(&b.name),
            "type" => a.type_.cmp(&b.type_),
            "size" => a.size.cmp(&b.size),
            "last_modified" => entry_time(a).cmp(&entry_time(b)),
            "permissions" => a.permissions.cmp(&b.permissions),
            "user" => a.user.cmp(&b.user),
            _ => a.group.cmp(&b.group),
        };
        let o = if *descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

// ------------------------------------------------------------------ operations

pub(super) fn ls(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = &collection(t, call.param("endpoint_id")?, req)?;
    let asked = req.query("path").unwrap_or("/~/");
    let r = resolve(asked, req)?;
    acls::check(t, c, &call.caller, &r, asked, false, req)?;
    super::pauses::refuse_if_paused(t, c, &call.caller, super::pauses::Op::Ls, req)?;
    let meta = paths::stat(&c.dir, &r.rel).map_err(|e| io_error(&e, asked, req))?;
    if meta.kind != Kind::Dir {
        let msg = format!("'{asked}' is not a directory");
        return Err(errors::error(400, "ExternalError.DirListingFailed.NotDirectory", msg, req));
    }
    let show_hidden = int_param(req, "show_hidden", 1, 0, 1)? == 1;
    let limit = int_param(req, "limit", 100_000, 0, 100_000)?;
    let offset = int_param(req, "offset", 0, 0, i64::MAX)?;
    // Each `filter` parameter is a set of clauses; an entry is listed if it passes any.
    let filters = req
        .queries("filter")
        .filter(|f| !f.trim().is_empty())
        .map(parse_filter)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_request(e, req))?;
    let mut keys = parse_orderby(req.query("orderby").unwrap_or_default()).map_err(|e| bad_request(e, req))?;
    if keys.is_empty() {
        keys.push(("name".into(), false));
    }
    let mut entries = Vec::new();
    for name in paths::list(&c.dir, &r.rel).map_err(|e| io_error(&e, asked, req))? {
        let shown = name.to_string_lossy().into_owned();
        if !show_hidden && shown.starts_with('.') {
            continue;
        }
        // An entry that vanished while listing is left out.
        if let Ok(e) = file_entry(c, &r.child(&name), &shown)
            && (filters.is_empty() || filters.iter().any(|clauses| keep(&e, clauses)))
        {
            entries.push(e);
        }
    }
    entries.sort_by(|a, b| compare(a, b, &keys));
    let total = entries.len() as i64;
    let page: Vec<types::FileEntry> = entries.into_iter().skip(offset as usize).take(limit as usize).collect();
    let echoed = if asked.ends_with('/') { asked.to_string() } else { format!("{asked}/") };
    let absolute = if r.path == "/" { "/".to_string() } else { format!("{}/", r.path) };
    let list = types::FileList {
        absolute_path: Some(absolute),
        data: Vec::new(),
        data_type: Some("file_list".into()),
        endpoint: Some(c.id.clone()),
        length: Some(page.len() as i64),
        limit: Some(limit),
        offset: Some(offset),
        path: Some(echoed),
        rename_supported: Some(true),
        symlink_supported: Some(false),
        total: Some(total),
        extra: Default::default(),
    };
    let mut body = document(&list, &[]);
    body["DATA"] = page.iter().map(|e| document(e, FILE_FIELDS)).collect();
    Ok(Reply::ok(&body))
}


pub(super) fn mkdir(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let doc: types::MkdirDocument = req.json().map_err(|e| bad_request(e, req))?;
    let c = &writable(t, call.param("endpoint_id")?, req)?;
    let r = resolve(&doc.path, req)?;
    acls::check(t, c, &call.caller, &r, &doc.path, true, req)?;
    super::pauses::refuse_if_paused(t, c, &call.caller, super::pauses::Op::Mkdir, req)?;
    if r.is_root() {
        return Err(errors::error(409, "ExternalError.MkdirFailed.Exists", "the collection root already exists", req));
    }
    match c.dir.create_dir(&r.rel) {
        Ok(()) => Ok(errors::result("mkdir_result", "DirectoryCreated", "The directory was created successfully", req)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(errors::error(
            409,
            "ExternalError.MkdirFailed.Exists",
            format!("Path already exists: '{}'", doc.path),
            req,
        )),
        Err(e) => Err(io_error(&e, &doc.path, req)),
    }
}

pub(super) fn rename(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let doc: types::RenameDocument = req.json().map_err(|e| bad_request(e, req))?;
    let c = &writable(t, call.param("endpoint_id")?, req)?;
    let old = resolve(&doc.old_path, req)?;
    let new = resolve(&doc.new_path, req)?;
    acls::check(t, c, &call.caller, &old, &doc.old_path, true, req)?;
    acls::check(t, c, &call.caller, &new, &doc.new_path, true, req)?;
    super::pauses::refuse_if_paused(t, c, &call.caller, super::pauses::Op::Rename, req)?;
    if old.is_root() || new.is_root() {
        return Err(bad_request("the collection root cannot be renamed or replaced", req));
    }
    paths::lstat(&c.dir, &old.rel).map_err(|e| io_error(&e, &doc.old_path, req))?;
    match paths::lstat(&c.dir, &new.rel) {
        Ok(_) => {
            let msg = format!("Destination already exists: '{}'", doc.new_path);
            return Err(errors::error(409, "ExternalError.RenameFailed.Exists", msg, req));
        }
        Err(e) if paths::is_escape(&e) => return Err(io_error(&e, &doc.new_path, req)),
        Err(_) => {}
    }
    if new.rel.starts_with(&old.rel) {
        return Err(bad_request("a directory cannot be moved into itself", req));
    }
    c.dir.rename(&old.rel, &c.dir, &new.rel).map_err(|e| io_error(&e, &doc.new_path, req))?;
    Ok(errors::result("result", "FileRenamed", "File or directory renamed successfully", req))
}

pub(super) fn stat(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let c = &collection(t, call.param("endpoint_id")?, req)?;
    let asked = req.query("path").unwrap_or("/~/");
    let r = resolve(asked, req)?;
    acls::check(t, c, &call.caller, &r, asked, false, req)?;
    let name = r.name().map_or_else(|| "/".to_string(), |n| n.to_string_lossy().into_owned());
    let entry = file_entry(c, &r, &name).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            errors::error(404, "NotFound", format!("Path not found, '{asked}': No such file or directory"), req)
        }
        _ => io_error(&e, asked, req),
    })?;
    Ok(Reply::ok(&document(&entry, FILE_FIELDS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, kind: &str, size: i64, modified: &str) -> types::FileEntry {
        types::FileEntry {
            data_type: None,
            group: None,
            last_modified: Some(modified.into()),
            link_group: None,
            link_last_modified: None,
            link_size: None,
            link_target: None,
            link_user: None,
            name: name.into(),
            permissions: Some("0644".into()),
            size: Some(size),
            type_: kind.into(),
            user: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn filters() {
        let a = entry("a.txt", "file", 10, "2021-06-01 00:00:00+00:00");
        let d = entry("data", "dir", 4096, "2020-01-01 00:00:00+00:00");
        let f = |s: &str| parse_filter(s).unwrap();
        assert!(keep(&a, &f("name:~*.txt/type:file")));
        assert!(!keep(&d, &f("name:~*.txt")));
        assert!(keep(&d, &f("name:!~*.txt")));
        assert!(keep(&d, &f("type:file,dir")));
        assert!(keep(&a, &f("name:a.txt,b.txt")) && !keep(&a, &f("name:!=a.txt")));
        assert!(keep(&a, &f("size:>5")) && !keep(&a, &f("size:>=11")));
        assert!(keep(&a, &f("last_modified:2021-01-01,")) && !keep(&d, &f("last_modified:2021-01-01,")));
        assert!(keep(&d, &f("last_modified:,2020-06-01 00:00:00")));
        assert!(keep(&a, &f("permissions:0644")));
        assert!(
            parse_filter("owner:me").is_err() && parse_filter("nocolon").is_err() && parse_filter("size:big").is_err()
        );
    }

    #[test]
    fn ordering() {
        let a = entry("a", "file", 3, "2021-06-01 00:00:00+00:00");
        let b = entry("b", "dir", 1, "2021-06-01 00:00:00+00:00");
        let keys = parse_orderby("type, name DESC").unwrap();
        assert_eq!(compare(&a, &b, &keys), Ordering::Greater);
        assert_eq!(compare(&a, &b, &parse_orderby("size desc").unwrap()), Ordering::Less);
        assert!(parse_orderby("name SIDEWAYS").is_err() && parse_orderby("colour").is_err());
    }
}

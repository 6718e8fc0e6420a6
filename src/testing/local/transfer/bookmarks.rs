//! Bookmarks: a name for a directory of a collection, per user. One store answers both APIs:
//! v0.10 (`bookmark_list`, `create_bookmark`, `get_bookmark`, `update_bookmark`,
//! `delete_bookmark`) and v2's JSON:API documents (`list_bookmarks`, paged by `links.next`,
//! `create_bookmark_v2`, `get_bookmark_v2`, `update_bookmark_v2`, `delete_bookmark_v2`).
//!
//! A bookmark belongs to the identity that made it: another user's bookmark is not found. Its
//! name is unique per user; its collection must exist when it is made; its path is a
//! directory path (`/…/` or `~/…/`). The number per user and the lengths are bounded.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::errors::{self, bad_request};
use super::{Transfer, collection};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// How many bookmarks one user may keep.
const MAX_PER_USER: usize = 1000;
/// The longest name and path, in bytes.
const MAX_NAME: usize = 128;
const MAX_PATH: usize = 2048;
/// v2's page sizes.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

#[derive(Clone, Debug)]
pub(super) struct Bookmark {
    id: String,
    name: String,
    collection: String,
    path: String,
    pinned: bool,
}

/// Every user's bookmarks, by identity id, in the order they were made.
pub(super) type BookmarkStore = HashMap<String, Vec<Bookmark>>;

impl Bookmark {
    fn v0(&self) -> Value {
        json!({
            "DATA_TYPE": "bookmark",
            "id": self.id,
            "name": self.name,
            "endpoint_id": self.collection,
            "path": self.path,
            "pinned": self.pinned,
        })
    }

    fn v2(&self) -> Value {
        json!({
            "type": "Bookmark",
            "id": self.id,
            "attributes": {"name": self.name, "path": self.path},
            "relationships": {"collection": {"data": {"type": "Collection", "id": self.collection}}},
        })
    }
}

fn name_checked(name: &str, req: &Request) -> Result<String, Reply> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
        let msg = format!("Invalid bookmark name: from 1 to {MAX_NAME} bytes, no control characters");
        return Err(bad_request(msg, req));
    }
    Ok(name.to_string())
}

fn path_checked(path: &str, req: &Request) -> Result<String, Reply> {
    let directory = (path.starts_with('/') || path.starts_with("~/")) && path.ends_with('/');
    if !directory || path.len() > MAX_PATH || path.contains('\0') || path.split('/').any(|s| s == "..") {
        let msg = format!(
            "Invalid bookmark path: a directory path starting with / or ~/ and ending with /, at most {MAX_PATH} bytes, without .."
        );
        return Err(bad_request(msg, req));
    }
    Ok(path.to_string())
}

fn not_found(id: &str, req: &Request) -> Reply {
    errors::error(404, "BookmarkNotFound", format!("Bookmark '{id}' not found"), req)
}

/// Add a bookmark for `caller` (the checks both APIs share).
fn add(t: &Transfer, caller: &Caller, name: &str, collection_id: &str, path: &str, pinned: bool, req: &Request) -> Result<Bookmark, Reply> {
    let name = name_checked(name, req)?;
    let path = path_checked(path, req)?;
    let c = collection(t, collection_id, req)?;
    let mut store = lock(&t.bookmarks);
    let mine = store.entry(caller.identity_id.clone()).or_default();
    if mine.iter().any(|b| b.name == name) {
        return Err(errors::error(409, "Exists", format!("A bookmark named '{name}' already exists"), req));
    }
    if mine.len() >= MAX_PER_USER {
        let msg = format!("A user keeps at most {MAX_PER_USER} bookmarks");
        return Err(errors::error(409, "LimitExceeded", msg, req));
    }
    let b = Bookmark { id: uuid::Uuid::new_v4().to_string(), name, collection: c.id, path, pinned };
    mine.push(b.clone());
    Ok(b)
}

/// Change `caller`'s bookmark `id`: a new name (unique), path or pin.
fn change(
    t: &Transfer,
    caller: &Caller,
    id: &str,
    name: Option<&str>,
    path: Option<&str>,
    pinned: Option<bool>,
    req: &Request,
) -> Result<Bookmark, Reply> {
    let name = name.map(|n| name_checked(n, req)).transpose()?;
    let path = path.map(|p| path_checked(p, req)).transpose()?;
    let mut store = lock(&t.bookmarks);
    let mine = store.get_mut(&caller.identity_id).ok_or_else(|| not_found(id, req))?;
    if let Some(n) = &name
        && mine.iter().any(|b| b.id != id && &b.name == n)
    {
        return Err(errors::error(409, "Exists", format!("A bookmark named '{n}' already exists"), req));
    }
    let b = mine.iter_mut().find(|b| b.id == id).ok_or_else(|| not_found(id, req))?;
    if let Some(n) = name {
        b.name = n;
    }
    if let Some(p) = path {
        b.path = p;
    }
    if let Some(p) = pinned {
        b.pinned = p;
    }
    Ok(b.clone())
}

fn find(t: &Transfer, caller: &Caller, id: &str, req: &Request) -> Result<Bookmark, Reply> {
    let store = lock(&t.bookmarks);
    store.get(&caller.identity_id).into_iter().flatten().find(|b| b.id == id).cloned().ok_or_else(|| not_found(id, req))
}

fn remove(t: &Transfer, caller: &Caller, id: &str, req: &Request) -> Result<(), Reply> {
    let mut store = lock(&t.bookmarks);
    let mine = store.get_mut(&caller.identity_id).ok_or_else(|| not_found(id, req))?;
    let at = mine.iter().position(|b| b.id == id).ok_or_else(|| not_found(id, req))?;
    mine.remove(at);
    Ok(())
}

/// A string field of a JSON object: absent (None), or a string (an error otherwise).
fn string_field<'a>(doc: &'a Value, name: &str, req: &Request) -> Result<Option<&'a str>, Reply> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(format!("{name} must be a string"), req)),
    }
}

fn bool_field(doc: &Value, name: &str, req: &Request) -> Result<Option<bool>, Reply> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad_request(format!("{name} must be true or false"), req)),
    }
}

fn object(req: &Request) -> Result<Value, Reply> {
    match req.json::<Value>() {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(bad_request("The request body must be a JSON object", req)),
        Err(e) => Err(bad_request(e, req)),
    }
}

fn data_type(doc: &Value, expected: &str, req: &Request) -> Result<(), Reply> {
    match string_field(doc, "DATA_TYPE", req)? {
        None => Ok(()),
        Some(d) if d == expected => Ok(()),
        Some(d) => Err(bad_request(format!("Invalid DATA_TYPE {d:?}: use {expected}"), req)),
    }
}

// ------------------------------------------------------------------ v0.10

pub(super) fn list(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let store = lock(&t.bookmarks);
    let data: Vec<Value> = store.get(&call.caller.identity_id).into_iter().flatten().map(Bookmark::v0).collect();
    Ok(Reply::ok(&json!({"DATA_TYPE": "bookmark_list", "DATA": data})))
}

pub(super) fn create(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let doc = object(req)?;
    data_type(&doc, "bookmark", req)?;
    let field = |name: &str| string_field(&doc, name, req)?.ok_or_else(|| bad_request(format!("{name} is required"), req));
    let (name, endpoint, path) = (field("name")?, field("endpoint_id")?, field("path")?);
    let pinned = bool_field(&doc, "pinned", req)?.unwrap_or(false);
    let b = add(t, &call.caller, name, endpoint, path, pinned, req)?;
    Ok(Reply::ok(&b.v0()))
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    Ok(Reply::ok(&find(t, &call.caller, call.param("bookmark_id")?, call.req)?.v0()))
}

pub(super) fn update(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let doc = object(req)?;
    data_type(&doc, "bookmark", req)?;
    if doc.get("path").is_some_and(|p| !p.is_null()) || doc.get("endpoint_id").is_some_and(|p| !p.is_null()) {
        return Err(bad_request("A bookmark's path and endpoint cannot be changed (v0.10 changes its name and pin)", req));
    }
    let name = string_field(&doc, "name", req)?;
    let pinned = bool_field(&doc, "pinned", req)?;
    let b = change(t, &call.caller, call.param("bookmark_id")?, name, None, pinned, req)?;
    Ok(Reply::ok(&b.v0()))
}

pub(super) fn delete(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, id) = (call.req, call.param("bookmark_id")?);
    remove(t, &call.caller, id, req)?;
    Ok(errors::result("result", "Deleted", format!("Bookmark '{id}' deleted successfully"), req))
}

// ------------------------------------------------------------------ v2 (JSON:API)

fn meta(req: &Request) -> Value {
    json!({"request_id": req.request_id})
}

/// The bookmarked collections, as `include=collection` adds them.
fn included(t: &Transfer, bookmarks: &[Bookmark], req: &Request) -> Result<Option<Value>, Reply> {
    match req.query("include") {
        None | Some("") => Ok(None),
        Some("collection") => {
            let collections = lock(&t.collections);
            let mut seen = Vec::new();
            let mut out = Vec::new();
            for b in bookmarks {
                if seen.contains(&b.collection) {
                    continue;
                }
                seen.push(b.collection.clone());
                // A collection removed since keeps its bookmark; it is left out of `included`.
                if let Some(c) = collections.iter().find(|c| c.id == b.collection) {
                    out.push(json!({
                        "type": "Collection",
                        "id": c.id,
                        "attributes": {"display_name": c.name, "high_assurance": false},
                    }));
                }
            }
            Ok(Some(Value::Array(out)))
        }
        Some(other) => Err(bad_request(format!("Invalid include {other:?}: use collection"), req)),
    }
}

fn document(t: &Transfer, b: &Bookmark, status: u16, req: &Request) -> Handled {
    let mut doc = json!({"data": b.v2(), "meta": meta(req)});
    if let Some(inc) = included(t, std::slice::from_ref(b), req)? {
        doc["included"] = inc;
    }
    Ok(Reply::json(status, &doc))
}

/// The `data.attributes` and `data.relationships.collection.data.id` of a v2 body.
fn resource(req: &Request) -> Result<(Value, Option<String>), Reply> {
    let doc = object(req)?;
    let data = doc.get("data").filter(|d| d.is_object()).ok_or_else(|| bad_request("data is required: a Bookmark resource", req))?;
    if let Some(kind) = string_field(data, "type", req)?
        && kind != "Bookmark"
    {
        return Err(bad_request(format!("Invalid type {kind:?}: use Bookmark"), req));
    }
    let attributes = data.get("attributes").cloned().unwrap_or(Value::Null);
    if !attributes.is_object() {
        return Err(bad_request("data.attributes is required: an object", req));
    }
    let collection = match data.pointer("/relationships/collection/data/id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(bad_request("data.relationships.collection.data.id must be a string", req)),
    };
    Ok((attributes, collection))
}

pub(super) fn list_v2(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let limit = match req.query("page[limit]") {
        None => DEFAULT_PAGE,
        Some(l) => l.parse::<usize>().ok().filter(|l| (1..=MAX_PAGE).contains(l)).ok_or_else(|| {
            bad_request(format!("Invalid page[limit] {l:?}: from 1 to {MAX_PAGE}"), req)
        })?,
    };
    let start = match req.query("page[marker]") {
        None => 0,
        Some(m) => m.parse::<usize>().map_err(|_| bad_request(format!("Invalid page[marker] {m:?}"), req))?,
    };
    let page: Vec<Bookmark> = {
        let store = lock(&t.bookmarks);
        store.get(&call.caller.identity_id).into_iter().flatten().skip(start).take(limit + 1).cloned().collect()
    };
    let more = page.len() > limit;
    let page = &page[..page.len().min(limit)];
    let mut doc = json!({"data": page.iter().map(Bookmark::v2).collect::<Vec<_>>(), "meta": meta(req)});
    if let Some(inc) = included(t, page, req)? {
        doc["included"] = inc;
    }
    if more {
        let base = t.core.urls().url("transfer").unwrap_or_default();
        let include = req.query("include").map(|i| format!("&include={i}")).unwrap_or_default();
        let next = format!("{base}/v2/bookmarks?page%5Bmarker%5D={}&page%5Blimit%5D={limit}{include}", start + limit);
        doc["links"] = json!({"next": next});
    }
    Ok(Reply::ok(&doc))
}

pub(super) fn create_v2(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let (attributes, collection) = resource(req)?;
    let collection = collection.ok_or_else(|| bad_request("data.relationships.collection.data.id is required", req))?;
    let field = |name: &str| {
        string_field(&attributes, name, req)?.ok_or_else(|| bad_request(format!("data.attributes.{name} is required"), req))
    };
    let b = add(t, &call.caller, field("name")?, &collection, field("path")?, false, req)?;
    document(t, &b, 201, req)
}

pub(super) fn get_v2(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let b = find(t, &call.caller, call.param("bookmark_id")?, call.req)?;
    document(t, &b, 200, call.req)
}

pub(super) fn update_v2(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let (attributes, collection) = resource(req)?;
    if collection.is_some() {
        return Err(bad_request("A bookmark's collection cannot be changed", req));
    }
    let name = string_field(&attributes, "name", req)?;
    let path = string_field(&attributes, "path", req)?;
    let b = change(t, &call.caller, call.param("bookmark_id")?, name, path, None, req)?;
    document(t, &b, 200, req)
}

pub(super) fn delete_v2(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    remove(t, &call.caller, call.param("bookmark_id")?, call.req)?;
    Ok(Reply::ok(&json!({"meta": meta(call.req)})))
}

//! Nodes, sharing policies and stream gateways: documents kept in memory (nothing runs on
//! them), read by any caller with the endpoint's scope, written by administrators.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value, json};

use super::fields::{self, Kind};
use super::{Gcs, MAX_RECORDS, MAX_TEXT, body, caller, components, envelope, prune, require_admin, text};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled, Service};

/// The most addresses of a node.
const MAX_ADDRESSES: usize = 32;

/// What a kind of record is called, its document type, its path parameter and how a
/// document's fields are checked (into the fields kept).
struct RecordKind {
    name: &'static str,
    data_type: &'static str,
    param: &'static str,
    check: Check,
}

/// Check a document's fields and apply them to the kept ones (empty for a new record).
type Check = fn(&Gcs, Map<String, Value>, &Map<String, Value>, &Request) -> Result<Map<String, Value>, Reply>;

const NODE: RecordKind = RecordKind { name: "Node", data_type: "node", param: "node_id", check: node_fields };
const SHARING_POLICY: RecordKind =
    RecordKind { name: "Sharing policy", data_type: "sharing_policy", param: "sharing_policy_id", check: policy_fields };
const STREAM_GATEWAY: RecordKind =
    RecordKind { name: "Stream gateway", data_type: "stream_gateway", param: "stream_gateway_id", check: stream_fields };

/// The records of one kind, by id.
fn table<'a>(state: &'a mut super::State, kind: &RecordKind) -> &'a mut std::collections::BTreeMap<String, Map<String, Value>> {
    match kind.data_type {
        "node" => &mut state.nodes,
        "sharing_policy" => &mut state.sharing_policies,
        _ => &mut state.stream_gateways,
    }
}

/// The `DATA_TYPE` a document declares, if it is a version of `base` (`base#1.2.0`), else
/// `base#1.0.0`: the client's builder chose the version its fields need.
fn data_type(base: &str, doc: &Map<String, Value>) -> String {
    let declared = doc.get("DATA_TYPE").and_then(Value::as_str).and_then(|t| t.strip_prefix(base)?.strip_prefix('#'));
    match declared {
        Some(v) if v.len() <= 16 && v.split('.').count() == 3 && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) => {
            format!("{base}#{v}")
        }
        _ => format!("{base}#1.0.0"),
    }
}

fn document(kind: &RecordKind, id: &str, fields: &Map<String, Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("DATA_TYPE".into(), fields.get("DATA_TYPE").cloned().unwrap_or_else(|| format!("{}#1.0.0", kind.data_type).into()));
    doc.insert("id".into(), id.into());
    doc.extend(fields.iter().filter(|(k, _)| *k != "DATA_TYPE").map(|(k, v)| (k.clone(), v.clone())));
    Value::Object(doc)
}

fn not_found(kind: &RecordKind, id: &str, req: &Request) -> Reply {
    Gcs::error(404, &format!("{} {id} not found", kind.name), req)
}

fn list(g: &Gcs, call: &Call<'_, Option<Caller>>, kind: &RecordKind, keep: impl Fn(&Map<String, Value>) -> bool) -> Handled {
    caller(call)?;
    let mut state = lock(&g.state);
    let data = table(&mut state, kind).iter().filter(|(_, f)| keep(f)).map(|(id, f)| document(kind, id, f)).collect();
    Ok(envelope(200, data, None))
}

fn get(g: &Gcs, call: &Call<'_, Option<Caller>>, kind: &RecordKind) -> Handled {
    caller(call)?;
    let id = call.param(kind.param)?;
    let mut state = lock(&g.state);
    let fields = table(&mut state, kind).get(id).ok_or_else(|| not_found(kind, id, call.req))?;
    Ok(envelope(200, vec![document(kind, id, fields)], None))
}

fn create(g: &Gcs, call: &Call<'_, Option<Caller>>, kind: &RecordKind) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let mut fields = (kind.check)(g, Map::new(), &doc, req)?;
    fields.insert("DATA_TYPE".into(), data_type(kind.data_type, &doc).into());
    let id = uuid::Uuid::new_v4().to_string();
    let out = document(kind, &id, &fields);
    let mut state = lock(&g.state);
    let records = table(&mut state, kind);
    if records.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, &format!("the local GCS holds no more of these: {}", kind.name), req));
    }
    records.insert(id, fields);
    Ok(envelope(201, vec![out], None))
}

/// Update (PATCH: the named fields) or replace (PUT: the document) a record.
fn write(g: &Gcs, call: &Call<'_, Option<Caller>>, kind: &RecordKind, replace: bool) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let id = call.param(kind.param)?;
    let old = table(&mut lock(&g.state), kind).get(id).cloned().ok_or_else(|| not_found(kind, id, req))?;
    let doc = body(req)?;
    let base = if replace { Map::new() } else { old.clone() };
    let mut fields = (kind.check)(g, base, &doc, req)?;
    // The version the document names, else the kept one.
    let kept = old.get("DATA_TYPE").cloned().unwrap_or_else(|| format!("{}#1.0.0", kind.data_type).into());
    let version = if doc.contains_key("DATA_TYPE") { data_type(kind.data_type, &doc).into() } else { kept };
    fields.insert("DATA_TYPE".into(), version);
    let out = document(kind, id, &fields);
    let mut state = lock(&g.state);
    let records = table(&mut state, kind);
    let slot = records.get_mut(id).ok_or_else(|| not_found(kind, id, req))?;
    *slot = fields;
    Ok(envelope(200, vec![out], None))
}

fn delete(g: &Gcs, call: &Call<'_, Option<Caller>>, kind: &RecordKind) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let id = call.param(kind.param)?;
    table(&mut lock(&g.state), kind).remove(id).ok_or_else(|| not_found(kind, id, req))?;
    Ok(envelope(200, Vec::new(), Some(format!("Deleted {} {id}", kind.name.to_lowercase()))))
}

// ------------------------------------------------------------------ checks

fn address_list(name: &str, value: &Value, parse: fn(&str) -> bool, req: &Request) -> Result<Value, Reply> {
    let ok = value
        .as_array()
        .is_some_and(|l| l.len() <= MAX_ADDRESSES && l.iter().all(|a| a.as_str().is_some_and(|a| a.len() <= 64 && parse(a))));
    if !ok {
        return Err(Gcs::error(400, &format!("{name} must be a list of at most {MAX_ADDRESSES} IP addresses"), req));
    }
    Ok(value.clone())
}

fn port_range(name: &str, value: &Value, req: &Request) -> Result<Value, Reply> {
    let ports: Option<Vec<u64>> = value.as_array().and_then(|l| l.iter().map(Value::as_u64).collect());
    match ports.as_deref() {
        Some([low, high]) if (1..=65535).contains(low) && (*low..=65535).contains(high) => Ok(json!([low, high])),
        _ => Err(Gcs::error(400, &format!("{name} must be [first, last]: two ports, first <= last"), req)),
    }
}

fn node_fields(_: &Gcs, mut out: Map<String, Value>, doc: &Map<String, Value>, req: &Request) -> Result<Map<String, Value>, Reply> {
    if let Some(status) = text(doc, "status", req)? {
        if status != "active" && status != "inactive" {
            return Err(Gcs::error(400, "status must be active or inactive", req));
        }
        out.insert("status".into(), status.into());
    }
    let any_ip: fn(&str) -> bool = |a| a.parse::<IpAddr>().is_ok();
    let v4: fn(&str) -> bool = |a| a.parse::<Ipv4Addr>().is_ok();
    let v6: fn(&str) -> bool = |a| a.parse::<Ipv6Addr>().is_ok();
    if let Some(v) = doc.get("ip_addresses").filter(|v| !v.is_null()) {
        out.insert("ip_addresses".into(), address_list("ip_addresses", v, any_ip, req)?);
    }
    for (name, parse) in [("data_interface", v4), ("data_interface6", v6)] {
        match doc.get(name) {
            None => {}
            Some(Value::Null) => {
                out.remove(name);
            }
            Some(Value::String(a)) if a.len() <= 64 && parse(a) => {
                out.insert(name.into(), a.clone().into());
            }
            Some(_) => return Err(Gcs::error(400, &format!("{name} must be an IP address"), req)),
        }
    }
    for name in ["incoming_port_range", "outgoing_port_range"] {
        if let Some(v) = doc.get(name).filter(|v| !v.is_null()) {
            out.insert(name.into(), port_range(name, v, req)?);
        }
    }
    out.entry("status").or_insert("active".into());
    out.entry("ip_addresses").or_insert(json!([]));
    out.entry("incoming_port_range").or_insert(json!([50000, 51000]));
    out.entry("outgoing_port_range").or_insert(json!([50000, 51000]));
    Ok(out)
}

fn policy_fields(g: &Gcs, mut out: Map<String, Value>, doc: &Map<String, Value>, req: &Request) -> Result<Map<String, Value>, Reply> {
    let collection = text(doc, "collection_id", req)?.ok_or_else(|| Gcs::error(400, "collection_id is required", req))?;
    prune(g);
    if !lock(&g.state).collections.contains_key(collection) {
        return Err(Gcs::error(404, &format!("Collection {collection} not found"), req));
    }
    out.insert("collection_id".into(), collection.into());
    fields::apply([("users", Kind::Strs)], doc, &mut out, req)?;
    if let Some(v) = doc.get("sharing_restrict_paths") {
        out.insert("sharing_restrict_paths".into(), path_restrictions("sharing_restrict_paths", v, req)?);
    }
    out.entry("users").or_insert(json!([]));
    out.entry("sharing_restrict_paths").or_insert(Value::Null);
    Ok(out)
}

/// A `path_restrictions#1.0.0` document (or null): `read`, `read_write` and `none` lists of
/// absolute paths without `..`.
pub(super) fn path_restrictions(field: &str, value: &Value, req: &Request) -> Result<Value, Reply> {
    let doc = match value {
        Value::Null => return Ok(Value::Null),
        Value::Object(doc) => doc,
        _ => return Err(Gcs::error(400, &format!("{field} must be a path_restrictions document or null"), req)),
    };
    let mut out = Map::new();
    out.insert("DATA_TYPE".into(), "path_restrictions#1.0.0".into());
    for name in ["read", "read_write", "none"] {
        let Some(list) = doc.get(name).filter(|v| !v.is_null()) else { continue };
        let bad = || Gcs::error(400, &format!("{field}.{name} must be a list of at most 100 paths of at most {MAX_TEXT} bytes"), req);
        let paths = list.as_array().filter(|l| l.len() <= 100).ok_or_else(bad)?;
        let mut checked = Vec::new();
        for p in paths {
            let p = p.as_str().filter(|p| p.len() <= MAX_TEXT).ok_or_else(bad)?;
            let parts = components(p, &format!("{field}.{name}"), req)?;
            checked.push(Value::String(format!("/{}", parts.join("/"))));
        }
        out.insert(name.into(), Value::Array(checked));
    }
    Ok(Value::Object(out))
}

const STREAM: &[(&str, Kind)] = &[
    ("display_name", Kind::Str),
    ("contact_email", Kind::Str),
    ("contact_info", Kind::Str),
    ("department", Kind::Str),
    ("description", Kind::Str),
    ("info_link", Kind::Str),
    ("organization", Kind::Str),
    ("lan_name", Kind::Str),
    ("keywords", Kind::Strs),
    ("allowed_domains", Kind::Strs),
    ("users_allow", Kind::Strs),
    ("users_deny", Kind::Strs),
    ("authentication_timeout_mins", Kind::Int),
    ("lan_secret_required", Kind::Bool),
    ("run_as_local_user", Kind::Bool),
];

fn stream_fields(_: &Gcs, mut out: Map<String, Value>, doc: &Map<String, Value>, req: &Request) -> Result<Map<String, Value>, Reply> {
    fields::apply(STREAM.iter().copied(), doc, &mut out, req)?;
    if out.get("display_name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(Gcs::error(400, "display_name must be a non-empty string", req));
    }
    Ok(out)
}

// ------------------------------------------------------------------ handlers

pub(super) fn node_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    list(g, call, &NODE, |_| true)
}
pub(super) fn node_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    get(g, call, &NODE)
}
pub(super) fn node_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    create(g, call, &NODE)
}
pub(super) fn node_update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, &NODE, false)
}
pub(super) fn node_replace(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, &NODE, true)
}
pub(super) fn node_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    delete(g, call, &NODE)
}

pub(super) fn policy_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let collection = call.req.query("collection_id").map(str::to_string);
    let username = call.req.query("username").map(str::to_string);
    prune(g);
    list(g, call, &SHARING_POLICY, |f| {
        collection.as_deref().is_none_or(|c| f.get("collection_id").and_then(Value::as_str) == Some(c))
            && username.as_deref().is_none_or(|u| {
                f.get("users").and_then(Value::as_array).is_some_and(|l| l.iter().any(|x| x.as_str() == Some(u)))
            })
    })
}
pub(super) fn policy_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    prune(g);
    get(g, call, &SHARING_POLICY)
}
pub(super) fn policy_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    create(g, call, &SHARING_POLICY)
}
pub(super) fn policy_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    delete(g, call, &SHARING_POLICY)
}

pub(super) fn stream_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    list(g, call, &STREAM_GATEWAY, |_| true)
}
pub(super) fn stream_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    get(g, call, &STREAM_GATEWAY)
}
pub(super) fn stream_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    create(g, call, &STREAM_GATEWAY)
}
pub(super) fn stream_update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, &STREAM_GATEWAY, false)
}
pub(super) fn stream_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    delete(g, call, &STREAM_GATEWAY)
}

//! POSIX storage gateways, each rooted at a directory beneath the local GCS root (opened
//! through the root's handle: neither `..` nor a symbolic link places one outside).

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::fields::{self, Kind};
use super::{Gcs, POSIX_CONNECTOR, body, caller, components, envelope, prune, require_admin, text};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled, Service};

/// The most storage gateways the local GCS holds.
const MAX_GATEWAYS: usize = 100;
/// The largest `identity_mappings` (bytes of JSON).
const MAX_MAPPINGS: usize = 16 * 1024;

/// A storage gateway.
#[derive(Clone, Debug)]
pub(super) struct GatewayRecord {
    pub id: String,
    /// Its root, a path beneath the local GCS root (`/`: the root itself).
    pub root: String,
    /// The root, opened beneath the local GCS root.
    pub dir: Arc<cap_std::fs::Dir>,
    /// Its host path (for the local Transfer; never in an answer).
    pub host_root: PathBuf,
    /// The plain fields ([`fields::GATEWAY`]) and `restrict_paths`, `policies`,
    /// `identity_mappings`.
    pub fields: Map<String, Value>,
}

impl GatewayRecord {
    /// The gateway made at start: rooted at the local GCS root.
    pub fn initial(g_root: &cap_std::fs::Dir, host_root: PathBuf) -> std::io::Result<GatewayRecord> {
        let mut fields = Map::new();
        fields.insert("display_name".into(), "Local POSIX".into());
        Ok(GatewayRecord {
            id: uuid::Uuid::new_v4().to_string(),
            root: "/".into(),
            dir: Arc::new(g_root.try_clone()?),
            host_root,
            fields,
        })
    }
}

pub(super) fn document(r: &GatewayRecord) -> Value {
    let mut doc = json!({
        "DATA_TYPE": "storage_gateway#1.0.0",
        "id": r.id,
        "display_name": "",
        "connector_id": POSIX_CONNECTOR,
        "root": r.root,
        "high_assurance": false,
        "require_high_assurance": false,
        "authentication_timeout_mins": 15840,
        "allowed_domains": [],
        "identity_mappings": [],
        "restrict_paths": null,
        "policies": {"DATA_TYPE": "posix_storage_gateway#1.0.0", "groups_allow": [], "groups_deny": []},
        "users_allow": [],
        "users_deny": [],
    });
    if let Some(map) = doc.as_object_mut() {
        map.extend(r.fields.clone());
    }
    doc
}

fn not_found(id: &str, req: &Request) -> Reply {
    Gcs::error(404, &format!("Storage gateway {id} not found"), req)
}

/// The gateway `id`, or 404.
pub(super) fn find(g: &Gcs, id: &str, req: &Request) -> Result<GatewayRecord, Reply> {
    lock(&g.state).gateways.get(id).cloned().ok_or_else(|| not_found(id, req))
}

pub(super) fn list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let data = lock(&g.state).gateways.values().map(document).collect();
    Ok(envelope(200, data, None))
}

pub(super) fn get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let id = call.param("storage_gateway_id")?;
    Ok(envelope(200, vec![document(&find(g, id, call.req)?)], None))
}

/// Open `root` beneath the local GCS root: its normal form, handle and host path.
fn open_root(g: &Gcs, root: &str, req: &Request) -> Result<(String, cap_std::fs::Dir, PathBuf), Reply> {
    let parts = components(root, "root", req)?;
    let rel: PathBuf = parts.iter().collect();
    let dir = if parts.is_empty() { g.root.try_clone() } else { g.root.open_dir(&rel) }.map_err(|e| {
        let status = if e.kind() == std::io::ErrorKind::NotFound { 404 } else { 403 };
        Gcs::error(status, &format!("root {root:?} is not a directory beneath the local GCS root"), req)
    })?;
    if !dir.dir_metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Gcs::error(400, "root is not a directory", req));
    }
    let host = std::fs::canonicalize(g.root_path.join(&rel)).unwrap_or_else(|_| g.root_path.join(&rel));
    Ok((format!("/{}", parts.join("/")), dir, host))
}

/// POSIX policies: `groups_allow` and `groups_deny`.
fn policies(value: &Value, req: &Request) -> Result<Value, Reply> {
    let doc = value.as_object().ok_or_else(|| Gcs::error(400, "policies must be a POSIX policies document", req))?;
    if let Some(kind) = doc.get("DATA_TYPE").filter(|v| !v.is_null())
        && !kind.as_str().is_some_and(|k| k.starts_with("posix_storage_"))
    {
        return Err(Gcs::error(400, "policies must be POSIX policies: the local GCS has the POSIX connector only", req));
    }
    let mut out = Map::new();
    out.insert("DATA_TYPE".into(), "posix_storage_gateway#1.0.0".into());
    out.insert("groups_allow".into(), Value::Array(Vec::new()));
    out.insert("groups_deny".into(), Value::Array(Vec::new()));
    fields::apply([("groups_allow", Kind::Strs), ("groups_deny", Kind::Strs)], doc, &mut out, req)?;
    for name in ["groups_allow", "groups_deny"] {
        out.entry(name).or_insert(Value::Array(Vec::new()));
    }
    Ok(Value::Object(out))
}

/// A gateway's fields and root after applying `doc` to `base` (and the root `root`).
fn merged(
    mut fields: Map<String, Value>,
    doc: &Map<String, Value>,
    req: &Request,
) -> Result<Map<String, Value>, Reply> {
    if let Some(c) = text(doc, "connector_id", req)?
        && c != POSIX_CONNECTOR
    {
        return Err(Gcs::error(400, "connector_id: the local GCS has the POSIX connector only", req));
    }
    fields::apply(fields::GATEWAY.iter().copied(), doc, &mut fields, req)?;
    if fields.get("display_name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(Gcs::error(400, "display_name must be a non-empty string", req));
    }
    if let Some(v) = doc.get("restrict_paths") {
        fields.insert("restrict_paths".into(), super::records::path_restrictions("restrict_paths", v, req)?);
    }
    if let Some(v) = doc.get("policies").filter(|v| !v.is_null()) {
        fields.insert("policies".into(), policies(v, req)?);
    }
    if let Some(v) = doc.get("identity_mappings") {
        let ok = match v {
            Value::Null => true,
            Value::Array(items) => {
                items.iter().all(Value::is_object) && serde_json::to_vec(v).is_ok_and(|b| b.len() <= MAX_MAPPINGS)
            }
            _ => false,
        };
        if !ok {
            let message = format!("identity_mappings must be a list of mapping documents of at most {MAX_MAPPINGS} bytes");
            return Err(Gcs::error(400, &message, req));
        }
        fields.insert("identity_mappings".into(), if v.is_null() { json!([]) } else { v.clone() });
    }
    Ok(fields)
}

pub(super) fn create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let fields = merged(Map::new(), &doc, req)?;
    let (root, dir, host_root) = open_root(g, text(&doc, "root", req)?.unwrap_or("/"), req)?;
    let mut state = lock(&g.state);
    if state.gateways.len() >= MAX_GATEWAYS {
        return Err(Gcs::error(409, "the local GCS holds no more storage gateways", req));
    }
    let record = GatewayRecord { id: uuid::Uuid::new_v4().to_string(), root, dir: Arc::new(dir), host_root, fields };
    let out = document(&record);
    state.gateways.insert(record.id.clone(), record);
    Ok(envelope(200, vec![out], None))
}

/// Whether collections lie on the gateway `id`.
fn in_use(g: &Gcs, id: &str) -> bool {
    prune(g);
    lock(&g.state).collections.values().any(|c| c.gateway == id)
}

fn write(g: &Gcs, call: &Call<'_, Option<Caller>>, replace: bool) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let id = call.param("storage_gateway_id")?;
    let old = find(g, id, req)?;
    let doc = body(req)?;
    let base = if replace { Map::new() } else { old.fields.clone() };
    let fields = merged(base, &doc, req)?;
    let new_root = match text(&doc, "root", req)? {
        Some(root) => Some(root),
        None if replace => Some("/"),
        None => None,
    };
    let mut record = GatewayRecord { fields, ..old.clone() };
    if let Some(root) = new_root {
        let (root, dir, host_root) = open_root(g, root, req)?;
        if root != old.root {
            // A collection's root never moves.
            if in_use(g, id) {
                return Err(Gcs::error(409, "the storage gateway's root cannot change while collections lie on it", req));
            }
            record.root = root;
            record.dir = Arc::new(dir);
            record.host_root = host_root;
        }
    }
    let out = document(&record);
    let mut state = lock(&g.state);
    if !state.gateways.contains_key(id) {
        return Err(not_found(id, req));
    }
    state.gateways.insert(id.to_string(), record);
    Ok(envelope(200, vec![out], None))
}

pub(super) fn update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, false)
}

pub(super) fn replace(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, true)
}

pub(super) fn delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let id = call.param("storage_gateway_id")?;
    find(g, id, req)?;
    if in_use(g, id) {
        return Err(Gcs::error(409, &format!("Storage gateway {id} has collections: delete them first"), req));
    }
    let mut state = lock(&g.state);
    state.gateways.remove(id);
    state.credentials.retain(|_, c| c.gateway != id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted storage gateway {id}"))))
}

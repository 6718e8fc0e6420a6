//! Globus Connect Server's Manager API for one local endpoint: its info and endpoint
//! document, one POSIX storage gateway rooted at a local directory, collections (mapped
//! ones beneath the gateway's root, guest ones beneath a mapped collection's root) that
//! appear in the local Transfer the moment they are made and leave it when deleted, the
//! endpoint's roles and the callers' user credentials.
//!
//! Every call but `/api/info` needs a token for the endpoint's `manage_collections` scope,
//! whose resource server is the endpoint's client id, as on a real endpoint. The local
//! Transfer's collections are reached through the core (`CollectionRegistry`), never its
//! state. Answers are GCS's envelopes (`result#1.0.0` with the documents in `data`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::LocalGlobus;
use super::core::{Caller, Core, lock};
use super::http::{Reply, Request};
use super::plugin::{Call, Handled, Handler, Service};
use super::settings::Settings;
use crate::transport::OperationMeta;

/// The POSIX connector's id, as GCS names it.
const POSIX_CONNECTOR: &str = "145812c8-decc-41f1-83cf-bb2a85a2a70b";
/// The roles GCS grants.
const ROLES: &[&str] = &["owner", "administrator", "access_manager", "activity_manager", "activity_monitor"];
/// The most collections, roles and credentials the local GCS holds, and the longest name.
const MAX_RECORDS: usize = 10_000;
const MAX_TEXT: usize = 1024;

/// What the builder says of GCS.
#[derive(Default)]
struct GcsSettings {
    /// The storage gateway's root (None: a new temporary directory, removed on stop).
    root: Option<PathBuf>,
}

/// A collection made through GCS.
#[derive(Clone, Debug)]
struct CollectionRecord {
    id: String,
    kind: &'static str,
    display_name: String,
    owner: String,
    base_path: String,
    mapped: Option<String>,
    user_credential_id: Option<String>,
}

#[derive(Clone, Debug)]
struct RoleRecord {
    id: String,
    principal: String,
    role: String,
    collection: Option<String>,
}

#[derive(Clone, Debug)]
struct CredentialRecord {
    id: String,
    identity: String,
    username: String,
    display_name: String,
}

#[derive(Default)]
struct State {
    collections: BTreeMap<String, CollectionRecord>,
    roles: BTreeMap<String, RoleRecord>,
    credentials: BTreeMap<String, CredentialRecord>,
}

/// The local GCS.
pub(crate) struct Gcs {
    core: Arc<Core>,
    /// The endpoint's id, also its client id (the resource server of its scope).
    endpoint_id: String,
    gateway_id: String,
    /// The gateway's root, opened once: collections are opened beneath it.
    root: Arc<cap_std::fs::Dir>,
    root_path: PathBuf,
    temp_root: Option<PathBuf>,
    state: Mutex<State>,
}

impl Gcs {
    fn scope(&self) -> String {
        format!("urn:globus:auth:scope:{}:manage_collections", self.endpoint_id)
    }
}

impl Service for Gcs {
    const NAME: &'static str = "gcs";
    const TITLE: &'static str = "Globus Connect Server";
    const OPERATIONS: &'static [OperationMeta] = crate::gcs::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("get_gcs_info", info),
        ("get_endpoint", endpoint),
        ("get_storage_gateway_list", gateways),
        ("get_storage_gateway", gateway),
        ("get_collection_list", collection_list),
        ("get_collection", collection_get),
        ("create_collection", collection_create),
        ("delete_collection", collection_delete),
        ("get_role_list", role_list),
        ("get_role", role_get),
        ("create_role", role_create),
        ("delete_role", role_delete),
        ("get_user_credential_list", credential_list),
        ("get_user_credential", credential_get),
        ("create_user_credential", credential_create),
        ("delete_user_credential", credential_delete),
    ];

    /// `/api/info` is open; every other call needs the endpoint's `manage_collections`.
    type Caller = Option<Caller>;

    fn start(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Self> {
        let settings: GcsSettings = settings.take();
        let (root_path, temp_root) = match settings.root {
            Some(dir) => (std::fs::canonicalize(&dir)?, None),
            None => {
                let dir = std::env::temp_dir().join(format!("globus-local-gcs-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&dir)?;
                let dir = std::fs::canonicalize(&dir)?;
                (dir.clone(), Some(dir))
            }
        };
        let root = cap_std::fs::Dir::open_ambient_dir(&root_path, cap_std::ambient_authority())?;
        let gcs = Gcs {
            core: core.clone(),
            endpoint_id: uuid::Uuid::new_v4().to_string(),
            gateway_id: uuid::Uuid::new_v4().to_string(),
            root: Arc::new(root),
            root_path,
            temp_root,
            state: Mutex::new(State::default()),
        };
        let owner = core.default_user().id;
        let id = uuid::Uuid::new_v4().to_string();
        let admin = RoleRecord {
            id: id.clone(),
            principal: format!("urn:globus:auth:identity:{owner}"),
            role: "administrator".into(),
            collection: None,
        };
        lock(&gcs.state).roles.insert(id, admin);
        Ok(gcs)
    }

    fn admit(&self, req: &Request) -> Result<Option<Caller>, Reply> {
        if req.path.trim_end_matches('/') == "/api/info" {
            return Ok(None);
        }
        self.core
            .authorize(req, &self.endpoint_id, &self.scope())
            .map(Some)
            .map_err(|r| Self::error(r.status, &r.message, req))
    }

    fn error(status: u16, message: &str, _req: &Request) -> Reply {
        let code = match status {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "permission_denied",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            501 => "not_implemented",
            _ => "error",
        };
        error(status, code, message)
    }

    fn scopes(&self) -> Vec<(String, String)> {
        vec![(self.scope(), self.endpoint_id.clone())]
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        vec![("GLOBUS_LOCAL_GCS_ENDPOINT_ID".into(), self.endpoint_id.clone())]
    }

    fn stop(&self) {
        if let Some(root) = &self.temp_root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// GCS's error envelope.
fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, &json!({
        "DATA_TYPE": "result#1.0.0",
        "code": code,
        "http_response_code": status,
        "detail": null,
        "message": message,
        "data": [],
        "has_next_page": false,
    }))
}

/// GCS's success envelope around `data`.
fn envelope(status: u16, data: Vec<Value>, message: Option<String>) -> Reply {
    let mut body = json!({
        "DATA_TYPE": "result#1.0.0",
        "code": "success",
        "detail": if status == 201 { "created" } else { "success" },
        "http_response_code": status,
        "has_next_page": false,
        "data": data,
    });
    if let Some(m) = message {
        body["message"] = Value::String(m);
    }
    Reply::json(status, &body)
}

fn caller<'a>(call: &'a Call<'_, Option<Caller>>) -> Result<&'a Caller, Reply> {
    call.caller.as_ref().ok_or_else(|| Gcs::error(401, "a token is required", call.req))
}

/// Whether `identity` holds `role` on the endpoint (or is its owner).
fn has_role(g: &Gcs, identity: &str, roles: &[&str]) -> bool {
    let principal = format!("urn:globus:auth:identity:{identity}");
    lock(&g.state)
        .roles
        .values()
        .any(|r| r.collection.is_none() && r.principal == principal && (r.role == "owner" || roles.contains(&r.role.as_str())))
}

fn require_admin(g: &Gcs, c: &Caller, req: &Request) -> Result<(), Reply> {
    if has_role(g, &c.identity_id, &["administrator"]) {
        return Ok(());
    }
    Err(Gcs::error(403, "an administrator role on the endpoint is required", req))
}

fn body(req: &Request) -> Result<serde_json::Map<String, Value>, Reply> {
    match req.json::<Value>() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Gcs::error(400, "the request body must be a JSON object", req)),
        Err(e) => Err(Gcs::error(400, &e, req)),
    }
}

/// A string field of a document, at most [`MAX_TEXT`] long.
fn text<'a>(doc: &'a serde_json::Map<String, Value>, name: &str, req: &Request) -> Result<Option<&'a str>, Reply> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= MAX_TEXT && !s.contains('\0') => Ok(Some(s)),
        Some(_) => Err(Gcs::error(400, &format!("{name} must be a string of at most {MAX_TEXT} bytes"), req)),
    }
}

// ------------------------------------------------------------------ info, endpoint, gateways

fn info(g: &Gcs, _call: &Call<'_, Option<Caller>>) -> Handled {
    Ok(Reply::ok(&json!({
        "DATA_TYPE": "result#1.1.0",
        "code": "success",
        "data": [
            {
                "DATA_TYPE": "info#1.0.0",
                "api_version": "1.29.0",
                "client_id": g.endpoint_id,
                "endpoint_id": g.endpoint_id,
                "domain_name": "127.0.0.1",
                "manager_version": "5.4-local",
            },
            {"DATA_TYPE": "connector#1.1.0", "display_name": "POSIX", "id": POSIX_CONNECTOR, "is_baa": false, "is_ha": false},
        ],
    })))
}

fn endpoint(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let url = g.core.urls().url(Gcs::NAME).unwrap_or_default();
    Ok(envelope(200, vec![json!({
        "DATA_TYPE": "endpoint#1.2.0",
        "id": g.endpoint_id,
        "display_name": "Local Globus Connect Server",
        "organization": "Local Globus",
        "gcs_manager_url": url,
        "allow_udt": false,
        "network_use": "normal",
        "public": true,
        "subscription_id": null,
    })], None))
}

fn gateway_doc(g: &Gcs) -> Value {
    json!({
        "DATA_TYPE": "storage_gateway#1.0.0",
        "id": g.gateway_id,
        "display_name": "Local POSIX",
        "connector_id": POSIX_CONNECTOR,
        "high_assurance": false,
        "require_high_assurance": false,
        "authentication_timeout_mins": 15840,
        "allowed_domains": [],
        "identity_mappings": [],
        "restrict_paths": null,
        "policies": {"DATA_TYPE": "posix_storage_gateway#1.0.0", "groups_allow": [], "groups_deny": []},
        "users_allow": [],
        "users_deny": [],
    })
}

fn gateways(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    Ok(envelope(200, vec![gateway_doc(g)], None))
}

fn gateway(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let id = call.param("storage_gateway_id")?;
    if id != g.gateway_id {
        return Err(Gcs::error(404, &format!("Storage gateway {id} not found"), call.req));
    }
    Ok(envelope(200, vec![gateway_doc(g)], None))
}

// ------------------------------------------------------------------ collections

fn collection_doc(g: &Gcs, c: &CollectionRecord) -> Value {
    let mut doc = json!({
        "DATA_TYPE": "collection#1.0.0",
        "id": c.id,
        "display_name": c.display_name,
        "identity_id": c.owner,
        "collection_type": c.kind,
        "storage_gateway_id": g.gateway_id,
        "collection_base_path": c.base_path,
        "public": true,
        "high_assurance": false,
        "require_high_assurance": false,
        "authentication_timeout_mins": 15840,
    });
    if let Some(m) = &c.mapped {
        doc["mapped_collection_id"] = Value::String(m.clone());
        doc["user_credential_id"] = c.user_credential_id.clone().map_or(Value::Null, Value::String);
    } else {
        doc["allow_guest_collections"] = Value::Bool(true);
    }
    doc
}

/// Forget the collections removed from the local Transfer another way
/// (`LocalGlobus::remove_collection`).
fn prune(g: &Gcs) {
    if let Some(registry) = g.core.collection_registry() {
        lock(&g.state).collections.retain(|id, _| registry.contains(id));
    }
}

fn collection_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let req = call.req;
    prune(g);
    let state = lock(&g.state);
    let data = state
        .collections
        .values()
        .filter(|c| req.query("mapped_collection_id").is_none_or(|m| c.mapped.as_deref() == Some(m)))
        .filter(|_| req.query("storage_gateway_id").is_none_or(|s| s == g.gateway_id))
        .map(|c| collection_doc(g, c))
        .collect();
    Ok(envelope(200, data, None))
}

fn collection_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let id = call.param("collection_id")?;
    prune(g);
    let state = lock(&g.state);
    let c = state.collections.get(id).ok_or_else(|| Gcs::error(404, &format!("Collection {id} not found"), call.req))?;
    Ok(envelope(200, vec![collection_doc(g, c)], None))
}

/// A Globus path as its components, refusing `..` and NUL (GCS paths are absolute).
fn components(path: &str, req: &Request) -> Result<Vec<String>, Reply> {
    if !path.starts_with('/') || path.contains('\0') {
        return Err(Gcs::error(400, &format!("Invalid collection_base_path {path:?}: use an absolute path"), req));
    }
    let mut parts = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => return Err(Gcs::error(403, "collection_base_path may not contain ..", req)),
            p => parts.push(p.to_string()),
        }
    }
    Ok(parts)
}

fn collection_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let doc = body(req)?;
    prune(g);
    let registry = g
        .core
        .collection_registry()
        .cloned()
        .ok_or_else(|| Gcs::error(503, "the local Transfer is not running", req))?;
    let kind = text(&doc, "collection_type", req)?.unwrap_or("mapped");
    let display_name = text(&doc, "display_name", req)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Gcs::error(400, "display_name is required", req))?
        .to_string();
    let base_path = text(&doc, "collection_base_path", req)?.unwrap_or("/").to_string();
    let parts = components(&base_path, req)?;
    if lock(&g.state).collections.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, "the local GCS holds no more collections", req));
    }
    if let Some(sg) = text(&doc, "storage_gateway_id", req)?
        && sg != g.gateway_id
    {
        return Err(Gcs::error(404, &format!("Storage gateway {sg} not found"), req));
    }
    let record = match kind {
        "mapped" => {
            require_admin(g, who, req)?;
            let rel: PathBuf = parts.iter().collect();
            // Opened beneath the gateway's root: `..` and links out are refused by cap-std.
            let dir = if parts.is_empty() { g.root.try_clone() } else { g.root.open_dir(&rel) }.map_err(|e| {
                let status = if e.kind() == std::io::ErrorKind::NotFound { 404 } else { 403 };
                Gcs::error(status, &format!("collection_base_path {base_path:?} is not a directory of the storage gateway"), req)
            })?;
            if !dir.dir_metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Gcs::error(400, "collection_base_path is not a directory", req));
            }
            let root = std::fs::canonicalize(g.root_path.join(&rel)).unwrap_or_else(|_| g.root_path.join(&rel));
            let id = registry.add_mapped(&display_name, dir, root, &who.identity_id).map_err(|e| Gcs::error(409, &e, req))?;
            CollectionRecord {
                id,
                kind: "mapped",
                display_name,
                owner: who.identity_id.clone(),
                base_path,
                mapped: None,
                user_credential_id: None,
            }
        }
        "guest" => {
            let mapped = text(&doc, "mapped_collection_id", req)?
                .ok_or_else(|| Gcs::error(400, "mapped_collection_id is required for a guest collection", req))?
                .to_string();
            if lock(&g.state).collections.get(&mapped).is_none_or(|c| c.kind != "mapped") {
                return Err(Gcs::error(404, &format!("Mapped collection {mapped} not found"), req));
            }
            let credential = text(&doc, "user_credential_id", req)?.map(str::to_string);
            if let Some(id) = &credential
                && lock(&g.state).credentials.get(id).is_none_or(|c| c.identity != who.identity_id)
            {
                return Err(Gcs::error(404, &format!("User credential {id} not found"), req));
            }
            let path = format!("/{}/", parts.join("/")).replace("//", "/");
            let id = registry.add_guest(&display_name, &mapped, &path, &who.identity_id).map_err(|e| {
                let status = if e.contains("not a directory") { 404 } else { 403 };
                Gcs::error(status, &format!("Cannot create the guest collection: {e}"), req)
            })?;
            CollectionRecord {
                id,
                kind: "guest",
                display_name,
                owner: who.identity_id.clone(),
                base_path,
                mapped: Some(mapped),
                user_credential_id: credential,
            }
        }
        other => return Err(Gcs::error(400, &format!("Invalid collection_type {other:?}: use mapped or guest"), req)),
    };
    let doc = collection_doc(g, &record);
    lock(&g.state).collections.insert(record.id.clone(), record);
    Ok(envelope(201, vec![doc], None))
}

fn collection_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let id = call.param("collection_id")?;
    prune(g);
    let record =
        lock(&g.state).collections.get(id).cloned().ok_or_else(|| Gcs::error(404, &format!("Collection {id} not found"), req))?;
    if record.owner != who.identity_id && !has_role(g, &who.identity_id, &["administrator"]) {
        return Err(Gcs::error(403, "only the collection's owner or an administrator may delete it", req));
    }
    let registry = g.core.collection_registry().ok_or_else(|| Gcs::error(503, "the local Transfer is not running", req))?;
    registry.remove(id).map_err(|e| Gcs::error(409, &e, req))?;
    lock(&g.state).collections.remove(id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted collection {id}"))))
}

// ------------------------------------------------------------------ roles

fn role_doc(r: &RoleRecord) -> Value {
    json!({"DATA_TYPE": "role#1.0.0", "id": r.id, "principal": r.principal, "role": r.role, "collection": r.collection})
}

fn role_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let data = lock(&g.state)
        .roles
        .values()
        .filter(|r| call.req.query("collection_id").is_none_or(|c| r.collection.as_deref() == Some(c)))
        .map(role_doc)
        .collect();
    Ok(envelope(200, data, None))
}

fn role_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let id = call.param("role_id")?;
    let state = lock(&g.state);
    let r = state.roles.get(id).ok_or_else(|| Gcs::error(404, &format!("Role {id} not found"), call.req))?;
    Ok(envelope(200, vec![role_doc(r)], None))
}

fn role_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let role = text(&doc, "role", req)?.unwrap_or_default().to_string();
    if !ROLES.contains(&role.as_str()) || role == "owner" {
        return Err(Gcs::error(400, &format!("Invalid role {role:?}"), req));
    }
    let principal = text(&doc, "principal", req)?.unwrap_or_default().to_string();
    let valid = ["urn:globus:auth:identity:", "urn:globus:groups:id:"]
        .iter()
        .any(|p| principal.strip_prefix(p).is_some_and(|id| uuid::Uuid::try_parse(id).is_ok()));
    if !valid {
        return Err(Gcs::error(400, &format!("Invalid principal {principal:?}: use an identity or group URN"), req));
    }
    let collection = text(&doc, "collection", req)?.map(str::to_string);
    let mut state = lock(&g.state);
    if let Some(c) = &collection
        && !state.collections.contains_key(c)
    {
        return Err(Gcs::error(404, &format!("Collection {c} not found"), req));
    }
    if state.roles.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, "the local GCS holds no more roles", req));
    }
    if let Some(same) = state.roles.values().find(|r| r.principal == principal && r.role == role && r.collection == collection) {
        return Ok(envelope(200, vec![role_doc(same)], None));
    }
    let r = RoleRecord { id: uuid::Uuid::new_v4().to_string(), principal, role, collection };
    let doc = role_doc(&r);
    state.roles.insert(r.id.clone(), r);
    Ok(envelope(201, vec![doc], None))
}

fn role_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let id = call.param("role_id")?;
    let mut state = lock(&g.state);
    let r = state.roles.get(id).ok_or_else(|| Gcs::error(404, &format!("Role {id} not found"), req))?;
    let admins = state.roles.values().filter(|x| x.collection.is_none() && x.role == "administrator").count();
    if r.role == "administrator" && r.collection.is_none() && admins == 1 {
        return Err(Gcs::error(409, "the endpoint's last administrator role cannot be deleted", req));
    }
    state.roles.remove(id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted role {id}"))))
}

// ------------------------------------------------------------------ user credentials

fn credential_doc(g: &Gcs, c: &CredentialRecord) -> Value {
    json!({
        "DATA_TYPE": "user_credential#1.0.0",
        "id": c.id,
        "identity_id": c.identity,
        "username": c.username,
        "display_name": c.display_name,
        "connector_id": POSIX_CONNECTOR,
        "storage_gateway_id": g.gateway_id,
        "invalid": false,
        "provisioned": false,
        "policies": {"DATA_TYPE": "posix_user_credential_policies#1.0.0"},
    })
}

fn own_credential(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Result<CredentialRecord, Reply> {
    let who = caller(call)?;
    let id = call.param("user_credential_id")?;
    lock(&g.state)
        .credentials
        .get(id)
        .filter(|c| c.identity == who.identity_id)
        .cloned()
        .ok_or_else(|| Gcs::error(404, &format!("User credential {id} not found"), call.req))
}

fn credential_list(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let who = caller(call)?;
    let data = lock(&g.state)
        .credentials
        .values()
        .filter(|c| c.identity == who.identity_id)
        .map(|c| credential_doc(g, c))
        .collect();
    Ok(envelope(200, data, None))
}

fn credential_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_credential(g, call)?;
    Ok(envelope(200, vec![credential_doc(g, &c)], None))
}

fn credential_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let doc = body(req)?;
    if let Some(identity) = text(&doc, "identity_id", req)?
        && identity != who.identity_id
    {
        return Err(Gcs::error(403, "a user credential is created for the caller's own identity", req));
    }
    if let Some(sg) = text(&doc, "storage_gateway_id", req)?
        && sg != g.gateway_id
    {
        return Err(Gcs::error(404, &format!("Storage gateway {sg} not found"), req));
    }
    let local_user = who.username.split('@').next().unwrap_or_default().to_string();
    let username = text(&doc, "username", req)?.map_or(local_user, str::to_string);
    let display_name = text(&doc, "display_name", req)?.unwrap_or_default().to_string();
    let mut state = lock(&g.state);
    if state.credentials.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, "the local GCS holds no more user credentials", req));
    }
    let c = CredentialRecord { id: uuid::Uuid::new_v4().to_string(), identity: who.identity_id.clone(), username, display_name };
    let out = credential_doc(g, &c);
    let message = format!("Created User Credential {}", c.id);
    state.credentials.insert(c.id.clone(), c);
    Ok(envelope(201, vec![out], Some(message)))
}

fn credential_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_credential(g, call)?;
    lock(&g.state).credentials.remove(&c.id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted User Credential {}", c.id))))
}

// ------------------------------------------------------------------ builder and accessors

impl super::LocalGlobusBuilder {
    /// Root the local GCS's POSIX storage gateway at the existing directory `dir` (default: a
    /// new temporary directory, removed on drop): mapped collections are made beneath it.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let storage = tempfile::tempdir().unwrap();
    /// let local = LocalGlobus::builder().gcs_root(storage.path()).start().await.unwrap();
    /// assert_eq!(local.gcs_root().unwrap(), std::fs::canonicalize(storage.path()).unwrap());
    /// assert!(local.gcs_manage_collections_scope().unwrap().ends_with(":manage_collections"));
    /// # });
    /// ```
    pub fn gcs_root(self, dir: impl AsRef<std::path::Path>) -> Self {
        let dir = dir.as_ref().to_path_buf();
        self.configure(|s: &mut GcsSettings| s.root = Some(dir))
    }

    /// Listen for GCS on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn gcs_port(self, port: u16) -> Self {
        self.port(Gcs::NAME, port)
    }
}

impl LocalGlobus {
    /// The local GCS Manager's base URL, `https://127.0.0.1:<port>` (the API is under
    /// `/api/`). GCS serves HTTPS with a certificate for `127.0.0.1` and `localhost` signed
    /// by a CA made at start ([`Self::gcs_ca_file`]), which [`Self::config`] trusts:
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// assert!(local.gcs_url().starts_with("https://127.0.0.1:"));
    /// let gcs = globus_sdk::gcs::Client::builder()
    ///     .config(local.config())
    ///     .base_url(local.gcs_url())
    ///     .authorizer(globus_sdk::authorizers::NullAuthorizer)
    ///     .build()
    ///     .unwrap();
    /// let info = gcs.get_gcs_info().send().await.unwrap().into_inner();
    /// assert_eq!(info.info().unwrap().client_id.as_deref(), local.gcs_endpoint_id());
    /// # });
    /// ```
    pub fn gcs_url(&self) -> String {
        self.url_of(Gcs::NAME)
    }

    /// The CA certificate (PEM; the key is never written) that signed the local GCS's
    /// server certificate, in a temporary directory removed when the `LocalGlobus` stops.
    /// [`Self::config`] trusts it, and [`Self::env_vars`] exports it as
    /// `GLOBUS_SDK_VERIFY_SSL` and `REQUESTS_CA_BUNDLE`.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// let ca = local.gcs_ca_file().unwrap();
    /// assert!(std::fs::read_to_string(&ca).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # });
    /// ```
    pub fn gcs_ca_file(&self) -> Option<PathBuf> {
        self.service::<Gcs>()?;
        self.tls.as_ref().map(|t| t.ca_file().to_path_buf())
    }

    /// The local endpoint's id, also its client id: the resource server of its scope.
    pub fn gcs_endpoint_id(&self) -> Option<&str> {
        self.service::<Gcs>().map(|g| g.endpoint_id.as_str())
    }

    /// The scope every call but `/api/info` needs:
    /// `urn:globus:auth:scope:<endpoint id>:manage_collections`.
    pub fn gcs_manage_collections_scope(&self) -> Option<String> {
        self.service::<Gcs>().map(Gcs::scope)
    }

    /// The directory the storage gateway is rooted at.
    pub fn gcs_root(&self) -> Option<PathBuf> {
        self.service::<Gcs>().map(|g| g.root_path.clone())
    }
}

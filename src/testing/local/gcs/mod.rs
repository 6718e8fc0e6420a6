//! Globus Connect Server's Manager API for one local endpoint: its info, its endpoint
//! document (changed by administrators, with its owner, owner string and subscription),
//! POSIX storage gateways rooted beneath a local directory, collections (mapped ones beneath
//! their gateway's root, guest ones beneath a mapped collection's root) that appear in the
//! local Transfer the moment they are made, are renamed there when renamed here and leave it
//! when deleted, the endpoint's roles and the callers' user credentials; nodes, custom
//! domains, sharing policies and stream gateways kept as documents. LAN secrets answer 501.
//!
//! Every call but `/api/info` needs a token for the endpoint's `manage_collections` scope,
//! whose resource server is the endpoint's client id, as on a real endpoint. The local
//! Transfer's collections are reached through the core (`CollectionRegistry`), never its
//! state. Answers are GCS's envelopes (`result#1.0.0` with the documents in `data`).

mod domains;
mod endpoint;
mod fields;
mod gateways;
mod records;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::LocalGlobus;
use super::core::{Caller, CollectionRegistry, Core, lock};
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
/// The most collections one `batch_delete_collections` names.
const MAX_BATCH: usize = 1000;

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
    /// The storage gateway it is on (a guest: its mapped collection's).
    gateway: String,
    base_path: String,
    mapped: Option<String>,
    user_credential_id: Option<String>,
    /// The descriptive fields set by create, update and replace ([`fields::COLLECTION`]).
    fields: Map<String, Value>,
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
    gateway: String,
    identity: String,
    username: String,
    display_name: String,
}

#[derive(Default)]
struct State {
    /// The endpoint document's settable fields ([`fields::ENDPOINT`]).
    endpoint: Map<String, Value>,
    /// The identity whose username is advertised as the endpoint's owner, if not the owner.
    endpoint_owner_string: Option<String>,
    gateways: BTreeMap<String, gateways::GatewayRecord>,
    collections: BTreeMap<String, CollectionRecord>,
    roles: BTreeMap<String, RoleRecord>,
    credentials: BTreeMap<String, CredentialRecord>,
    /// Nodes, sharing policies and stream gateways: their fields by id ([`records`]).
    nodes: BTreeMap<String, Map<String, Value>>,
    sharing_policies: BTreeMap<String, Map<String, Value>>,
    stream_gateways: BTreeMap<String, Map<String, Value>>,
    /// The custom domains (`domain#1.0.0`, never a private key) of the endpoint and of
    /// collections by id.
    endpoint_domain: Option<Map<String, Value>>,
    collection_domains: BTreeMap<String, Map<String, Value>>,
}

/// The local GCS.
pub(crate) struct Gcs {
    core: Arc<Core>,
    /// The endpoint's id, also its client id (the resource server of its scope).
    endpoint_id: String,
    /// The storage gateway made at start (rooted at the local GCS root).
    gateway_id: String,
    /// The local GCS root, opened once: gateways are opened beneath it, collections
    /// beneath their gateway's root.
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
        ("get_endpoint", endpoint::get),
        ("update_endpoint", endpoint::update),
        ("replace_endpoint", endpoint::replace),
        ("set_endpoint_owner", endpoint::set_owner),
        ("set_endpoint_owner_string", endpoint::set_owner_string),
        ("delete_endpoint_owner_string", endpoint::delete_owner_string),
        ("set_endpoint_subscription_id", endpoint::set_subscription),
        ("get_storage_gateway_list", gateways::list),
        ("get_storage_gateway", gateways::get),
        ("create_storage_gateway", gateways::create),
        ("update_storage_gateway", gateways::update),
        ("replace_storage_gateway", gateways::replace),
        ("delete_storage_gateway", gateways::delete),
        ("get_collection_list", collection_list),
        ("get_collection", collection_get),
        ("create_collection", collection_create),
        ("update_collection", collection_update),
        ("replace_collection", collection_replace),
        ("delete_collection", collection_delete),
        ("set_collection_owner", collection_set_owner),
        ("set_collection_owner_string", collection_set_owner_string),
        ("delete_collection_owner_string", collection_delete_owner_string),
        ("batch_delete_collections", collection_batch_delete),
        ("check_collection", collection_check),
        ("check_collections", collection_checks),
        ("get_role_list", role_list),
        ("get_role", role_get),
        ("create_role", role_create),
        ("delete_role", role_delete),
        ("get_user_credential_list", credential_list),
        ("get_user_credential", credential_get),
        ("create_user_credential", credential_create),
        ("update_user_credential", credential_update),
        ("replace_user_credential", credential_replace),
        ("delete_user_credential", credential_delete),
        ("set_subscription_admin_verified", collection_set_verified),
        ("get_endpoint_domain", domains::endpoint_get),
        ("set_endpoint_domain", domains::endpoint_set),
        ("delete_endpoint_domain", domains::endpoint_delete),
        ("get_collection_domain", domains::collection_get),
        ("set_collection_domain", domains::collection_set),
        ("delete_collection_domain", domains::collection_delete),
        ("get_node_list", records::node_list),
        ("create_node", records::node_create),
        ("get_node", records::node_get),
        ("update_node", records::node_update),
        ("replace_node", records::node_replace),
        ("delete_node", records::node_delete),
        ("get_sharing_policy_list", records::policy_list),
        ("create_sharing_policy", records::policy_create),
        ("get_sharing_policy", records::policy_get),
        ("delete_sharing_policy", records::policy_delete),
        ("get_stream_gateway_list", records::stream_list),
        ("create_stream_gateway", records::stream_create),
        ("get_stream_gateway", records::stream_get),
        ("update_stream_gateway", records::stream_update),
        ("delete_stream_gateway", records::stream_delete),
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
        let gateway = gateways::GatewayRecord::initial(&root, root_path.clone())?;
        let mut state = State { endpoint: endpoint::defaults(), ..State::default() };
        let gateway_id = gateway.id.clone();
        state.gateways.insert(gateway_id.clone(), gateway);
        let gcs = Gcs {
            core: core.clone(),
            endpoint_id: uuid::Uuid::new_v4().to_string(),
            gateway_id,
            root: Arc::new(root),
            root_path,
            temp_root,
            state: Mutex::new(state),
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

// ------------------------------------------------------------------ collections

fn collection_doc(c: &CollectionRecord) -> Value {
    let mut doc = json!({
        "DATA_TYPE": fields::collection_version(&c.fields),
        "id": c.id,
        "display_name": c.display_name,
        "identity_id": c.owner,
        "collection_type": c.kind,
        "storage_gateway_id": c.gateway,
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
    if let Some(map) = doc.as_object_mut() {
        map.extend(c.fields.clone());
    }
    doc
}

/// Forget the collections removed from the local Transfer another way
/// (`LocalGlobus::remove_collection`), and the sharing policies of collections gone.
fn prune(g: &Gcs) {
    if let Some(registry) = g.core.collection_registry() {
        let mut state = lock(&g.state);
        state.collections.retain(|id, _| registry.contains(id));
        let State { collections, sharing_policies, collection_domains, .. } = &mut *state;
        sharing_policies.retain(|_, p| p.get("collection_id").and_then(Value::as_str).is_some_and(|c| collections.contains_key(c)));
        collection_domains.retain(|id, _| collections.contains_key(id));
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
        .filter(|c| req.query("storage_gateway_id").is_none_or(|s| s == c.gateway))
        .map(collection_doc)
        .collect();
    Ok(envelope(200, data, None))
}

fn collection_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let id = call.param("collection_id")?;
    prune(g);
    let state = lock(&g.state);
    let c = state.collections.get(id).ok_or_else(|| Gcs::error(404, &format!("Collection {id} not found"), call.req))?;
    Ok(envelope(200, vec![collection_doc(c)], None))
}

/// A Globus path (the field `field`) as its components, refusing `..` and NUL (GCS paths
/// are absolute).
fn components(path: &str, field: &str, req: &Request) -> Result<Vec<String>, Reply> {
    if !path.starts_with('/') || path.contains('\0') {
        return Err(Gcs::error(400, &format!("Invalid {field} {path:?}: use an absolute path"), req));
    }
    let mut parts = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => return Err(Gcs::error(403, &format!("{field} may not contain .."), req)),
            p => parts.push(p.to_string()),
        }
    }
    Ok(parts)
}

fn registry(g: &Gcs, req: &Request) -> Result<Arc<dyn CollectionRegistry>, Reply> {
    g.core.collection_registry().cloned().ok_or_else(|| Gcs::error(503, "the local Transfer is not running", req))
}

/// A collection's descriptive fields: `doc`'s fields of [`fields::COLLECTION`] over `base`.
fn collection_fields(
    base: Map<String, Value>,
    doc: &Map<String, Value>,
    req: &Request,
) -> Result<Map<String, Value>, Reply> {
    let mut out = base;
    fields::apply(fields::COLLECTION.iter().map(|(n, k, _)| (*n, *k)), doc, &mut out, req)?;
    Ok(out)
}

/// A non-empty `display_name`, if the document has one.
fn display_name(doc: &Map<String, Value>, req: &Request) -> Result<Option<String>, Reply> {
    match text(doc, "display_name", req)? {
        Some(n) if n.trim().is_empty() => Err(Gcs::error(400, "display_name must not be empty", req)),
        n => Ok(n.map(str::to_string)),
    }
}

fn collection_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let doc = body(req)?;
    prune(g);
    let registry = registry(g, req)?;
    let kind = text(&doc, "collection_type", req)?.unwrap_or("mapped");
    let display_name = display_name(&doc, req)?.ok_or_else(|| Gcs::error(400, "display_name is required", req))?;
    let base_path = text(&doc, "collection_base_path", req)?.unwrap_or("/").to_string();
    let parts = components(&base_path, "collection_base_path", req)?;
    let fields = collection_fields(Map::new(), &doc, req)?;
    if lock(&g.state).collections.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, "the local GCS holds no more collections", req));
    }
    let gateway_id = text(&doc, "storage_gateway_id", req)?;
    let record = match kind {
        "mapped" => {
            require_admin(g, who, req)?;
            let gateway = match gateway_id {
                Some(sg) => gateways::find(g, sg, req)?,
                None => gateways::find(g, &g.gateway_id, req)
                    .map_err(|_| Gcs::error(400, "storage_gateway_id is required", req))?,
            };
            let rel: PathBuf = parts.iter().collect();
            // Opened beneath the gateway's root: `..` and links out are refused by cap-std.
            let dir = if parts.is_empty() { gateway.dir.try_clone() } else { gateway.dir.open_dir(&rel) }.map_err(|e| {
                let status = if e.kind() == std::io::ErrorKind::NotFound { 404 } else { 403 };
                Gcs::error(status, &format!("collection_base_path {base_path:?} is not a directory of the storage gateway"), req)
            })?;
            if !dir.dir_metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Gcs::error(400, "collection_base_path is not a directory", req));
            }
            let host = gateway.host_root.join(&rel);
            let root = std::fs::canonicalize(&host).unwrap_or(host);
            let id = registry.add_mapped(&display_name, dir, root, &who.identity_id).map_err(|e| Gcs::error(409, &e, req))?;
            CollectionRecord {
                id,
                kind: "mapped",
                display_name,
                owner: who.identity_id.clone(),
                gateway: gateway.id,
                base_path,
                mapped: None,
                user_credential_id: None,
                fields,
            }
        }
        "guest" => {
            let mapped = text(&doc, "mapped_collection_id", req)?
                .ok_or_else(|| Gcs::error(400, "mapped_collection_id is required for a guest collection", req))?
                .to_string();
            let host = lock(&g.state)
                .collections
                .get(&mapped)
                .filter(|c| c.kind == "mapped")
                .cloned()
                .ok_or_else(|| Gcs::error(404, &format!("Mapped collection {mapped} not found"), req))?;
            if gateway_id.is_some_and(|sg| sg != host.gateway) {
                return Err(Gcs::error(400, "storage_gateway_id must be the mapped collection's", req));
            }
            if host.fields.get("allow_guest_collections") == Some(&Value::Bool(false)) {
                return Err(Gcs::error(403, &format!("Mapped collection {mapped} does not allow guest collections"), req));
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
                gateway: host.gateway,
                base_path,
                mapped: Some(mapped),
                user_credential_id: credential,
                fields,
            }
        }
        other => return Err(Gcs::error(400, &format!("Invalid collection_type {other:?}: use mapped or guest"), req)),
    };
    let doc = collection_doc(&record);
    lock(&g.state).collections.insert(record.id.clone(), record);
    Ok(envelope(201, vec![doc], None))
}

/// The collection `id` (404), if the caller is its owner or an administrator (403).
fn own_collection(g: &Gcs, call: &Call<'_, Option<Caller>>, what: &str) -> Result<CollectionRecord, Reply> {
    let (req, who) = (call.req, caller(call)?);
    let id = call.param("collection_id")?;
    prune(g);
    let record =
        lock(&g.state).collections.get(id).cloned().ok_or_else(|| Gcs::error(404, &format!("Collection {id} not found"), req))?;
    if record.owner != who.identity_id && !has_role(g, &who.identity_id, &["administrator"]) {
        return Err(Gcs::error(403, &format!("only the collection's owner or an administrator may {what} it"), req));
    }
    Ok(record)
}

/// Update (or, with `replace`, replace) a collection: its name and descriptive fields change;
/// its type, gateway, mapped collection, base path and owner are fixed (400 if the document
/// names others).
fn collection_write(g: &Gcs, call: &Call<'_, Option<Caller>>, replace: bool) -> Handled {
    let req = call.req;
    let old = own_collection(g, call, "change")?;
    let doc = body(req)?;
    let fixed = [
        ("collection_type", Some(old.kind)),
        ("storage_gateway_id", Some(old.gateway.as_str())),
        ("mapped_collection_id", old.mapped.as_deref()),
        ("identity_id", Some(old.owner.as_str())),
    ];
    for (name, value) in fixed {
        if let Some(sent) = text(&doc, name, req)?
            && Some(sent) != value
        {
            return Err(Gcs::error(400, &format!("{name} cannot be changed by an update"), req));
        }
    }
    if let Some(path) = text(&doc, "collection_base_path", req)? {
        let same = components(path, "collection_base_path", req)? == components(&old.base_path, "collection_base_path", req)?;
        if !same {
            return Err(Gcs::error(400, "collection_base_path cannot be changed: a collection's root never moves", req));
        }
    }
    let name = display_name(&doc, req)?;
    if replace && name.is_none() {
        return Err(Gcs::error(400, "display_name is required", req));
    }
    let base = if replace {
        // Only `set_subscription_admin_verified` sets this one.
        old.fields.iter().filter(|(k, _)| *k == "subscription_admin_verified").map(|(k, v)| (k.clone(), v.clone())).collect()
    } else {
        old.fields.clone()
    };
    let fields = collection_fields(base, &doc, req)?;
    let credential = match text(&doc, "user_credential_id", req)? {
        Some(id) if old.kind == "guest" => {
            if lock(&g.state).credentials.get(id).is_none_or(|c| c.identity != old.owner) {
                return Err(Gcs::error(404, &format!("User credential {id} not found"), req));
            }
            Some(id.to_string())
        }
        _ if replace => None,
        _ => old.user_credential_id.clone(),
    };
    if let Some(name) = &name
        && *name != old.display_name
    {
        registry(g, req)?.rename(&old.id, name).map_err(|e| {
            let status = if e.starts_with("no collection") { 404 } else { 409 };
            Gcs::error(status, &e, req)
        })?;
    }
    let record = CollectionRecord {
        display_name: name.unwrap_or(old.display_name.clone()),
        fields,
        user_credential_id: credential,
        ..old
    };
    let out = collection_doc(&record);
    let mut state = lock(&g.state);
    if !state.collections.contains_key(&record.id) {
        return Err(Gcs::error(404, &format!("Collection {} not found", record.id), req));
    }
    state.collections.insert(record.id.clone(), record);
    Ok(envelope(200, vec![out], None))
}

fn collection_update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    collection_write(g, call, false)
}

fn collection_replace(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    collection_write(g, call, true)
}

fn collection_set_owner(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let req = call.req;
    let c = own_collection(g, call, "give away")?;
    let owner = endpoint::identity_of(g, req)?;
    registry(g, req)?.set_owner(&c.id, &owner).map_err(|e| Gcs::error(404, &e, req))?;
    if let Some(c) = lock(&g.state).collections.get_mut(&c.id) {
        c.owner = owner;
    }
    Ok(envelope(200, Vec::new(), Some(format!("Set the owner of collection {}", c.id))))
}

fn collection_set_owner_string(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let req = call.req;
    let c = own_collection(g, call, "change")?;
    let identity = endpoint::identity_of(g, req)?;
    // Advertised by the local Transfer (its `owner_string`).
    registry(g, req)?.set_owner_string(&c.id, Some(&identity)).map_err(|e| Gcs::error(404, &e, req))?;
    Ok(envelope(200, Vec::new(), Some(format!("Set the owner string of collection {}", c.id))))
}

fn collection_delete_owner_string(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_collection(g, call, "change")?;
    registry(g, call.req)?.set_owner_string(&c.id, None).map_err(|e| Gcs::error(404, &e, call.req))?;
    Ok(envelope(200, Vec::new(), Some(format!("Reset the owner string of collection {}", c.id))))
}

/// Mark a collection verified (or not) by a subscription administrator: an administrator of
/// the endpoint, locally.
fn collection_set_verified(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let c = own_collection(g, call, "verify")?;
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let verified = doc
        .get("subscription_admin_verified")
        .and_then(Value::as_bool)
        .ok_or_else(|| Gcs::error(400, "subscription_admin_verified must be a boolean", req))?;
    if let Some(c) = lock(&g.state).collections.get_mut(&c.id) {
        c.fields.insert("subscription_admin_verified".into(), Value::Bool(verified));
    }
    Ok(envelope(200, Vec::new(), Some(format!("Updated collection {}", c.id))))
}

fn collection_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let req = call.req;
    let record = own_collection(g, call, "delete")?;
    if record.fields.get("delete_protected") == Some(&Value::Bool(true)) {
        return Err(Gcs::error(409, &format!("Collection {} is delete protected", record.id), req));
    }
    registry(g, req)?.remove(&record.id).map_err(|e| Gcs::error(409, &e, req))?;
    lock(&g.state).collections.remove(&record.id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted collection {}", record.id))))
}

/// Delete several guest collections: all or none (each must exist, be a guest collection the
/// caller owns or administers, and not be delete protected).
fn collection_batch_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let doc = body(req)?;
    let ids = doc
        .get("ids")
        .and_then(Value::as_array)
        .filter(|ids| ids.len() <= MAX_BATCH)
        .ok_or_else(|| Gcs::error(400, &format!("ids must be a list of at most {MAX_BATCH} collection ids"), req))?;
    let ids: Vec<&str> = ids
        .iter()
        .map(|i| i.as_str().filter(|s| s.len() <= MAX_TEXT))
        .collect::<Option<_>>()
        .ok_or_else(|| Gcs::error(400, "ids must hold collection ids (strings)", req))?;
    prune(g);
    let admin = has_role(g, &who.identity_id, &["administrator"]);
    {
        let state = lock(&g.state);
        for id in &ids {
            let c = state.collections.get(*id).ok_or_else(|| Gcs::error(404, &format!("Collection {id} not found"), req))?;
            if c.kind != "guest" {
                return Err(Gcs::error(400, &format!("Collection {id} is not a guest collection"), req));
            }
            if c.owner != who.identity_id && !admin {
                return Err(Gcs::error(403, &format!("only the owner of collection {id} or an administrator may delete it"), req));
            }
            if c.fields.get("delete_protected") == Some(&Value::Bool(true)) {
                return Err(Gcs::error(409, &format!("Collection {id} is delete protected"), req));
            }
        }
    }
    let registry = registry(g, req)?;
    for id in &ids {
        // A guest collection holds no other: removing it fails only if it is already gone.
        let _ = registry.remove(id);
        lock(&g.state).collections.remove(*id);
    }
    Ok(envelope(200, Vec::new(), Some(format!("Deleted {} collections", ids.len()))))
}

/// A collection's check: its root is still a directory the local Transfer serves.
fn check_result(g: &Gcs, c: &CollectionRecord) -> Value {
    let served = g.core.collection_registry().is_some_and(|r| r.contains(&c.id));
    let error = if served {
        Value::Null
    } else {
        json!({"code": "not_found", "message": "the collection is no longer served"})
    };
    let message = if served { "ok" } else { "the collection is no longer served" };
    json!({"DATA_TYPE": "check_result#1.0.0", "id": c.id, "message": message, "error": error})
}

fn collection_check(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_collection(g, call, "check")?;
    Ok(envelope(200, vec![check_result(g, &c)], None))
}

fn collection_checks(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    prune(g);
    let admin = has_role(g, &who.identity_id, &["administrator"]);
    let records: Vec<CollectionRecord> = lock(&g.state)
        .collections
        .values()
        .filter(|c| admin || c.owner == who.identity_id)
        .filter(|c| req.query("mapped_collection_id").is_none_or(|m| c.mapped.as_deref() == Some(m)))
        .filter(|c| req.query("storage_gateway_id").is_none_or(|s| s == c.gateway))
        .cloned()
        .collect();
    Ok(envelope(200, records.iter().map(|c| check_result(g, c)).collect(), None))
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
    if r.role == "owner" && r.collection.is_none() {
        return Err(Gcs::error(409, "the endpoint's owner role cannot be deleted: set another owner", req));
    }
    if r.role == "administrator" && r.collection.is_none() && admins == 1 {
        return Err(Gcs::error(409, "the endpoint's last administrator role cannot be deleted", req));
    }
    state.roles.remove(id);
    Ok(envelope(200, Vec::new(), Some(format!("Deleted role {id}"))))
}

// ------------------------------------------------------------------ user credentials

fn credential_doc(c: &CredentialRecord) -> Value {
    json!({
        "DATA_TYPE": "user_credential#1.0.0",
        "id": c.id,
        "identity_id": c.identity,
        "username": c.username,
        "display_name": c.display_name,
        "connector_id": POSIX_CONNECTOR,
        "storage_gateway_id": c.gateway,
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
        .map(credential_doc)
        .collect();
    Ok(envelope(200, data, None))
}

fn credential_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_credential(g, call)?;
    Ok(envelope(200, vec![credential_doc(&c)], None))
}

fn credential_create(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let doc = body(req)?;
    if let Some(identity) = text(&doc, "identity_id", req)?
        && identity != who.identity_id
    {
        return Err(Gcs::error(403, "a user credential is created for the caller's own identity", req));
    }
    let gateway = match text(&doc, "storage_gateway_id", req)? {
        Some(sg) => gateways::find(g, sg, req)?.id,
        None => gateways::find(g, &g.gateway_id, req).map_err(|_| Gcs::error(400, "storage_gateway_id is required", req))?.id,
    };
    let local_user = who.username.split('@').next().unwrap_or_default().to_string();
    let username = text(&doc, "username", req)?.map_or(local_user, str::to_string);
    let display_name = text(&doc, "display_name", req)?.unwrap_or_default().to_string();
    let mut state = lock(&g.state);
    if state.credentials.len() >= MAX_RECORDS {
        return Err(Gcs::error(409, "the local GCS holds no more user credentials", req));
    }
    let c = CredentialRecord { id: uuid::Uuid::new_v4().to_string(), gateway, identity: who.identity_id.clone(), username, display_name };
    let out = credential_doc(&c);
    let message = format!("Created User Credential {}", c.id);
    state.credentials.insert(c.id.clone(), c);
    Ok(envelope(201, vec![out], Some(message)))
}

/// Update (or, with `replace`, replace) the caller's own credential: its username and
/// display name; its identity and storage gateway are fixed (400 if the document names others).
fn credential_write(g: &Gcs, call: &Call<'_, Option<Caller>>, replace: bool) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    let old = own_credential(g, call)?;
    let doc = body(req)?;
    for (name, value) in [("identity_id", &old.identity), ("storage_gateway_id", &old.gateway)] {
        if text(&doc, name, req)?.is_some_and(|sent| sent != value) {
            return Err(Gcs::error(400, &format!("{name} cannot be changed by an update"), req));
        }
    }
    let local_user = who.username.split('@').next().unwrap_or_default().to_string();
    let username = match text(&doc, "username", req)? {
        Some(u) => u.to_string(),
        None if replace => local_user,
        None => old.username.clone(),
    };
    let display_name = match text(&doc, "display_name", req)? {
        Some(d) => d.to_string(),
        None if replace => String::new(),
        None => old.display_name.clone(),
    };
    let c = CredentialRecord { username, display_name, ..old };
    let out = credential_doc(&c);
    let mut state = lock(&g.state);
    let slot = state.credentials.get_mut(&c.id).ok_or_else(|| Gcs::error(404, &format!("User credential {} not found", c.id), req))?;
    let message = format!("Updated User Credential {}", c.id);
    *slot = c;
    Ok(envelope(200, vec![out], Some(message)))
}

fn credential_update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    credential_write(g, call, false)
}

fn credential_replace(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    credential_write(g, call, true)
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

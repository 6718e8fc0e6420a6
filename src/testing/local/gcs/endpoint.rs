//! The endpoint document (state: what `update_endpoint` and `replace_endpoint` set is what
//! `get_endpoint` answers), its owner, advertised owner and subscription.

use serde_json::{Map, Value, json};

use super::fields::{self, ENDPOINT};
use super::{Gcs, RoleRecord, body, caller, envelope, require_admin, text};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled, Service};

const NETWORK_USE: &[&str] = &["normal", "minimal", "aggressive", "custom"];

/// The endpoint's fields at start.
pub(super) fn defaults() -> Map<String, Value> {
    let doc = json!({
        "display_name": "Local Globus Connect Server",
        "organization": "Local Globus",
        "allow_udt": false,
        "network_use": "normal",
        "public": true,
        "subscription_id": null,
    });
    doc.as_object().cloned().unwrap_or_default()
}

fn document(g: &Gcs) -> Value {
    let url = g.core.urls().url(Gcs::NAME).unwrap_or_default();
    let mut doc = Map::new();
    doc.insert("DATA_TYPE".into(), "endpoint#1.2.0".into());
    doc.insert("id".into(), g.endpoint_id.clone().into());
    doc.insert("gcs_manager_url".into(), url.into());
    doc.extend(lock(&g.state).endpoint.clone());
    Value::Object(doc)
}

pub(super) fn get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    Ok(envelope(200, vec![document(g)], None))
}

/// A subscription id: null (none) or a UUID.
fn subscription(value: &Value, req: &Request) -> Result<Value, Reply> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::String(s) if uuid::Uuid::try_parse(s).is_ok() => Ok(Value::String(s.to_ascii_lowercase())),
        Value::String(s) if s == "DEFAULT" => {
            Err(Gcs::error(400, "the local Globus has no subscriptions: give a subscription id or null", req))
        }
        _ => Err(Gcs::error(400, "subscription_id must be a subscription id (a UUID) or null", req)),
    }
}

/// The endpoint's fields after applying `doc` to `base`.
fn merged(base: Map<String, Value>, doc: &Map<String, Value>, req: &Request) -> Result<Map<String, Value>, Reply> {
    let mut out = base;
    fields::apply(ENDPOINT.iter().copied(), doc, &mut out, req)?;
    if out.get("display_name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(Gcs::error(400, "display_name must be a non-empty string", req));
    }
    if let Some(n) = out.get("network_use").and_then(Value::as_str)
        && !NETWORK_USE.contains(&n)
    {
        return Err(Gcs::error(400, &format!("network_use must be one of {}", NETWORK_USE.join(", ")), req));
    }
    if let Some(v) = doc.get("subscription_id") {
        out.insert("subscription_id".into(), subscription(v, req)?);
    }
    out.entry("subscription_id").or_insert(Value::Null);
    Ok(out)
}

fn write(g: &Gcs, call: &Call<'_, Option<Caller>>, replace: bool) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let base = if replace {
        // What the document leaves out goes back to its value at start.
        let mut base = defaults();
        base.remove("display_name");
        base
    } else {
        lock(&g.state).endpoint.clone()
    };
    let endpoint = merged(base, &doc, req)?;
    lock(&g.state).endpoint = endpoint;
    let data = if req.query("include") == Some("endpoint") { vec![document(g)] } else { Vec::new() };
    Ok(envelope(200, data, Some(format!("Updated endpoint {}", g.endpoint_id))))
}

pub(super) fn update(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, false)
}

pub(super) fn replace(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    write(g, call, true)
}

/// The identity a body's `identity_id` names: one the local Auth knows.
pub(super) fn identity_of(g: &Gcs, req: &Request) -> Result<String, Reply> {
    let doc = body(req)?;
    let id = text(&doc, "identity_id", req)?.ok_or_else(|| Gcs::error(400, "identity_id is required", req))?;
    g.core
        .identity(id)
        .filter(|i| i.id == id)
        .map(|i| i.id)
        .ok_or_else(|| Gcs::error(400, &format!("identity_id {id:?} is not an identity of the local Auth"), req))
}

/// Make another identity the endpoint's owner: its `owner` role replaces the previous one.
pub(super) fn set_owner(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let owner = identity_of(g, req)?;
    let mut state = lock(&g.state);
    state.roles.retain(|_, r| !(r.collection.is_none() && r.role == "owner"));
    let id = uuid::Uuid::new_v4().to_string();
    let principal = format!("urn:globus:auth:identity:{owner}");
    state.roles.insert(id.clone(), RoleRecord { id, principal, role: "owner".into(), collection: None });
    Ok(envelope(200, Vec::new(), Some(format!("Set the owner of endpoint {}", g.endpoint_id))))
}

pub(super) fn set_owner_string(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let identity = identity_of(g, req)?;
    lock(&g.state).endpoint_owner_string = Some(identity);
    Ok(envelope(200, Vec::new(), Some(format!("Set the owner string of endpoint {}", g.endpoint_id))))
}

pub(super) fn delete_owner_string(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    lock(&g.state).endpoint_owner_string = None;
    Ok(envelope(200, Vec::new(), Some(format!("Reset the owner string of endpoint {}", g.endpoint_id))))
}

pub(super) fn set_subscription(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let doc = body(req)?;
    let value = doc.get("subscription_id").ok_or_else(|| Gcs::error(400, "subscription_id is required", req))?;
    let id = subscription(value, req)?;
    lock(&g.state).endpoint.insert("subscription_id".into(), id);
    Ok(envelope(200, Vec::new(), Some(format!("Updated the subscription of endpoint {}", g.endpoint_id))))
}

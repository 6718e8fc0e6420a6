//! Custom domains of the endpoint and of collections: the document is kept (nothing is
//! served on the domain); a private key sent with it is checked and dropped, never kept or
//! answered; the `*_path` fields are kept as text, never opened.

use serde_json::{Map, Value};

use super::{Gcs, body, caller, envelope, own_collection, require_admin, text};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled, Service};

/// The longest certificate (chain) kept, in bytes.
const MAX_PEM: usize = 64 * 1024;

/// A domain name: dot-separated labels of letters, digits and `-` (a leading `*.` for a
/// wildcard), at most 253 bytes.
fn valid_name(name: &str) -> bool {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    name.len() <= 253
        && bare.split('.').count() >= 2
        && bare.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The domain document to keep from a request's body.
fn domain(req: &Request) -> Result<Map<String, Value>, Reply> {
    let doc = body(req)?;
    let name = text(&doc, "domain_name", req)?.ok_or_else(|| Gcs::error(400, "domain_name is required", req))?;
    if !valid_name(name) {
        return Err(Gcs::error(400, "domain_name must be a domain name", req));
    }
    let mut out = Map::new();
    out.insert("DATA_TYPE".into(), "domain#1.0.0".into());
    out.insert("domain_name".into(), name.to_ascii_lowercase().into());
    for name in ["certificate", "certificate_chain"] {
        match doc.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(pem)) if pem.len() <= MAX_PEM && !pem.contains('\0') => {
                out.insert(name.into(), pem.clone().into());
            }
            Some(_) => return Err(Gcs::error(400, &format!("{name} must be PEM text of at most {MAX_PEM} bytes"), req)),
        }
    }
    for name in ["certificate_path", "certificate_chain_path", "private_key_path"] {
        if let Some(p) = text(&doc, name, req)? {
            out.insert(name.into(), p.into());
        }
    }
    // The key is checked for its type only: never kept, never answered.
    match doc.get("private_key") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => return Err(Gcs::error(400, "private_key must be PEM text", req)),
    }
    match doc.get("wildcard") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(w)) => {
            out.insert("wildcard".into(), (*w).into());
        }
        Some(_) => return Err(Gcs::error(400, "wildcard must be a boolean", req)),
    }
    Ok(out)
}

fn none_set(req: &Request) -> Reply {
    Gcs::error(404, "No custom domain is set", req)
}

pub(super) fn endpoint_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    caller(call)?;
    let d = lock(&g.state).endpoint_domain.clone().ok_or_else(|| none_set(call.req))?;
    Ok(envelope(200, vec![Value::Object(d)], None))
}

pub(super) fn endpoint_set(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    let d = domain(req)?;
    lock(&g.state).endpoint_domain = Some(d);
    Ok(envelope(200, Vec::new(), Some(format!("Set the custom domain of endpoint {}", g.endpoint_id))))
}

pub(super) fn endpoint_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let (req, who) = (call.req, caller(call)?);
    require_admin(g, who, req)?;
    lock(&g.state).endpoint_domain.take().ok_or_else(|| none_set(req))?;
    Ok(envelope(200, Vec::new(), Some(format!("Removed the custom domain of endpoint {}", g.endpoint_id))))
}

pub(super) fn collection_get(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_collection(g, call, "read the domain of")?;
    let d = lock(&g.state).collection_domains.get(&c.id).cloned().ok_or_else(|| none_set(call.req))?;
    Ok(envelope(200, vec![Value::Object(d)], None))
}

pub(super) fn collection_set(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_collection(g, call, "set the domain of")?;
    let d = domain(call.req)?;
    let mut state = lock(&g.state);
    if !state.collections.contains_key(&c.id) {
        return Err(Gcs::error(404, &format!("Collection {} not found", c.id), call.req));
    }
    state.collection_domains.insert(c.id.clone(), d);
    Ok(envelope(200, Vec::new(), Some(format!("Set the custom domain of collection {}", c.id))))
}

pub(super) fn collection_delete(g: &Gcs, call: &Call<'_, Option<Caller>>) -> Handled {
    let c = own_collection(g, call, "remove the domain of")?;
    lock(&g.state).collection_domains.remove(&c.id).ok_or_else(|| none_set(call.req))?;
    Ok(envelope(200, Vec::new(), Some(format!("Removed the custom domain of collection {}", c.id))))
}

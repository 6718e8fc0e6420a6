//! Collections as endpoint documents: `get_endpoint`, `endpoint_search`, the guest collections
//! of a mapped one (`my_shared_endpoint_list`, `get_shared_endpoint_list`), and the endpoint
//! manager's views of them.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{LocalCollection, Transfer, acls, bad_request, build, collection, document, errors, int_param};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};
use crate::transfer::types;

/// The fields Transfer always sends in an endpoint document (null when unset).
const ALWAYS: &[&str] = &[
    "DATA_TYPE",
    "contact_email",
    "contact_info",
    "department",
    "description",
    "display_name",
    "entity_type",
    "gcs_version",
    "host_endpoint_id",
    "https_server",
    "info_link",
    "keywords",
    "organization",
    "owner_id",
    "owner_string",
    "subscription_id",
    "tlsftp_server",
    "user_message",
    "user_message_link",
];

/// How many results `endpoint_search` can page through, as Transfer.
const SEARCH_MAX: i64 = 1000;

fn endpoint_doc(
    t: &Transfer,
    c: &LocalCollection,
    caller: &Caller,
    in_use: bool,
    req: &Request,
) -> Result<types::Endpoint, Reply> {
    let advertised = c.owner_string_id.as_deref().unwrap_or(&c.owner_id);
    let owner_string = t.core.identity(advertised).map_or_else(|| advertised.to_string(), |i| i.username);
    let roles = super::roles::effective(t, c, &caller.identity_id);
    let manages_rules = roles.iter().any(|r| r == "administrator" || r == "access_manager");
    let b = types::Endpoint::builder()
        .data_type("endpoint".to_string())
        .id(c.id.clone())
        .display_name(c.name.clone())
        .entity_type(entity_type(c).to_string())
        .host_endpoint_id(c.host.clone())
        .owner_id(c.owner_id.clone())
        .owner_string(owner_string)
        .description("A local directory served by the local Globus".to_string())
        .organization("Local Globus".to_string())
        .keywords("local,globus-local".to_string())
        .public(true)
        .default_directory("/~/".to_string())
        .force_encryption(false)
        .force_verify(false)
        .disable_verify(false)
        .disable_anonymous_writes(false)
        .french_english_bilingual(false)
        .high_assurance(false)
        .mfa_required(false)
        .non_functional(false)
        .is_globus_connect(false)
        .subscription_admin_verified(false)
        .acl_available(c.uses_acls())
        .acl_editable(c.uses_acls() && manages_rules)
        .shareable(false)
        .in_use(in_use)
        .my_effective_roles(roles)
        .storage_type("posix".to_string())
        .network_use("normal".to_string())
        .data(Vec::<types::Server>::new());
    build(b, req)
}

/// What Transfer calls the collection.
fn entity_type(c: &LocalCollection) -> &'static str {
    if c.uses_acls() { "GCSv5_guest_collection" } else { "GCSv5_mapped_collection" }
}

pub(super) fn get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let c = &collection(t, call.param("endpoint_id")?, req)?;
    let in_use = lock(&t.tasks).collections_used_by(&caller.identity_id, true).contains(&c.id);
    Ok(Reply::ok(&document(&endpoint_doc(t, c, caller, in_use, req)?, ALWAYS)))
}

/// The guest collections hosted on the call's collection that `keep` keeps, as endpoint
/// documents.
fn guests_of(t: &Transfer, call: &Call<'_, Caller>, keep: impl Fn(&LocalCollection) -> bool) -> Result<Vec<Value>, Reply> {
    let (req, caller) = (call.req, &call.caller);
    let host = collection(t, call.param("endpoint_id")?, req)?;
    let guests: Vec<LocalCollection> =
        lock(&t.collections).iter().filter(|c| c.host.as_deref() == Some(host.id.as_str()) && keep(c)).cloned().collect();
    let used = lock(&t.tasks).collections_used_by(&caller.identity_id, true);
    guests.iter().map(|c| Ok(document(&endpoint_doc(t, c, caller, used.contains(&c.id), req)?, ALWAYS))).collect()
}

/// The caller's own guest collections on a mapped collection.
pub(super) fn my_shared(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let me = call.caller.identity_id.clone();
    let data = guests_of(t, call, |c| c.owner_id == me)?;
    Ok(Reply::ok(&json!({"DATA_TYPE": "endpoint_list", "DATA": data})))
}

/// Every guest collection on a mapped collection, for its administrators; paged with
/// `max_results` and `next_token` (the offset of the next page).
pub(super) fn all_shared(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let req = call.req;
    let host = collection(t, call.param("endpoint_id")?, req)?;
    if !super::roles::holds(t, &host, &call.caller.identity_id, &["administrator"]) {
        let msg = format!("You are not an administrator of {}", host.id);
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    let size = int_param(req, "max_results", 100, 1, 1000)? as usize;
    let start = match req.query("next_token") {
        None | Some("") => 0,
        Some(tok) => tok.parse::<usize>().map_err(|_| bad_request(format!("Invalid next_token {tok:?}"), req))?,
    };
    let all = guests_of(t, call, |_| true)?;
    let end = start.saturating_add(size).min(all.len());
    let page = all.get(start.min(end)..end).unwrap_or_default().to_vec();
    let next = (end < all.len()).then(|| end.to_string());
    Ok(Reply::ok(&json!({"DATA_TYPE": "shared_endpoint_list", "shared_endpoints": page, "next_token": next})))
}

/// The collections on which the caller is an administrator, activity manager or monitor.
pub(super) fn monitored(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let all: Vec<LocalCollection> = lock(&t.collections).clone();
    let used = lock(&t.tasks).collections_used_by(&caller.identity_id, true);
    let mut data = Vec::new();
    for c in all.iter().filter(|c| super::roles::holds(t, c, &caller.identity_id, super::tasks::SEE_ROLES)) {
        data.push(document(&endpoint_doc(t, c, caller, used.contains(&c.id), req)?, ALWAYS));
    }
    Ok(Reply::ok(&json!({"DATA_TYPE": "endpoint_list", "DATA": data})))
}

/// The call's collection, if the caller is an administrator, activity manager or monitor of it.
fn administered(t: &Transfer, call: &Call<'_, Caller>, roles: &[&str]) -> Result<LocalCollection, Reply> {
    let req = call.req;
    let c = collection(t, call.param("endpoint_id")?, req)?;
    if !super::roles::holds(t, &c, &call.caller.identity_id, roles) {
        let msg = format!("You do not have a role on {} that allows this", c.id);
        return Err(errors::error(403, "PermissionDenied", msg, req));
    }
    Ok(c)
}

/// A collection's document, for its administrators and activity roles.
pub(super) fn manager_get(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let c = administered(t, call, super::tasks::SEE_ROLES)?;
    let in_use = lock(&t.tasks).collections_used_by(&caller.identity_id, true).contains(&c.id);
    Ok(Reply::ok(&document(&endpoint_doc(t, &c, caller, in_use, req)?, ALWAYS)))
}

/// The guest collections hosted on a collection, for its administrators.
pub(super) fn hosted(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    administered(t, call, &["administrator"])?;
    let data = guests_of(t, call, |_| true)?;
    Ok(Reply::ok(&json!({"DATA_TYPE": "endpoint_list", "DATA": data})))
}

/// The words of a text as full-text search sees them: lower-case runs of letters and
/// digits (`pvl-odd.name` is `pvl`, `odd`, `name`). Queries and indexed texts are split the
/// same way.
fn words(text: &str) -> Vec<String> {
    text.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether the query is the collection's id, or each of its words begins a word of the
/// collection's texts (its name, organization, keywords and owner; never the directory).
fn fulltext_match(c: &LocalCollection, owner: &str, query: &str) -> bool {
    if query.trim().eq_ignore_ascii_case(&c.id) {
        return true;
    }
    let indexed = words(&format!("{} Local Globus local globus-local {owner}", c.name));
    let terms = words(query);
    !terms.is_empty() && terms.iter().all(|term| indexed.iter().any(|w| w.starts_with(term.as_str())))
}

pub(super) fn search(t: &Transfer, call: &Call<'_, Caller>) -> Handled {
    let (req, caller) = (call.req, &call.caller);
    let scope = req.query("filter_scope").unwrap_or("all");
    let fulltext = req.query("filter_fulltext").map(str::trim).filter(|s| !s.is_empty());
    let limit = int_param(req, "limit", 25, 1, 100)?;
    let offset = int_param(req, "offset", 0, 0, SEARCH_MAX)?;
    if offset + limit > SEARCH_MAX {
        return Err(bad_request(format!("offset + limit must be at most {SEARCH_MAX}"), req));
    }
    let tasks = lock(&t.tasks);
    let used: HashSet<String> = tasks.collections_used_by(&caller.identity_id, false);
    let active: HashSet<String> = tasks.collections_used_by(&caller.identity_id, true);
    drop(tasks);
    let in_scope = |c: &LocalCollection| -> Result<bool, Reply> {
        let mine = c.owner_id == caller.identity_id;
        Ok(match scope {
            "all" | "hide-no-permissions" => true,
            "my-endpoints" | "administered-by-me" => mine,
            "recently-used" => used.contains(&c.id),
            "in-use" => active.contains(&c.id),
            "shared-by-me" => mine && c.uses_acls(),
            "shared-with-me" => !mine && acls::grants_any(t, c, caller),
            "my-gcp-endpoints" => false,
            other => return Err(bad_request(format!("Invalid filter_scope {other:?}"), req)),
        })
    };
    if scope == "all" && fulltext.is_none() {
        return Err(bad_request("filter_fulltext is required when filter_scope is all", req));
    }
    if req.query("filter_non_functional").is_some() && req.query("filter_entity_type").is_some() {
        return Err(bad_request("filter_non_functional and filter_entity_type are mutually exclusive", req));
    }
    let non_functional = int_param(req, "filter_non_functional", 0, 0, 1)?;
    let mut found = Vec::new();
    let collections = lock(&t.collections).clone();
    for c in &collections {
        let owner = t.core.identity(&c.owner_id).map(|i| i.username).unwrap_or_default();
        let keep = in_scope(c)?
            && fulltext.is_none_or(|q| fulltext_match(c, &owner, q))
            && req.query("filter_owner_id").is_none_or(|o| o == c.owner_id)
            && req.query("filter_host_endpoint").is_none_or(|h| c.host.as_deref() == Some(h))
            && non_functional == 0
            && req.query("filter_entity_type").is_none_or(|t| t == entity_type(c));
        if keep {
            found.push(c);
        }
    }
    let total = found.len() as i64;
    let mut data = Vec::new();
    for c in found.iter().skip(offset as usize).take(limit as usize) {
        data.push(endpoint_doc(t, c, caller, active.contains(&c.id), req)?);
    }
    let page = types::EndpointList {
        data,
        data_type: Some("endpoint_list".into()),
        has_next_page: Some(offset + limit < total.min(SEARCH_MAX)),
        length: None,
        limit: Some(limit),
        offset: Some(offset),
        total: None,
        extra: Default::default(),
    };
    let mut page_json = document(&page, &[]);
    page_json["DATA"] = page.data.iter().map(|e| document(e, ALWAYS)).collect();
    Ok(Reply::ok(&page_json))
}

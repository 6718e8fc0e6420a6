//! The flows API: create, validate, list, get, update, delete; and the registered APIs and
//! web inputs, which the local Flows does not emulate (empty lists, 404).

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::actions::Provider;
use super::errors::{self, error, invalid_one};
use super::pages::{self, Page};
use super::store::{self, FlowRecord, Principals};
use super::{Flows, MAX_FLOWS, MAX_TEXT};
use crate::scopes::flows as scopes;
use crate::testing::local::core::lock;
use crate::testing::local::plugin::{Call, Handled};

/// The roles of `filter_role`, weakest first (a role includes the weaker ones' rights).
const ROLE_ORDER: &[&str] = &["flow_viewer", "flow_starter", "flow_administrator", "flow_owner"];

/// The JSON object body of a request.
pub(super) fn body(call: &Call<'_>) -> Result<Map<String, Value>, crate::testing::local::http::Reply> {
    match call.req.json::<Value>() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid_one(&["body"], "the body must be a JSON object")),
        Err(e) => Err(error(400, &format!("the body is not JSON: {e}"))),
    }
}

/// A text field: absent (None), a string within [`MAX_TEXT`], or a 422.
fn text(body: &Map<String, Value>, field: &str) -> Result<Option<String>, crate::testing::local::http::Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(invalid_one(&[field], &format!("at most {MAX_TEXT} characters"))),
        Some(_) => Err(invalid_one(&[field], "must be a string")),
    }
}

fn strings(body: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, crate::testing::local::http::Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(l)) if l.len() <= super::MAX_TAGS => l
            .iter()
            .map(|v| v.as_str().filter(|s| s.len() <= MAX_TEXT).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid_one(&[field], "must be a list of short strings")),
        Some(_) => Err(invalid_one(&[field], &format!("must be a list of at most {} strings", super::MAX_TAGS))),
    }
}

fn principals(body: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, crate::testing::local::http::Reply> {
    store::principals(body, field).map_err(|msg| invalid_one(&[field], &msg))
}

/// Check a definition as Flows does: its structure (the SDK's check), then that every
/// action provider is one the local Flows knows. The scopes it needs, by `RunAs`.
fn check(definition: &Value) -> Result<Value, crate::testing::local::http::Reply> {
    crate::flows::check_definition(definition).map_err(|e| errors::definition(&e))?;
    let mut needed = BTreeSet::new();
    let states = definition.get("States").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, state) in &states {
        if state.get("Type").and_then(Value::as_str) != Some("Action") {
            continue;
        }
        let url = state.get("ActionUrl").and_then(Value::as_str).unwrap_or_default();
        let provider = Provider::of(url).ok_or_else(|| {
            invalid_one(
                &["definition", "States", name, "ActionUrl"],
                &format!(
                    "{url:?} is not an action provider the local Flows knows (Transfer's transfer, delete, ls; \
                     Search's ingest)"
                ),
            )
        })?;
        needed.insert(provider.scope());
    }
    Ok(json!({"User": needed.into_iter().collect::<Vec<_>>()}))
}

/// `POST /flows/validate`.
pub(super) fn validate_flow(t: &Flows, call: &Call<'_>) -> Handled {
    t.flows_caller(call, &[scopes::manage_flows()])?;
    let body = body(call)?;
    let definition = body.get("definition").ok_or_else(|| invalid_one(&["definition"], "field required"))?;
    let scopes = check(definition)?;
    check_schema(&body)?;
    Ok(crate::testing::local::http::Reply::ok(&json!({"scopes": scopes, "analysis": {"number_of_possibilities": 1}})))
}

fn check_schema(body: &Map<String, Value>) -> Result<(), crate::testing::local::http::Reply> {
    match body.get("input_schema") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(invalid_one(&["input_schema"], "the input schema must be a JSON object")),
    }
}

/// `POST /flows`.
pub(super) fn create_flow(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::manage_flows()])?;
    let body = body(call)?;
    let title = text(&body, "title")?.ok_or_else(|| invalid_one(&["title"], "field required"))?;
    let definition = body.get("definition").cloned().ok_or_else(|| invalid_one(&["definition"], "field required"))?;
    check(&definition)?;
    check_schema(&body)?;
    let now = Utc::now();
    let record = FlowRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: store::urn(&who.identity_id),
        title,
        subtitle: text(&body, "subtitle")?.unwrap_or_default(),
        description: text(&body, "description")?.unwrap_or_default(),
        keywords: strings(&body, "keywords")?.unwrap_or_default(),
        definition,
        input_schema: body.get("input_schema").cloned().unwrap_or_else(|| json!({})),
        flow_viewers: principals(&body, "flow_viewers")?.unwrap_or_default(),
        flow_starters: principals(&body, "flow_starters")?.unwrap_or_default(),
        flow_administrators: principals(&body, "flow_administrators")?.unwrap_or_default(),
        run_managers: principals(&body, "run_managers")?.unwrap_or_default(),
        run_monitors: principals(&body, "run_monitors")?.unwrap_or_default(),
        subscription_id: body.get("subscription_id").cloned().unwrap_or(Value::Null),
        created_at: now,
        updated_at: now,
        seq: t.shared.next_seq(),
    };
    let doc = {
        let mut flows = lock(&t.shared.flows);
        if flows.len() >= MAX_FLOWS {
            return Err(error(429, &format!("the local Flows holds at most {MAX_FLOWS} flows")));
        }
        let doc = record.doc(&who, &t.url());
        flows.insert(record.id.clone(), record.clone());
        doc
    };
    t.core.accounts().register_scopes([(store::flow_scope(&record.id), record.id.clone())]);
    Ok(crate::testing::local::http::Reply::json(201, &doc))
}

/// Find a flow the caller may see: 404 when it is not there or not visible.
fn visible(t: &Flows, who: &Principals, id: &str) -> Result<FlowRecord, crate::testing::local::http::Reply> {
    lock(&t.shared.flows)
        .get(id)
        .filter(|f| !f.roles(who).is_empty())
        .cloned()
        .ok_or_else(|| error(404, &format!("Flow {id} was not found, or you have no role on it")))
}

/// `GET /flows/{flow_id}`.
pub(super) fn get_flow(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::view_flows(), scopes::manage_flows()])?;
    let flow = visible(t, &who, call.param("flow_id")?)?;
    Ok(crate::testing::local::http::Reply::ok(&flow.doc(&who, &t.url())))
}

/// `PUT /flows/{flow_id}`: only the fields sent change; runs keep their definitions.
pub(super) fn update_flow(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::manage_flows()])?;
    let id = call.param("flow_id")?;
    let body = body(call)?;
    let mut flow = visible(t, &who, id)?;
    if !flow.may_administer(&who) {
        return Err(error(403, &format!("you may not change flow {id}: you are not its owner or an administrator")));
    }
    if let Some(definition) = body.get("definition") {
        check(definition)?;
        flow.definition = definition.clone();
    }
    check_schema(&body)?;
    if let Some(schema) = body.get("input_schema") {
        flow.input_schema = schema.clone();
    }
    if let Some(v) = text(&body, "title")? {
        flow.title = v;
    }
    if let Some(v) = text(&body, "subtitle")? {
        flow.subtitle = v;
    }
    if let Some(v) = text(&body, "description")? {
        flow.description = v;
    }
    if let Some(v) = strings(&body, "keywords")? {
        flow.keywords = v;
    }
    if let Some(owner) = text(&body, "flow_owner")? {
        if !flow.roles(&who).contains(&"flow_owner") {
            return Err(error(403, "only the flow's owner may give it away"));
        }
        if owner.strip_prefix("urn:globus:auth:identity:").is_none_or(|id| uuid::Uuid::parse_str(id).is_err()) {
            return Err(invalid_one(&["flow_owner"], "must be an identity URN"));
        }
        flow.owner = owner;
    }
    for (field, list) in [
        ("flow_viewers", &mut flow.flow_viewers),
        ("flow_starters", &mut flow.flow_starters),
        ("flow_administrators", &mut flow.flow_administrators),
        ("run_managers", &mut flow.run_managers),
        ("run_monitors", &mut flow.run_monitors),
    ] {
        if let Some(v) = principals(&body, field)? {
            *list = v;
        }
    }
    if let Some(v) = body.get("subscription_id") {
        flow.subscription_id = v.clone();
    }
    flow.updated_at = Utc::now();
    let doc = flow.doc(&who, &t.url());
    let mut flows = lock(&t.shared.flows);
    if !flows.contains_key(id) {
        return Err(error(404, &format!("Flow {id} was deleted")));
    }
    flows.insert(id.to_string(), flow);
    Ok(crate::testing::local::http::Reply::ok(&doc))
}

/// `DELETE /flows/{flow_id}`: the flow's document, with `deleted_at`.
pub(super) fn delete_flow(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::manage_flows()])?;
    let id = call.param("flow_id")?;
    let flow = visible(t, &who, id)?;
    if !flow.may_administer(&who) {
        return Err(error(403, &format!("you may not delete flow {id}: you are not its owner or an administrator")));
    }
    lock(&t.shared.flows).remove(id);
    let mut doc = flow.doc(&who, &t.url());
    if let Some(map) = doc.as_object_mut() {
        map.insert("deleted_at".into(), store::show_time(Utc::now()).into());
    }
    Ok(crate::testing::local::http::Reply::ok(&doc))
}

/// `GET /flows`: the flows the caller has a role on, filtered, ordered, a page at a time.
pub(super) fn list_flows(t: &Flows, call: &Call<'_>) -> Handled {
    let who = t.flows_caller(call, &[scopes::view_flows(), scopes::manage_flows()])?;
    let page = Page::of(&call.req.query).map_err(|e| error(400, &e))?;
    let size = page.size("per_page", 10, 50).map_err(|e| invalid_one(&["per_page"], &e))?;
    let roles: Option<Vec<String>> = page.get("filter_roles").map(|r| r.split(',').map(|s| s.trim().to_string()).collect());
    let min_role = match page.get("filter_role") {
        Some(r) => Some(
            ROLE_ORDER
                .iter()
                .position(|x| *x == r)
                .ok_or_else(|| invalid_one(&["filter_role"], &format!("unknown role {r:?}")))?,
        ),
        None => None,
    };
    if roles.is_some() && min_role.is_some() {
        return Err(invalid_one(&["filter_role"], "filter_role and filter_roles may not be combined"));
    }
    let fulltext = page.get("filter_fulltext").map(str::to_lowercase);
    const FIELDS: &[&str] = &["id", "scope_string", "flow_owner", "flow_administrators", "title", "created_at", "updated_at"];
    let order = orderby(page.get("orderby").unwrap_or("updated_at DESC"), FIELDS, "flows")?;
    let mut flows: Vec<FlowRecord> = lock(&t.shared.flows)
        .values()
        .filter(|f| {
            let mine = f.roles(&who);
            !mine.is_empty()
                && roles.as_ref().is_none_or(|want| mine.iter().any(|r| want.iter().any(|w| w == r)))
                && min_role.is_none_or(|min| mine.iter().any(|r| ROLE_ORDER.iter().position(|x| x == r).is_some_and(|p| p >= min)))
                && fulltext.as_ref().is_none_or(|q| {
                    [&f.title, &f.subtitle, &f.description, &f.owner, &f.id]
                        .iter()
                        .any(|s| s.to_lowercase().contains(q.as_str()))
                        || f.flow_administrators.iter().chain(&f.keywords).any(|s| s.to_lowercase().contains(q.as_str()))
                })
        })
        .cloned()
        .collect();
    flows.sort_by(|a, b| {
        for (field, desc) in &order {
            let key = |f: &FlowRecord| -> String {
                match field.as_str() {
                    "id" => f.id.clone(),
                    "scope_string" => store::flow_scope(&f.id),
                    "flow_owner" => f.owner.clone(),
                    "flow_administrators" => f.flow_administrators.join(","),
                    "title" => f.title.to_lowercase(),
                    "created_at" => store::show_time(f.created_at),
                    _ => store::show_time(f.updated_at),
                }
            };
            let o = key(a).cmp(&key(b));
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        a.seq.cmp(&b.seq)
    });
    let (items, marker) = pages::slice(&page, &flows, size);
    let url = t.url();
    let docs: Vec<Value> = items.iter().map(|f| f.doc(&who, &url)).collect();
    Ok(crate::testing::local::http::Reply::ok(&json!({
        "flows": docs,
        "limit": size,
        "has_next_page": marker.is_some(),
        "marker": marker,
    })))
}

/// Parse an `orderby` parameter (`field [ASC|DESC]`, comma-separated) over the `fields` of
/// `what` (flows, runs): each field and whether it is descending.
pub(super) fn orderby(
    s: &str,
    fields: &[&str],
    what: &str,
) -> Result<Vec<(String, bool)>, crate::testing::local::http::Reply> {
    s.split(',')
        .filter(|c| !c.trim().is_empty())
        .take(fields.len())
        .map(|c| {
            let mut words = c.split_whitespace();
            let field = words.next().unwrap_or_default();
            let desc = match words.next().map(str::to_ascii_uppercase).as_deref() {
                None | Some("ASC") => false,
                Some("DESC") => true,
                Some(other) => return Err(invalid_one(&["orderby"], &format!("unknown direction {other:?}"))),
            };
            if !fields.contains(&field) {
                return Err(invalid_one(&["orderby"], &format!("cannot order {what} by {field:?}")));
            }
            Ok((field.to_string(), desc))
        })
        .collect()
}

/// `GET /registered_apis`: none are emulated.
pub(super) fn list_registered_apis(t: &Flows, call: &Call<'_>) -> Handled {
    t.flows_caller(call, &[scopes::view_flows()])?;
    Ok(crate::testing::local::http::Reply::ok(&json!({"registered_apis": [], "has_next_page": false, "marker": null})))
}

/// `GET /registered_apis/{id}`: none are emulated.
pub(super) fn get_registered_api(t: &Flows, call: &Call<'_>) -> Handled {
    t.flows_caller(call, &[scopes::view_flows()])?;
    let id = call.param("registered_api_id")?;
    Err(error(404, &format!("Registered API {id} was not found (the local Flows has none)")))
}

/// `GET /web_inputs`: none are emulated.
pub(super) fn list_web_inputs(t: &Flows, call: &Call<'_>) -> Handled {
    t.flows_caller(call, &[scopes::run_status()])?;
    Ok(crate::testing::local::http::Reply::ok(&json!({"web_input_summaries": [], "marker": null})))
}

/// `GET /web_inputs/{id}` and its `respond`: none are emulated.
pub(super) fn get_web_input(t: &Flows, call: &Call<'_>) -> Handled {
    t.flows_caller(call, &[scopes::run_status(), scopes::run_manage()])?;
    let id = call.param("web_input_id")?;
    Err(error(404, &format!("Web input {id} was not found (the local Flows has none)")))
}

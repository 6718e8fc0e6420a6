//! The action providers the local Flows knows, backed by the local services over HTTP, as
//! the run's user (an access token from the run's dependent grant):
//!
//! - Transfer `transfer` (`https://actions.globus.org/transfer/transfer`, also
//!   `https://transfer.actions.globus.org/transfer`): input `source_endpoint_id` (or
//!   `source_endpoint`), `destination_endpoint_id` (or `destination_endpoint`),
//!   `transfer_items` (or `DATA`: `source_path`, `destination_path`, `recursive`), optional
//!   `label`, `sync_level`, `verify_checksum`; submits a task and waits for it; the result's
//!   `details` is the task document;
//! - Transfer `delete` (`.../transfer/delete`): `endpoint_id` (or `endpoint`), `items` (paths)
//!   or `DATA` (`path`), `recursive`; a task, waited for likewise;
//! - Transfer `ls` (`.../transfer/ls`): `endpoint_id` (or `endpoint`), `path`
//!   (default `/~/`), `show_hidden`; the listing is the result's `details`;
//! - Search `ingest` (`https://actions.globus.org/search/ingest`): `search_index` (or
//!   `index`), `subject`, `visible_to`, `content`, optional `id`; the result's `details` is
//!   Search's answer (with its `task_id`).

use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::Secret;

/// Transfer's resource server and scope (what the Transfer actions act with).
pub(super) const TRANSFER_RS: &str = "transfer.api.globus.org";
pub(super) const TRANSFER_SCOPE: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
/// Search's (what the ingest action acts with).
pub(super) const SEARCH_RS: &str = "search.api.globus.org";
pub(super) const SEARCH_SCOPE: &str = "urn:globus:auth:scope:search.api.globus.org:all";

/// A known action provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Provider {
    Transfer,
    Delete,
    Ls,
    Ingest,
}

impl Provider {
    /// The provider of an `ActionUrl`, or None for one the local Flows does not know.
    pub fn of(url: &str) -> Option<Provider> {
        let parsed = url::Url::parse(url).ok()?;
        if parsed.scheme() != "https" {
            return None;
        }
        let host = parsed.host_str()?.to_ascii_lowercase();
        let path = parsed.path().trim_end_matches('/');
        let path = path.strip_suffix("/run").unwrap_or(path);
        match (host.as_str(), path) {
            ("actions.globus.org" | "actions.automate.globus.org", "/transfer/transfer")
            | ("transfer.actions.globus.org", "/transfer") => Some(Provider::Transfer),
            ("actions.globus.org" | "actions.automate.globus.org", "/transfer/delete")
            | ("transfer.actions.globus.org", "/delete") => Some(Provider::Delete),
            ("actions.globus.org" | "actions.automate.globus.org", "/transfer/ls")
            | ("transfer.actions.globus.org", "/ls") => Some(Provider::Ls),
            ("actions.globus.org" | "actions.automate.globus.org", "/search/ingest")
            | ("search.actions.globus.org", "/ingest") => Some(Provider::Ingest),
            _ => None,
        }
    }

    /// The scope a user grants for it (what `validate_flow` lists).
    pub fn scope(self) -> &'static str {
        match self {
            Provider::Ingest => SEARCH_SCOPE,
            _ => TRANSFER_SCOPE,
        }
    }

    /// The service it calls.
    pub fn service(self) -> &'static str {
        match self {
            Provider::Ingest => "search",
            _ => "transfer",
        }
    }
}

/// How starting (or polling) an action went.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Done: the action's details.
    Succeeded(Value),
    /// A Transfer task was started: poll it.
    Task(String),
    /// The provider refused the input or the action failed: why, and what it answered.
    Failed(String, Value),
    /// The provider refused the run's credentials (401, 403) or the grant is gone: the run
    /// needs the user again.
    Unauthorized(String),
}

/// Reads a field among several names.
fn field<'a>(p: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| p.get(*n))
}

fn string(p: &Map<String, Value>, names: &[&str]) -> Result<String, String> {
    field(p, names)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("the action's input needs {} (a string)", names.join(" or ")))
}

/// Start an action with its input, calling `base` (the service's URL) with `token`.
pub(super) async fn start(http: &reqwest::Client, provider: Provider, base: &str, token: &Secret, input: &Value) -> Outcome {
    let Some(p) = input.as_object() else {
        return Outcome::Failed("the action's input must be an object".into(), Value::Null);
    };
    let bearer = format!("Bearer {}", token.expose());
    let result = match provider {
        Provider::Ls => ls(http, base, &bearer, p).await,
        Provider::Transfer => transfer(http, base, &bearer, p).await,
        Provider::Delete => delete(http, base, &bearer, p).await,
        Provider::Ingest => ingest(http, base, &bearer, p).await,
    };
    result.unwrap_or_else(|why| Outcome::Failed(why, Value::Null))
}

/// An HTTP answer's status and JSON body.
async fn answer(sent: Result<reqwest::Response, reqwest::Error>) -> Result<(u16, Value), String> {
    // The error names the URL, never the token.
    let resp = sent.map_err(|e| format!("the provider could not be reached: {e}"))?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

/// The outcome of an answer whose success is the action's result.
fn judge(status: u16, doc: Value) -> Outcome {
    match status {
        200..=299 => Outcome::Succeeded(doc),
        401 | 403 => Outcome::Unauthorized(message(&doc, "the provider refused the run's credentials")),
        _ => Outcome::Failed(message(&doc, &format!("the provider answered {status}")), doc),
    }
}

fn message(doc: &Value, default: &str) -> String {
    ["message", "detail"].iter().find_map(|k| doc.get(*k).and_then(Value::as_str)).unwrap_or(default).to_string()
}

async fn ls(http: &reqwest::Client, base: &str, bearer: &str, p: &Map<String, Value>) -> Result<Outcome, String> {
    let endpoint = string(p, &["endpoint_id", "endpoint"])?;
    let path = field(p, &["path"]).and_then(Value::as_str).unwrap_or("/~/").to_string();
    let mut query = vec![("path", path)];
    if let Some(hidden) = p.get("show_hidden").and_then(Value::as_bool) {
        query.push(("show_hidden", hidden.to_string()));
    }
    let url = format!("{base}/v0.10/operation/endpoint/{}/ls", urlencoding(&endpoint));
    let (status, doc) = answer(http.get(url).query(&query).header("authorization", bearer).send().await).await?;
    Ok(judge(status, doc))
}

/// Get a submission id, then submit `doc` to `path`; the task id or the outcome.
async fn submit(http: &reqwest::Client, base: &str, bearer: &str, path: &str, mut doc: Map<String, Value>) -> Result<Outcome, String> {
    let (status, id_doc) =
        answer(http.get(format!("{base}/v0.10/submission_id")).header("authorization", bearer).send().await).await?;
    let Some(submission_id) = id_doc.get("value").and_then(Value::as_str) else {
        return Ok(judge(if status < 300 { 502 } else { status }, id_doc));
    };
    doc.insert("submission_id".into(), submission_id.into());
    let (status, answered) =
        answer(http.post(format!("{base}{path}")).header("authorization", bearer).json(&doc).send().await).await?;
    match judge(status, answered) {
        Outcome::Succeeded(a) => match a.get("task_id").and_then(Value::as_str) {
            Some(id) => Ok(Outcome::Task(id.to_string())),
            None => Ok(Outcome::Failed("Transfer's answer has no task_id".into(), a)),
        },
        other => Ok(other),
    }
}

async fn transfer(http: &reqwest::Client, base: &str, bearer: &str, p: &Map<String, Value>) -> Result<Outcome, String> {
    let source = string(p, &["source_endpoint_id", "source_endpoint"])?;
    let destination = string(p, &["destination_endpoint_id", "destination_endpoint"])?;
    let items = field(p, &["transfer_items", "DATA"])
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or("the action's input needs transfer_items (or DATA): a non-empty list")?;
    let data = items
        .iter()
        .map(|item| {
            let i = item.as_object().ok_or("each transfer item must be an object")?;
            Ok(json!({
                "DATA_TYPE": "transfer_item",
                "source_path": string(i, &["source_path"])?,
                "destination_path": string(i, &["destination_path"])?,
                "recursive": i.get("recursive").and_then(Value::as_bool).unwrap_or(false),
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut doc = Map::new();
    doc.insert("DATA_TYPE".into(), "transfer".into());
    doc.insert("source_endpoint".into(), source.into());
    doc.insert("destination_endpoint".into(), destination.into());
    doc.insert("DATA".into(), data.into());
    for k in ["label", "sync_level", "verify_checksum", "preserve_timestamp", "encrypt_data", "deadline"] {
        if let Some(v) = p.get(k) {
            doc.insert(k.into(), v.clone());
        }
    }
    submit(http, base, bearer, "/v0.10/transfer", doc).await
}

async fn delete(http: &reqwest::Client, base: &str, bearer: &str, p: &Map<String, Value>) -> Result<Outcome, String> {
    let endpoint = string(p, &["endpoint_id", "endpoint"])?;
    let paths: Vec<String> = match (p.get("items"), p.get("DATA")) {
        (Some(Value::Array(items)), _) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        (_, Some(Value::Array(data))) => {
            data.iter().filter_map(|d| d.get("path").and_then(Value::as_str)).map(str::to_string).collect()
        }
        _ => Vec::new(),
    };
    if paths.is_empty() {
        return Err("the action's input needs items (paths) or DATA (objects with a path)".into());
    }
    let mut doc = Map::new();
    doc.insert("DATA_TYPE".into(), "delete".into());
    doc.insert("endpoint".into(), endpoint.into());
    doc.insert(
        "DATA".into(),
        paths.iter().map(|path| json!({"DATA_TYPE": "delete_item", "path": path})).collect::<Vec<_>>().into(),
    );
    doc.insert("recursive".into(), p.get("recursive").and_then(Value::as_bool).unwrap_or(false).into());
    if let Some(v) = p.get("label") {
        doc.insert("label".into(), v.clone());
    }
    submit(http, base, bearer, "/v0.10/delete", doc).await
}

async fn ingest(http: &reqwest::Client, base: &str, bearer: &str, p: &Map<String, Value>) -> Result<Outcome, String> {
    let index = string(p, &["search_index", "index"])?;
    let subject = string(p, &["subject"])?;
    let visible_to = p.get("visible_to").cloned().ok_or("the action's input needs visible_to")?;
    let content = p.get("content").cloned().ok_or("the action's input needs content")?;
    let mut entry = json!({"subject": subject, "visible_to": visible_to, "content": content});
    if let (Some(id), Some(map)) = (p.get("id"), entry.as_object_mut()) {
        map.insert("id".into(), id.clone());
    }
    let doc = json!({"ingest_type": "GMetaEntry", "ingest_data": entry});
    let url = format!("{base}/v1/index/{}/ingest", urlencoding(&index));
    let (status, doc) = answer(http.post(url).header("authorization", bearer).json(&doc).send().await).await?;
    Ok(judge(status, doc))
}

/// Poll a Transfer task: Some(outcome) once it is over.
pub(super) async fn poll(http: &reqwest::Client, base: &str, token: &Secret, task_id: &str) -> Option<Outcome> {
    let bearer = format!("Bearer {}", token.expose());
    let url = format!("{base}/v0.10/task/{}", urlencoding(task_id));
    let (status, doc) = match answer(http.get(url).header("authorization", &bearer).send().await).await {
        Ok(a) => a,
        Err(why) => return Some(Outcome::Failed(why, Value::Null)),
    };
    match judge(status, doc) {
        Outcome::Succeeded(doc) => match doc.get("status").and_then(Value::as_str) {
            Some("SUCCEEDED") => Some(Outcome::Succeeded(doc)),
            Some("FAILED") => {
                let why = doc.get("nice_status").and_then(Value::as_str).unwrap_or("the task failed").to_string();
                Some(Outcome::Failed(format!("Transfer task {task_id} failed: {why}"), doc))
            }
            _ => None,
        },
        other => Some(other),
    }
}

/// Cancel a Transfer task (its answer does not matter: the run is over).
pub(super) async fn cancel(http: &reqwest::Client, base: &str, token: &Secret, task_id: &str) {
    let bearer = format!("Bearer {}", token.expose());
    let url = format!("{base}/v0.10/task/{}/cancel", urlencoding(task_id));
    let _ = http.post(url).header("authorization", &bearer).send().await;
}

/// The action document a state's result holds.
pub(super) fn action_doc(
    action_id: &str,
    state_name: &str,
    status: &str,
    details: Value,
    creator: &str,
    start: chrono::DateTime<Utc>,
) -> Value {
    let done = status != "ACTIVE";
    json!({
        "action_id": action_id,
        "status": status,
        "display_status": status,
        "details": details,
        "creator_id": creator,
        "label": null,
        "manage_by": [],
        "monitor_by": [],
        "release_after": null,
        "start_time": super::store::show_time(start),
        "completion_time": if done { Value::from(super::store::show_time(Utc::now())) } else { Value::Null },
        "state_name": state_name,
    })
}

/// Percent-encode a path segment.
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_known_by_url() {
        assert_eq!(Provider::of("https://actions.globus.org/transfer/transfer"), Some(Provider::Transfer));
        assert_eq!(Provider::of("https://transfer.actions.globus.org/transfer"), Some(Provider::Transfer));
        assert_eq!(Provider::of("https://actions.automate.globus.org/transfer/transfer/run"), Some(Provider::Transfer));
        assert_eq!(Provider::of("https://actions.globus.org/transfer/ls/"), Some(Provider::Ls));
        assert_eq!(Provider::of("https://actions.globus.org/transfer/delete"), Some(Provider::Delete));
        assert_eq!(Provider::of("https://actions.globus.org/search/ingest"), Some(Provider::Ingest));
        assert_eq!(Provider::of("http://actions.globus.org/transfer/ls"), None);
        assert_eq!(Provider::of("https://evil.example.org/transfer/ls"), None);
        assert_eq!(Provider::of("not a url"), None);
    }
}

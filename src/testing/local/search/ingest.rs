//! Writing data: `ingest` (a GIngest document, `GMetaEntry` with one entry or `GMetaList`
//! with `{"gmeta": [...]}`) and the older `create_entry` / `update_entry` (one GMetaEntry),
//! all tasks on the index. Documents are checked at once (a 400 names what is wrong); the
//! task then writes the batch whole or fails whole (an index limit).
//!
//! Limits, as Globus Search's: a subject of at most 500 bytes, at most 100 `visible_to`
//! principals, content nested at most 20 levels, no text value over 32 KB, no entry over
//! 10 MB once written, ten entries per subject, a thousand distinct fields per index (the
//! last two fail the task). A GMetaList holds at most 10 000 entries here.

use serde_json::Value;

use super::access::{Need, RoleName, valid_visible_to};
use super::store::NewEntry;
use super::tasks::{Work, submit};
use super::{Access, Search, errors, fields, json_body, open_index};
use crate::testing::local::core::lock;
use crate::testing::local::http::Request;
use crate::testing::local::plugin::{Call, Handled};

const MAX_SUBJECT_BYTES: usize = 500;
const MAX_VISIBLE_TO: usize = 100;
const MAX_DEPTH: usize = 20;
const MAX_FIELD_BYTES: usize = 32 * 1024;
const MAX_ENTRY_BYTES: usize = 10 * 1024 * 1024;
const MAX_BATCH: usize = 10_000;

/// Read one GMetaEntry.
fn entry(v: &Value, at: &str) -> Result<NewEntry, String> {
    let Value::Object(doc) = v else {
        return Err(format!("{at} must be a GMetaEntry document (an object)"));
    };
    let subject = match doc.get("subject") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SUBJECT_BYTES => s.clone(),
        Some(Value::String(s)) if !s.is_empty() => {
            return Err(format!("{at}.subject is {} bytes long, over the limit of {MAX_SUBJECT_BYTES}", s.len()));
        }
        _ => return Err(format!("{at}.subject must be a non-empty string")),
    };
    let entry_id = match doc.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= MAX_SUBJECT_BYTES => Some(s.clone()),
        Some(_) => return Err(format!("{at}.id must be a string of at most {MAX_SUBJECT_BYTES} bytes, or null")),
    };
    let visible_to = match doc.get("visible_to") {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= MAX_VISIBLE_TO => {
            let mut out = Vec::new();
            for p in list {
                match p.as_str() {
                    Some(p) if valid_visible_to(p) => out.push(p.to_string()),
                    _ => {
                        return Err(format!(
                            "{at}.visible_to holds {p}, which is not public, all_authenticated_users, \
                             urn:globus:auth:identity:<uuid> or urn:globus:groups:id:<uuid>"
                        ));
                    }
                }
            }
            out
        }
        _ => return Err(format!("{at}.visible_to must be a list of 1 to {MAX_VISIBLE_TO} principals")),
    };
    let content = match doc.get("content") {
        Some(c @ Value::Object(_)) => c.clone(),
        _ => return Err(format!("{at}.content must be an object")),
    };
    if fields::depth(&content) > MAX_DEPTH {
        return Err(format!("{at}.content nests deeper than {MAX_DEPTH} levels"));
    }
    if let Some((path, _)) =
        fields::flatten(&content).into_iter().find(|(_, v)| v.as_str().is_some_and(|s| s.len() > MAX_FIELD_BYTES))
    {
        return Err(format!("{at}.content field {path:?} is longer than {MAX_FIELD_BYTES} bytes"));
    }
    if serde_json::to_vec(&content).map_or(0, |b| b.len()) > MAX_ENTRY_BYTES {
        return Err(format!("{at} is larger than {MAX_ENTRY_BYTES} bytes"));
    }
    let principal_sets = match doc.get("principal_sets") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(_)) => Some(p.clone()),
        Some(_) => return Err(format!("{at}.principal_sets must be an object")),
    };
    Ok(NewEntry { subject, entry_id, content, visible_to, principal_sets })
}

/// Read a GIngest document.
fn ingest_document(v: &Value) -> Result<Vec<NewEntry>, String> {
    let Value::Object(doc) = v else {
        return Err("the ingest document must be a JSON object".into());
    };
    let data = doc.get("ingest_data").ok_or("'ingest_data' is required")?;
    match doc.get("ingest_type").and_then(Value::as_str) {
        Some("GMetaEntry") => Ok(vec![entry(data, "ingest_data")?]),
        Some("GMetaList") => {
            let Some(Value::Array(list)) = data.get("gmeta") else {
                return Err("ingest_data.gmeta must be a list of GMetaEntry documents".into());
            };
            if list.is_empty() || list.len() > MAX_BATCH {
                return Err(format!("ingest_data.gmeta must hold from 1 to {MAX_BATCH} entries"));
            }
            list.iter().enumerate().map(|(i, e)| entry(e, &format!("ingest_data.gmeta[{i}]"))).collect()
        }
        _ => Err("'ingest_type' must be \"GMetaEntry\" or \"GMetaList\"".into()),
    }
}

/// Submit a write task for the index of the call, after the checks every write shares.
fn write(s: &Search, call: &Call<'_, Access>, read: fn(&Value) -> Result<Vec<NewEntry>, String>) -> Handled {
    let req: &Request = call.req;
    call.caller.need(Need::Write, req)?;
    let id = call.param("index_id")?;
    let body = json_body(req)?;
    let batch = read(&body).map_err(|e| errors::bad_request(e, req))?;
    let mut guard = lock(&s.state);
    let state = &mut *guard;
    let index = open_index(state, id, req)?;
    index.require(&call.caller.principals(), RoleName::Writer, "ingest", req)?;
    submit(s, state, id, "ingest", Work::Write(batch), req)
}

/// `POST /v1/index/{index_id}/ingest`.
pub(super) fn ingest(s: &Search, call: &Call<'_, Access>) -> Handled {
    write(s, call, ingest_document)
}

/// `POST /v1/index/{index_id}/entry` (create or replace one entry).
pub(super) fn create_entry(s: &Search, call: &Call<'_, Access>) -> Handled {
    write(s, call, |v| Ok(vec![entry(v, "the entry")?]))
}

/// `PUT /v1/index/{index_id}/entry` (replace one entry).
pub(super) fn update_entry(s: &Search, call: &Call<'_, Access>) -> Handled {
    write(s, call, |v| Ok(vec![entry(v, "the entry")?]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ingest_documents_are_checked() {
        let ok = json!({"ingest_type": "GMetaList", "ingest_data": {"gmeta": [
            {"subject": "a", "visible_to": ["public"], "content": {"x": 1}},
            {"subject": "a", "id": "two", "visible_to": ["all_authenticated_users"], "content": {"x": 2}},
        ]}});
        let batch = ingest_document(&ok).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch[1].entry_id.as_deref(), Some("two"));
        let mut deep = json!(1);
        for _ in 0..25 {
            deep = json!({"d": deep});
        }
        for (doc, want) in [
            (json!({"ingest_type": "Other", "ingest_data": {}}), "ingest_type"),
            (json!({"ingest_type": "GMetaEntry"}), "ingest_data"),
            (json!({"ingest_type": "GMetaList", "ingest_data": {"gmeta": []}}), "from 1 to"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"visible_to": ["public"], "content": {}}}), "subject"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s", "visible_to": [], "content": {}}}), "visible_to"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s", "visible_to": ["me"], "content": {}}}), "not public"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s", "visible_to": ["public"], "content": [1]}}), "content must be an object"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s", "visible_to": ["public"], "content": deep}}), "nests deeper"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s".repeat(501), "visible_to": ["public"], "content": {}}}), "over the limit of 500"),
            (json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "s", "visible_to": ["public"], "content": {"big": "x".repeat(40000)}}}), "longer than"),
        ] {
            let err = ingest_document(&doc).expect_err(&doc.to_string());
            assert!(err.contains(want), "{err}");
        }
    }
}

//! The settable fields of the endpoint, collection and storage gateway documents: their
//! types, checked on every write. Fields not in a table are ignored; the ones a handler
//! treats itself (ids, paths, owners) are not in them.

use serde_json::{Map, Value};

use super::{Gcs, MAX_TEXT};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::Service;

/// The most entries of a list field (keywords, allowed domains...).
const MAX_LIST: usize = 100;

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Str,
    Bool,
    /// A non-negative integer.
    Int,
    /// A list of strings.
    Strs,
}

use Kind::{Bool, Int, Str, Strs};

/// The endpoint document's settable fields (`subscription_id` is handled on its own).
pub(super) const ENDPOINT: &[(&str, Kind)] = &[
    ("display_name", Str),
    ("contact_email", Str),
    ("contact_info", Str),
    ("department", Str),
    ("description", Str),
    ("info_link", Str),
    ("organization", Str),
    ("network_use", Str),
    ("allow_udt", Bool),
    ("public", Bool),
    ("max_concurrency", Int),
    ("max_parallelism", Int),
    ("preferred_concurrency", Int),
    ("preferred_parallelism", Int),
    ("gridftp_control_channel_port", Int),
    ("keywords", Strs),
];

/// A collection document's descriptive fields (`display_name` and the fixed ones are handled
/// on their own), with the `collection#` version that has each.
pub(super) const COLLECTION: &[(&str, Kind, &str)] = &[
    ("contact_email", Str, "1.0.0"),
    ("contact_info", Str, "1.0.0"),
    ("default_directory", Str, "1.0.0"),
    ("department", Str, "1.0.0"),
    ("description", Str, "1.0.0"),
    ("info_link", Str, "1.0.0"),
    ("organization", Str, "1.0.0"),
    ("keywords", Strs, "1.0.0"),
    ("public", Bool, "1.0.0"),
    ("allow_guest_collections", Bool, "1.0.0"),
    ("disable_verify", Bool, "1.0.0"),
    ("force_encryption", Bool, "1.0.0"),
    ("enable_https", Bool, "1.1.0"),
    ("user_message", Str, "1.1.0"),
    ("user_message_link", Str, "1.1.0"),
    ("sharing_users_allow", Strs, "1.2.0"),
    ("sharing_users_deny", Strs, "1.2.0"),
    ("force_verify", Bool, "1.4.0"),
    ("disable_anonymous_writes", Bool, "1.5.0"),
    ("delete_protected", Bool, "1.8.0"),
    ("acl_expiration_mins", Int, "1.10.0"),
];

/// The `collection#` version a document with these fields needs (at least `1.0.0`).
pub(super) fn collection_version(fields: &Map<String, Value>) -> String {
    let parse = |v: &str| -> (u32, u32, u32) {
        let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    let mut best = (1, 0, 0);
    for (name, _, version) in COLLECTION {
        if fields.contains_key(*name) {
            best = best.max(parse(version));
        }
    }
    if fields.get("user_message").and_then(Value::as_str).is_some_and(|m| m.chars().count() > 64) {
        best = best.max((1, 7, 0));
    }
    format!("collection#{}.{}.{}", best.0, best.1, best.2)
}

/// The storage gateway document's plain settable fields (`root`, `restrict_paths`,
/// `policies`, `identity_mappings` and `connector_id` are handled on their own).
pub(super) const GATEWAY: &[(&str, Kind)] = &[
    ("display_name", Str),
    ("high_assurance", Bool),
    ("require_high_assurance", Bool),
    ("authentication_timeout_mins", Int),
    ("allowed_domains", Strs),
    ("users_allow", Strs),
    ("users_deny", Strs),
    ("max_concurrency", Int),
    ("max_parallelism", Int),
    ("preferred_concurrency", Int),
    ("preferred_parallelism", Int),
];

/// One field's value checked against its kind: `None` for `null` (the field is cleared).
pub(super) fn check(name: &str, value: &Value, kind: Kind, req: &Request) -> Result<Option<Value>, Reply> {
    let bad = |what: &str| Gcs::error(400, &format!("{name} must be {what}"), req);
    let ok = match (kind, value) {
        (_, Value::Null) => return Ok(None),
        (Str, Value::String(s)) => s.len() <= MAX_TEXT && !s.contains('\0'),
        (Bool, Value::Bool(_)) => true,
        (Int, Value::Number(n)) => n.as_u64().is_some_and(|n| n <= i64::MAX as u64),
        (Strs, Value::Array(items)) => {
            items.len() <= MAX_LIST
                && items.iter().all(|i| i.as_str().is_some_and(|s| s.len() <= MAX_TEXT && !s.contains('\0')))
        }
        _ => false,
    };
    if !ok {
        return Err(match kind {
            Str => bad(&format!("a string of at most {MAX_TEXT} bytes")),
            Bool => bad("a boolean"),
            Int => bad("a non-negative integer"),
            Strs => bad(&format!("a list of at most {MAX_LIST} strings of at most {MAX_TEXT} bytes")),
        });
    }
    Ok(Some(value.clone()))
}

/// Apply the fields of `table` found in `doc` to `into` (a `null` clears one); the others are
/// ignored.
pub(super) fn apply<'t>(
    table: impl IntoIterator<Item = (&'t str, Kind)>,
    doc: &Map<String, Value>,
    into: &mut Map<String, Value>,
    req: &Request,
) -> Result<(), Reply> {
    for (name, kind) in table {
        if let Some(v) = doc.get(name) {
            match check(name, v, kind, req)? {
                Some(v) => into.insert(name.to_string(), v),
                None => into.remove(name),
            };
        }
    }
    Ok(())
}

//! `x-globus-paging` and `x-globus-envelope`: read from an operation, checked against the
//! spec (every named field and parameter must exist), with each style's defaults filled in.

use serde_json::Value;

/// The paging styles of the Globus services (those of the Python SDK's paginators).
pub const STYLES: &[(&str, &str)] = &[
    ("limit_offset", "offset and limit, with a `total` count (Transfer task_list)"),
    ("has_next_offset", "offset and limit, with a `has_next_page` flag (Transfer endpoint_search, Search)"),
    ("marker_has_next", "a `marker` with a `has_next_page` flag (GCS, Flows, Search scroll)"),
    ("nullable_marker", "a marker that is null on the last page (Transfer successful transfers)"),
    ("next_token", "a `next_token` (Transfer guest collections)"),
    ("last_key", "a `last_key` with a `has_next_page` flag (Transfer endpoint manager tasks)"),
    ("jsonapi_links", "JSON:API `links.next` URLs (Transfer v2)"),
];

const KEYS: &[&str] = &[
    "style",
    "items",
    "size",
    "cursor",
    "in",
    "next",
    "total",
    "has_next",
    "count",
    "default_size",
    "max_size",
    "max_total",
];

/// One operation's paging, with the style's defaults filled in.
#[derive(Clone, Debug)]
pub struct Paging {
    pub style: String,
    /// The response field holding the items.
    pub items: String,
    /// The request parameter (or body field) with the page size.
    pub size: Option<String>,
    /// The request parameter (or body field) with the cursor.
    pub cursor: Option<String>,
    /// `query` or `body`.
    pub location: String,
    /// The response field with the next cursor (a dotted path for nested fields).
    pub next: Option<String>,
    pub total: Option<String>,
    pub has_next: Option<String>,
    pub count: Option<String>,
    pub default_size: Option<u64>,
    pub max_size: Option<u64>,
    pub max_total: Option<u64>,
}

impl Paging {
    /// The response fields the stream reads besides the items (top-level names).
    pub fn page_fields(&self) -> Vec<String> {
        [&self.next, &self.total, &self.has_next, &self.count]
            .into_iter()
            .flatten()
            .map(|f| f.split('.').next().unwrap_or(f).to_string())
            .collect()
    }

    pub fn is_offset(&self) -> bool {
        matches!(self.style.as_str(), "limit_offset" | "has_next_offset")
    }
}

fn text(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a non-empty string, found {other}")),
    }
}

fn number(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!("`{key}` must be a positive whole number, found {v}")),
        },
    }
}

/// Read `x-globus-paging` of `op` (None when the operation is not paginated).
pub fn read(op: &Value) -> Result<Option<Paging>, Vec<String>> {
    let Some(ext) = op.get("x-globus-paging") else { return Ok(None) };
    let Some(map) = ext.as_object() else {
        return Err(vec!["`x-globus-paging` must be a mapping (style, items, ...)".into()]);
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !KEYS.contains(&key.as_str()) {
            problems.push(format!("`x-globus-paging` has an unknown key `{key}` (known: {})", KEYS.join(", ")));
        }
    }
    let mut get = |key: &str| {
        text(map, key).unwrap_or_else(|e| {
            problems.push(format!("`x-globus-paging`: {e}"));
            None
        })
    };
    let style = get("style");
    let items = get("items");
    let (size, cursor, location, next, total, has_next, count) =
        (get("size"), get("cursor"), get("in"), get("next"), get("total"), get("has_next"), get("count"));
    let mut num = |key: &str| {
        number(map, key).unwrap_or_else(|e| {
            problems.push(format!("`x-globus-paging`: {e}"));
            None
        })
    };
    let (default_size, max_size, max_total) = (num("default_size"), num("max_size"), num("max_total"));
    let Some(style) = style else {
        problems.push(format!(
            "`x-globus-paging` needs a `style`: one of {}",
            STYLES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
        ));
        return Err(problems);
    };
    if !STYLES.iter().any(|(s, _)| *s == style) {
        problems.push(format!(
            "`x-globus-paging` style `{style}` is unknown; use one of: {}",
            STYLES.iter().map(|(s, d)| format!("{s} ({d})")).collect::<Vec<_>>().join("; ")
        ));
        return Err(problems);
    }
    let Some(items) = items else {
        problems.push("`x-globus-paging` needs `items`: the response field holding the items".into());
        return Err(problems);
    };
    let location = location.unwrap_or_else(|| "query".into());
    if location != "query" && location != "body" {
        problems.push(format!("`x-globus-paging` `in` must be `query` or `body`, found `{location}`"));
    }
    let offset = matches!(style.as_str(), "limit_offset" | "has_next_offset");
    let default = |given: Option<String>, value: &str| given.or_else(|| Some(value.to_string()));
    let paging = match style.as_str() {
        "limit_offset" => Paging {
            size: default(size, "limit"),
            cursor: default(cursor, "offset"),
            total: default(total, "total"),
            has_next,
            next,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        "has_next_offset" => Paging {
            size: default(size, "limit"),
            cursor: default(cursor, "offset"),
            has_next: default(has_next, "has_next_page"),
            total,
            next,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        "marker_has_next" => Paging {
            size,
            cursor: default(cursor, "marker"),
            next: default(next, "marker"),
            has_next: default(has_next, "has_next_page"),
            total,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        "nullable_marker" => Paging {
            size,
            cursor: default(cursor, "marker"),
            next: default(next, "marker"),
            has_next,
            total,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        "next_token" => Paging {
            size,
            cursor: default(cursor, "next_token"),
            next: default(next, "next_token"),
            has_next,
            total,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        "last_key" => Paging {
            size,
            cursor: default(cursor, "last_key"),
            next: default(next, "last_key"),
            has_next: default(has_next, "has_next_page"),
            total,
            ..base(&style, &items, &location, count, default_size, max_size, max_total)
        },
        _ => {
            if cursor.is_some() {
                problems.push("`x-globus-paging` style jsonapi_links follows URLs: it takes no `cursor`".into());
            }
            Paging {
                size,
                cursor: None,
                next: default(next, "links.next"),
                has_next,
                total,
                ..base(&style, &items, &location, count, default_size, max_size, max_total)
            }
        }
    };
    if !offset && paging.max_total.is_some() {
        problems.push(format!("`x-globus-paging` `max_total` applies to offset styles only, not `{style}`"));
    }
    if paging.size.is_none() && (paging.default_size.is_some() || paging.max_size.is_some()) {
        problems.push("`x-globus-paging` `default_size`/`max_size` need a `size` parameter".into());
    }
    if let (Some(d), Some(m)) = (paging.default_size, paging.max_size)
        && d > m
    {
        problems.push(format!("`x-globus-paging` `default_size` {d} is above `max_size` {m}"));
    }
    if problems.is_empty() { Ok(Some(paging)) } else { Err(problems) }
}

fn base(
    style: &str,
    items: &str,
    location: &str,
    count: Option<String>,
    default_size: Option<u64>,
    max_size: Option<u64>,
    max_total: Option<u64>,
) -> Paging {
    Paging {
        style: style.to_string(),
        items: items.to_string(),
        size: None,
        cursor: None,
        location: location.to_string(),
        next: None,
        total: None,
        has_next: None,
        count,
        default_size,
        max_size,
        max_total,
    }
}

/// `x-globus-envelope: <field>`: the operation answers one object inside an array field
/// (GCS: `{"DATA_TYPE": "result#1.0.0", "data": [<the object>], ...}`).
pub fn envelope(op: &Value) -> Result<Option<String>, String> {
    match op.get("x-globus-envelope") {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(format!("`x-globus-envelope` must name the array field holding the object, found {other}")),
    }
}

/// The object schema of a 2xx JSON response, resolved.
pub fn response_schema<'a>(raw: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op["responses"].as_object()?;
    let (_, response) = responses.iter().find(|(status, _)| status.starts_with('2'))?;
    let response = super::resolve(raw, response);
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() { None } else { Some(super::resolve(raw, schema)) }
}

/// The JSON request body schema, resolved.
pub fn body_schema<'a>(raw: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let body = super::resolve(raw, op.get("requestBody")?);
    let schema = &body["content"]["application/json"]["schema"];
    if schema.is_null() { None } else { Some(super::resolve(raw, schema)) }
}

fn has_property(raw: &Value, schema: &Value, name: &str) -> bool {
    let schema = super::resolve(raw, schema);
    schema["properties"].get(name).is_some()
        || schema["allOf"].as_array().into_iter().flatten().any(|part| has_property(raw, part, name))
}

fn property<'a>(raw: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    let schema = super::resolve(raw, schema);
    if let Some(p) = schema["properties"].get(name) {
        return Some(super::resolve(raw, p));
    }
    schema["allOf"].as_array().into_iter().flatten().find_map(|part| property(raw, part, name))
}

/// Check paging and envelope declarations against the operation's parameters and schemas.
pub fn check(raw: &Value, path_item: &Value, op: &Value, here: &str, problems: &mut Vec<String>) {
    let paging = match read(op) {
        Ok(p) => p,
        Err(errors) => {
            problems.extend(errors.into_iter().map(|e| format!("{here}: {e}")));
            None
        }
    };
    let envelope = envelope(op).unwrap_or_else(|e| {
        problems.push(format!("{here}: {e}"));
        None
    });
    if paging.is_none() && envelope.is_none() {
        return;
    }
    let Some(response) = response_schema(raw, op) else {
        problems.push(format!("{here}: paging and envelopes need a JSON object response"));
        return;
    };
    let items_field = paging.as_ref().map(|p| p.items.clone()).or(envelope.clone()).unwrap_or_default();
    match property(raw, response, &items_field) {
        Some(items) if items["type"] == "array" => {}
        Some(_) => problems.push(format!("{here}: the items field `{items_field}` of the response is not an array")),
        None => problems.push(format!("{here}: the response has no items field `{items_field}`")),
    }
    if paging.is_some() && envelope.is_some() {
        problems.push(format!("{here}: an operation is paginated or answers one enveloped object, not both"));
    }
    let Some(paging) = paging else { return };
    for field in paging.page_fields() {
        if !has_property(raw, response, &field) {
            problems.push(format!(
                "{here}: `x-globus-paging` reads the response field `{field}`, which the response schema lacks"
            ));
        }
    }
    let params: Vec<String> = path_item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(op["parameters"].as_array().into_iter().flatten())
        .map(|p| super::resolve(raw, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    for (what, name) in [("size", &paging.size), ("cursor", &paging.cursor)] {
        let Some(name) = name else { continue };
        let found = if paging.location == "query" {
            params.contains(name)
        } else {
            body_schema(raw, op).is_some_and(|body| has_property(raw, body, name))
        };
        if !found {
            problems.push(format!(
                "{here}: `x-globus-paging` {what} `{name}` is not a {} of the operation",
                if paging.location == "query" { "query parameter" } else { "property of the JSON request body" }
            ));
        }
    }
}

/// A minimal JSON instance of `schema` (required properties only), for the paging test's
/// loopback pages and the probe requests.
pub fn sample(raw: &Value, schema: &Value, depth: usize) -> Value {
    let schema = super::resolve(raw, schema);
    if depth > 12 {
        return Value::Null;
    }
    if let Some(value) = schema.get("default").or_else(|| schema["enum"].as_array().and_then(|e| e.first())) {
        return value.clone();
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(m) = sample(raw, part, depth + 1) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()).and_then(|a| a.first()) {
        return sample(raw, first, depth + 1);
    }
    match schema["type"].as_str() {
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => Value::from("00000000-0000-4000-8000-000000000000"),
            Some("date-time") => Value::from("2026-01-01T00:00:00+00:00"),
            Some("date") => Value::from("2026-01-01"),
            _ => Value::from("sample"),
        },
        Some("integer") => Value::from(1),
        Some("number") => Value::from(1.5),
        Some("boolean") => Value::from(false),
        Some("array") => Value::Array(Vec::new()),
        Some("object") | None if schema.get("properties").is_some() || schema["type"] == "object" => {
            let mut out = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if let Some(p) = schema["properties"].get(name) {
                    out.insert(name.to_string(), sample(raw, p, depth + 1));
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// The sample of the items' element schema.
pub fn sample_item(raw: &Value, response: &Value, items: &str) -> Value {
    property(raw, response, items).map(|a| sample(raw, &a["items"], 0)).unwrap_or(Value::Null)
}

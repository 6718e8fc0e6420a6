//! What the engine reads of a document: its fields by dotted path, the scalar values at a
//! path, the words of its text, and how values compare (numbers, dates, text).
//!
//! A document's fields are the paths of its object keys joined with `.` (`{"a": {"b": 1}}`
//! has the field `a.b`); the members of an array share the array's path, as in
//! Elasticsearch. A field name given by a client may escape a literal dot as `\.`: since keys
//! holding dots and nested keys name the same field, the escape is simply removed.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// A field name as a client writes it (`path.to.field`, `\.` for a literal dot), as the
/// engine compares it.
pub(crate) fn field_path(name: &str) -> String {
    name.replace("\\.", ".")
}

/// Every scalar value (string, number, boolean) in `doc` at `path`, arrays flattened; an
/// empty path is the document itself.
pub(crate) fn values_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    collect(doc, path, &mut out);
    out
}

fn collect<'a>(v: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, path, out)),
        Value::Object(map) if !path.is_empty() => {
            // A key may itself hold dots: try every key that is a prefix of the path.
            for (key, child) in map {
                if let Some(rest) = path.strip_prefix(key.as_str()) {
                    if rest.is_empty() {
                        collect(child, "", out);
                    } else if let Some(rest) = rest.strip_prefix('.') {
                        collect(child, rest, out);
                    }
                }
            }
        }
        Value::Object(_) => {}
        Value::Null => {}
        scalar if path.is_empty() => out.push(scalar),
        _ => {}
    }
}

/// Whether `doc` has anything but `null` at `path` (an object counts).
pub(crate) fn exists(doc: &Value, path: &str) -> bool {
    fn walk(v: &Value, path: &str) -> bool {
        match v {
            Value::Array(items) => items.iter().any(|i| walk(i, path)),
            Value::Null => false,
            _ if path.is_empty() => true,
            Value::Object(map) => map.iter().any(|(key, child)| match path.strip_prefix(key.as_str()) {
                Some("") => walk(child, ""),
                Some(rest) => rest.strip_prefix('.').is_some_and(|rest| walk(child, rest)),
                None => false,
            }),
            _ => false,
        }
    }
    walk(doc, path)
}

/// Every field of `doc` with its scalar values: `(path, value)` pairs.
pub(crate) fn flatten(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    fn walk<'a>(v: &'a Value, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(child, &path, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, prefix, out)),
            Value::Null => {}
            scalar => out.push((prefix.to_string(), scalar)),
        }
    }
    walk(doc, "", &mut out);
    out
}

/// The distinct field paths of `doc` (objects included), for the index's field count.
pub(crate) fn field_names(doc: &Value, into: &mut std::collections::BTreeSet<String>) {
    fn walk(v: &Value, prefix: &str, into: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    into.insert(path.clone());
                    walk(child, &path, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, prefix, into)),
            _ => {}
        }
    }
    walk(doc, "", into)
}

/// The depth of a JSON value's nesting (a scalar is 0, `{"a": 1}` is 1).
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(items) => items.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A scalar as text: strings as they are, numbers and booleans as JSON writes them.
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The words of a text, lower-cased: runs of letters and digits; a `.` or `,` between two
/// digits stays inside its word (`1.5`, `2,000`), as the standard analyzer keeps numbers.
pub(crate) fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let inside_number = (c == '.' || c == ',')
            && i > 0
            && chars.get(i - 1).is_some_and(char::is_ascii_digit)
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || inside_number {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A value as a number, if it is one (a string that reads as a number counts).
pub(crate) fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A value as a date, if it reads as one: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, with a time
/// (`T` or a space, optional seconds and fraction) and an optional zone (UTC when none).
pub(crate) fn date_of(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?.trim();
    parse_date(s)
}

/// See [`date_of`].
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(t.and_utc());
        }
    }
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(0, 0, 0));
    let parts: Vec<&str> = naive.split('-').collect();
    let all_digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let t = match parts.as_slice() {
        [y] if all_digits(y, 4) => day(y.parse().ok()?, 1, 1),
        [y, m] if all_digits(y, 4) && all_digits(m, 2) => day(y.parse().ok()?, m.parse().ok()?, 1),
        [y, m, d] if all_digits(y, 4) && all_digits(m, 2) && all_digits(d, 2) => {
            day(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    };
    t.map(|t| t.and_utc())
}

/// A sortable key of a scalar: numbers before dates before text before booleans.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Key {
    Number(f64),
    Date(DateTime<Utc>),
    Text(String),
    Bool(bool),
}

impl Key {
    /// The key of a scalar value (`None` for null, objects, arrays).
    pub fn of(v: &Value) -> Option<Key> {
        match v {
            Value::Number(n) => n.as_f64().map(Key::Number),
            Value::String(s) => Some(date_of(v).map_or_else(|| Key::Text(s.clone()), Key::Date)),
            Value::Bool(b) => Some(Key::Bool(*b)),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Number(_) => 0,
            Key::Date(_) => 1,
            Key::Text(_) => 2,
            Key::Bool(_) => 3,
        }
    }

    /// A total order over keys.
    pub fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Date(a), Key::Date(b)) => a.cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_by_dotted_path_through_arrays_and_dotted_keys() {
        let doc = json!({"a": {"b": [1, {"c": "x"}, {"c": ["y", null]}]}, "d.e": true, "n": null});
        assert_eq!(values_at(&doc, "a.b"), [&json!(1)]);
        assert_eq!(values_at(&doc, "a.b.c"), [&json!("x"), &json!("y")]);
        assert_eq!(values_at(&doc, &field_path("d\\.e")), [&json!(true)]);
        assert!(values_at(&doc, "a").is_empty(), "an object is not a scalar");
        assert!(values_at(&doc, "n").is_empty());
        assert!(exists(&doc, "a") && exists(&doc, "a.b.c") && exists(&doc, "d.e"));
        assert!(!exists(&doc, "n") && !exists(&doc, "zz") && !exists(&doc, "a.b.zz"));
        let flat: Vec<String> = flatten(&doc).into_iter().map(|(p, _)| p).collect();
        assert_eq!(flat, ["a.b", "a.b.c", "a.b.c", "d.e"]);
        assert_eq!(depth(&doc), 3);
        assert_eq!(depth(&json!(1)), 0);
    }

    #[test]
    fn words_are_lower_cased_runs_keeping_numbers_whole() {
        assert_eq!(words("Hello, World! café-au-lait v1.5 2,000 end."), [
            "hello", "world", "café", "au", "lait", "v1.5", "2,000", "end"
        ]);
        assert!(words("  --- ").is_empty());
    }

    #[test]
    fn dates_in_the_forms_search_detects() {
        let d = |s: &str| parse_date(s).map(|t| t.to_rfc3339());
        assert_eq!(d("2014").as_deref(), Some("2014-01-01T00:00:00+00:00"));
        assert_eq!(d("2014-11").as_deref(), Some("2014-11-01T00:00:00+00:00"));
        assert_eq!(d("2014-11-07").as_deref(), Some("2014-11-07T00:00:00+00:00"));
        assert_eq!(d("2014-11-07T10:20:30Z").as_deref(), Some("2014-11-07T10:20:30+00:00"));
        assert_eq!(d("2014-11-07 10:20:30.5").as_deref(), Some("2014-11-07T10:20:30.500+00:00"));
        assert_eq!(d("2014-11-07T12:20:30+02:00").as_deref(), Some("2014-11-07T10:20:30+00:00"));
        assert_eq!(d("2014-13-01"), None);
        assert_eq!(d("hello"), None);
        assert_eq!(d("12345"), None);
    }

    #[test]
    fn keys_order_within_and_across_kinds() {
        let k = |v: Value| Key::of(&v).unwrap();
        assert_eq!(k(json!(2)).cmp(&k(json!(10))), Ordering::Less);
        assert_eq!(k(json!("2020-01-01")).cmp(&k(json!("2019-12-31"))), Ordering::Greater);
        assert_eq!(k(json!("b")).cmp(&k(json!("a"))), Ordering::Greater);
        assert_eq!(k(json!(99)).cmp(&k(json!("a"))), Ordering::Less);
        assert!(Key::of(&json!(null)).is_none());
    }
}

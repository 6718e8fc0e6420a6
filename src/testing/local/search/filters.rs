//! Filters (GFilter documents): parsed and checked, then matched against an entry's content.
//!
//! Served: `match_any`, `match_all` (exact values: text as written, numbers as numbers,
//! booleans), `range` (`from`/`to` inclusive, or `gte`/`gt`/`lte`/`lt`; `*` or a missing
//! bound is open; numbers, dates or text), `exists`, `like` (`*` and `?` wildcards over the
//! field's words or its whole value, case-insensitive), and the combinations `not`, `and`,
//! `or`. The geographic filters (`geo_bounding_box`, `geo_shape`) are refused with a 400: the
//! local engine has no geometry.

use serde_json::{Map, Value};

use super::fields;
use super::query::{in_range, wildcard_match};

/// How deep `not`/`and`/`or` may nest.
pub(crate) const MAX_FILTER_DEPTH: usize = 10;
/// How many values one filter may list, and how many filters one request may hold (all
/// levels counted).
pub(crate) const MAX_FILTER_VALUES: usize = 1000;
pub(crate) const MAX_FILTERS: usize = 1000;

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Filter {
    MatchAny { field: String, values: Vec<Value> },
    MatchAll { field: String, values: Vec<Value> },
    Range { field: String, ranges: Vec<Bounds> },
    Exists { field: String },
    Like { field: String, pattern: String },
    Not(Box<Filter>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

/// The bounds of one range: `(value as text, inclusive)`, `None` when open.
pub(crate) type Bounds = (Option<(String, bool)>, Option<(String, bool)>);

/// A top-level filter and whether it applies after the facets are counted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Top {
    pub filter: Filter,
    pub post_filter: bool,
}

/// Parse a request's `filters` list. In the 2017 format (`legacy`) each filter's
/// `post_filter` says whether it applies after the facets (default: all but `match_all`);
/// in the `query#1.0.0` format every filter applies before them.
pub(crate) fn parse_list(v: &Value, what: &str, legacy: bool, budget: &mut usize) -> Result<Vec<Top>, String> {
    let Value::Array(items) = v else {
        return Err(format!("'{what}' must be a list of filter documents"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let filter = parse(item, &format!("{what}[{i}]"), 0, budget)?;
            let default = legacy && !matches!(filter, Filter::MatchAll { .. });
            let post_filter = match item.get("post_filter") {
                None | Some(Value::Null) => default,
                Some(Value::Bool(b)) if legacy => *b,
                Some(Value::Bool(_)) => {
                    return Err(format!(
                        "{what}[{i}]: post_filter is a field of the 2017-09-01 query format; use post_facet_filters"
                    ));
                }
                Some(_) => return Err(format!("{what}[{i}].post_filter must be a boolean")),
            };
            Ok(Top { filter, post_filter })
        })
        .collect()
}

fn parse(v: &Value, at: &str, depth: usize, budget: &mut usize) -> Result<Filter, String> {
    if depth > MAX_FILTER_DEPTH {
        return Err(format!("{at}: filters nest deeper than {MAX_FILTER_DEPTH} levels"));
    }
    *budget = budget.checked_sub(1).ok_or_else(|| format!("a request may hold at most {MAX_FILTERS} filters"))?;
    let Value::Object(doc) = v else {
        return Err(format!("{at} must be a filter document (an object)"));
    };
    let kind = doc.get("type").and_then(Value::as_str).ok_or_else(|| format!("{at}.type is required"))?;
    let field = || field_name(doc, at);
    Ok(match kind {
        "match_any" => Filter::MatchAny { field: field()?, values: values(doc, at)? },
        "match_all" => Filter::MatchAll { field: field()?, values: values(doc, at)? },
        "range" => Filter::Range { field: field()?, ranges: ranges(doc, at)? },
        "exists" => Filter::Exists { field: field()? },
        "like" => {
            let pattern = doc.get("value").and_then(Value::as_str).ok_or_else(|| format!("{at}.value must be a string"))?;
            Filter::Like { field: field()?, pattern: pattern.to_lowercase() }
        }
        "not" => {
            let inner = doc.get("filter").ok_or_else(|| format!("{at}.filter is required for a 'not' filter"))?;
            Filter::Not(Box::new(parse(inner, &format!("{at}.filter"), depth + 1, budget)?))
        }
        "and" | "or" => {
            let Some(Value::Array(list)) = doc.get("filters") else {
                return Err(format!("{at}.filters must be a list for an '{kind}' filter"));
            };
            if list.is_empty() {
                return Err(format!("{at}.filters must not be empty"));
            }
            let parts = list
                .iter()
                .enumerate()
                .map(|(i, f)| parse(f, &format!("{at}.filters[{i}]"), depth + 1, budget))
                .collect::<Result<Vec<_>, _>>()?;
            if kind == "and" { Filter::And(parts) } else { Filter::Or(parts) }
        }
        "geo_bounding_box" | "geo_shape" => {
            return Err(format!("{at}: the '{kind}' filter is not supported by the local Globus Search"));
        }
        other => {
            return Err(format!(
                "{at}.type {other:?} is not a filter type (match_any, match_all, range, exists, like, not, and, or)"
            ));
        }
    })
}

fn field_name(doc: &Map<String, Value>, at: &str) -> Result<String, String> {
    match doc.get("field_name") {
        Some(Value::String(s)) if !s.is_empty() => Ok(fields::field_path(s)),
        _ => Err(format!("{at}.field_name must be a non-empty string")),
    }
}

fn values(doc: &Map<String, Value>, at: &str) -> Result<Vec<Value>, String> {
    let Some(Value::Array(list)) = doc.get("values") else {
        return Err(format!("{at}.values must be a list"));
    };
    if list.is_empty() || list.len() > MAX_FILTER_VALUES {
        return Err(format!("{at}.values must hold from 1 to {MAX_FILTER_VALUES} values"));
    }
    if let Some(bad) = list.iter().find(|v| !matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))) {
        return Err(format!("{at}.values may hold strings, numbers and booleans, not {bad}"));
    }
    Ok(list.clone())
}

fn ranges(doc: &Map<String, Value>, at: &str) -> Result<Vec<Bounds>, String> {
    let Some(Value::Array(list)) = doc.get("values") else {
        return Err(format!("{at}.values must be a list of ranges ({{\"from\": .., \"to\": ..}})"));
    };
    if list.is_empty() || list.len() > MAX_FILTER_VALUES {
        return Err(format!("{at}.values must hold from 1 to {MAX_FILTER_VALUES} ranges"));
    }
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            let Value::Object(r) = r else {
                return Err(format!("{at}.values[{i}] must be a range object"));
            };
            let bound = |keys: &[(&str, bool)]| -> Result<Option<(String, bool)>, String> {
                let mut found = None;
                for (key, inclusive) in keys {
                    match r.get(*key) {
                        None | Some(Value::Null) => {}
                        Some(v) => {
                            let text = match v {
                                Value::String(s) => s.clone(),
                                Value::Number(n) => n.to_string(),
                                _ => return Err(format!("{at}.values[{i}].{key} must be a string or a number")),
                            };
                            if found.is_some() {
                                return Err(format!("{at}.values[{i}] gives two lower or two upper bounds"));
                            }
                            found = Some((text, *inclusive));
                        }
                    }
                }
                Ok(found.filter(|(t, _)| t.trim() != "*"))
            };
            let low = bound(&[("from", true), ("gte", true), ("gt", false)])?;
            let high = bound(&[("to", true), ("lte", true), ("lt", false)])?;
            if let Some(unknown) = r.keys().find(|k| !["from", "to", "gte", "gt", "lte", "lt"].contains(&k.as_str())) {
                return Err(format!("{at}.values[{i}] has an unknown bound {unknown:?}"));
            }
            Ok((low, high))
        })
        .collect()
}

/// Whether a field's value equals a filter's value: text exactly, numbers numerically,
/// booleans as booleans (or their text).
fn equals(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(_), _) => {
            fields::number_of(have).is_some_and(|a| fields::number_of(want).is_some_and(|b| a == b))
        }
        (Value::String(a), Value::Number(n)) => *a == n.to_string(),
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(a), Value::String(b)) => a.to_string() == *b,
        (Value::String(a), Value::Bool(b)) => *a == b.to_string(),
        _ => false,
    }
}

impl Filter {
    /// Whether the entry with `content` passes.
    pub fn matches(&self, content: &Value) -> bool {
        match self {
            Filter::MatchAny { field, values } => {
                let have = fields::values_at(content, field);
                values.iter().any(|want| have.iter().any(|h| equals(h, want)))
            }
            Filter::MatchAll { field, values } => {
                let have = fields::values_at(content, field);
                values.iter().all(|want| have.iter().any(|h| equals(h, want)))
            }
            Filter::Range { field, ranges } => fields::values_at(content, field)
                .into_iter()
                .any(|v| ranges.iter().any(|(low, high)| in_range(v, low.as_ref(), high.as_ref()))),
            Filter::Exists { field } => fields::exists(content, field),
            Filter::Like { field, pattern } => fields::values_at(content, field).into_iter().any(|v| {
                fields::text_of(v).is_some_and(|t| {
                    wildcard_match(pattern, &t.to_lowercase())
                        || fields::words(&t).iter().any(|w| wildcard_match(pattern, w))
                })
            }),
            Filter::Not(inner) => !inner.matches(content),
            Filter::And(parts) => parts.iter().all(|p| p.matches(content)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(content)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn one(v: Value) -> Result<Filter, String> {
        let mut budget = MAX_FILTERS;
        parse_list(&json!([v]), "filters", false, &mut budget).map(|mut l| l.remove(0).filter)
    }

    #[test]
    fn match_filters_compare_exact_values() {
        let doc = json!({"tags": ["a", "b"], "n": 5, "ok": true, "s": "5"});
        let f = |v: Value| one(v).unwrap().matches(&doc);
        assert!(f(json!({"type": "match_any", "field_name": "tags", "values": ["x", "b"]})));
        assert!(!f(json!({"type": "match_any", "field_name": "tags", "values": ["A"]})), "exact, not folded");
        assert!(f(json!({"type": "match_all", "field_name": "tags", "values": ["a", "b"]})));
        assert!(!f(json!({"type": "match_all", "field_name": "tags", "values": ["a", "c"]})));
        assert!(f(json!({"type": "match_any", "field_name": "n", "values": ["5"]})));
        assert!(f(json!({"type": "match_any", "field_name": "n", "values": [5.0]})));
        assert!(f(json!({"type": "match_any", "field_name": "ok", "values": ["true"]})));
        assert!(f(json!({"type": "match_any", "field_name": "s", "values": [5]})));
        assert!(!f(json!({"type": "match_any", "field_name": "missing", "values": ["a"]})));
    }

    #[test]
    fn ranges_with_open_ends_over_numbers_and_dates() {
        let doc = json!({"n": 10, "d": "2014-11-07", "t": "m"});
        let f = |v: Value| one(json!({"type": "range", "field_name": v[0], "values": [v[1]]})).unwrap().matches(&doc);
        assert!(f(json!(["n", {"from": 10, "to": 20}])), "inclusive");
        assert!(!f(json!(["n", {"gt": 10}])));
        assert!(f(json!(["n", {"from": "*", "to": "10"}])));
        assert!(!f(json!(["n", {"lt": 10}])));
        assert!(f(json!(["n", {"from": 9.5}])));
        assert!(f(json!(["d", {"from": "*", "to": "2014-11-07"}])));
        assert!(!f(json!(["d", {"from": "2015", "to": "*"}])));
        assert!(f(json!(["d", {"gte": "2014-01-01T00:00:00Z", "lt": "2015"}])));
        assert!(f(json!(["t", {"from": "a", "to": "n"}])));
        assert!(!f(json!(["n", {"from": "abc"}])), "a number and a word do not compare");
    }

    #[test]
    fn exists_like_and_combinations() {
        let doc = json!({"a": {"b": "Hello World"}, "c": null});
        let f = |v: Value| one(v).unwrap().matches(&doc);
        assert!(f(json!({"type": "exists", "field_name": "a.b"})));
        assert!(!f(json!({"type": "exists", "field_name": "c"})));
        assert!(f(json!({"type": "like", "field_name": "a.b", "value": "wor*"})));
        assert!(f(json!({"type": "like", "field_name": "a.b", "value": "hello w?rld"})));
        assert!(!f(json!({"type": "like", "field_name": "a.b", "value": "xyz*"})));
        assert!(f(json!({"type": "not", "filter": {"type": "exists", "field_name": "c"}})));
        assert!(f(json!({"type": "or", "filters": [
            {"type": "exists", "field_name": "c"}, {"type": "exists", "field_name": "a"}]})));
        assert!(!f(json!({"type": "and", "filters": [
            {"type": "exists", "field_name": "c"}, {"type": "exists", "field_name": "a"}]})));
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        for (v, want) in [
            (json!({"field_name": "a", "values": ["x"]}), "type is required"),
            (json!({"type": "nope", "field_name": "a"}), "not a filter type"),
            (json!({"type": "match_any", "values": ["x"]}), "field_name"),
            (json!({"type": "match_any", "field_name": "a", "values": []}), "from 1 to"),
            (json!({"type": "match_any", "field_name": "a", "values": [{"x": 1}]}), "strings, numbers"),
            (json!({"type": "range", "field_name": "a", "values": [{"from": 1, "gte": 2}]}), "two lower"),
            (json!({"type": "range", "field_name": "a", "values": [{"up": 1}]}), "unknown bound"),
            (json!({"type": "geo_shape", "field_name": "a"}), "not supported"),
            (json!({"type": "and", "filters": []}), "must not be empty"),
            (json!("text"), "must be a filter document"),
        ] {
            let err = one(v.clone()).expect_err(&v.to_string());
            assert!(err.contains(want), "{v}: {err}");
        }
        let mut deep = json!({"type": "exists", "field_name": "a"});
        for _ in 0..20 {
            deep = json!({"type": "not", "filter": deep});
        }
        assert!(one(deep).unwrap_err().contains("nest deeper"));
    }

    #[test]
    fn post_filter_defaults_follow_the_format() {
        let list = json!([
            {"type": "match_all", "field_name": "a", "values": ["x"]},
            {"type": "match_any", "field_name": "a", "values": ["x"]},
            {"type": "match_any", "field_name": "a", "values": ["x"], "post_filter": false},
        ]);
        let mut budget = MAX_FILTERS;
        let legacy: Vec<bool> =
            parse_list(&list, "filters", true, &mut budget).unwrap().iter().map(|t| t.post_filter).collect();
        assert_eq!(legacy, [false, true, false]);
        let v1 = json!([{"type": "match_any", "field_name": "a", "values": ["x"]}]);
        assert!(!parse_list(&v1, "filters", false, &mut budget).unwrap()[0].post_filter);
    }
}

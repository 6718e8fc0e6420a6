//! The query documents: a search (GSearchRequest, from a POST body or a GET's parameters),
//! a scroll (GScrollRequest) and a delete-by-query, checked against Globus Search's rules and
//! limits; any error is the message of a 400.

use serde_json::{Map, Value, json};

use super::facets::{self, Facet};
use super::fields;
use super::filters::{self, Filter, MAX_FILTERS};
use super::query::{self, Query};

/// The default page size.
pub(crate) const DEFAULT_LIMIT: u64 = 10;
/// The most results a search can reach: `offset + limit` may not pass it (a scroll goes
/// further).
pub(crate) const MAX_RESULT_WINDOW: u64 = 10_000;
/// How many principal sets `filter_principal_sets` may name.
pub(crate) const MAX_PRINCIPAL_SETS: usize = 100;
/// How many sort keys a request may give.
pub(crate) const MAX_SORT_KEYS: usize = 20;

/// Which document is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Search,
    Scroll,
    DeleteByQuery,
}

/// What a result entry shows besides its id (`fields`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shown {
    pub content: bool,
    pub visible_to: bool,
    pub principal_sets: bool,
}

/// A sort key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sort {
    pub field: String,
    pub descending: bool,
}

/// A checked query document.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub query: Query,
    pub offset: u64,
    pub limit: u64,
    /// Applied before the facets are counted.
    pub filters: Vec<Filter>,
    /// Applied to the results only.
    pub post_filters: Vec<Filter>,
    pub facets: Vec<Facet>,
    pub sort: Vec<Sort>,
    pub bypass_visible_to: bool,
    pub shown: Shown,
    /// A scroll's marker, as sent.
    pub marker: Option<String>,
    /// `filter_principal_sets`: only entries with one of these principal sets holding one of
    /// the caller's principals.
    pub principal_sets: Vec<String>,
}

impl Request {
    /// Whether an entry's content passes the query and every filter (`post`: the post
    /// filters too).
    pub fn admits(&self, content: &Value, text: &query::Text, post: bool) -> bool {
        self.query.matches(content, text)
            && self.filters.iter().all(|f| f.matches(content))
            && (!post || self.post_filters.iter().all(|f| f.matches(content)))
    }
}

/// Read a query document of kind `kind`.
pub(crate) fn parse(body: &Value, kind: Kind) -> Result<Request, String> {
    let Value::Object(doc) = body else {
        return Err("the request body must be a JSON object".into());
    };
    let versions: &[&str] = match kind {
        Kind::Search => &["2017-09-01", "query#1.0.0"],
        Kind::Scroll => &["2017-09-01", "scroll#1.0.0"],
        Kind::DeleteByQuery => &["2017-09-01", "delete_by_query#1.0.0", "query#1.0.0"],
    };
    let legacy = match doc.get("@version") {
        None | Some(Value::Null) => true,
        Some(Value::String(v)) if versions.contains(&v.as_str()) => v == "2017-09-01",
        Some(v) => return Err(format!("'@version' must be one of {}, not {v}", versions.join(", "))),
    };
    for unsupported in ["query_template", "resource_type"] {
        if doc.get(unsupported).is_some_and(|v| !v.is_null()) {
            return Err(format!("'{unsupported}' is not supported by the local Globus Search"));
        }
    }
    if let Some(v) = doc.get("result_format_version").filter(|v| !v.is_null())
        && v != "2019-08-27"
    {
        return Err(format!(
            "'result_format_version' {v} is not supported by the local Globus Search (only \"2019-08-27\")"
        ));
    }
    let principal_sets = match doc.get("filter_principal_sets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) if l.len() <= MAX_PRINCIPAL_SETS => l
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
            .ok_or("'filter_principal_sets' must be a list of principal set names")?,
        Some(_) => {
            return Err(format!("'filter_principal_sets' must be a list of at most {MAX_PRINCIPAL_SETS} names"));
        }
    };
    if kind != Kind::Search {
        for field in ["facets", "sort", "boosts", "post_facet_filters"] {
            if doc.get(field).is_some_and(|v| !v.is_null()) {
                let what = if kind == Kind::Scroll { "a scroll query" } else { "a delete-by-query" };
                return Err(format!("'{field}' is not allowed in {what}"));
            }
        }
    }
    let advanced = boolean(doc, "advanced")?.unwrap_or(false);
    let (advanced, or_default) = q_settings(doc, advanced)?;
    let mut budget = MAX_FILTERS;
    let filter_list = match doc.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => filters::parse_list(v, "filters", legacy, &mut budget)?,
    };
    let query = match doc.get("q") {
        None | Some(Value::Null) if !filter_list.is_empty() => Query::All,
        None | Some(Value::Null) => return Err("a query needs 'q' or 'filters'".into()),
        Some(Value::String(q)) => {
            let parsed = query::parse(q, advanced)?;
            match (or_default, parsed) {
                (true, Query::And(parts)) if !advanced => Query::Or(parts),
                (_, parsed) => parsed,
            }
        }
        Some(_) => return Err("'q' must be a string".into()),
    };
    let (mut filters, mut post_filters) = (Vec::new(), Vec::new());
    for top in filter_list {
        if top.post_filter { post_filters.push(top.filter) } else { filters.push(top.filter) }
    }
    if let Some(v) = doc.get("post_facet_filters").filter(|v| !v.is_null()) {
        post_filters.extend(filters::parse_list(v, "post_facet_filters", false, &mut budget)?.into_iter().map(|t| t.filter));
    }
    let facets = match doc.get("facets") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => facets::parse_list(v, &mut budget)?,
    };
    let sort = match doc.get("sort") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => sort_keys(v)?,
    };
    if let Some(v) = doc.get("boosts").filter(|v| !v.is_null()) {
        boosts(v)?;
    }
    let limit = integer(doc, "limit")?.unwrap_or(DEFAULT_LIMIT);
    let offset = integer(doc, "offset")?.unwrap_or(0);
    match kind {
        Kind::Search => {
            if limit > MAX_RESULT_WINDOW {
                return Err(format!("'limit' may be at most {MAX_RESULT_WINDOW}, not {limit}"));
            }
            if offset.saturating_add(limit) > MAX_RESULT_WINDOW {
                return Err(format!(
                    "offset + limit may be at most {MAX_RESULT_WINDOW} (got {offset} + {limit}); use a scroll query to \
                     reach further"
                ));
            }
        }
        Kind::Scroll => {
            if limit > MAX_RESULT_WINDOW {
                return Err(format!("'limit' may be at most {MAX_RESULT_WINDOW}, not {limit}"));
            }
            if doc.get("offset").is_some_and(|v| !v.is_null()) {
                return Err("'offset' is not allowed in a scroll query; page with 'marker'".into());
            }
        }
        Kind::DeleteByQuery => {}
    }
    let marker = match (kind, doc.get("marker")) {
        (_, None | Some(Value::Null)) => None,
        (Kind::Scroll, Some(Value::String(m))) => Some(m.clone()),
        (Kind::Scroll, Some(_)) => return Err("'marker' must be a string".into()),
        (_, Some(_)) => return Err("'marker' is only allowed in a scroll query".into()),
    };
    Ok(Request {
        query,
        offset,
        limit,
        filters,
        post_filters,
        facets,
        sort,
        bypass_visible_to: boolean(doc, "bypass_visible_to")?.unwrap_or(false),
        shown: shown(doc.get("fields"))?,
        marker,
        principal_sets,
    })
}

/// A GET search's parameters as the document a POST would send.
pub(crate) fn from_query_params(params: &[(String, String)]) -> Result<Value, String> {
    let mut doc = Map::new();
    let mut fields_list: Vec<Value> = Vec::new();
    let mut principal_sets: Vec<Value> = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "q" => {
                doc.insert("q".into(), json!(v));
            }
            "offset" | "limit" => {
                let n: u64 = v.trim().parse().map_err(|_| format!("'{k}' must be a non-negative integer, not {v:?}"))?;
                doc.insert(k.clone(), json!(n));
            }
            "advanced" | "bypass_visible_to" => {
                let b = match v.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" | "" => false,
                    _ => return Err(format!("'{k}' must be true or false, not {v:?}")),
                };
                doc.insert(k.clone(), json!(b));
            }
            "fields" => fields_list.extend(v.split(',').filter(|s| !s.is_empty()).map(|s| json!(s))),
            "filter_principal_sets" => principal_sets.extend(v.split(',').filter(|s| !s.is_empty()).map(|s| json!(s))),
            "query_template" | "resource_type" | "result_format_version" => {
                doc.insert(k.clone(), json!(v));
            }
            _ => {}
        }
    }
    if !doc.contains_key("q") {
        return Err("the query parameter 'q' is required".into());
    }
    if !fields_list.is_empty() {
        doc.insert("fields".into(), Value::Array(fields_list));
    }
    if !principal_sets.is_empty() {
        doc.insert("filter_principal_sets".into(), Value::Array(principal_sets));
    }
    Ok(Value::Object(doc))
}

fn boolean(doc: &Map<String, Value>, key: &str) -> Result<Option<bool>, String> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(format!("'{key}' must be a boolean, not {v}")),
    }
}

fn integer(doc: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            n.as_u64().map(Some).ok_or_else(|| format!("'{key}' must be a non-negative integer, not {n}"))
        }
        Some(v) => Err(format!("'{key}' must be a non-negative integer, not {v}")),
    }
}

/// `q_settings`: the syntax (`query_string` simple, `advanced_query_string`) and the default
/// operator of simple queries (`and`, the default, or `or`).
fn q_settings(doc: &Map<String, Value>, advanced: bool) -> Result<(bool, bool), String> {
    let Some(settings) = doc.get("q_settings").filter(|v| !v.is_null()) else {
        return Ok((advanced, false));
    };
    let Value::Object(s) = settings else {
        return Err("'q_settings' must be an object".into());
    };
    let advanced = match s.get("mode").and_then(Value::as_str) {
        Some("query_string") => false,
        Some("advanced_query_string") => true,
        Some("text_match") => return Err("q_settings mode 'text_match' is not supported by the local Globus Search".into()),
        _ => return Err("q_settings.mode must be 'query_string' or 'advanced_query_string'".into()),
    };
    let or_default = match s.get("default_operator").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
        None | Some("and") => false,
        Some("or") if !advanced => true,
        Some("or") => {
            return Err("q_settings.default_operator 'or' with advanced queries is not supported by the local Globus \
                        Search; write OR between the clauses"
                .into());
        }
        Some(other) => return Err(format!("q_settings.default_operator must be 'and' or 'or', not {other:?}")),
    };
    Ok((advanced, or_default))
}

fn sort_keys(v: &Value) -> Result<Vec<Sort>, String> {
    let Value::Array(items) = v else {
        return Err("'sort' must be a list of sort documents".into());
    };
    if items.len() > MAX_SORT_KEYS {
        return Err(format!("a request may give at most {MAX_SORT_KEYS} sort keys"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = match s.get("field_name") {
                Some(Value::String(f)) if !f.is_empty() => fields::field_path(f),
                _ => return Err(format!("sort[{i}].field_name must be a non-empty string")),
            };
            let descending = match s.get("order") {
                None | Some(Value::Null) => true,
                Some(Value::String(o)) if o == "desc" => true,
                Some(Value::String(o)) if o == "asc" => false,
                Some(o) => return Err(format!("sort[{i}].order must be \"asc\" or \"desc\", not {o}")),
            };
            Ok(Sort { field, descending })
        })
        .collect()
}

/// Boosts are checked, then ignored: the local engine orders by matches and sort keys.
fn boosts(v: &Value) -> Result<(), String> {
    let Value::Array(items) = v else {
        return Err("'boosts' must be a list of boost documents".into());
    };
    for (i, b) in items.iter().enumerate() {
        if !b.get("field_name").is_some_and(Value::is_string) {
            return Err(format!("boosts[{i}].field_name must be a string"));
        }
        match b.get("factor").and_then(fields::number_of) {
            Some(f) if (0.0..=10.0).contains(&f) => {}
            _ => return Err(format!("boosts[{i}].factor must be a number from 0 to 10")),
        }
    }
    Ok(())
}

fn shown(v: Option<&Value>) -> Result<Shown, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Shown { content: true, visible_to: false, principal_sets: false });
    };
    let Value::Array(items) = v else {
        return Err("'fields' must be a list".into());
    };
    let mut shown = Shown { content: false, visible_to: false, principal_sets: false };
    for item in items {
        match item.as_str() {
            Some("content") => shown.content = true,
            Some("visible_to") => shown.visible_to = true,
            Some("principal_sets") => shown.principal_sets = true,
            _ => return Err(format!("'fields' may list content, visible_to and principal_sets, not {item}")),
        }
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_search_document() {
        let r = parse(
            &json!({
                "@version": "query#1.0.0", "q": "fox", "limit": 5, "offset": 10,
                "filters": [{"type": "match_any", "field_name": "a", "values": ["x"]}],
                "post_facet_filters": [{"type": "exists", "field_name": "b"}],
                "facets": [{"field_name": "a"}], "sort": [{"field_name": "n", "order": "asc"}, {"field_name": "m"}],
                "boosts": [{"field_name": "a", "factor": 2}], "fields": ["content", "visible_to"],
            }),
            Kind::Search,
        )
        .unwrap();
        assert_eq!((r.offset, r.limit), (10, 5));
        assert_eq!((r.filters.len(), r.post_filters.len(), r.facets.len()), (1, 1, 1));
        assert_eq!(r.sort, [Sort { field: "n".into(), descending: false }, Sort { field: "m".into(), descending: true }]);
        assert!(r.shown.visible_to && r.shown.content && !r.shown.principal_sets);
    }

    #[test]
    fn limits_and_shapes_are_checked() {
        for (doc, want) in [
            (json!({}), "needs 'q' or 'filters'"),
            (json!({"q": 5}), "'q' must be a string"),
            (json!({"q": "*", "limit": 10001}), "at most 10000"),
            (json!({"q": "*", "limit": 100, "offset": 9950}), "offset + limit"),
            (json!({"q": "*", "limit": -1}), "non-negative"),
            (json!({"q": "*", "offset": "3"}), "non-negative"),
            (json!({"q": "*", "advanced": "yes"}), "boolean"),
            (json!({"q": "*", "@version": "9"}), "@version"),
            (json!({"q": "*", "sort": [{"field_name": "a", "order": "up"}]}), "asc"),
            (json!({"q": "*", "boosts": [{"field_name": "a", "factor": 100}]}), "factor"),
            (json!({"q": "*", "fields": ["secret"]}), "fields"),
            (json!({"q": "*", "query_template": "x"}), "not supported"),
            (json!({"q": "*", "filter_principal_sets": [1]}), "principal set names"),
            (json!({"q": "(", "advanced": true}), "Invalid advanced query"),
            (json!({"q": "*", "q_settings": {"mode": "text_match"}}), "not supported"),
            (json!([1]), "JSON object"),
        ] {
            let err = parse(&doc, Kind::Search).expect_err(&doc.to_string());
            assert!(err.contains(want), "{doc}: {err}");
        }
        assert!(parse(&json!({"q": "*", "offset": 9990, "limit": 10}), Kind::Search).is_ok());
        assert!(parse(&json!({"q": "*", "sort": []}), Kind::Scroll).unwrap_err().contains("not allowed in a scroll"));
        assert!(parse(&json!({"q": "*", "offset": 1}), Kind::Scroll).unwrap_err().contains("marker"));
        assert!(parse(&json!({"q": "*", "marker": "m"}), Kind::Search).unwrap_err().contains("only allowed"));
        assert_eq!(parse(&json!({"q": "*", "marker": "m", "limit": 50}), Kind::Scroll).unwrap().marker.as_deref(), Some("m"));
    }

    #[test]
    fn get_parameters_become_a_document() {
        let params: Vec<(String, String)> =
            [("q", "fox"), ("limit", "3"), ("advanced", "True"), ("fields", "content,visible_to"), ("x", "y")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let doc = from_query_params(&params).unwrap();
        assert_eq!(doc, json!({"q": "fox", "limit": 3, "advanced": true, "fields": ["content", "visible_to"]}));
        assert!(from_query_params(&[]).unwrap_err().contains("'q' is required"));
        let bad = [("q".to_string(), "a".to_string()), ("limit".to_string(), "many".to_string())];
        assert!(from_query_params(&bad).unwrap_err().contains("limit"));
    }

    #[test]
    fn simple_queries_may_default_to_or() {
        let r = parse(&json!({"q": "a b", "q_settings": {"mode": "query_string", "default_operator": "or"}}), Kind::Search)
            .unwrap();
        assert!(matches!(r.query, Query::Or(_)));
        let r = parse(&json!({"q": "a b"}), Kind::Search).unwrap();
        assert!(matches!(r.query, Query::And(_)));
    }
}

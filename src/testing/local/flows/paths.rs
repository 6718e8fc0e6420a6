//! The JSONPath subset of the local Flows: `$` (the whole run state), member steps `.name`
//! and `['name']`, index steps `[0]`; nothing else (no wildcards, slices, filters or
//! recursive descent: such a path is an error, never a guess). Paths read values
//! (`Parameters` keys ending in `.$`, `InputPath`, Choice's `Variable`, `SecondsPath`,
//! `TimestampPath`) and write them (`ResultPath`, which may name members that do not exist
//! yet, creating objects on the way).

use serde_json::{Map, Value};

/// The longest path, and the most steps in one (paths come from users' definitions).
const MAX_PATH_LEN: usize = 1024;
const MAX_STEPS: usize = 64;
/// How deep `Parameters` templates may nest.
const MAX_TEMPLATE_DEPTH: usize = 32;
/// The largest run state (and filled template) the engine keeps, in bytes of JSON (about).
pub(super) const MAX_STATE_BYTES: usize = 512 * 1024;

/// The size of a value as JSON, about (strings and keys counted by their bytes); stops
/// counting past [`MAX_STATE_BYTES`] times two.
pub(super) fn size(v: &Value) -> usize {
    fn walk(v: &Value, total: &mut usize) {
        if *total > 2 * MAX_STATE_BYTES {
            return;
        }
        match v {
            Value::Null | Value::Bool(_) => *total += 5,
            Value::Number(_) => *total += 20,
            Value::String(s) => *total += s.len() + 2,
            Value::Array(l) => {
                *total += 2;
                for x in l {
                    walk(x, total);
                    *total += 1;
                }
            }
            Value::Object(m) => {
                *total += 2;
                for (k, x) in m {
                    *total += k.len() + 4;
                    walk(x, total);
                }
            }
        }
    }
    let mut total = 0;
    walk(v, &mut total);
    total
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Member(String),
    Index(usize),
}

/// Parse a path of the subset.
pub(super) fn parse(path: &str) -> Result<Vec<Step>, String> {
    if path.len() > MAX_PATH_LEN {
        return Err(format!("a JSONPath may be at most {MAX_PATH_LEN} characters long"));
    }
    let rest = path.strip_prefix('$').ok_or_else(|| format!("the JSONPath {path:?} does not start with $"))?;
    let mut steps = Vec::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if steps.len() >= MAX_STEPS {
            return Err(format!("a JSONPath may have at most {MAX_STEPS} steps"));
        }
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                if name.is_empty() || name == "*" || name.starts_with('.') {
                    return Err(format!("the JSONPath {path:?} has an empty or wildcard member (not supported)"));
                }
                steps.push(Step::Member(name));
            }
            '[' => {
                let mut inner = String::new();
                let mut closed = false;
                let quoted = matches!(chars.peek(), Some((_, '\'' | '"')));
                let quote = if quoted { chars.next().map(|(_, q)| q) } else { None };
                for (_, c) in chars.by_ref() {
                    if let Some(q) = quote {
                        if c == q && !inner.ends_with('\\') {
                            closed = matches!(chars.next(), Some((_, ']')));
                            break;
                        }
                    } else if c == ']' {
                        closed = true;
                        break;
                    }
                    inner.push(c);
                }
                if !closed {
                    return Err(format!("the JSONPath {path:?} has an unclosed or malformed [...]"));
                }
                if quote.is_some() {
                    steps.push(Step::Member(inner));
                } else {
                    let index = inner.trim().parse::<usize>().map_err(|_| {
                        format!("the JSONPath {path:?} has the index [{inner}]: only non-negative integers are supported")
                    })?;
                    steps.push(Step::Index(index));
                }
            }
            other => return Err(format!("the JSONPath {path:?} has an unexpected {other:?}")),
        }
    }
    Ok(steps)
}

/// The value at `path` in `doc`, or None when it is not there; an error for a path outside
/// the subset.
pub(super) fn get<'a>(doc: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let steps = parse(path)?;
    let mut at = doc;
    for step in &steps {
        let next = match step {
            Step::Member(m) => at.get(m.as_str()),
            Step::Index(i) => at.get(*i),
        };
        match next {
            Some(v) => at = v,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// Set the value at `path` in `doc` (`$` replaces the whole document), creating objects for
/// missing members; an index must name an existing element.
pub(super) fn set(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let steps = parse(path)?;
    let mut at = doc;
    for step in &steps {
        at = match step {
            Step::Member(m) => {
                if !at.is_object() {
                    *at = Value::Object(Map::new());
                }
                match at {
                    Value::Object(map) => map.entry(m.clone()).or_insert(Value::Null),
                    _ => return Err(format!("{path}: cannot write a member here")),
                }
            }
            Step::Index(i) => {
                let len = at.as_array().map_or(0, Vec::len);
                at.get_mut(*i).ok_or_else(|| format!("{path}: index {i} is past the end of a list of {len}"))?
            }
        };
    }
    *at = value;
    Ok(())
}

/// Fill a `Parameters` template from `doc`: every key ending in `.$` is replaced by the key
/// without it, whose value is the value at the path it held (a missing value is an error, as
/// in Flows), at any depth of objects and lists; other values are kept.
pub(super) fn fill(template: &Value, doc: &Value) -> Result<Value, String> {
    let mut budget = MAX_STATE_BYTES;
    fill_at(template, doc, 0, &mut budget)
}

fn fill_at(template: &Value, doc: &Value, depth: usize, budget: &mut usize) -> Result<Value, String> {
    if depth > MAX_TEMPLATE_DEPTH {
        return Err(format!("Parameters nest deeper than {MAX_TEMPLATE_DEPTH} levels"));
    }
    match template {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(key) = k.strip_suffix(".$") {
                    let path = v.as_str().ok_or_else(|| format!("the value of {k:?} must be a JSONPath string"))?;
                    let found = get(doc, path)?.ok_or_else(|| format!("{k}: the path {path} is not in the run's state"))?;
                    *budget = budget.checked_sub(size(found)).ok_or_else(|| {
                        format!("the filled Parameters would be over {MAX_STATE_BYTES} bytes")
                    })?;
                    out.insert(key.to_string(), found.clone());
                } else if k.ends_with(".=") {
                    return Err(format!(
                        "{k}: expressions (\".=\" keys) are not supported by the local Flows; use a JSONPath \".$\" key"
                    ));
                } else {
                    out.insert(k.clone(), fill_at(v, doc, depth + 1, budget)?);
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(list) => list.iter().map(|v| fill_at(v, doc, depth + 1, budget)).collect::<Result<Vec<_>, _>>().map(Value::Array),
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_subset_reads_and_writes() {
        let doc = json!({"a": {"b": [10, {"c": "x"}]}, "odd key": 1});
        assert_eq!(get(&doc, "$").unwrap(), Some(&doc));
        assert_eq!(get(&doc, "$.a.b[0]").unwrap(), Some(&json!(10)));
        assert_eq!(get(&doc, "$.a.b[1].c").unwrap(), Some(&json!("x")));
        assert_eq!(get(&doc, "$['odd key']").unwrap(), Some(&json!(1)));
        assert_eq!(get(&doc, "$.a.z").unwrap(), None);
        for bad in ["a.b", "$..a", "$.a[*]", "$.a[-1]", "$.a[", "$.*", "$.a[1:2]"] {
            assert!(get(&doc, bad).is_err(), "{bad}");
        }
        let mut d = json!({});
        set(&mut d, "$.x.y", json!(1)).unwrap();
        assert_eq!(d, json!({"x": {"y": 1}}));
        set(&mut d, "$", json!([1])).unwrap();
        assert_eq!(d, json!([1]));
        assert!(set(&mut d, "$[3]", json!(0)).is_err());
        assert!(parse(&format!("${}", ".a".repeat(100))).is_err());
    }

    #[test]
    fn templates_are_filled() {
        let doc = json!({"src": "s", "items": [{"p": "/a"}]});
        let t = json!({"source.$": "$.src", "fixed": 1, "DATA": [{"path.$": "$.items[0].p"}]});
        assert_eq!(fill(&t, &doc).unwrap(), json!({"source": "s", "fixed": 1, "DATA": [{"path": "/a"}]}));
        assert!(fill(&json!({"x.$": "$.missing"}), &doc).unwrap_err().contains("$.missing"));
        assert!(fill(&json!({"x.=": "1 + 1"}), &doc).is_err());
        // Copies of a big state are bounded, however many keys ask for them.
        let big = json!({"s": "x".repeat(100_000)});
        let many: serde_json::Map<String, Value> = (0..10).map(|i| (format!("k{i}.$"), json!("$"))).collect();
        assert!(fill(&Value::Object(many), &big).unwrap_err().contains("over"));
    }
}

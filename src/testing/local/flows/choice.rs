//! Choice rules, as the flow definition language has them: a rule is `And`, `Or` (lists of
//! rules), `Not` (one rule), or a `Variable` (a JSONPath into the run's state) with one
//! comparison: `StringEquals`, `StringLessThan`, `StringGreaterThan`,
//! `StringLessThanEquals`, `StringGreaterThanEquals`, `StringMatches` (`*` wildcards),
//! `NumericEquals`, `NumericLessThan`, `NumericGreaterThan`, `NumericLessThanEquals`,
//! `NumericGreaterThanEquals`, `BooleanEquals`, `TimestampEquals`, `TimestampLessThan`,
//! `TimestampGreaterThan`, `TimestampLessThanEquals`, `TimestampGreaterThanEquals`, each also
//! with a `Path` suffix (the value compared with read from the state), and `IsPresent`,
//! `IsNull`, `IsString`, `IsNumeric`, `IsBoolean`, `IsTimestamp`. A comparison of a value of
//! another type is false, as in Flows; a rule this engine does not know is an error.

use chrono::DateTime;
use serde_json::Value;

use super::paths;

/// How deep `And`/`Or`/`Not` may nest.
const MAX_DEPTH: usize = 32;

/// Whether `rule` holds for the run state `doc`.
pub(super) fn holds(rule: &Value, doc: &Value) -> Result<bool, String> {
    holds_at(rule, doc, 0)
}

fn holds_at(rule: &Value, doc: &Value, depth: usize) -> Result<bool, String> {
    if depth > MAX_DEPTH {
        return Err(format!("choice rules nest deeper than {MAX_DEPTH} levels"));
    }
    let rule = rule.as_object().ok_or("a choice rule must be an object")?;
    if let Some(list) = rule.get("And") {
        let list = list.as_array().ok_or("And must be a list of rules")?;
        for r in list {
            if !holds_at(r, doc, depth + 1)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(list) = rule.get("Or") {
        let list = list.as_array().ok_or("Or must be a list of rules")?;
        for r in list {
            if holds_at(r, doc, depth + 1)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(inner) = rule.get("Not") {
        return Ok(!holds_at(inner, doc, depth + 1)?);
    }
    let variable = rule.get("Variable").and_then(Value::as_str).ok_or("a choice rule needs a Variable (or And, Or, Not)")?;
    let value = paths::get(doc, variable)?;
    for (op, operand) in rule {
        if matches!(op.as_str(), "Variable" | "Next" | "Comment") {
            continue;
        }
        let (name, operand) = match op.strip_suffix("Path") {
            Some(base) if base != "Is" && !op.starts_with("Is") => {
                let path = operand.as_str().ok_or_else(|| format!("{op} must be a JSONPath"))?;
                (base, paths::get(doc, path)?.cloned().unwrap_or(Value::Null))
            }
            _ => (op.as_str(), operand.clone()),
        };
        return compare(name, value, &operand);
    }
    Err("a choice rule needs a comparison".into())
}

fn compare(op: &str, value: Option<&Value>, operand: &Value) -> Result<bool, String> {
    // `IsPresent: true` holds when the value is there, `IsPresent: false` when it is not.
    let is = |_: bool, got: bool| -> Result<bool, String> {
        Ok(operand.as_bool().ok_or_else(|| format!("{op} takes true or false"))? == got)
    };
    match op {
        "IsPresent" => is(true, value.is_some()),
        "IsNull" => is(true, matches!(value, Some(Value::Null))),
        "IsString" => is(true, matches!(value, Some(Value::String(_)))),
        "IsNumeric" => is(true, matches!(value, Some(Value::Number(_)))),
        "IsBoolean" => is(true, matches!(value, Some(Value::Bool(_)))),
        "IsTimestamp" => is(true, value.and_then(Value::as_str).and_then(timestamp).is_some()),
        _ => {
            let Some(value) = value else { return Ok(false) };
            if let Some(kind) = op.strip_prefix("String") {
                let operand = operand.as_str().ok_or_else(|| format!("{op} takes a string"))?;
                let Some(v) = value.as_str() else { return Ok(false) };
                if kind == "Matches" {
                    return Ok(wildcard(operand, v));
                }
                return order(kind, v.cmp(operand), op);
            }
            if let Some(kind) = op.strip_prefix("Numeric") {
                let operand = operand.as_f64().ok_or_else(|| format!("{op} takes a number"))?;
                let Some(v) = value.as_f64() else { return Ok(false) };
                let Some(ordering) = v.partial_cmp(&operand) else { return Ok(false) };
                return order(kind, ordering, op);
            }
            if op == "BooleanEquals" {
                let operand = operand.as_bool().ok_or_else(|| format!("{op} takes true or false"))?;
                return Ok(value.as_bool() == Some(operand));
            }
            if let Some(kind) = op.strip_prefix("Timestamp") {
                let operand =
                    operand.as_str().and_then(timestamp).ok_or_else(|| format!("{op} takes an RFC 3339 timestamp"))?;
                let Some(v) = value.as_str().and_then(timestamp) else { return Ok(false) };
                return order(kind, v.cmp(&operand), op);
            }
            Err(format!("the choice comparison {op:?} is not supported by the local Flows"))
        }
    }
}

fn order(kind: &str, ordering: std::cmp::Ordering, op: &str) -> Result<bool, String> {
    use std::cmp::Ordering::*;
    Ok(match kind {
        "Equals" => ordering == Equal,
        "LessThan" => ordering == Less,
        "GreaterThan" => ordering == Greater,
        "LessThanEquals" => ordering != Greater,
        "GreaterThanEquals" => ordering != Less,
        _ => return Err(format!("the choice comparison {op:?} is not supported by the local Flows")),
    })
}

fn timestamp(s: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// `*` matches any run of characters (`\*` a star); linear in time.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next()
                    && let Some(last) = parts.last_mut()
                {
                    last.push(n);
                }
            }
            '*' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else { return true };
    if parts.len() == 1 {
        return text == first;
    }
    if !text.starts_with(first.as_str()) || text.len() < first.len() + last.len() || !text.ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_are_evaluated() {
        let doc = json!({"n": 5, "s": "hello.txt", "b": true, "t": "2024-01-01T00:00:00Z", "nul": null, "m": 7});
        let t = |r: Value| holds(&r, &doc).unwrap();
        assert!(t(json!({"Variable": "$.n", "NumericGreaterThan": 3})));
        assert!(!t(json!({"Variable": "$.n", "NumericLessThan": 3})));
        assert!(t(json!({"Variable": "$.n", "NumericLessThanPath": "$.m"})));
        assert!(t(json!({"Variable": "$.s", "StringMatches": "*.txt"})));
        assert!(!t(json!({"Variable": "$.s", "StringMatches": "*.csv"})));
        assert!(t(json!({"Variable": "$.s", "StringEquals": "hello.txt"})));
        assert!(t(json!({"Variable": "$.b", "BooleanEquals": true})));
        assert!(t(json!({"Variable": "$.t", "TimestampLessThan": "2025-01-01T00:00:00Z"})));
        assert!(t(json!({"Variable": "$.missing", "IsPresent": false})));
        assert!(t(json!({"Variable": "$.nul", "IsNull": true})));
        assert!(!t(json!({"Variable": "$.s", "NumericEquals": 1})), "another type is false");
        assert!(t(json!({"And": [{"Variable": "$.b", "BooleanEquals": true}, {"Not": {"Variable": "$.n", "NumericEquals": 1}}]})));
        assert!(t(json!({"Or": [{"Variable": "$.b", "BooleanEquals": false}, {"Variable": "$.n", "IsNumeric": true}]})));
        assert!(holds(&json!({"Variable": "$.n", "Frobnicate": 1}), &doc).is_err());
        let mut deep = json!({"Variable": "$.b", "BooleanEquals": true});
        for _ in 0..100 {
            deep = json!({"Not": deep});
        }
        assert!(holds(&deep, &doc).is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(!wildcard("a*b*c", "acb"));
        assert!(wildcard("*", ""));
        assert!(wildcard(r"a\*", "a*"));
        assert!(!wildcard("ab*ba", "aba"));
    }
}

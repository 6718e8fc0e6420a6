//! Facets (GFacet documents): counted over the entries a query matched (each entry counts
//! once per distinct value), answered as `facet_results`.
//!
//! Served: `terms` (buckets of values by count, then value; `size`, default 10),
//! `sum` and `avg` (numbers; `missing` stands in for entries without the field),
//! `distinct_count` (`approximate_value`, exact here), `numeric_histogram` (`size` equal
//! buckets over `histogram_range`, each `{"from", "to"}`, the last one closed) and
//! `date_histogram` (`date_interval` from `year` to `second`, buckets keyed by their start
//! as `YYYY-MM-DDTHH:MM:SS.000Z`, empty ones between the first and the last included,
//! `histogram_range` limiting the dates counted). `additional_filters` narrow one facet.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::fields::{self, Key};
use super::filters::{self, Filter};

/// How many facets one request may ask for.
pub(crate) const MAX_FACETS: usize = 50;
/// The largest `size` of a `terms` or `numeric_histogram` facet.
pub(crate) const MAX_FACET_SIZE: usize = 1000;
/// The most buckets a date histogram may produce.
pub(crate) const MAX_DATE_BUCKETS: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Terms { size: usize },
    Sum { missing: Option<f64> },
    Avg { missing: Option<f64> },
    DistinctCount,
    NumericHistogram { size: usize, low: f64, high: f64 },
    DateHistogram { interval: Interval, range: Option<(DateTime<Utc>, DateTime<Utc>)> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interval {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
}

/// A parsed facet.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Facet {
    pub name: String,
    pub field: String,
    pub kind: Kind,
    pub filters: Vec<Filter>,
}

/// Parse a request's `facets` list.
pub(crate) fn parse_list(v: &Value, budget: &mut usize) -> Result<Vec<Facet>, String> {
    let Value::Array(items) = v else {
        return Err("'facets' must be a list of facet documents".into());
    };
    if items.len() > MAX_FACETS {
        return Err(format!("a request may ask for at most {MAX_FACETS} facets"));
    }
    let mut facets: Vec<Facet> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let facet = parse(item, &format!("facets[{i}]"), budget)?;
        if facets.iter().any(|f| f.name == facet.name) {
            return Err(format!(
                "facets[{i}]: two facets are named {:?}; give each facet on the same field a distinct name",
                facet.name
            ));
        }
        facets.push(facet);
    }
    Ok(facets)
}

fn parse(v: &Value, at: &str, budget: &mut usize) -> Result<Facet, String> {
    let Value::Object(doc) = v else {
        return Err(format!("{at} must be a facet document (an object)"));
    };
    let field = match doc.get("field_name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(format!("{at}.field_name must be a non-empty string")),
    };
    let name = match doc.get("name") {
        None | Some(Value::Null) => field.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(format!("{at}.name must be a string")),
    };
    let kind_name = match doc.get("type") {
        None | Some(Value::Null) => "terms",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(format!("{at}.type must be a string")),
    };
    let size = |default: Option<usize>| -> Result<usize, String> {
        match (doc.get("size"), default) {
            (None | Some(Value::Null), Some(d)) => Ok(d),
            (Some(Value::Number(n)), _) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| (1..=MAX_FACET_SIZE).contains(n))
                .ok_or_else(|| format!("{at}.size must be an integer from 1 to {MAX_FACET_SIZE}")),
            _ => Err(format!("{at}.size must be an integer from 1 to {MAX_FACET_SIZE}")),
        }
    };
    let missing = || -> Result<Option<f64>, String> {
        match doc.get("missing") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| format!("{at}.missing must be a number")),
        }
    };
    let kind = match kind_name {
        "terms" => Kind::Terms { size: size(Some(10))? },
        "sum" => Kind::Sum { missing: missing()? },
        "avg" => Kind::Avg { missing: missing()? },
        "distinct_count" => Kind::DistinctCount,
        "numeric_histogram" => {
            let range = doc.get("histogram_range").and_then(Value::as_object);
            let bound = |k: &str| range.and_then(|r| r.get(k)).and_then(fields::number_of);
            let (Some(low), Some(high)) = (bound("low"), bound("high")) else {
                return Err(format!("{at}.histogram_range must give numbers low and high"));
            };
            if low >= high {
                return Err(format!("{at}.histogram_range: low must be below high"));
            }
            Kind::NumericHistogram { size: size(None)?, low, high }
        }
        "date_histogram" => {
            let interval = match doc.get("date_interval").and_then(Value::as_str) {
                Some("year") => Interval::Year,
                Some("quarter") => Interval::Quarter,
                Some("month") => Interval::Month,
                Some("week") => Interval::Week,
                Some("day") => Interval::Day,
                Some("hour") => Interval::Hour,
                Some("minute") => Interval::Minute,
                Some("second") => Interval::Second,
                _ => {
                    return Err(format!(
                        "{at}.date_interval must be one of year, quarter, month, week, day, hour, minute, second"
                    ));
                }
            };
            let range = match doc.get("histogram_range") {
                None | Some(Value::Null) => None,
                Some(Value::Object(r)) => {
                    let bound = |k: &str| r.get(k).and_then(Value::as_str).and_then(fields::parse_date);
                    match (bound("low"), bound("high")) {
                        (Some(l), Some(h)) if l <= h => Some((l, h)),
                        _ => return Err(format!("{at}.histogram_range must give dates low and high, low first")),
                    }
                }
                Some(_) => return Err(format!("{at}.histogram_range must be an object")),
            };
            Kind::DateHistogram { interval, range }
        }
        other => {
            return Err(format!(
                "{at}.type {other:?} is not a facet type (terms, sum, avg, distinct_count, numeric_histogram, \
                 date_histogram)"
            ));
        }
    };
    let filters = match doc.get("additional_filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => filters::parse_list(list, &format!("{at}.additional_filters"), false, budget)?
            .into_iter()
            .map(|t| t.filter)
            .collect(),
    };
    Ok(Facet { name, field: fields::field_path(&field), kind, filters })
}

fn result(name: &str, body: Map<String, Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("@datatype".into(), json!("GFacetResult"));
    doc.insert("@version".into(), json!("2017-09-01"));
    doc.insert("name".into(), json!(name));
    doc.extend(body);
    Value::Object(doc)
}

fn bucket(value: Value, count: usize) -> Value {
    json!({"@datatype": "GBucket", "@version": "2017-09-01", "value": value, "count": count})
}

impl Facet {
    /// The facet's result over the matched entries' contents.
    pub fn compute(&self, contents: &[&Value]) -> Result<Value, String> {
        let contents: Vec<&Value> =
            contents.iter().copied().filter(|c| self.filters.iter().all(|f| f.matches(c))).collect();
        let mut body = Map::new();
        match &self.kind {
            Kind::Terms { size } => {
                // value (as JSON text, to key distinct values) -> (value, count)
                let mut counts: BTreeMap<String, (Value, usize)> = BTreeMap::new();
                for c in &contents {
                    let distinct: BTreeSet<String> =
                        fields::values_at(c, &self.field).into_iter().map(Value::to_string).collect();
                    for key in distinct {
                        let value = serde_json::from_str(&key).unwrap_or(Value::Null);
                        counts.entry(key).or_insert((value, 0)).1 += 1;
                    }
                }
                let mut buckets: Vec<(Value, usize)> = counts.into_values().collect();
                buckets.sort_by(|(va, ca), (vb, cb)| {
                    cb.cmp(ca).then_with(|| match (Key::of(va), Key::of(vb)) {
                        (Some(a), Some(b)) => a.cmp(&b),
                        _ => std::cmp::Ordering::Equal,
                    })
                });
                buckets.truncate(*size);
                body.insert("buckets".into(), buckets.into_iter().map(|(v, c)| bucket(v, c)).collect());
            }
            Kind::Sum { missing } | Kind::Avg { missing } => {
                let mut numbers = Vec::new();
                for c in &contents {
                    let found: Vec<f64> = fields::values_at(c, &self.field)
                        .into_iter()
                        .filter(|v| v.is_number())
                        .filter_map(fields::number_of)
                        .collect();
                    match (found.is_empty(), missing) {
                        (true, Some(m)) => numbers.push(*m),
                        _ => numbers.extend(found),
                    }
                }
                let sum: f64 = numbers.iter().sum();
                let value = match &self.kind {
                    Kind::Sum { .. } => json!(sum),
                    _ if numbers.is_empty() => Value::Null,
                    _ => json!(sum / numbers.len() as f64),
                };
                body.insert("value".into(), value);
            }
            Kind::DistinctCount => {
                let distinct: BTreeSet<String> = contents
                    .iter()
                    .flat_map(|c| fields::values_at(c, &self.field))
                    .map(Value::to_string)
                    .collect();
                body.insert("approximate_value".into(), json!(distinct.len()));
            }
            Kind::NumericHistogram { size, low, high } => {
                let width = (high - low) / *size as f64;
                let mut counts = vec![0usize; *size];
                for c in &contents {
                    let mut hit = BTreeSet::new();
                    for v in fields::values_at(c, &self.field).into_iter().filter(|v| v.is_number()) {
                        let Some(x) = fields::number_of(v) else { continue };
                        if x < *low || x > *high {
                            continue;
                        }
                        let i = (((x - low) / width).floor() as usize).min(size - 1);
                        hit.insert(i);
                    }
                    for i in hit {
                        if let Some(n) = counts.get_mut(i) {
                            *n += 1;
                        }
                    }
                }
                let buckets = counts
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let from = low + width * i as f64;
                        let to = if i + 1 == *size { *high } else { low + width * (i + 1) as f64 };
                        bucket(json!({"from": from, "to": to}), n)
                    })
                    .collect();
                body.insert("buckets".into(), buckets);
            }
            Kind::DateHistogram { interval, range } => {
                let mut counts: BTreeMap<DateTime<Utc>, usize> = BTreeMap::new();
                for c in &contents {
                    let starts: BTreeSet<DateTime<Utc>> = fields::values_at(c, &self.field)
                        .into_iter()
                        .filter_map(fields::date_of)
                        .filter(|d| range.is_none_or(|(l, h)| l <= *d && *d <= h))
                        .filter_map(|d| start_of(d, *interval))
                        .collect();
                    for s in starts {
                        *counts.entry(s).or_insert(0) += 1;
                    }
                }
                let first = range.and_then(|(l, _)| start_of(l, *interval)).or(counts.keys().next().copied());
                let last = range.and_then(|(_, h)| start_of(h, *interval)).or(counts.keys().last().copied());
                let mut buckets = Vec::new();
                if let (Some(mut at), Some(last)) = (first, last) {
                    while at <= last {
                        if buckets.len() >= MAX_DATE_BUCKETS {
                            return Err(format!(
                                "facet {:?} would make more than {MAX_DATE_BUCKETS} buckets; use a longer date_interval",
                                self.name
                            ));
                        }
                        let n = counts.get(&at).copied().unwrap_or(0);
                        buckets.push(bucket(json!(at.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()), n));
                        let Some(next) = next_start(at, *interval) else { break };
                        at = next;
                    }
                }
                body.insert("buckets".into(), Value::Array(buckets));
            }
        }
        Ok(result(&self.name, body))
    }
}

/// The start of the interval holding `d`.
fn start_of(d: DateTime<Utc>, interval: Interval) -> Option<DateTime<Utc>> {
    let ymd = |y: i32, m: u32, day: u32| Utc.with_ymd_and_hms(y, m, day, 0, 0, 0).single();
    match interval {
        Interval::Year => ymd(d.year(), 1, 1),
        Interval::Quarter => ymd(d.year(), (d.month0() / 3) * 3 + 1, 1),
        Interval::Month => ymd(d.year(), d.month(), 1),
        Interval::Week => {
            let monday = d.date_naive() - Duration::days(i64::from(d.weekday().num_days_from_monday()));
            ymd(monday.year(), monday.month(), monday.day())
        }
        Interval::Day => ymd(d.year(), d.month(), d.day()),
        Interval::Hour => ymd(d.year(), d.month(), d.day()).map(|t| t + Duration::hours(i64::from(d.hour()))),
        Interval::Minute => d.with_second(0).and_then(|t| t.with_nanosecond(0)),
        Interval::Second => d.with_nanosecond(0),
    }
}

/// The start of the interval after the one starting at `at`.
fn next_start(at: DateTime<Utc>, interval: Interval) -> Option<DateTime<Utc>> {
    let months = |n: u32| {
        let total = at.year() * 12 + at.month0() as i32 + n as i32;
        NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    };
    match interval {
        Interval::Year => months(12),
        Interval::Quarter => months(3),
        Interval::Month => months(1),
        Interval::Week => at.checked_add_signed(Duration::weeks(1)),
        Interval::Day => at.checked_add_signed(Duration::days(1)),
        Interval::Hour => at.checked_add_signed(Duration::hours(1)),
        Interval::Minute => at.checked_add_signed(Duration::minutes(1)),
        Interval::Second => at.checked_add_signed(Duration::seconds(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facet(v: Value) -> Facet {
        let mut budget = filters::MAX_FILTERS;
        parse_list(&json!([v]), &mut budget).unwrap().remove(0)
    }

    fn docs() -> Vec<Value> {
        vec![
            json!({"kind": "cat", "n": 1, "d": "2020-01-15", "tags": ["x", "x", "y"]}),
            json!({"kind": "dog", "n": 4, "d": "2020-03-02"}),
            json!({"kind": "cat", "n": 10, "d": "2021-07-01T10:00:00Z"}),
            json!({"kind": "bird"}),
        ]
    }

    fn run(v: Value) -> Value {
        let d = docs();
        let refs: Vec<&Value> = d.iter().collect();
        facet(v).compute(&refs).unwrap()
    }

    fn buckets(r: &Value) -> Vec<(Value, u64)> {
        r["buckets"].as_array().unwrap().iter().map(|b| (b["value"].clone(), b["count"].as_u64().unwrap())).collect()
    }

    #[test]
    fn terms_count_entries_by_value() {
        let r = run(json!({"name": "kinds", "field_name": "kind"}));
        assert_eq!(r["name"], "kinds");
        assert_eq!(buckets(&r), [(json!("cat"), 2), (json!("bird"), 1), (json!("dog"), 1)]);
        let r = run(json!({"field_name": "kind", "type": "terms", "size": 1}));
        assert_eq!(r["name"], "kind", "the name defaults to the field");
        assert_eq!(buckets(&r), [(json!("cat"), 2)]);
        let r = run(json!({"field_name": "tags"}));
        assert_eq!(buckets(&r), [(json!("x"), 1), (json!("y"), 1)], "an entry counts once per value");
        let r = run(json!({"field_name": "kind", "additional_filters": [
            {"type": "range", "field_name": "n", "values": [{"from": 2}]}]}));
        assert_eq!(buckets(&r), [(json!("cat"), 1), (json!("dog"), 1)]);
    }

    #[test]
    fn metrics() {
        assert_eq!(run(json!({"field_name": "n", "type": "sum"}))["value"], 15.0);
        assert_eq!(run(json!({"field_name": "n", "type": "avg"}))["value"], 5.0);
        assert_eq!(run(json!({"field_name": "n", "type": "avg", "missing": 5}))["value"], 5.0);
        assert_eq!(run(json!({"field_name": "zz", "type": "avg"}))["value"], Value::Null);
        assert_eq!(run(json!({"field_name": "kind", "type": "distinct_count"}))["approximate_value"], 3);
    }

    #[test]
    fn histograms() {
        let r = run(json!({"field_name": "n", "type": "numeric_histogram", "size": 2,
            "histogram_range": {"low": 0, "high": 10}}));
        assert_eq!(buckets(&r), [(json!({"from": 0.0, "to": 5.0}), 2), (json!({"from": 5.0, "to": 10.0}), 1)]);
        let r = run(json!({"field_name": "d", "type": "date_histogram", "date_interval": "year"}));
        assert_eq!(buckets(&r), [(json!("2020-01-01T00:00:00.000Z"), 2), (json!("2021-01-01T00:00:00.000Z"), 1)]);
        let r = run(json!({"field_name": "d", "type": "date_histogram", "date_interval": "quarter",
            "histogram_range": {"low": "2020-01-01", "high": "2020-12-31"}}));
        assert_eq!(buckets(&r).iter().map(|(_, n)| *n).collect::<Vec<_>>(), [2, 0, 0, 0]);
        let r = run(json!({"field_name": "d", "type": "date_histogram", "date_interval": "week"}));
        assert_eq!(buckets(&r)[0].0, "2020-01-13T00:00:00.000Z", "weeks start on Monday");
        let d = docs();
        let refs: Vec<&Value> = d.iter().collect();
        let seconds = facet(json!({"field_name": "d", "type": "date_histogram", "date_interval": "second"}));
        assert!(seconds.compute(&refs).unwrap_err().contains("more than"));
    }

    #[test]
    fn bad_facets_say_what_is_wrong() {
        for (v, want) in [
            (json!({"type": "terms"}), "field_name"),
            (json!({"field_name": "a", "type": "nope"}), "not a facet type"),
            (json!({"field_name": "a", "size": 0}), "size"),
            (json!({"field_name": "a", "size": 100000}), "size"),
            (json!({"field_name": "a", "type": "numeric_histogram", "size": 2}), "histogram_range"),
            (json!({"field_name": "a", "type": "date_histogram"}), "date_interval"),
        ] {
            let mut budget = filters::MAX_FILTERS;
            let err = parse_list(&json!([v.clone()]), &mut budget).expect_err(&v.to_string());
            assert!(err.contains(want), "{v}: {err}");
        }
        let mut budget = filters::MAX_FILTERS;
        let twice = json!([{"field_name": "a"}, {"field_name": "a"}]);
        assert!(parse_list(&twice, &mut budget).unwrap_err().contains("distinct name"));
    }
}

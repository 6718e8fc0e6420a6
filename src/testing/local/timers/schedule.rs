//! When a timer runs: the plan read from a v2 schedule (`once`, `recurring` with its end) or
//! from a jobs-API document (`start`, `interval`, `stop_after`, `stop_after_n`), checked as
//! Timers checks it, and the arithmetic of its runs (no overflow: a time past the calendar
//! ends the timer).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::errors::Invalid;

/// The longest interval the local Timers takes (ten years): longer ones are refused rather
/// than overflowing the calendar.
const MAX_INTERVAL_SECONDS: u64 = 10 * 366 * 24 * 3600;
/// The most runs an end condition may count.
const MAX_COUNT: u64 = 1_000_000_000;
/// The jobs API's interval bounds for a recurring job (60 seconds to 365 days).
const JOB_MIN_INTERVAL: u64 = 60;
const JOB_MAX_INTERVAL: u64 = 365 * 24 * 3600;

/// When a timer runs.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Plan {
    /// The first run.
    pub first: DateTime<Utc>,
    /// Seconds between runs; `None` for a timer that runs once.
    pub interval: Option<u64>,
    /// At most this many runs.
    pub max_runs: Option<u64>,
    /// No run after this time.
    pub end: Option<DateTime<Utc>>,
}

impl Plan {
    /// The scheduled time after `after` (strictly), on the grid `first + k * interval`, or
    /// `None` when the timer runs once, or the time is past its end or the calendar.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let interval = i64::try_from(self.interval?).ok().filter(|i| *i > 0)?;
        let next = if after < self.first {
            self.first
        } else {
            let elapsed = (after - self.first).num_seconds();
            let k = elapsed.checked_div(interval)?.checked_add(1)?;
            self.first.checked_add_signed(TimeDelta::try_seconds(k.checked_mul(interval)?)?)?
        };
        self.within_end(next)
    }

    /// `t` if no run is forbidden at that time by the end time.
    pub fn within_end(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.end {
            Some(end) if t > end => None,
            _ => Some(t),
        }
    }

    /// Whether `runs` runs complete the timer.
    pub fn done_after(&self, runs: u64) -> bool {
        self.interval.is_none() || self.max_runs.is_some_and(|m| runs >= m)
    }
}

/// A time in a request: ISO 8601 with a zone, or without one (UTC).
pub(super) fn parse_time(v: &Value, loc: &[&str]) -> Result<DateTime<Utc>, Invalid> {
    let s = v.as_str().ok_or_else(|| Invalid::new(loc, "invalid datetime format", "type_error.datetime"))?;
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(t.to_utc());
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    Err(Invalid::new(loc, "invalid datetime format", "value_error.datetime"))
}

/// A positive integer no larger than `max` (an integral float is taken, as Timers takes it).
fn positive(v: &Value, max: u64, loc: &[&str]) -> Result<u64, Invalid> {
    let n = v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= max as f64).map(|f| f as u64));
    match n {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(Invalid::new(loc, &format!("ensure this value is from 1 to {max}"), "value_error.number")),
        None => Err(Invalid::new(loc, "value is not a valid integer", "type_error.integer")),
    }
}

/// The plan of a v2 schedule (`body.timer.schedule`), and the schedule as the timer shows it.
pub(super) fn from_v2(schedule: &Value, now: DateTime<Utc>) -> Result<(Plan, Map<String, Value>), Invalid> {
    const AT: [&str; 3] = ["body", "timer", "schedule"];
    let at = |field: &'static str| -> Vec<&str> { AT.iter().copied().chain(std::iter::once(field)).collect::<Vec<_>>() };
    let obj = schedule.as_object().ok_or_else(|| Invalid::new(&AT, "value is not a valid dict", "type_error.dict"))?;
    let mut shown = Map::new();
    match obj.get("type").and_then(Value::as_str) {
        Some("once") => {
            let first = match obj.get("datetime").filter(|v| !v.is_null()) {
                Some(v) => parse_time(v, &at("datetime"))?,
                None => now,
            };
            shown.insert("type".into(), "once".into());
            shown.insert("datetime".into(), show_time(first).into());
            Ok((Plan { first, interval: None, max_runs: Some(1), end: None }, shown))
        }
        Some("recurring") => {
            let interval_value = obj
                .get("interval_seconds")
                .ok_or_else(|| Invalid::new(&at("interval_seconds"), "field required", "value_error.missing"))?;
            let interval = positive(interval_value, MAX_INTERVAL_SECONDS, &at("interval_seconds"))?;
            let first = match obj.get("start").filter(|v| !v.is_null()) {
                Some(v) => parse_time(v, &at("start"))?,
                None => now,
            };
            shown.insert("type".into(), "recurring".into());
            shown.insert("interval_seconds".into(), interval.into());
            shown.insert("start".into(), show_time(first).into());
            let mut plan = Plan { first, interval: Some(interval), max_runs: None, end: None };
            match obj.get("end").filter(|v| !v.is_null()) {
                None => {}
                Some(end) => {
                    let end_at = at("end");
                    let e = end.as_object().ok_or_else(|| Invalid::new(&end_at, "value is not a valid dict", "type_error.dict"))?;
                    let condition = e.get("condition").and_then(Value::as_str);
                    let count = e.get("count").or_else(|| e.get("iterations"));
                    match (condition, count) {
                        (Some("iterations") | None, Some(count)) => {
                            let n = positive(count, MAX_COUNT, &[&end_at[..], &["count"]].concat())?;
                            plan.max_runs = Some(n);
                            shown.insert("end".into(), serde_json::json!({"condition": "iterations", "count": n}));
                        }
                        (Some("time"), _) => {
                            let when = e.get("datetime").ok_or_else(|| {
                                Invalid::new(&[&end_at[..], &["datetime"]].concat(), "field required", "value_error.missing")
                            })?;
                            let end = parse_time(when, &[&end_at[..], &["datetime"]].concat())?;
                            if end <= first {
                                return Err(Invalid::new(&end_at, "the end must come after the start", "value_error"));
                            }
                            plan.end = Some(end);
                            shown.insert("end".into(), serde_json::json!({"condition": "time", "datetime": show_time(end)}));
                        }
                        _ => {
                            return Err(Invalid::new(
                                &end_at,
                                "the end condition is {\"condition\": \"iterations\", \"count\": <int>} or {\"condition\": \"time\", \"datetime\": <datetime>}",
                                "value_error",
                            ));
                        }
                    }
                }
            }
            Ok((plan, shown))
        }
        _ => Err(Invalid::new(&at("type"), "the schedule type is \"once\" or \"recurring\"", "value_error.const")),
    }
}

/// The plan of a jobs-API document, as the jobs API checks it: `start` after 1970 and within
/// a year, an interval from 60 seconds to 365 days unless the job stops after exactly one
/// run (then none).
pub(super) fn from_job(doc: &Map<String, Value>, now: DateTime<Utc>) -> Result<Plan, Invalid> {
    let start = doc.get("start").ok_or_else(|| Invalid::new(&["body", "start"], "field required", "value_error.missing"))?;
    let first = parse_time(start, &["body", "start"])?;
    let year = TimeDelta::days(366);
    if first < DateTime::UNIX_EPOCH || now.checked_add_signed(year).is_some_and(|limit| first > limit) {
        return Err(Invalid::new(&["body", "start"], "the start is after 1970 and within a year", "value_error"));
    }
    let max_runs = match doc.get("stop_after_n").filter(|v| !v.is_null()) {
        Some(v) => Some(positive(v, MAX_COUNT, &["body", "stop_after_n"])?),
        None => None,
    };
    let interval = match doc.get("interval").filter(|v| !v.is_null()) {
        None => None,
        Some(_) if max_runs == Some(1) => {
            return Err(Invalid::new(&["body", "interval"], "a job that stops after one run has no interval", "value_error"));
        }
        Some(v) => {
            let i = positive(v, JOB_MAX_INTERVAL, &["body", "interval"])?;
            if i < JOB_MIN_INTERVAL {
                return Err(Invalid::new(&["body", "interval"], "the interval is from 60 seconds to 365 days", "value_error"));
            }
            Some(i)
        }
    };
    let end = match doc.get("stop_after").filter(|v| !v.is_null()) {
        Some(v) => Some(parse_time(v, &["body", "stop_after"])?),
        None => None,
    };
    Ok(Plan { first, interval, max_runs: if interval.is_none() { Some(1) } else { max_runs }, end })
}

/// A time as Timers shows it: `2023-10-27T05:00:00+00:00`.
pub(super) fn show_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn recurring_runs_on_its_grid_until_its_end() {
        let now = t("2030-01-01T00:00:00Z");
        let (plan, shown) = from_v2(
            &json!({"type": "recurring", "interval_seconds": 10, "end": {"condition": "time", "datetime": "2030-01-01T00:00:25Z"}}),
            now,
        )
        .unwrap();
        assert_eq!(shown["start"], "2030-01-01T00:00:00+00:00");
        assert_eq!(plan.next_after(now), Some(t("2030-01-01T00:00:10Z")));
        assert_eq!(plan.next_after(t("2030-01-01T00:00:13Z")), Some(t("2030-01-01T00:00:20Z")));
        assert_eq!(plan.next_after(t("2030-01-01T00:00:20Z")), None, "past the end");
        let (counted, _) = from_v2(&json!({"type": "recurring", "interval_seconds": 1, "end": {"count": 2}}), now).unwrap();
        assert!(!counted.done_after(1) && counted.done_after(2));
    }

    #[test]
    fn bad_schedules_are_refused_with_their_location() {
        let now = t("2030-01-01T00:00:00Z");
        for (schedule, loc) in [
            (json!({"type": "sometimes"}), "type"),
            (json!({"type": "recurring"}), "interval_seconds"),
            (json!({"type": "recurring", "interval_seconds": 0}), "interval_seconds"),
            (json!({"type": "recurring", "interval_seconds": -5}), "interval_seconds"),
            (json!({"type": "recurring", "interval_seconds": 1e300}), "interval_seconds"),
            (json!({"type": "recurring", "interval_seconds": u64::MAX}), "interval_seconds"),
            (json!({"type": "once", "datetime": "tomorrow"}), "datetime"),
            (json!({"type": "recurring", "interval_seconds": 5, "end": {"condition": "iterations", "count": 0}}), "count"),
            (json!({"type": "recurring", "interval_seconds": 5, "end": {"condition": "never"}}), "end"),
            (json!({"type": "recurring", "interval_seconds": 5, "start": "2030-01-02T00:00:00Z",
                    "end": {"condition": "time", "datetime": "2030-01-01T00:00:00Z"}}), "end"),
        ] {
            let e = from_v2(&schedule, now).unwrap_err();
            assert_eq!(e.loc.last().map(String::as_str), Some(loc), "{schedule}");
        }
    }

    #[test]
    fn far_times_end_the_timer_instead_of_overflowing() {
        let plan = Plan { first: DateTime::<Utc>::MAX_UTC, interval: Some(MAX_INTERVAL_SECONDS), max_runs: None, end: None };
        assert_eq!(plan.next_after(DateTime::<Utc>::MAX_UTC), None);
    }

    #[test]
    fn jobs_follow_the_jobs_api_rules() {
        let now = t("2030-01-01T00:00:00Z");
        let doc = |v: Value| v.as_object().unwrap().clone();
        let once = from_job(&doc(json!({"start": "2030-01-01T00:00:00Z", "interval": null})), now).unwrap();
        assert!(once.done_after(1));
        assert!(from_job(&doc(json!({"start": "2030-01-01T00:00:00Z", "interval": 30})), now).is_err());
        assert!(from_job(&doc(json!({"start": "2030-01-01T00:00:00Z", "interval": 60, "stop_after_n": 1})), now).is_err());
        assert!(from_job(&doc(json!({"start": "2040-01-01T00:00:00Z", "interval": 60})), now).is_err());
        let recurring = from_job(&doc(json!({"start": "2030-01-01T00:00:00Z", "interval": 864000.0, "stop_after_n": 3})), now).unwrap();
        assert_eq!(recurring.interval, Some(864_000));
        assert!(recurring.done_after(3));
    }
}

//! Timer documents: schedules ([`OnceSchedule`], [`RecurringSchedule`]), the v2 transfer timer
//! ([`TransferTimer`], for `create_timer`) and the legacy jobs-API document ([`TimerJob`], for
//! `create_job`). Each serializes as the Python SDK's class of the same role does.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::types;
use crate::error::Error;

/// The longest interval of a legacy job, as the jobs API accepts (365 days).
const JOB_MAX_INTERVAL: u64 = 365 * 24 * 3600;
/// The shortest interval of a recurring legacy job, as the jobs API accepts.
const JOB_MIN_INTERVAL: u64 = 60;

/// A schedule time as the Python SDK writes it: ISO 8601 in UTC, whole seconds
/// (`2030-01-02T03:04:05+00:00`).
fn schedule_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A time as Python's `datetime.isoformat()` writes an aware UTC time: microseconds only
/// when there are any.
fn isoformat(t: DateTime<Utc>) -> String {
    let format = if t.timestamp_subsec_micros() == 0 { SecondsFormat::Secs } else { SecondsFormat::Micros };
    t.to_rfc3339_opts(format, false)
}

/// A timer that runs once: now, or at a given time.
///
/// ```
/// use globus_sdk::timers::OnceSchedule;
/// let now = OnceSchedule::new();
/// let later = OnceSchedule::new().at("2030-01-02T03:04:05Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
/// assert_eq!(later.to_json()["datetime"], "2030-01-02T03:04:05+00:00");
/// assert!(now.to_json().get("datetime").is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct OnceSchedule {
    datetime: Option<DateTime<Utc>>,
}

impl OnceSchedule {
    /// Run as soon as the timer is created.
    pub fn new() -> Self {
        Self::default()
    }

    /// Run at this time (Timers asks for a time in the future or close to now).
    pub fn at(mut self, datetime: impl Into<DateTime<Utc>>) -> Self {
        self.datetime = Some(datetime.into());
        self
    }

    /// The schedule document: `{"type": "once"[, "datetime": ...]}`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), "once".into());
        if let Some(t) = self.datetime {
            m.insert("datetime".into(), schedule_time(t).into());
        }
        m
    }
}

/// When a recurring timer stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecurringEnd {
    /// After this many runs: `{"condition": "iterations", "count": n}` (at least 1).
    AfterRuns(u64),
    /// At this time: `{"condition": "time", "datetime": ...}`.
    At(DateTime<Utc>),
}

/// A timer that runs every `interval_seconds`, from now or a start time, until an optional
/// end (a number of runs or a time).
///
/// Checked when the timer document is built (as Timers checks it): the interval is at least
/// one second, an end after a number of runs counts at least one run, and an end time comes
/// after the start when both are given. (The service may ask for a longer interval.)
///
/// ```
/// use globus_sdk::timers::RecurringSchedule;
/// let nightly = RecurringSchedule::new(24 * 3600).end_after_runs(30);
/// let json = nightly.to_json().unwrap();
/// assert_eq!(json["interval_seconds"], 86400);
/// assert_eq!(json["end"], serde_json::json!({"condition": "iterations", "count": 30}));
/// assert!(RecurringSchedule::new(0).to_json().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct RecurringSchedule {
    interval_seconds: u64,
    start: Option<DateTime<Utc>>,
    end: Option<RecurringEnd>,
}

impl RecurringSchedule {
    /// Run every `interval_seconds` seconds.
    pub fn new(interval_seconds: u64) -> Self {
        RecurringSchedule { interval_seconds, start: None, end: None }
    }

    /// First run at this time (else when the timer is created).
    pub fn start(mut self, start: impl Into<DateTime<Utc>>) -> Self {
        self.start = Some(start.into());
        self
    }

    /// Stop after `runs` runs.
    pub fn end_after_runs(mut self, runs: u64) -> Self {
        self.end = Some(RecurringEnd::AfterRuns(runs));
        self
    }

    /// Stop at this time (no run starts after it).
    pub fn end_at(mut self, end: impl Into<DateTime<Utc>>) -> Self {
        self.end = Some(RecurringEnd::At(end.into()));
        self
    }

    /// The schedule document, or why Timers would refuse it.
    pub fn to_json(&self) -> Result<Map<String, Value>, Error> {
        if self.interval_seconds == 0 {
            return Err(Error::invalid_request(
                "a recurring timer's interval is at least 1 second (RecurringSchedule::new(interval_seconds))",
            ));
        }
        let mut m = Map::new();
        m.insert("type".into(), "recurring".into());
        m.insert("interval_seconds".into(), self.interval_seconds.into());
        if let Some(t) = self.start {
            m.insert("start".into(), schedule_time(t).into());
        }
        match self.end {
            None => {}
            Some(RecurringEnd::AfterRuns(0)) => {
                return Err(Error::invalid_request(
                    "a recurring timer that ends after a number of runs runs at least once (end_after_runs(1) or more)",
                ));
            }
            Some(RecurringEnd::AfterRuns(n)) => {
                m.insert("end".into(), serde_json::json!({"condition": "iterations", "count": n}));
            }
            Some(RecurringEnd::At(t)) => {
                if let Some(start) = self.start
                    && t <= start
                {
                    return Err(Error::invalid_request(format!(
                        "a recurring timer's end ({}) must come after its start ({}): change end_at or start",
                        schedule_time(t),
                        schedule_time(start)
                    )));
                }
                m.insert("end".into(), serde_json::json!({"condition": "time", "datetime": schedule_time(t)}));
            }
        }
        Ok(m)
    }
}

/// A timer's schedule: once or recurring (from either, with `into()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimerSchedule {
    /// Runs once.
    Once(OnceSchedule),
    /// Runs every interval until its end.
    Recurring(RecurringSchedule),
}

impl TimerSchedule {
    /// The schedule document, or why Timers would refuse it.
    pub fn to_json(&self) -> Result<Map<String, Value>, Error> {
        match self {
            TimerSchedule::Once(s) => Ok(s.to_json()),
            TimerSchedule::Recurring(s) => s.to_json(),
        }
    }
}

impl From<OnceSchedule> for TimerSchedule {
    fn from(s: OnceSchedule) -> Self {
        TimerSchedule::Once(s)
    }
}

impl From<RecurringSchedule> for TimerSchedule {
    fn from(s: RecurringSchedule) -> Self {
        TimerSchedule::Recurring(s)
    }
}

/// A transfer timer for [`Client::create_timer`](super::Client::create_timer): a schedule and
/// the transfer to run on it, built from a [`TransferData`](crate::transfer::TransferData).
///
/// As the Python SDK's `TransferTimer`, the transfer document is sent without its
/// `submission_id` (each run is a new task; Timers makes its own) and without
/// `skip_activation_check`; everything else of the `TransferData` is kept. The scope the
/// caller's token needs is [`TransferTimer::scope`].
///
/// ```no_run
/// use globus_sdk::authorizers::AccessTokenAuthorizer;
/// use globus_sdk::timers::{RecurringSchedule, TransferTimer};
/// use globus_sdk::transfer::TransferData;
///
/// # async fn demo() -> Result<(), globus_sdk::Error> {
/// let timers = globus_sdk::timers::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
/// let mut data = TransferData::new("SRC-COLLECTION", "DST-COLLECTION").label("nightly backup");
/// data.add_item("/results/", "/backup/results/", true);
/// let schedule = RecurringSchedule::new(24 * 3600).end_after_runs(30);
/// let created = timers.create_timer().body(TransferTimer::new(schedule, &data).name("nightly")).send().await?;
/// println!("timer {} runs next at {:?}", created.timer.job_id, created.timer.next_run);
/// # Ok(()) }
/// ```
#[cfg(feature = "transfer")]
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct TransferTimer {
    schedule: TimerSchedule,
    data: crate::transfer::TransferData,
    name: Option<String>,
}

#[cfg(feature = "transfer")]
impl TransferTimer {
    /// A timer running the transfer `data` on `schedule`.
    pub fn new(schedule: impl Into<TimerSchedule>, data: &crate::transfer::TransferData) -> Self {
        TransferTimer { schedule: schedule.into(), data: data.clone(), name: None }
    }

    /// A name to identify the timer.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The scope a token needs to create this timer: Timers' `timer` scope with Transfer's
    /// `all` as a dependency, with the `data_access` scope of the source and destination
    /// collections (see [`crate::scopes::timers::timer_for_transfer`]).
    pub fn scope(&self) -> crate::scopes::Scope {
        crate::scopes::timers::timer_for_transfer(&self.data)
    }

    /// The timer document (`{"timer_type": "transfer", "name", "schedule", "body"}`), or why
    /// it cannot be sent (a transfer without items, a schedule Timers would refuse).
    pub fn to_document(&self) -> Result<types::TimerCreate, Error> {
        let body = match serde_json::to_value(self.data.to_document("")?) {
            Ok(Value::Object(mut body)) => {
                body.remove("submission_id");
                body.remove("skip_activation_check");
                body
            }
            _ => return Err(Error::invalid_request("the transfer document is not a JSON object")),
        };
        Ok(types::TimerCreate {
            body,
            flow_id: None,
            name: self.name.clone(),
            schedule: self.schedule.to_json()?,
            timer_type: "transfer".into(),
            extra: Map::new(),
        })
    }
}

#[cfg(feature = "transfer")]
impl TryFrom<&TransferTimer> for types::CreateTimerRequest {
    type Error = Error;
    fn try_from(t: &TransferTimer) -> Result<Self, Error> {
        Ok(types::CreateTimerRequest { timer: t.to_document()? })
    }
}

#[cfg(feature = "transfer")]
impl TryFrom<TransferTimer> for types::CreateTimerRequest {
    type Error = Error;
    fn try_from(t: TransferTimer) -> Result<Self, Error> {
        Self::try_from(&t)
    }
}

/// A flow timer for [`Client::create_timer`](super::Client::create_timer): a schedule, the
/// flow to start on it and the run request (as the Python SDK's `FlowTimer`, globus-sdk 4):
/// `body` is what starting the flow takes, e.g. `{"body": <flow input>, "run_managers": [...]}`.
/// The token needs the flow's own `user` scope beneath Timers' `timer` scope
/// (`scopes::timers::timer().with_dependency(scopes::flows::specific_flow(flow_id))`).
///
/// ```
/// use globus_sdk::timers::{FlowTimer, RecurringSchedule};
/// let body = serde_json::json!({"body": {"input_key": "input_value"}}).as_object().unwrap().clone();
/// let timer = FlowTimer::new(RecurringSchedule::new(3600), "FLOW-ID", body).name("hourly flow");
/// let json = serde_json::to_value(timer.to_document().unwrap()).unwrap();
/// assert_eq!(json["timer_type"], "flow");
/// assert_eq!(json["flow_id"], "FLOW-ID");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct FlowTimer {
    schedule: TimerSchedule,
    flow_id: String,
    body: Map<String, Value>,
    name: Option<String>,
}

impl FlowTimer {
    /// A timer starting flow `flow_id` with the run request `body` on `schedule`.
    pub fn new(schedule: impl Into<TimerSchedule>, flow_id: impl Into<String>, body: Map<String, Value>) -> Self {
        FlowTimer { schedule: schedule.into(), flow_id: flow_id.into(), body, name: None }
    }

    /// A name to identify the timer.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The timer document, or why it cannot be sent (a schedule Timers would refuse).
    pub fn to_document(&self) -> Result<types::TimerCreate, Error> {
        Ok(types::TimerCreate {
            body: self.body.clone(),
            flow_id: Some(self.flow_id.clone()),
            name: self.name.clone(),
            schedule: self.schedule.to_json()?,
            timer_type: "flow".into(),
            extra: Map::new(),
        })
    }
}

impl TryFrom<&FlowTimer> for types::CreateTimerRequest {
    type Error = Error;
    fn try_from(t: &FlowTimer) -> Result<Self, Error> {
        Ok(types::CreateTimerRequest { timer: t.to_document()? })
    }
}

impl TryFrom<FlowTimer> for types::CreateTimerRequest {
    type Error = Error;
    fn try_from(t: FlowTimer) -> Result<Self, Error> {
        Self::try_from(&t)
    }
}

/// A legacy timer ("job") for [`Client::create_job`](super::Client::create_job): an action
/// provider's URL, the body to send it on each run, a start and an interval (as the Python
/// SDK's `TimerJob`). For transfers prefer [`TransferTimer`] and `create_timer`.
///
/// Checked when the document is built, as the jobs API checks it: a recurring job's interval
/// is from 60 seconds to 365 days, a job that stops after exactly one run has no interval,
/// `stop_after_n` is at least 1.
///
/// ```
/// use globus_sdk::timers::TimerJob;
/// let start = "2030-01-02T03:04:05Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap();
/// let body = serde_json::json!({"body": {"input": 1}}).as_object().unwrap().clone();
/// let job = TimerJob::new("https://actions.example.org/run", body, start, Some(std::time::Duration::from_secs(3600)))
///     .name("hourly")
///     .stop_after_n(24);
/// let json = serde_json::to_value(job.to_document().unwrap()).unwrap();
/// assert_eq!(json["start"], "2030-01-02T03:04:05+00:00");
/// assert_eq!(json["interval"], 3600);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct TimerJob {
    callback_url: String,
    callback_body: Map<String, Value>,
    start: DateTime<Utc>,
    interval: Option<std::time::Duration>,
    name: Option<String>,
    stop_after: Option<DateTime<Utc>>,
    stop_after_n: Option<u64>,
    scope: Option<String>,
}

/// The Transfer action provider's run URL in production (what Python's
/// `TimerJob.from_transfer_data` calls).
#[cfg(feature = "transfer")]
const TRANSFER_ACTION_URL: &str = "https://actions.automate.globus.org/transfer/transfer/run";

impl TimerJob {
    /// A job calling `callback_url` with `callback_body` from `start`, every `interval`
    /// (whole seconds; `None` for a job that runs once).
    pub fn new(
        callback_url: impl Into<String>,
        callback_body: Map<String, Value>,
        start: impl Into<DateTime<Utc>>,
        interval: Option<std::time::Duration>,
    ) -> Self {
        TimerJob {
            callback_url: callback_url.into(),
            callback_body,
            start: start.into(),
            interval,
            name: None,
            stop_after: None,
            stop_after_n: None,
            scope: None,
        }
    }

    /// A job running the transfer `data` through the Transfer action provider (production's
    /// `https://actions.automate.globus.org/transfer/transfer/run`; set another with
    /// [`Self::callback_url`]), as Python's `TimerJob.from_transfer_data` (globus-sdk 3):
    /// the callback body is `{"body": <transfer document>}`. A `TransferData` with a
    /// submission id is refused, as Python refuses it: a job runs its transfer many times.
    #[cfg(feature = "transfer")]
    pub fn from_transfer_data(
        data: &crate::transfer::TransferData,
        start: impl Into<DateTime<Utc>>,
        interval: Option<std::time::Duration>,
    ) -> Result<Self, Error> {
        if data.get_submission_id().is_some() {
            return Err(Error::invalid_request(
                "cannot create a TimerJob from TransferData which has a submission id: build it without one \
                 (or use TransferData::to_new_submission)",
            ));
        }
        let body = match serde_json::to_value(data.to_document("")?) {
            Ok(Value::Object(mut body)) => {
                body.remove("submission_id");
                body
            }
            _ => return Err(Error::invalid_request("the transfer document is not a JSON object")),
        };
        let mut callback_body = Map::new();
        callback_body.insert("body".into(), Value::Object(body));
        Ok(Self::new(TRANSFER_ACTION_URL, callback_body, start, interval))
    }

    /// Call this URL instead (another environment's action provider).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = url.into();
        self
    }

    /// A (not necessarily unique) name for the job.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Stop running after this time.
    pub fn stop_after(mut self, t: impl Into<DateTime<Utc>>) -> Self {
        self.stop_after = Some(t.into());
        self
    }

    /// Stop after this many runs.
    pub fn stop_after_n(mut self, runs: u64) -> Self {
        self.stop_after_n = Some(runs);
        self
    }

    /// The scope Timers uses to call the action provider (Transfer's `all` by default).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The job document, or why the jobs API would refuse it.
    pub fn to_document(&self) -> Result<types::JobCreate, Error> {
        let interval = self.interval.map(|d| d.as_secs());
        if self.stop_after_n == Some(0) {
            return Err(Error::invalid_request("stop_after_n is at least 1"));
        }
        match interval {
            Some(_) if self.stop_after_n == Some(1) => {
                return Err(Error::invalid_request(
                    "a job that stops after exactly one run has no interval: pass None as the interval",
                ));
            }
            Some(i) if !(JOB_MIN_INTERVAL..=JOB_MAX_INTERVAL).contains(&i) => {
                return Err(Error::invalid_request(format!(
                    "a job's interval is from {JOB_MIN_INTERVAL} seconds to 365 days, not {i} seconds"
                )));
            }
            _ => {}
        }
        let mut extra = Map::new();
        if interval.is_none() {
            // Sent as Python sends it: `"interval": null` for a job that runs once.
            extra.insert("interval".into(), Value::Null);
        }
        Ok(types::JobCreate {
            callback_body: self.callback_body.clone(),
            callback_url: self.callback_url.clone(),
            interval: interval.map(|i| i as i64),
            name: self.name.clone(),
            scope: self.scope.clone(),
            start: isoformat(self.start),
            stop_after: self.stop_after.map(isoformat),
            stop_after_n: self.stop_after_n.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            extra,
        })
    }
}

impl TryFrom<&TimerJob> for types::JobCreate {
    type Error = Error;
    fn try_from(job: &TimerJob) -> Result<Self, Error> {
        job.to_document()
    }
}

impl TryFrom<TimerJob> for types::JobCreate {
    type Error = Error;
    fn try_from(job: TimerJob) -> Result<Self, Error> {
        job.to_document()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn times_are_written_as_python_writes_them() {
        assert_eq!(schedule_time(t("2030-01-02T03:04:05.5Z")), "2030-01-02T03:04:05+00:00");
        assert_eq!(isoformat(t("2030-01-02T03:04:05Z")), "2030-01-02T03:04:05+00:00");
        assert_eq!(isoformat(t("2030-01-02T03:04:05.000123Z")), "2030-01-02T03:04:05.000123+00:00");
    }

    #[test]
    fn recurring_schedules_are_checked() {
        let start = t("2030-01-02T00:00:00Z");
        assert!(RecurringSchedule::new(60).end_after_runs(0).to_json().is_err());
        assert!(RecurringSchedule::new(60).start(start).end_at(start).to_json().is_err());
        let ok = RecurringSchedule::new(60).start(start).end_at(t("2030-01-03T00:00:00Z")).to_json().unwrap();
        assert_eq!(ok["end"]["datetime"], "2030-01-03T00:00:00+00:00");
        assert_eq!(ok["start"], "2030-01-02T00:00:00+00:00");
    }

    #[test]
    fn jobs_are_checked() {
        let body = Map::new();
        let start = t("2030-01-02T00:00:00Z");
        let once = TimerJob::new("u", body.clone(), start, None).stop_after_n(1).to_document().unwrap();
        assert_eq!(serde_json::to_value(&once).unwrap()["interval"], Value::Null);
        let secs = |s| Some(std::time::Duration::from_secs(s));
        assert!(TimerJob::new("u", body.clone(), start, secs(60)).stop_after_n(1).to_document().is_err());
        assert!(TimerJob::new("u", body.clone(), start, secs(59)).to_document().is_err());
        assert!(TimerJob::new("u", body.clone(), start, secs(JOB_MAX_INTERVAL + 1)).to_document().is_err());
        assert!(TimerJob::new("u", body, start, secs(60)).stop_after_n(0).to_document().is_err());
    }
}

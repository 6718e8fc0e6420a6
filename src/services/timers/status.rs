//! Reading a timer: its status and why it is inactive (lenient: a value this SDK does not
//! know is kept, never an error), and the runs of a jobs-API document.

use serde_json::Value;

use super::types;

/// A timer's status (`types::Timer::status`), read leniently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimerStatus {
    /// Created, not run yet.
    New,
    /// Scheduled (has run, or is waiting for its next run).
    Loaded,
    /// A run is in progress.
    Running,
    /// Paused by its owner or stopped by an authorization problem: see
    /// [`types::Timer::inactive_reason`]; `resume_job` restarts it.
    Inactive,
    /// Its end was reached (a once-timer that ran, a number of runs, an end time): it never
    /// runs again.
    Ended,
    /// Being deleted.
    DeleteInProgress,
    /// Deleted.
    Deleted,
    /// A status this SDK does not know, as the service sent it.
    Other(String),
}

impl TimerStatus {
    /// Read a status as the service writes it.
    pub fn parse(s: &str) -> TimerStatus {
        match s {
            "new" => TimerStatus::New,
            "loaded" => TimerStatus::Loaded,
            "running" => TimerStatus::Running,
            "inactive" => TimerStatus::Inactive,
            "ended" => TimerStatus::Ended,
            "delete_in_progress" => TimerStatus::DeleteInProgress,
            "deleted" => TimerStatus::Deleted,
            other => TimerStatus::Other(other.to_string()),
        }
    }

    /// The status as the service writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TimerStatus::New => "new",
            TimerStatus::Loaded => "loaded",
            TimerStatus::Running => "running",
            TimerStatus::Inactive => "inactive",
            TimerStatus::Ended => "ended",
            TimerStatus::DeleteInProgress => "delete_in_progress",
            TimerStatus::Deleted => "deleted",
            TimerStatus::Other(s) => s,
        }
    }

    /// Whether the timer will run again on its own (not inactive, ended or deleted).
    pub fn is_active(&self) -> bool {
        matches!(self, TimerStatus::New | TimerStatus::Loaded | TimerStatus::Running)
    }
}

impl std::fmt::Display for TimerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a timer is inactive (`inactive_reason.cause`), read leniently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InactiveCause {
    /// Its owner paused it.
    User,
    /// A run needs a new login or consent: the detail is a Globus Auth requirements error
    /// (`code`, `authorization_parameters`); resume with `update_credentials` after meeting it.
    GlobusAuthRequirements,
    /// A cause this SDK does not know, as the service sent it.
    Other(String),
}

impl InactiveCause {
    /// Read a cause as the service writes it.
    pub fn parse(s: &str) -> InactiveCause {
        match s {
            "user" => InactiveCause::User,
            "globus_auth_requirements" => InactiveCause::GlobusAuthRequirements,
            other => InactiveCause::Other(other.to_string()),
        }
    }
}

/// Why a timer is inactive: the cause, and its detail as sent (for
/// [`InactiveCause::GlobusAuthRequirements`], the requirements error document).
#[derive(Clone, Debug, PartialEq)]
pub struct InactiveReason {
    /// The cause.
    pub cause: InactiveCause,
    /// The detail (`null` for a pause by the user).
    pub detail: Option<Value>,
}

/// One past run of a timer, from a jobs-API document's `results.data`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimerRun {
    /// When it ran (ISO 8601).
    pub ran_at: Option<String>,
    /// The HTTP status of the run's submission (`202` for a transfer accepted).
    pub status: Option<i64>,
    /// The Transfer task the run started, when it started one.
    pub task_id: Option<String>,
    /// The errors of the run, `None` when it had none.
    pub errors: Option<Value>,
    /// The whole result document.
    pub raw: Value,
}

impl types::Timer {
    /// The status, read leniently (`None` when the document has none).
    ///
    /// ```
    /// use globus_sdk::timers::{TimerStatus, types::Timer};
    /// let timer: Timer = serde_json::from_value(serde_json::json!({"job_id": "t1", "status": "ended"})).unwrap();
    /// assert_eq!(timer.status_kind(), Some(TimerStatus::Ended));
    /// ```
    pub fn status_kind(&self) -> Option<TimerStatus> {
        self.status.as_deref().map(TimerStatus::parse)
    }

    /// Why the timer is inactive (`None` when it is not, or the service said nothing).
    ///
    /// ```
    /// use globus_sdk::timers::{InactiveCause, types::Timer};
    /// let doc = serde_json::json!({"job_id": "t1", "status": "inactive", "inactive_reason": {"cause": "user", "detail": null}});
    /// let timer: Timer = serde_json::from_value(doc).unwrap();
    /// assert_eq!(timer.inactive_reason().unwrap().cause, InactiveCause::User);
    /// ```
    pub fn inactive_reason(&self) -> Option<InactiveReason> {
        let reason = self.inactive_reason.as_ref()?;
        let cause = reason.get("cause").and_then(Value::as_str).map(InactiveCause::parse)?;
        let detail = reason.get("detail").filter(|d| !d.is_null()).cloned();
        Some(InactiveReason { cause, detail })
    }

    /// The runs listed in a jobs-API document (`results.data`; `get_job` answers the first
    /// page), oldest first as the service lists them; none for a document without results.
    ///
    /// ```
    /// use globus_sdk::timers::types::Timer;
    /// let doc = serde_json::json!({"job_id": "t1", "results": {"data": [
    ///     {"ran_at": "2030-01-01T00:00:00+00:00", "status": 202, "errors": null,
    ///      "data": {"action_id": "a1", "details": {"task_id": "task-1"}}}
    /// ], "page_next": null}});
    /// let timer: Timer = serde_json::from_value(doc).unwrap();
    /// assert_eq!(timer.runs()[0].task_id.as_deref(), Some("task-1"));
    /// ```
    pub fn runs(&self) -> Vec<TimerRun> {
        let Some(results) = &self.results else { return Vec::new() };
        let list = results.get("data").and_then(Value::as_array).or_else(|| results.as_array());
        list.into_iter()
            .flatten()
            .map(|r| {
                let data = r.get("data");
                let task_id = data
                    .and_then(|d| d.get("details"))
                    .and_then(|d| d.get("task_id"))
                    .or_else(|| data.and_then(|d| d.get("task_id")))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                TimerRun {
                    ran_at: r.get("ran_at").and_then(Value::as_str).map(str::to_string),
                    status: r.get("status").and_then(Value::as_i64),
                    task_id,
                    errors: r.get("errors").filter(|e| !e.is_null()).cloned(),
                    raw: r.clone(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(TimerStatus::parse("paused_forever"), TimerStatus::Other("paused_forever".into()));
        assert_eq!(TimerStatus::parse("paused_forever").as_str(), "paused_forever");
        for s in ["new", "loaded", "running", "inactive", "ended", "delete_in_progress", "deleted"] {
            assert_eq!(TimerStatus::parse(s).as_str(), s);
        }
        assert_eq!(InactiveCause::parse("other"), InactiveCause::Other("other".into()));
        assert!(TimerStatus::Loaded.is_active() && !TimerStatus::Ended.is_active());
    }
}

//! The timers: each one's plan, transfer, status, runs and credential, and the documents
//! that show it (the v2 document `create_timer` answers, the jobs-API document the jobs
//! operations answer).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::schedule::{Plan, show_time};
use crate::Secret;

/// The runs kept per timer (the oldest are forgotten).
pub(super) const MAX_RUNS_KEPT: usize = 1000;

/// A timer's status, as Timers writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Not run yet.
    New,
    /// Has run, waiting for its next run.
    Loaded,
    /// A run is being submitted.
    Running,
    /// Paused (or stopped by an authorization problem).
    Inactive,
    /// Its end was reached.
    Ended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Loaded => "loaded",
            Status::Running => "running",
            Status::Inactive => "inactive",
            Status::Ended => "ended",
        }
    }

    /// Whether the scheduler runs it when it is due.
    pub fn is_scheduled(self) -> bool {
        matches!(self, Status::New | Status::Loaded)
    }
}

/// Which API created the timer (what `create_*` answers).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Origin {
    /// `POST /v2/timer`: the schedule as shown.
    V2 { schedule: Map<String, Value> },
    /// `POST /jobs/`: the job's fields as sent.
    Job { callback_url: String, callback_body: Map<String, Value>, scope: Option<String> },
}

/// One run: when, what Transfer answered, the task it started.
#[derive(Clone, Debug)]
pub(super) struct Run {
    pub ran_at: DateTime<Utc>,
    /// The HTTP status of the submission (0 when Transfer could not be reached).
    pub status: u16,
    pub task_id: Option<String>,
    pub errors: Option<Value>,
}

/// One timer.
pub(super) struct TimerRecord {
    pub id: String,
    pub owner: String,
    pub name: Option<String>,
    pub origin: Origin,
    pub plan: Plan,
    /// The transfer document each run submits (without `submission_id`).
    pub body: Map<String, Value>,
    pub status: Status,
    /// Inactive: why.
    pub inactive_reason: Option<Value>,
    pub submitted_at: DateTime<Utc>,
    pub last_ran_at: Option<DateTime<Utc>>,
    /// The next scheduled run; `None` once ended.
    pub next_run: Option<DateTime<Utc>>,
    pub number_of_runs: u64,
    pub number_of_errors: u64,
    pub runs: VecDeque<Run>,
    /// The refresh token of Timers' dependent grant for Transfer (never shown).
    pub credential: Secret,
}

/// The Transfer action provider's URL, as the jobs API shows a transfer timer's callback.
pub(super) const TRANSFER_ACTION_URL: &str = "https://actions.automate.globus.org/transfer/transfer/run";

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map(show_time).map_or(Value::Null, Value::from)
}

impl TimerRecord {
    /// The v2 document (`create_timer`'s `timer`).
    pub fn v2(&self) -> Value {
        json!({
            "job_id": self.id,
            "name": self.name,
            "timer_type": "transfer",
            "schedule": self.schedule(),
            "body": self.body,
            "status": self.status.as_str(),
            "inactive_reason": self.inactive_reason,
            "submitted_at": show_time(self.submitted_at),
            "last_ran_at": time(self.last_ran_at),
            "next_run": time(self.next_run),
            "number_of_runs": self.number_of_runs,
            "number_of_errors": self.number_of_errors,
        })
    }

    /// The jobs-API document, with the runs (newest last) under `results.data`.
    pub fn job(&self) -> Value {
        let (callback_url, callback_body, scope) = match &self.origin {
            Origin::Job { callback_url, callback_body, scope } => {
                (callback_url.clone(), Value::Object(callback_body.clone()), scope.clone())
            }
            Origin::V2 { .. } => (TRANSFER_ACTION_URL.to_string(), json!({"body": self.body}), None),
        };
        json!({
            "job_id": self.id,
            "name": self.name,
            "timer_type": "transfer",
            "callback_url": callback_url,
            "callback_body": callback_body,
            "scope": scope,
            "start": show_time(self.plan.first),
            "interval": self.plan.interval.map(|i| i as f64),
            "stop_after": if self.plan.end.is_some() || self.plan.interval.is_some() && self.plan.max_runs.is_some() {
                json!({"date": time(self.plan.end), "n_runs": self.plan.max_runs})
            } else {
                Value::Null
            },
            "schedule": self.schedule(),
            "status": self.status.as_str(),
            "inactive_reason": self.inactive_reason,
            "submitted_at": show_time(self.submitted_at),
            "last_ran_at": time(self.last_ran_at),
            "next_run": time(self.next_run),
            "n_runs": self.number_of_runs,
            "n_errors": self.number_of_errors,
            "results": {"data": self.runs.iter().map(|r| self.run_document(r)).collect::<Vec<_>>(), "page_next": null},
        })
    }

    fn schedule(&self) -> Value {
        match &self.origin {
            Origin::V2 { schedule } => Value::Object(schedule.clone()),
            Origin::Job { .. } => match self.plan.interval {
                None => json!({"type": "once", "datetime": show_time(self.plan.first)}),
                Some(i) => {
                    let mut s = json!({"type": "recurring", "interval_seconds": i, "start": show_time(self.plan.first)});
                    if let Some(n) = self.plan.max_runs {
                        s["end"] = json!({"condition": "iterations", "count": n});
                    } else if let Some(end) = self.plan.end {
                        s["end"] = json!({"condition": "time", "datetime": show_time(end)});
                    }
                    s
                }
            },
        }
    }

    /// A run as the jobs API lists it: the action's status document under `data` (its
    /// `details` the task's id), the submission's status, `errors`, `ran_at`.
    fn run_document(&self, r: &Run) -> Value {
        let ran_at = show_time(r.ran_at);
        let data = r.task_id.as_ref().map(|task_id| {
            json!({
                "action_id": task_id,
                "creator_id": format!("urn:globus:auth:identity:{}", self.owner),
                "status": "ACTIVE",
                "display_status": "ACTIVE",
                "start_time": ran_at,
                "details": {
                    "DATA_TYPE": "task",
                    "task_id": task_id,
                    "type": "TRANSFER",
                    "label": self.body.get("label").cloned().unwrap_or(Value::Null),
                    "source_endpoint_id": self.body.get("source_endpoint").cloned().unwrap_or(Value::Null),
                    "destination_endpoint_id": self.body.get("destination_endpoint").cloned().unwrap_or(Value::Null),
                },
            })
        });
        json!({
            "data": data,
            "errors": r.errors,
            "status": r.status,
            "ran_at": ran_at,
            "run_status": if r.errors.is_none() { "succeeded" } else { "failed" },
            "resource_id": r.task_id,
            "start_timestamp": ran_at,
            "end_timestamp": ran_at,
            "http_status_submission": r.status,
        })
    }

    /// Record a run and plan the next one (the end reached: ended).
    pub fn record(&mut self, run: Run, scheduled: DateTime<Utc>, now: DateTime<Utc>) {
        self.number_of_runs += 1;
        if run.errors.is_some() {
            self.number_of_errors += 1;
        }
        self.last_ran_at = Some(run.ran_at);
        self.runs.push_back(run);
        while self.runs.len() > MAX_RUNS_KEPT {
            self.runs.pop_front();
        }
        self.next_run = if self.plan.done_after(self.number_of_runs) {
            None
        } else {
            // The next time on the schedule's grid; runs missed while this one ran late are
            // not made up.
            self.plan.next_after(scheduled.max(now))
        };
        match (self.next_run, self.status) {
            (None, _) => {
                self.status = Status::Ended;
                self.inactive_reason = None;
            }
            (Some(_), Status::Running | Status::New) => self.status = Status::Loaded,
            _ => {}
        }
    }
}

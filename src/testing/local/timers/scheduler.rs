//! The scheduler: one thread that sleeps until the next timer is due (or it is woken: a timer
//! changed, the server stops), runs due timers one at a time, and stops at once when the
//! server stops (a run in flight is abandoned).
//!
//! A run: an access token from the timer's dependent grant (through the core), then, over
//! HTTP to the local Transfer, a submission id and the transfer document. Transfer refusing
//! the token (401, 403), or the grant being gone, makes the timer inactive with cause
//! `globus_auth_requirements` (the run is retried when it is resumed); any other failure is
//! an error run.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::store::{Run, Status};
use super::{Shared, TIMER_SCOPE, TRANSFER_SCOPE};
use crate::Secret;
use crate::testing::local::core::{Core, lock};

/// The longest sleep between checks (timers are woken on change; this is a safety net).
const MAX_SLEEP: Duration = Duration::from_secs(5);
/// How long a submission to Transfer may take.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an in-flight run checks the stop flag.
const STOP_POLL: Duration = Duration::from_millis(10);

/// A due run, taken out of the lock.
struct Due {
    id: String,
    scheduled: DateTime<Utc>,
    body: Map<String, Value>,
    credential: Secret,
}

/// How a run went.
enum Outcome {
    Submitted(Run),
    Failed(Run),
    /// The token was refused: the timer becomes inactive.
    Unauthorized(Run, String),
}

/// The scheduler's loop (its thread's body).
pub(super) fn run(shared: &Arc<Shared>, core: &Arc<Core>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let Ok(http) = reqwest::Client::builder().no_proxy().timeout(SUBMIT_TIMEOUT).build() else { return };
    let mut timers = lock(&shared.timers);
    loop {
        if shared.stopping(core) {
            return;
        }
        let now = Utc::now();
        let due = timers
            .values()
            .filter(|r| r.status.is_scheduled())
            .filter_map(|r| r.next_run.filter(|n| *n <= now).map(|n| (n, r)))
            .min_by_key(|(n, _)| *n)
            .map(|(n, r)| Due { id: r.id.clone(), scheduled: n, body: r.body.clone(), credential: r.credential.clone() });
        if let Some(due) = due {
            if let Some(r) = timers.get_mut(&due.id) {
                r.status = Status::Running;
            }
            drop(timers);
            let outcome = runtime.block_on(async {
                tokio::select! {
                    outcome = submit(core, &http, &due) => Some(outcome),
                    () = stopped(shared, core) => None,
                }
            });
            timers = lock(&shared.timers);
            let Some(outcome) = outcome else { return };
            // Deleted while it ran: nothing to record.
            let Some(r) = timers.get_mut(&due.id) else { continue };
            let now = Utc::now();
            match outcome {
                Outcome::Submitted(run) | Outcome::Failed(run) => r.record(run, due.scheduled, now),
                Outcome::Unauthorized(run, why) => {
                    r.number_of_errors += 1;
                    r.last_ran_at = Some(run.ran_at);
                    r.runs.push_back(run);
                    while r.runs.len() > super::store::MAX_RUNS_KEPT {
                        r.runs.pop_front();
                    }
                    r.status = Status::Inactive;
                    r.inactive_reason = Some(json!({
                        "cause": "globus_auth_requirements",
                        "detail": {
                            "code": "ConsentRequired",
                            "authorization_parameters": {
                                "session_message": why,
                                "required_scopes": [format!("{TIMER_SCOPE}[{TRANSFER_SCOPE}]")],
                            },
                        },
                    }));
                }
            }
            continue;
        }
        let next = timers.values().filter(|r| r.status.is_scheduled()).filter_map(|r| r.next_run).min();
        let sleep = next
            .map(|n| (n - now).to_std().unwrap_or(Duration::ZERO).max(Duration::from_millis(1)))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        timers = match shared.wake.wait_timeout(timers, sleep) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
    }
}

/// Resolves when the server stops.
async fn stopped(shared: &Shared, core: &Core) {
    while !shared.stopping(core) {
        tokio::time::sleep(STOP_POLL).await;
    }
}

/// One run: the transfer submitted to the local Transfer as the timer's owner.
async fn submit(core: &Core, http: &reqwest::Client, due: &Due) -> Outcome {
    let ran_at = Utc::now();
    let failed = |status: u16, errors: Value| Run { ran_at, status, task_id: None, errors: Some(errors) };
    let token = match core.dependent_access_token(&due.credential) {
        Ok(t) => t,
        Err(refusal) => return Outcome::Unauthorized(failed(refusal.status, json!({"detail": refusal.message})), refusal.message),
    };
    let Some(base) = core.urls().url("transfer") else {
        return Outcome::Failed(failed(503, json!({"detail": "the local Globus runs no Transfer"})));
    };
    let bearer = format!("Bearer {}", token.expose());
    let answer = async {
        let id = http.get(format!("{base}/v0.10/submission_id")).header("authorization", &bearer).send().await?;
        let status = id.status().as_u16();
        let id_doc: Value = id.json().await.unwrap_or(Value::Null);
        let Some(submission_id) = id_doc.get("value").and_then(Value::as_str) else {
            return Ok::<_, reqwest::Error>((status, id_doc));
        };
        let mut doc = due.body.clone();
        doc.insert("submission_id".into(), submission_id.into());
        let submitted = http.post(format!("{base}/v0.10/transfer")).header("authorization", &bearer).json(&doc).send().await?;
        let status = submitted.status().as_u16();
        Ok((status, submitted.json().await.unwrap_or(Value::Null)))
    };
    match answer.await {
        Ok((status @ 200..=299, doc)) => match doc.get("task_id").and_then(Value::as_str) {
            Some(task_id) => Outcome::Submitted(Run { ran_at, status, task_id: Some(task_id.to_string()), errors: None }),
            None => Outcome::Failed(failed(status, json!({"detail": "Transfer's answer has no task_id", "response": doc}))),
        },
        Ok((status @ (401 | 403), doc)) => {
            let why = doc.get("message").and_then(Value::as_str).unwrap_or("Transfer refused the timer's token").to_string();
            Outcome::Unauthorized(failed(status, doc), why)
        }
        Ok((status, doc)) => Outcome::Failed(failed(status, doc)),
        // The error names the URL, never the token.
        Err(e) => Outcome::Failed(failed(502, json!({"detail": format!("Transfer could not be reached: {e}")}))),
    }
}

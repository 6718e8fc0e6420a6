//! The engine: one thread that runs the active runs a state at a time (each step taken out
//! of the lock), sleeps until the next Wait ends or Transfer task is due for a poll (or it is
//! woken: a run started, was cancelled or resumed, the server stops), and stops at once when
//! the server stops (an action in flight is abandoned).
//!
//! A run that takes more than [`MAX_STEPS`] states fails (a flow that loops forever is
//! stopped by that bound); a Wait may last at most [`MAX_WAIT_SECONDS`]; an action's task is
//! waited for its state's `WaitTime` (seconds, default and most [`MAX_WAIT_SECONDS`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Shared;
use super::actions::{self, Outcome, Provider};
use super::choice;
use super::paths;
use super::store::{Grants, RunRecord, Status, Waiting};
use crate::testing::local::core::{Core, lock};

/// The most states one run may take.
pub(super) const MAX_STEPS: u32 = 1000;
/// The longest Wait, and the longest an action's task is waited for.
pub(super) const MAX_WAIT_SECONDS: i64 = 86_400;
/// How often a Transfer task is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// The longest sleep between checks (the engine is woken on change; this is a safety net).
const MAX_SLEEP: Duration = Duration::from_secs(2);
/// How long a call to an action provider may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an in-flight step checks the stop flag.
const STOP_POLL: Duration = Duration::from_millis(10);

/// What a step needs of its run (taken out of the lock; the logs stay there).
pub(super) struct Job {
    id: String,
    generation: u64,
    owner: String,
    definition: Value,
    state: Value,
    current: Option<String>,
    waiting: Waiting,
    grants: Grants,
}

impl Job {
    fn of(r: &RunRecord) -> Job {
        Job {
            id: r.id.clone(),
            generation: r.generation,
            owner: r.owner.clone(),
            definition: r.definition.clone(),
            state: r.state.clone(),
            current: r.current.clone(),
            waiting: r.waiting.clone(),
            grants: r.grants.clone(),
        }
    }
}

/// What a step leads to.
#[derive(Debug)]
pub(super) enum Then {
    Goto(String),
    Wait(Waiting),
    Succeed,
    Fail { error: String, cause: String },
    /// The run needs its user: why, and what it waits for when resumed.
    Inactive { why: String, waiting: Waiting },
}

/// A step's result: the new run state, log entries (code, description, details), what next.
#[derive(Debug)]
pub(super) struct Step {
    state: Value,
    logs: Vec<(String, String, Value)>,
    then: Then,
}

/// The engine's loop (its thread's body).
pub(super) fn run(shared: &Arc<Shared>, core: &Arc<Core>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let Ok(http) = reqwest::Client::builder().no_proxy().timeout(CALL_TIMEOUT).build() else { return };
    let mut runs = lock(&shared.runs);
    loop {
        if shared.stopping(core) {
            return;
        }
        let cancels = std::mem::take(&mut *lock(&shared.cancels));
        if !cancels.is_empty() {
            drop(runs);
            let done = runtime.block_on(async {
                tokio::select! {
                    () = cancel_tasks(core, &http, cancels) => true,
                    () = stopped(shared, core) => false,
                }
            });
            if !done {
                return;
            }
            runs = lock(&shared.runs);
            continue;
        }
        let now = Utc::now();
        let due = runs
            .values()
            .filter(|r| r.status == Status::Active && r.current.is_some() && due_at(&r.waiting).is_none_or(|t| t <= now))
            .min_by_key(|r| (due_at(&r.waiting), r.seq))
            .map(Job::of);
        if let Some(job) = due {
            drop(runs);
            let step = runtime.block_on(async {
                tokio::select! {
                    step = step(core, &http, &job) => Some(step),
                    () = stopped(shared, core) => None,
                }
            });
            runs = lock(&shared.runs);
            let Some(step) = step else { return };
            if let Some(r) = runs.get_mut(&job.id)
                && r.status == Status::Active
                && r.generation == job.generation
            {
                apply(r, step);
            }
            continue;
        }
        let next = runs.values().filter(|r| r.status == Status::Active).filter_map(|r| due_at(&r.waiting)).min();
        let sleep = next
            .map(|n| (n - now).to_std().unwrap_or(Duration::ZERO).max(Duration::from_millis(1)))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        runs = match shared.wake.wait_timeout(runs, sleep) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
    }
}

/// When a waiting run is due (None: now).
fn due_at(w: &Waiting) -> Option<DateTime<Utc>> {
    match w {
        Waiting::Ready => None,
        Waiting::Until(t) => Some(*t),
        Waiting::Task { poll_at, .. } => Some(*poll_at),
    }
}

/// Cancel the Transfer tasks of cancelled runs, as their users (a refusal is left alone: the
/// run is over either way).
async fn cancel_tasks(core: &Core, http: &reqwest::Client, tasks: Vec<(String, crate::Secret)>) {
    let Some(base) = core.urls().url("transfer") else { return };
    for (task_id, grant) in tasks {
        if let Ok(token) = core.dependent_access_token(&grant) {
            actions::cancel(http, &base, &token, &task_id).await;
        }
    }
}

async fn stopped(shared: &Shared, core: &Core) {
    while !shared.stopping(core) {
        tokio::time::sleep(STOP_POLL).await;
    }
}

/// Record a step's result in the run.
pub(super) fn apply(r: &mut RunRecord, step: Step) {
    let size = paths::size(&step.state);
    if size > paths::MAX_STATE_BYTES {
        for (code, description, details) in step.logs {
            r.log(&code, description, details);
        }
        let cause = format!(
            "the run's state grew to {size} bytes: the local Flows keeps at most {} per run",
            paths::MAX_STATE_BYTES
        );
        finish_failed(r, "States.Runtime", &cause);
        return;
    }
    r.state = step.state;
    for (code, description, details) in step.logs {
        r.log(&code, description, details);
    }
    match step.then {
        Then::Goto(next) => {
            r.steps += 1;
            if r.steps >= MAX_STEPS {
                let cause = format!("the run took {MAX_STEPS} states without ending: the local Flows stops it there");
                finish_failed(r, "States.Runtime", &cause);
            } else {
                r.current = Some(next);
                r.waiting = Waiting::Ready;
            }
        }
        Then::Wait(w) => r.waiting = w,
        Then::Succeed => {
            r.status = Status::Succeeded;
            r.current = None;
            r.waiting = Waiting::Ready;
            r.completion_time = Some(Utc::now());
            r.details = json!({
                "code": "FlowSucceeded",
                "description": "The Flow run reached a successful completion state",
                "output": r.state,
            });
            let details = json!({"output": r.state});
            r.log("FlowSucceeded", "The Flow Instance completed successfully".into(), details);
        }
        Then::Fail { error, cause } => finish_failed(r, &error, &cause),
        Then::Inactive { why, waiting } => {
            r.status = Status::Inactive;
            r.waiting = waiting;
            let state = r.current.clone().unwrap_or_default();
            r.details = json!({
                "code": "ActionInactive",
                "description": why,
                "details": {"state_name": state, "cause": why},
            });
            r.log("FlowInactive", format!("The Flow run is inactive at state {state}: {why}"), json!({"state_name": state, "cause": why}));
        }
    }
}

/// End a run as FAILED.
pub(super) fn finish_failed(r: &mut RunRecord, error: &str, cause: &str) {
    r.status = Status::Failed;
    r.current = None;
    r.waiting = Waiting::Ready;
    r.completion_time = Some(Utc::now());
    r.details = json!({
        "code": "FlowFailed",
        "description": "The Flow run reached a failure state",
        "output": r.state,
        "error": {"Error": error, "Cause": cause},
    });
    r.log("FlowFailed", "The Flow Instance failed".into(), json!({"error": error, "cause": cause, "output": r.state}));
}

/// The next state of `state` (its `Next`), or the end of the flow (`End`).
fn after(def: &Value) -> Then {
    match def.get("Next").and_then(Value::as_str) {
        Some(next) => Then::Goto(next.to_string()),
        None => Then::Succeed,
    }
}

/// Write `result` at the state's `ResultPath` (default `$`: the result replaces the state).
fn put_result(state: &mut Value, def: &Value, result: Value) -> Result<(), String> {
    match def.get("ResultPath") {
        None => {
            *state = result;
            Ok(())
        }
        Some(Value::Null) => Ok(()),
        Some(Value::String(path)) => paths::set(state, path, result),
        Some(_) => Err("ResultPath must be a JSONPath".into()),
    }
}

/// The input of a state: its `Parameters` filled from the run state, or the value at its
/// `InputPath`, or the whole state.
fn state_input(state: &Value, def: &Value) -> Result<Value, String> {
    if let Some(template) = def.get("Parameters") {
        return paths::fill(template, state);
    }
    match def.get("InputPath").and_then(Value::as_str) {
        Some(path) => Ok(paths::get(state, path)?.cloned().unwrap_or(Value::Null)),
        None => Ok(state.clone()),
    }
}

/// Run one step of a run.
async fn step(core: &Core, http: &reqwest::Client, run: &Job) -> Step {
    let mut state = run.state.clone();
    let name = run.current.clone().unwrap_or_default();
    let Some(def) = run.definition.get("States").and_then(|s| s.get(&name)).cloned() else {
        let cause = format!("the state {name:?} is not defined");
        return Step { state, logs: Vec::new(), then: Then::Fail { error: "States.Runtime".into(), cause } };
    };
    let kind = def.get("Type").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut logs = Vec::new();
    let started = |logs: &mut Vec<(String, String, Value)>, input: &Value| {
        logs.push((
            format!("{kind}Started"),
            format!("State {name} of type {kind} started"),
            json!({"state_name": name, "state_type": kind, "input": input}),
        ));
    };
    let completed = |logs: &mut Vec<(String, String, Value)>, output: &Value| {
        logs.push((
            format!("{kind}Completed"),
            format!("State {name} of type {kind} completed"),
            json!({"state_name": name, "state_type": kind, "output": output}),
        ));
    };
    let fail = |state: Value, logs, cause: String| Step { state, logs, then: Then::Fail { error: "States.Runtime".into(), cause: format!("state {name}: {cause}") } };
    match kind.as_str() {
        "Pass" | "ExpressionEval" => {
            started(&mut logs, &state);
            let result = if def.get("Parameters").is_some() {
                state_input(&state, &def)
            } else if let Some(result) = def.get("Result") {
                Ok(result.clone())
            } else if kind == "Pass" {
                state_input(&state, &def)
            } else {
                Err("an ExpressionEval state needs Parameters".into())
            };
            let written = result.and_then(|r| {
                if def.get("Parameters").is_none() && def.get("Result").is_none() && def.get("ResultPath").is_none() {
                    return Ok(());
                }
                put_result(&mut state, &def, r)
            });
            if let Err(why) = written {
                return fail(state, logs, why);
            }
            completed(&mut logs, &state);
            Step { state, logs, then: after(&def) }
        }
        "Choice" => {
            started(&mut logs, &state);
            let rules = def.get("Choices").and_then(Value::as_array).cloned().unwrap_or_default();
            for rule in &rules {
                match choice::holds(rule, &state) {
                    Ok(true) => {
                        let next = rule.get("Next").and_then(Value::as_str).unwrap_or_default().to_string();
                        completed(&mut logs, &json!({"next": next}));
                        return Step { state, logs, then: Then::Goto(next) };
                    }
                    Ok(false) => {}
                    Err(why) => return fail(state, logs, why),
                }
            }
            match def.get("Default").and_then(Value::as_str) {
                Some(next) => {
                    completed(&mut logs, &json!({"next": next}));
                    Step { state, logs, then: Then::Goto(next.to_string()) }
                }
                None => Step {
                    state,
                    logs,
                    then: Then::Fail {
                        error: "States.NoChoiceMatched".into(),
                        cause: format!("no choice rule of state {name} matched and it has no Default"),
                    },
                },
            }
        }
        "Wait" => match &run.waiting {
            Waiting::Until(_) => {
                completed(&mut logs, &state);
                Step { state, logs, then: after(&def) }
            }
            _ => {
                started(&mut logs, &state);
                match wait_until(&state, &def) {
                    Ok(until) if until <= Utc::now() => {
                        completed(&mut logs, &state);
                        Step { state, logs, then: after(&def) }
                    }
                    Ok(until) => Step { state, logs, then: Then::Wait(Waiting::Until(until)) },
                    Err(why) => fail(state, logs, why),
                }
            }
        },
        "Fail" => {
            let error = def.get("Error").and_then(Value::as_str).unwrap_or("FlowFailed").to_string();
            let cause = def.get("Cause").and_then(Value::as_str).unwrap_or("The flow reached a Fail state").to_string();
            Step { state, logs, then: Then::Fail { error, cause } }
        }
        "Succeed" => Step { state, logs, then: Then::Succeed },
        "Action" => action(core, http, run, &name, &def, state).await,
        other => fail(state, logs, format!("unknown state type {other:?}")),
    }
}

/// When a Wait state ends.
fn wait_until(state: &Value, def: &Value) -> Result<DateTime<Utc>, String> {
    let now = Utc::now();
    let seconds = |v: &Value| -> Result<DateTime<Utc>, String> {
        let s = v.as_f64().filter(|s| s.is_finite() && *s >= 0.0).ok_or("Seconds must be a non-negative number")?;
        if s > MAX_WAIT_SECONDS as f64 {
            return Err(format!("the local Flows waits at most {MAX_WAIT_SECONDS} seconds"));
        }
        Ok(now + chrono::Duration::milliseconds((s * 1000.0) as i64))
    };
    let timestamp = |v: &Value| -> Result<DateTime<Utc>, String> {
        let t = v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .ok_or("Timestamp must be an RFC 3339 time")?
            .with_timezone(&Utc);
        if (t - now).num_seconds() > MAX_WAIT_SECONDS {
            return Err(format!("the local Flows waits at most {MAX_WAIT_SECONDS} seconds"));
        }
        Ok(t)
    };
    let at = |path: &Value| -> Result<Value, String> {
        let path = path.as_str().ok_or("a path must be a JSONPath string")?;
        paths::get(state, path)?.cloned().ok_or_else(|| format!("{path} is not in the run's state"))
    };
    if let Some(s) = def.get("Seconds") {
        seconds(s)
    } else if let Some(p) = def.get("SecondsPath") {
        seconds(&at(p)?)
    } else if let Some(t) = def.get("Timestamp") {
        timestamp(t)
    } else if let Some(p) = def.get("TimestampPath") {
        timestamp(&at(p)?)
    } else {
        Err("a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath".into())
    }
}

/// An Action state: start the action (or poll its task), then record its result.
async fn action(core: &Core, http: &reqwest::Client, run: &Job, name: &str, def: &Value, state: Value) -> Step {
    let mut logs = Vec::new();
    let url = def.get("ActionUrl").and_then(Value::as_str).unwrap_or_default();
    let Some(provider) = Provider::of(url) else {
        let cause = format!("state {name}: the local Flows knows no action provider at {url:?}");
        return Step { state, logs, then: Then::Fail { error: "ActionFailedException".into(), cause } };
    };
    let grant = match provider {
        Provider::Ingest => run.grants.search.as_ref(),
        _ => run.grants.transfer.as_ref(),
    };
    let token = match grant.map(|g| core.dependent_access_token(g)) {
        Some(Ok(t)) => Some(t),
        Some(Err(_)) | None => None,
    };
    let Some(base) = core.urls().url(provider.service()) else {
        let cause = format!("state {name}: the local Globus runs no {} for this action", provider.service());
        return Step { state, logs, then: Then::Fail { error: "ActionFailedException".into(), cause } };
    };
    let creator = run.owner.clone();
    let (outcome, action_id, start, waiting) = match &run.waiting {
        Waiting::Task { task_id, action_id, started, deadline, .. } => {
            let waiting = run.waiting.clone();
            let Some(token) = token else {
                return inactive(state, logs, provider, waiting);
            };
            match actions::poll(http, &base, &token, task_id).await {
                Some(outcome) => (outcome, action_id.clone(), *started, waiting),
                None if Utc::now() > *deadline => (
                    Outcome::Failed(format!("the action did not complete within its WaitTime (task {task_id})"), Value::Null),
                    action_id.clone(),
                    *started,
                    waiting,
                ),
                None => {
                    let next = Waiting::Task {
                        task_id: task_id.clone(),
                        action_id: action_id.clone(),
                        started: *started,
                        poll_at: Utc::now() + chrono::Duration::from_std(POLL_INTERVAL).unwrap_or_default(),
                        deadline: *deadline,
                    };
                    return Step { state, logs, then: Then::Wait(next) };
                }
            }
        }
        _ => {
            let input = match state_input(&state, def) {
                Ok(i) => i,
                Err(why) => {
                    let cause = format!("state {name}: {why}");
                    return Step { state, logs, then: Then::Fail { error: "States.ParameterPathFailure".into(), cause } };
                }
            };
            logs.push((
                "ActionStarted".into(),
                format!("State {name} of type Action started"),
                json!({"state_name": name, "state_type": "Action", "input": input}),
            ));
            let Some(token) = token else {
                return inactive(state, logs, provider, Waiting::Ready);
            };
            (actions::start(http, provider, &base, &token, &input).await, uuid::Uuid::new_v4().to_string(), Utc::now(), Waiting::Ready)
        }
    };
    match outcome {
        Outcome::Succeeded(details) => {
            let result = actions::action_doc(&action_id, name, "SUCCEEDED", details, &creator, start);
            let mut state = state;
            if let Err(why) = put_result(&mut state, def, result.clone()) {
                let cause = format!("state {name}: {why}");
                return Step { state, logs, then: Then::Fail { error: "States.ResultPathMatchFailure".into(), cause } };
            }
            logs.push((
                "ActionCompleted".into(),
                format!("State {name} of type Action completed"),
                json!({"state_name": name, "state_type": "Action", "output": result}),
            ));
            Step { state, logs, then: after(def) }
        }
        Outcome::Task(task_id) => {
            let wait = def
                .get("WaitTime")
                .and_then(Value::as_i64)
                .filter(|w| *w > 0)
                .unwrap_or(MAX_WAIT_SECONDS)
                .min(MAX_WAIT_SECONDS);
            let now = Utc::now();
            let next = Waiting::Task {
                task_id,
                action_id,
                started: start,
                poll_at: now + chrono::Duration::from_std(POLL_INTERVAL).unwrap_or_default(),
                deadline: now + chrono::Duration::seconds(wait),
            };
            Step { state, logs, then: Then::Wait(next) }
        }
        Outcome::Failed(why, details) => {
            let result = actions::action_doc(&action_id, name, "FAILED", details, &creator, start);
            logs.push((
                "ActionFailed".into(),
                format!("State {name} of type Action failed: {why}"),
                json!({"state_name": name, "state_type": "Action", "output": result, "cause": why}),
            ));
            caught(state, logs, def, "ActionFailedException", &why)
        }
        Outcome::Unauthorized(why) => {
            let mut step = inactive(state, logs, provider, waiting);
            if let Then::Inactive { why: w, .. } = &mut step.then {
                *w = format!("{} answered: {why}; {w}", provider.service());
            }
            step
        }
    }
}

/// The run needs its user again for `provider`'s scope.
fn inactive(state: Value, logs: Vec<(String, String, Value)>, provider: Provider, waiting: Waiting) -> Step {
    let why = format!(
        "the run's credentials for {} were refused or are gone: resume the run (with a token for the flow's scope) to \
         grant them again; required scope {}",
        provider.service(),
        provider.scope()
    );
    Step { state, logs, then: Then::Inactive { why, waiting } }
}

/// A failed action: the state's `Catch` whose `ErrorEquals` names the error (or
/// `States.ALL`) leads on, with `{"Error", "Cause"}` at its `ResultPath`; otherwise the run
/// fails.
fn caught(mut state: Value, logs: Vec<(String, String, Value)>, def: &Value, error: &str, cause: &str) -> Step {
    let catches = def.get("Catch").and_then(Value::as_array).cloned().unwrap_or_default();
    for c in &catches {
        let names = c.get("ErrorEquals").and_then(Value::as_array).cloned().unwrap_or_default();
        if names.iter().any(|n| n.as_str() == Some(error) || n.as_str() == Some("States.ALL")) {
            let Some(next) = c.get("Next").and_then(Value::as_str) else { continue };
            let doc = json!({"Error": error, "Cause": cause});
            let written = match c.get("ResultPath") {
                Some(Value::String(p)) => paths::set(&mut state, p, doc),
                Some(_) => Ok(()),
                None => {
                    state = doc;
                    Ok(())
                }
            };
            if let Err(why) = written {
                return Step { state, logs, then: Then::Fail { error: "States.ResultPathMatchFailure".into(), cause: why } };
            }
            return Step { state, logs, then: Then::Goto(next.to_string()) };
        }
    }
    Step { state, logs, then: Then::Fail { error: error.to_string(), cause: cause.to_string() } }
}

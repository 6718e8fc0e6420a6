//! Tasks: every write (ingest, entries, deletions) is a task that one background worker
//! runs in submission order, `PENDING` → `PROGRESS` → `SUCCESS` or `FAILED` (a batch that
//! breaks an index limit fails whole, with the reason in `message`). Deleting an index
//! cancels its pending tasks (`CANCELLED`). [`LocalGlobusBuilder::search_task_delay`]
//! holds each task a while in `PENDING` and in `PROGRESS`, to watch it move.
//!
//! [`LocalGlobusBuilder::search_task_delay`]: crate::testing::LocalGlobusBuilder::search_task_delay

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::access::{Need, RoleName};
use super::request::Request as Query;
use super::store::{NewEntry, Viewer};
use super::{Access, Search, State, Status, errors, no_index};
use crate::testing::local::core::{Core, lock};
use crate::testing::local::http::{Reply, Request};
use crate::testing::local::plugin::{Call, Handled};

/// How many tasks each index remembers (the newest; `get_task_list` lists them).
const TASKS_PER_INDEX: usize = 1000;
/// How many tasks may wait on one index.
const MAX_PENDING: usize = 1000;
/// How long stopping waits for the worker.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What a task does.
pub(super) enum Work {
    Write(Vec<NewEntry>),
    DeleteSubjects(Vec<String>),
    DeleteEntry(String, Option<String>),
    /// The query, and the principals of its caller (what it may see and so delete).
    DeleteByQuery(Box<Query>, Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TaskState {
    Pending,
    Progress,
    Success,
    Failed,
    Cancelled,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "PENDING",
            TaskState::Progress => "PROGRESS",
            TaskState::Success => "SUCCESS",
            TaskState::Failed => "FAILED",
            TaskState::Cancelled => "CANCELLED",
        }
    }

    fn description(self) -> &'static str {
        match self {
            TaskState::Pending => "Task is pending",
            TaskState::Progress => "Task is in progress",
            TaskState::Success => "Task succeeded",
            TaskState::Failed => "Task failed",
            TaskState::Cancelled => "Task was cancelled",
        }
    }

    fn finished(self) -> bool {
        !matches!(self, TaskState::Pending | TaskState::Progress)
    }
}

pub(super) struct Task {
    id: String,
    index_id: String,
    task_type: &'static str,
    state: TaskState,
    message: Option<String>,
    created: DateTime<Utc>,
    completed: Option<DateTime<Utc>>,
    work: Option<Work>,
}

impl Task {
    fn document(&self) -> Value {
        let time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        json!({
            "task_id": self.id,
            "state": self.state.as_str(),
            "state_description": self.state.description(),
            "task_type": self.task_type,
            "index_id": self.index_id,
            "message": self.message,
            "additional_details": null,
            "creation_date": time(self.created),
            "completion_date": self.completed.map(time),
        })
    }
}

/// The tasks, by id, and each index's newest first.
#[derive(Default)]
pub(super) struct TaskStore {
    tasks: HashMap<String, Task>,
    by_index: HashMap<String, VecDeque<String>>,
}

impl TaskStore {
    /// Record a new pending task; its id.
    fn add(&mut self, index_id: &str, task_type: &'static str, work: Work) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let task = Task {
            id: id.clone(),
            index_id: index_id.to_string(),
            task_type,
            state: TaskState::Pending,
            message: None,
            created: Utc::now(),
            completed: None,
            work: Some(work),
        };
        self.tasks.insert(id.clone(), task);
        let list = self.by_index.entry(index_id.to_string()).or_default();
        list.push_front(id.clone());
        // Forget the oldest finished tasks past the limit (a pending one is kept: it still
        // has work to do).
        while list.len() > TASKS_PER_INDEX {
            let Some(pos) = list.iter().rposition(|t| self.tasks.get(t).is_none_or(|t| t.state.finished())) else {
                break;
            };
            if let Some(old) = list.remove(pos) {
                self.tasks.remove(&old);
            }
        }
        id
    }

    /// Cancel an index's pending tasks (it is being deleted).
    pub(super) fn cancel_pending(&mut self, index_id: &str) {
        for id in self.by_index.get(index_id).into_iter().flatten() {
            if let Some(t) = self.tasks.get_mut(id).filter(|t| t.state == TaskState::Pending) {
                t.state = TaskState::Cancelled;
                t.message = Some("The index was marked for deletion before the task ran".into());
                t.completed = Some(Utc::now());
                t.work = None;
            }
        }
    }
}

/// Submit a task on an index (already checked open and allowed): the answer to send. An
/// index with [`MAX_PENDING`] tasks waiting takes no more (429) until the worker catches up.
pub(super) fn submit(
    s: &Search,
    state: &mut State,
    index_id: &str,
    task_type: &'static str,
    work: Work,
    req: &Request,
) -> Handled {
    let pending = state
        .tasks
        .by_index
        .get(index_id)
        .into_iter()
        .flatten()
        .filter(|id| state.tasks.tasks.get(*id).is_some_and(|t| !t.state.finished()))
        .count();
    if pending >= MAX_PENDING {
        let message = format!("The index has {pending} tasks waiting; submit more once they have run");
        return Err(errors::error(429, "TooManyRequests.Generic", message, req));
    }
    let id = state.tasks.add(index_id, task_type, work);
    s.worker.send(&id);
    Ok(Reply::ok(&json!({"acknowledged": true, "task_id": id})))
}

/// The worker thread that runs the tasks.
pub(super) struct Worker {
    sender: Mutex<Option<Sender<String>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl Worker {
    pub fn start(core: Arc<Core>, state: Arc<Mutex<State>>, delay: Duration) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel::<String>();
        let handle = std::thread::Builder::new().name("local-globus-search".into()).spawn(move || {
            loop {
                let id = match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(id) => id,
                    Err(RecvTimeoutError::Timeout) if !core.is_stopping() => continue,
                    Err(_) => return,
                };
                if !wait(&core, delay) {
                    return;
                }
                if !set_state(&state, &id, TaskState::Progress) {
                    continue;
                }
                if !wait(&core, delay) {
                    return;
                }
                run(&state, &id);
            }
        })?;
        Ok(Worker { sender: Mutex::new(Some(tx)), handle: Mutex::new(Some(handle)) })
    }

    fn send(&self, id: &str) {
        if let Some(tx) = lock(&self.sender).as_ref() {
            let _ = tx.send(id.to_string());
        }
    }

    /// Close the queue and wait for the worker, at most [`STOP_GRACE`].
    pub fn stop(&self) {
        lock(&self.sender).take();
        let Some(handle) = lock(&self.handle).take() else { return };
        let until = Instant::now() + STOP_GRACE;
        while !handle.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        if handle.is_finished() {
            let _ = handle.join();
        }
    }
}

/// Sleep `delay` in short steps; false if the server is stopping.
fn wait(core: &Core, delay: Duration) -> bool {
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if core.is_stopping() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5).min(until.saturating_duration_since(Instant::now())));
    }
    !core.is_stopping()
}

/// Move a pending task to `to`; false if it is not pending any more (cancelled).
fn set_state(state: &Mutex<State>, id: &str, to: TaskState) -> bool {
    let mut state = lock(state);
    match state.tasks.tasks.get_mut(id) {
        Some(t) if t.state == TaskState::Pending => {
            t.state = to;
            true
        }
        _ => false,
    }
}

/// Run a task's work on its index and record the outcome.
fn run(state: &Mutex<State>, id: &str) {
    let mut guard = lock(state);
    let state = &mut *guard;
    let Some(task) = state.tasks.tasks.get_mut(id) else { return };
    let Some(work) = task.work.take() else { return };
    let outcome = match state.indexes.get_mut(&task.index_id) {
        Some(index) if index.status == Status::Open => {
            let result = match work {
                Work::Write(batch) => index.store.write(batch).map(|n| format!("{n} entries written")),
                Work::DeleteSubjects(subjects) => {
                    Ok(format!("{} subjects deleted", index.store.delete_subjects(&subjects)))
                }
                Work::DeleteEntry(subject, entry_id) => {
                    let removed = index.store.delete_entry(&subject, entry_id.as_deref());
                    Ok(format!("{} entry deleted", usize::from(removed)))
                }
                Work::DeleteByQuery(query, principals) => {
                    let matched = index.store.matching(&query, &Viewer { principals: &principals });
                    for (subject, entry_id) in &matched {
                        index.store.delete_entry(subject, entry_id.as_deref());
                    }
                    Ok(format!("{} entries deleted", matched.len()))
                }
            };
            if result.is_ok() {
                index.content_last_modified = Some(Utc::now());
            }
            result
        }
        _ => Err("The index was marked for deletion before the task ran".to_string()),
    };
    match outcome {
        Ok(_) => {
            task.state = TaskState::Success;
            task.message = None;
        }
        Err(why) => {
            task.state = TaskState::Failed;
            task.message = Some(why);
        }
    }
    task.completed = Some(Utc::now());
}

/// `GET /v1/task/{task_id}`: writers, admins and owners of the task's index.
pub(super) fn get(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Write, req)?;
    let id = call.param("task_id")?;
    let state = lock(&s.state);
    let missing = || errors::not_found(format!("There is no task with the id {id:?}"), req);
    let task = state.tasks.tasks.get(id).ok_or_else(missing)?;
    let index = state.indexes.get(&task.index_id).ok_or_else(missing)?;
    if index.role_of(&call.caller.principals()).is_none() {
        return Err(errors::denied("get_task", req));
    }
    Ok(Reply::ok(&task.document()))
}

/// `GET /v1/task_list/{index_id}`: the index's newest tasks (at most 1000).
pub(super) fn list(s: &Search, call: &Call<'_, Access>) -> Handled {
    let req = call.req;
    call.caller.need(Need::Write, req)?;
    let index_id = call.param("index_id")?;
    let state = lock(&s.state);
    let index = state.indexes.get(index_id).ok_or_else(|| no_index(index_id, req))?;
    index.require(&call.caller.principals(), RoleName::Writer, "task_list", req)?;
    let tasks: Vec<Value> = state
        .tasks
        .by_index
        .get(index_id)
        .into_iter()
        .flatten()
        .filter_map(|id| state.tasks.tasks.get(id))
        .map(Task::document)
        .collect();
    Ok(Reply::ok(&json!({"index_id": index_id, "tasks": tasks})))
}

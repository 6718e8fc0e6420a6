//! Waiting for a Search task (ingest, deletions) to end.

use std::fmt;
use std::future::IntoFuture;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{Client, types};
use crate::error::Error;

/// What a task's `state` says. Search's states are `CREATING`, `PENDING`, `PROGRESS` (still
/// working), `SUCCESS`, `FAILED` and `CANCELLED` (ended); `state` stays a string so that a
/// state added later still decodes (it is then none of these).
///
/// ```
/// use globus_sdk::search::types::Task;
/// let task: Task = serde_json::from_value(serde_json::json!(
///     {"task_id": "t1", "state": "PROGRESS", "task_type": "INGEST"}
/// )).unwrap();
/// assert!(task.is_working() && !task.is_finished());
/// ```
impl types::Task {
    /// `CREATING`, `PENDING` or `PROGRESS`: the task has not ended.
    pub fn is_working(&self) -> bool {
        matches!(self.state.as_str(), "CREATING" | "PENDING" | "PROGRESS")
    }

    /// `SUCCESS`: the task ended well.
    pub fn is_success(&self) -> bool {
        self.state == "SUCCESS"
    }

    /// `FAILED` or `CANCELLED`: the task ended without doing its work (see `message` and
    /// `additional_details`).
    pub fn is_failed(&self) -> bool {
        matches!(self.state.as_str(), "FAILED" | "CANCELLED")
    }

    /// The task ended, well or not.
    pub fn is_finished(&self) -> bool {
        self.is_success() || self.is_failed()
    }
}

/// Why [`Client::wait_for_task`] did not end with a successful task.
#[derive(Debug)]
#[non_exhaustive]
pub enum TaskWaitError {
    /// The task ended `FAILED` (or `CANCELLED`): its last document, with `message` and
    /// `additional_details` saying why.
    Failed(Box<types::Task>),
    /// The time ran out before the task ended: its last document (the task goes on; only the
    /// waiting stopped). Wait again, or with a longer [`TaskWait::timeout`].
    TimedOut(Box<types::Task>),
    /// A request for the task failed: the service's error (status, code, request id, body)
    /// or the transport's.
    Request(Error),
}

impl TaskWaitError {
    /// The task's last document, when one was read.
    pub fn task(&self) -> Option<&types::Task> {
        match self {
            TaskWaitError::Failed(task) | TaskWaitError::TimedOut(task) => Some(task),
            TaskWaitError::Request(_) => None,
        }
    }

    /// The request's error, when a request failed.
    pub fn request_error(&self) -> Option<&Error> {
        match self {
            TaskWaitError::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for TaskWaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskWaitError::Failed(task) => {
                write!(f, "Search task {} ended {}", task.task_id, task.state)?;
                if let Some(message) = task.message.as_deref().filter(|m| !m.is_empty()) {
                    write!(f, ": {message}")?;
                }
                write!(f, " (see the task's message and additional_details)")
            }
            TaskWaitError::TimedOut(task) => write!(
                f,
                "Search task {} is still {} after the wait's timeout; it goes on: wait again or longer",
                task.task_id, task.state
            ),
            TaskWaitError::Request(e) => write!(f, "could not read the Search task: {e}"),
        }
    }
}

impl std::error::Error for TaskWaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TaskWaitError::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for TaskWaitError {
    fn from(e: Error) -> Self {
        TaskWaitError::Request(e)
    }
}

impl Client {
    /// Wait for a task (an ingest or a deletion) to end: poll `get_task` every
    /// [`TaskWait::DEFAULT_POLL_INTERVAL`] (1 s) for at most [`TaskWait::DEFAULT_TIMEOUT`]
    /// (60 s) unless [`TaskWait::poll_interval`] and [`TaskWait::timeout`] say otherwise.
    /// Awaiting gives the task's final document when it ends `SUCCESS`, and
    /// [`TaskWaitError::Failed`] (`FAILED`, `CANCELLED`), [`TaskWaitError::TimedOut`] or
    /// [`TaskWaitError::Request`] (the service's error, as it came) otherwise. A state the
    /// SDK does not know is waited on like a working one.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use globus_sdk::search::{GIngest, GMetaEntry, TaskWaitError};
    ///
    /// # async fn demo(search: globus_sdk::search::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let entry = GMetaEntry::new("doc-1", ["public"], serde_json::json!({"title": "One"}));
    /// let submitted = search.ingest().index_id("INDEX_ID").body(GIngest::entry(entry)).send().await?;
    /// match search.wait_for_task(&submitted.task_id).timeout(Duration::from_secs(300)).await {
    ///     Ok(task) => println!("done at {:?}", task.completion_date),
    ///     Err(TaskWaitError::Failed(task)) => println!("failed: {:?}", task.message),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn wait_for_task(&self, task_id: impl Into<String>) -> TaskWait<'_> {
        TaskWait {
            client: self,
            task_id: task_id.into(),
            timeout: TaskWait::DEFAULT_TIMEOUT,
            poll_interval: TaskWait::DEFAULT_POLL_INTERVAL,
        }
    }
}

/// A wait for a task, made by [`Client::wait_for_task`]: set the limits, then `.await` it.
///
/// ```no_run
/// # async fn demo(search: globus_sdk::search::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// let task = search.wait_for_task("TASK_ID").poll_interval(Duration::from_secs(5)).timeout(Duration::from_secs(600)).await?;
/// assert!(task.is_success());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a task wait polls nothing until it is awaited"]
pub struct TaskWait<'a> {
    client: &'a Client,
    task_id: String,
    timeout: Duration,
    poll_interval: Duration,
}

impl TaskWait<'_> {
    /// How long a wait lasts unless [`TaskWait::timeout`] says otherwise: 60 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// How often a wait polls unless [`TaskWait::poll_interval`] says otherwise: every second.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

    /// Stop waiting after `timeout` (the last poll is at the timeout). `Duration::MAX` waits
    /// until the task ends, however long that takes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Poll every `interval` (each poll is a request to Search).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

impl<'a> IntoFuture for TaskWait<'a> {
    type Output = Result<types::Task, TaskWaitError>;
    type IntoFuture = BoxFuture<'a, Result<types::Task, TaskWaitError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if self.task_id.is_empty() {
                return Err(TaskWaitError::Request(Error::invalid_request(
                    "wait_for_task needs a task id (the `task_id` of an ingest or delete answer)",
                )));
            }
            let pace = crate::pacing::Pace::new(self.timeout, self.poll_interval);
            loop {
                let task = self.client.get_task().task_id(&self.task_id).send().await?.into_inner();
                if task.is_success() {
                    return Ok(task);
                }
                if task.is_failed() {
                    return Err(TaskWaitError::Failed(Box::new(task)));
                }
                if !pace.next_poll().await {
                    return Err(TaskWaitError::TimedOut(Box::new(task)));
                }
            }
        })
    }
}

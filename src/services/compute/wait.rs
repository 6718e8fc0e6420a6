//! Waiting for a batch of Compute tasks: one batch-status request per poll.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{Client, types};
use crate::error::Error;

impl types::Task {
    /// Whether the task has ended: its status is `success` or `failed`, it carries a result or
    /// an exception, or the service says it is no longer pending.
    ///
    /// ```
    /// use globus_sdk::compute::types::Task;
    /// let running: Task = serde_json::from_value(serde_json::json!({"task_id": "t", "status": "running"})).unwrap();
    /// let done: Task = serde_json::from_value(serde_json::json!({"task_id": "t", "status": "success", "result": "10000"})).unwrap();
    /// assert!(!running.is_finished() && done.is_finished() && done.is_success());
    /// ```
    pub fn is_finished(&self) -> bool {
        if self.is_success() || self.is_failed() || self.result.is_some() || self.exception.is_some() {
            return true;
        }
        match &self.pending {
            Some(serde_json::Value::Bool(pending)) => !pending,
            Some(serde_json::Value::String(pending)) => pending.eq_ignore_ascii_case("false"),
            _ => false,
        }
    }

    /// Whether the task succeeded (status `success`): its serialized result is in `result`.
    ///
    /// ```
    /// use globus_sdk::compute::types::Task;
    /// let t: Task = serde_json::from_value(serde_json::json!({"status": "SUCCESS"})).unwrap();
    /// assert!(t.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("success"))
    }

    /// Whether the task failed (status `failed`): its serialized exception is in `exception`.
    ///
    /// ```
    /// use globus_sdk::compute::types::Task;
    /// let t: Task = serde_json::from_value(serde_json::json!({"status": "failed", "exception": "..."})).unwrap();
    /// assert!(t.is_failed() && t.is_finished());
    /// ```
    pub fn is_failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failed"))
    }
}

impl Client {
    /// Wait for a batch of tasks: every poll is ONE `POST /v2/batch_status` request for the
    /// tasks that have not ended yet (never one request per task), for at most
    /// [`TaskBatchWait::DEFAULT_TIMEOUT`] (60 s) every [`TaskBatchWait::DEFAULT_POLL_INTERVAL`]
    /// (2 s) unless [`TaskBatchWait::timeout`] and [`TaskBatchWait::poll_interval`] say
    /// otherwise. Awaiting gives the last snapshot of every task ([`TaskBatch`]); when the time
    /// runs out first, the tasks still running are in [`TaskBatch::pending`] (they go on; only
    /// the waiting stops). Repeated IDs are asked for once; an empty batch sends nothing.
    ///
    /// ```no_run
    /// # async fn demo(compute: globus_sdk::compute::Client, task_ids: Vec<String>) -> Result<(), globus_sdk::Error> {
    /// use std::time::Duration;
    /// let batch = compute
    ///     .wait_for_tasks(task_ids)
    ///     .timeout(Duration::from_secs(600))
    ///     .poll_interval(Duration::from_secs(5))
    ///     .await?;
    /// for (id, task) in &batch.tasks {
    ///     if task.is_success() {
    ///         println!("{id}: serialized result {:?}", task.result);
    ///     }
    /// }
    /// if !batch.is_complete() {
    ///     println!("still running: {:?}", batch.pending());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn wait_for_tasks<I, S>(&self, task_ids: I) -> TaskBatchWait<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut ids: Vec<String> = Vec::new();
        for id in task_ids {
            let id = id.into();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        TaskBatchWait {
            client: self,
            task_ids: ids,
            timeout: TaskBatchWait::DEFAULT_TIMEOUT,
            poll_interval: TaskBatchWait::DEFAULT_POLL_INTERVAL,
        }
    }
}

/// A wait for a batch of tasks, made by [`Client::wait_for_tasks`]: set the limits, then
/// `.await` it for a [`TaskBatch`].
///
/// ```no_run
/// # async fn demo(compute: globus_sdk::compute::Client) -> Result<(), globus_sdk::Error> {
/// let batch = compute.wait_for_tasks(["t1", "t2"]).timeout(std::time::Duration::from_secs(30)).await?;
/// assert!(batch.is_complete() || !batch.pending().is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a task wait polls nothing until it is awaited"]
pub struct TaskBatchWait<'a> {
    client: &'a Client,
    task_ids: Vec<String>,
    timeout: Duration,
    poll_interval: Duration,
}

impl TaskBatchWait<'_> {
    /// How long a wait lasts unless [`TaskBatchWait::timeout`] says otherwise: 60 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// How often a wait polls unless [`TaskBatchWait::poll_interval`] says otherwise: every
    /// 2 s.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

    /// Stop waiting after `timeout` (the last poll is at the timeout). `Duration::MAX` waits
    /// until every task has ended, however long that takes.
    ///
    /// ```no_run
    /// # async fn demo(compute: globus_sdk::compute::Client) -> Result<(), globus_sdk::Error> {
    /// let batch = compute.wait_for_tasks(["t1"]).timeout(std::time::Duration::MAX).await?;
    /// assert!(batch.is_complete());
    /// # Ok(()) }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Poll every `interval` (each poll is one request, whatever the number of tasks).
    ///
    /// ```no_run
    /// # async fn demo(compute: globus_sdk::compute::Client) -> Result<(), globus_sdk::Error> {
    /// let batch = compute.wait_for_tasks(["t1"]).poll_interval(std::time::Duration::from_secs(10)).await?;
    /// # Ok(()) }
    /// ```
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

impl<'a> IntoFuture for TaskBatchWait<'a> {
    type Output = Result<TaskBatch, Error>;
    type IntoFuture = BoxFuture<'a, Result<TaskBatch, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let pace = crate::pacing::Pace::new(self.timeout, self.poll_interval);
            let mut batch = TaskBatch { tasks: BTreeMap::new(), pending: self.task_ids };
            while !batch.pending.is_empty() {
                let asked = batch.pending.clone();
                let status = self.client.v2_get_task_batch().body_map(|b| b.task_ids(asked)).send().await?.into_inner();
                for (id, task) in status.results {
                    batch.tasks.insert(id, task);
                }
                let tasks = &batch.tasks;
                batch.pending.retain(|id| !tasks.get(id).is_some_and(types::Task::is_finished));
                if batch.pending.is_empty() {
                    break;
                }
                if !pace.next_poll().await {
                    break;
                }
            }
            Ok(batch)
        })
    }
}

/// The tasks of a batch as last seen by [`Client::wait_for_tasks`].
///
/// ```no_run
/// # async fn demo(compute: globus_sdk::compute::Client) -> Result<(), globus_sdk::Error> {
/// let batch = compute.wait_for_tasks(["t1", "t2"]).await?;
/// if let Some(task) = batch.get("t1") {
///     println!("{:?} {:?} {:?}", task.status, task.result, task.exception);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskBatch {
    /// The last snapshot of each task the service reported, by task ID.
    pub tasks: BTreeMap<String, types::Task>,
    pending: Vec<String>,
}

impl TaskBatch {
    /// Whether every task has ended.
    pub fn is_complete(&self) -> bool {
        self.pending.is_empty()
    }

    /// The tasks that had not ended when the wait stopped (including any the service did not
    /// report), in the order they were given.
    pub fn pending(&self) -> &[String] {
        &self.pending
    }

    /// The last snapshot of one task.
    pub fn get(&self, task_id: &str) -> Option<&types::Task> {
        self.tasks.get(task_id)
    }
}

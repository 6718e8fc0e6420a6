//! Submitting tasks safely, waiting for them, and watching their progress.

use std::future::IntoFuture;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};

use super::documents::{DeleteData, TransferData};
use super::{Client, types};
use crate::error::Error;

/// What a task's `status` says. Transfer's statuses are `ACTIVE`, `INACTIVE`, `SUCCEEDED` and
/// `FAILED`; `status` stays a string so that a status added later still decodes (it is then
/// none of these).
///
/// ```
/// use globus_sdk::transfer::types::Task;
/// let task: Task = serde_json::from_value(serde_json::json!(
///     {"task_id": "T-1", "type": "TRANSFER", "status": "SUCCEEDED"}
/// )).unwrap();
/// assert!(task.is_finished() && task.is_succeeded());
/// assert!(!task.is_active() && !task.is_inactive() && !task.is_failed());
/// ```
impl types::Task {
    /// `ACTIVE`: Transfer is working on the task (or about to). [`Client::task_wait`] and
    /// [`Client::task_progress`] poll while this is true.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    /// `INACTIVE`: the task is suspended until someone acts (credentials that expired, an
    /// endpoint paused by its administrator...). It goes on once the cause is fixed, or fails
    /// at its deadline: it is not finished, but waiting alone will not finish it.
    pub fn is_inactive(&self) -> bool {
        self.status == "INACTIVE"
    }

    /// `SUCCEEDED`: every file was copied or deleted (apart from skipped errors, when allowed).
    pub fn is_succeeded(&self) -> bool {
        self.status == "SUCCEEDED"
    }

    /// `FAILED`: the task ended without completing (canceled, past its deadline, a fatal
    /// error: see `fatal_error` and the task's events).
    pub fn is_failed(&self) -> bool {
        self.status == "FAILED"
    }

    /// Finished for good: `SUCCEEDED` or `FAILED`; the status will not change any more.
    pub fn is_finished(&self) -> bool {
        self.is_succeeded() || self.is_failed()
    }
}

impl Client {
    /// Submit a transfer task. When `data` has no submission id, one is fetched from Transfer
    /// first, so the transport may resend the submission after a lost answer without creating
    /// a second task (Transfer answers a repeated submission id with the first task, code
    /// `Duplicate`). The id is kept in `data`: when every answer was lost and the call fails,
    /// calling again with the same `data` resends the same id, as the Python SDK does. To
    /// send a complete [`types::TransferDocument`] yourself, use
    /// [`Client::submit_transfer_document`].
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::transfer::TransferData;
    /// let mut data = TransferData::new("SRC-COLLECTION-ID", "DST-COLLECTION-ID").label("results");
    /// for name in ["a.csv", "b.csv"] {
    ///     data.add_item(format!("/results/{name}"), format!("/backup/{name}"), false);
    /// }
    /// let submitted = transfer.submit_transfer(&data).await?;
    /// println!("task {}", submitted.task_id);
    /// # Ok(()) }
    /// ```
    pub async fn submit_transfer(&self, data: &TransferData) -> Result<types::SubmissionResult, Error> {
        let id = match data.get_submission_id() {
            Some(id) => id,
            None => data.remember_submission_id(self.new_submission_id().await?),
        };
        let document = data.to_document(id)?;
        Ok(self.submit_transfer_document().body(document).send().await?.into_inner())
    }

    /// Submit a delete task, safely as [`Client::submit_transfer`] does (a submission id is
    /// fetched when `data` has none). To send a complete [`types::DeleteDocument`] yourself,
    /// use [`Client::submit_delete_document`].
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::transfer::DeleteData;
    /// let mut data = DeleteData::new("COLLECTION-ID").recursive(true);
    /// data.add_item("/scratch/run-1/").add_item("/scratch/run-2/");
    /// let submitted = transfer.submit_delete(&data).await?;
    /// println!("task {}", submitted.task_id);
    /// # Ok(()) }
    /// ```
    pub async fn submit_delete(&self, data: &DeleteData) -> Result<types::SubmissionResult, Error> {
        let id = match data.get_submission_id() {
            Some(id) => id,
            None => data.remember_submission_id(self.new_submission_id().await?),
        };
        let document = data.to_document(id)?;
        Ok(self.submit_delete_document().body(document).send().await?.into_inner())
    }

    /// A new submission id from Transfer.
    async fn new_submission_id(&self) -> Result<String, Error> {
        Ok(self.get_submission_id().send().await?.into_inner().value)
    }

    /// Wait for a task: poll it while it is `ACTIVE`, for at most
    /// [`TaskWait::DEFAULT_TIMEOUT`] (10 s) every [`TaskWait::DEFAULT_POLL_INTERVAL`] (1 s)
    /// unless [`TaskWait::timeout`] and [`TaskWait::poll_interval`] say otherwise. Awaiting
    /// gives the last snapshot of the task: [`Task::is_finished`](types::Task::is_finished)
    /// when it ended, [`Task::is_inactive`](types::Task::is_inactive) when it needs
    /// attention, [`Task::is_active`](types::Task::is_active) still when the time ran out
    /// (the task goes on; only the waiting stops).
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client, task_id: &str) -> Result<(), globus_sdk::Error> {
    /// use std::time::Duration;
    /// let task = transfer.task_wait(task_id).timeout(Duration::from_secs(600)).poll_interval(Duration::from_secs(5)).await?;
    /// if task.is_active() {
    ///     println!("still running: {:?}", task.nice_status);
    /// }
    /// // With the defaults: up to 10 s, polling every second.
    /// let task = transfer.task_wait(task_id).await?;
    /// # Ok(()) }
    /// ```
    pub fn task_wait(&self, task_id: impl Into<String>) -> TaskWait<'_> {
        TaskWait {
            client: self,
            task_id: task_id.into(),
            timeout: TaskWait::DEFAULT_TIMEOUT,
            poll_interval: TaskWait::DEFAULT_POLL_INTERVAL,
        }
    }

    /// Snapshots of a task every `interval`, ending with the first snapshot that is no
    /// longer `ACTIVE` (or with an error). Draw a progress bar from `bytes_transferred`,
    /// `files_transferred`, `subtasks_*` and `faults`.
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client, task_id: &str) -> Result<(), globus_sdk::Error> {
    /// use futures::StreamExt;
    /// let mut progress = transfer.task_progress(task_id, std::time::Duration::from_secs(2));
    /// while let Some(task) = progress.next().await {
    ///     let task = task?;
    ///     println!("{} bytes, {}/{} files", task.bytes_transferred.unwrap_or(0),
    ///              task.files_transferred.unwrap_or(0), task.files.unwrap_or(0));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn task_progress(
        &self,
        task_id: impl Into<String>,
        interval: Duration,
    ) -> BoxStream<'_, Result<types::Task, Error>> {
        struct State {
            task_id: String,
            first: bool,
            done: bool,
        }
        let state = State { task_id: task_id.into(), first: true, done: false };
        stream::unfold(state, move |mut state| async move {
            if state.done {
                return None;
            }
            if !state.first {
                tokio::time::sleep(interval).await;
            }
            state.first = false;
            match self.get_task().task_id(&state.task_id).send().await {
                Ok(task) => {
                    let task = task.into_inner();
                    state.done = !task.is_active();
                    Some((Ok(task), state))
                }
                Err(e) => {
                    state.done = true;
                    Some((Err(e), state))
                }
            }
        })
        .boxed()
    }
}

/// A wait for a task, made by [`Client::task_wait`]: set the limits, then `.await` it for the
/// last snapshot of the task.
///
/// ```no_run
/// # async fn demo(transfer: globus_sdk::transfer::Client, task_id: &str) -> Result<(), globus_sdk::Error> {
/// use std::time::Duration;
/// let task = transfer.task_wait(task_id).timeout(Duration::from_secs(3600)).poll_interval(Duration::from_secs(30)).await?;
/// if task.is_succeeded() {
///     println!("done");
/// } else if task.is_failed() {
///     println!("failed: {:?}", task.fatal_error);
/// } else if task.is_inactive() {
///     println!("needs attention: {:?}", task.nice_status);
/// } else {
///     println!("still {} after an hour", task.status);
/// }
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
    /// How long a wait lasts unless [`TaskWait::timeout`] says otherwise: 10 s, as in the
    /// Python SDK.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// How often a wait polls unless [`TaskWait::poll_interval`] says otherwise: every second,
    /// so that the default 10 s wait notices the end of a task soon (the Python SDK's default
    /// is 10 s).
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

    /// Stop waiting after `timeout` (the last poll is at the timeout). `Duration::MAX` waits
    /// until the task is no longer `ACTIVE`, however long that takes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Poll every `interval`. Each poll is a request to Transfer: for long tasks, poll
    /// seldom (every 10 s to a minute).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

impl<'a> IntoFuture for TaskWait<'a> {
    type Output = Result<types::Task, Error>;
    type IntoFuture = BoxFuture<'a, Result<types::Task, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let pace = crate::pacing::Pace::new(self.timeout, self.poll_interval);
            loop {
                let task = self.client.get_task().task_id(&self.task_id).send().await?.into_inner();
                if !task.is_active() {
                    return Ok(task);
                }
                if !pace.next_poll().await {
                    return Ok(task);
                }
            }
        })
    }
}

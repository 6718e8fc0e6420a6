//! Submitting tasks safely, waiting for them, and watching their progress.

use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};

use super::documents::{DeleteData, TransferData};
use super::{Client, types};
use crate::error::Error;

/// How [`Client::task_wait`] and [`Client::task_progress`] poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long (the task goes on; only the waiting stops).
    pub timeout: Duration,
    /// Time between two polls.
    pub interval: Duration,
}

impl Default for WaitOptions {
    /// Ten seconds of waiting, polling every second.
    fn default() -> Self {
        WaitOptions { timeout: Duration::from_secs(10), interval: Duration::from_secs(1) }
    }
}

impl WaitOptions {
    /// Wait at most `timeout`, polling every `interval`.
    pub fn new(timeout: Duration, interval: Duration) -> Self {
        WaitOptions { timeout, interval }
    }
}

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
    /// `Duplicate`). To send a complete [`types::TransferDocument`] yourself, use
    /// [`Client::submit_transfer_document`].
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::transfer::TransferData;
    /// let data = TransferData::new("SRC-COLLECTION-ID", "DST-COLLECTION-ID")
    ///     .label("results")
    ///     .add_item("/results/a.csv", "/backup/a.csv", false);
    /// let submitted = transfer.submit_transfer(&data).await?;
    /// println!("task {}", submitted.task_id);
    /// # Ok(()) }
    /// ```
    pub async fn submit_transfer(&self, data: &TransferData) -> Result<types::SubmissionResult, Error> {
        let document = data.to_document(&self.submission_id_for(data.get_submission_id()).await?)?;
        Ok(self.submit_transfer_document().body(document).send().await?.into_inner())
    }

    /// Submit a delete task, safely as [`Client::submit_transfer`] does (a submission id is
    /// fetched when `data` has none). To send a complete [`types::DeleteDocument`] yourself,
    /// use [`Client::submit_delete_document`].
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::transfer::DeleteData;
    /// let data = DeleteData::new("COLLECTION-ID").recursive(true).add_item("/scratch/run-1/");
    /// let submitted = transfer.submit_delete(&data).await?;
    /// println!("task {}", submitted.task_id);
    /// # Ok(()) }
    /// ```
    pub async fn submit_delete(&self, data: &DeleteData) -> Result<types::SubmissionResult, Error> {
        let document = data.to_document(&self.submission_id_for(data.get_submission_id()).await?)?;
        Ok(self.submit_delete_document().body(document).send().await?.into_inner())
    }

    /// The document's own submission id, else a new one from Transfer.
    async fn submission_id_for(&self, given: Option<&str>) -> Result<String, Error> {
        match given {
            Some(id) => Ok(id.to_string()),
            None => Ok(self.get_submission_id().send().await?.into_inner().value),
        }
    }

    /// Poll a task until it is no longer `ACTIVE` or `options.timeout` passes; returns the
    /// last snapshot: [`Task::is_finished`](types::Task::is_finished) when it ended,
    /// [`Task::is_inactive`](types::Task::is_inactive) when it needs attention,
    /// [`Task::is_active`](types::Task::is_active) still when the time ran out.
    ///
    /// ```no_run
    /// # async fn demo(transfer: globus_sdk::transfer::Client, task_id: &str) -> Result<(), globus_sdk::Error> {
    /// use std::time::Duration;
    /// use globus_sdk::transfer::WaitOptions;
    /// let task = transfer.task_wait(task_id, WaitOptions::new(Duration::from_secs(600), Duration::from_secs(5))).await?;
    /// if task.is_active() {
    ///     println!("still running: {:?}", task.nice_status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn task_wait(&self, task_id: &str, options: WaitOptions) -> Result<types::Task, Error> {
        let deadline = tokio::time::Instant::now() + options.timeout;
        loop {
            let task = self.get_task().task_id(task_id).send().await?.into_inner();
            let now = tokio::time::Instant::now();
            if !task.is_active() || now >= deadline {
                return Ok(task);
            }
            tokio::time::sleep(options.interval.min(deadline - now)).await;
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
    pub fn task_progress<'a>(
        &'a self,
        task_id: &'a str,
        interval: Duration,
    ) -> BoxStream<'a, Result<types::Task, Error>> {
        // State: (first poll?, finished?)
        stream::unfold((true, false), move |(first, finished)| async move {
            if finished {
                return None;
            }
            if !first {
                tokio::time::sleep(interval).await;
            }
            match self.get_task().task_id(task_id).send().await {
                Ok(task) => {
                    let task = task.into_inner();
                    let done = !task.is_active();
                    Some((Ok(task), (false, done)))
                }
                Err(e) => Some((Err(Error::from(e)), (false, true))),
            }
        })
        .boxed()
    }
}

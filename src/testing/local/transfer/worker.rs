//! The task workers: one thread per task that really copies or deletes files, honouring
//! recursion, filter rules, sync levels, checksums, deadlines and cancellation, and keeping
//! the task's counters and events up to date.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::submit::Job;
use super::tasks::{Options, TaskRecord, TaskStore};
use super::{Transfer, copy, delete, paths};
use crate::testing::local::core::{Core, lock};
use crate::transfer::types;

/// Start a worker thread for `job`.
pub(super) fn spawn(t: &Transfer, job: Job) -> std::io::Result<()> {
    let (task_id, cancel) = match &job {
        Job::Transfer { task_id, cancel, .. } | Job::Delete { task_id, cancel, .. } => {
            (task_id.clone(), cancel.clone())
        }
    };
    let ctx = Ctx {
        core: t.core.clone(),
        tasks: t.tasks.clone(),
        throttle: t.throttle.clone(),
        retry_interval: t.retry_interval,
        pauses: t.pauses.clone(),
        task_id,
        cancel,
    };
    let handle = std::thread::Builder::new().name("local-globus-task".into()).spawn(move || {
        // A bug in a worker fails its task rather than leaving it active forever.
        let ran = catch_unwind(AssertUnwindSafe(|| match job {
            Job::Transfer { source, destination, items, options, .. } => {
                copy::run(&ctx, &source, &destination, &items, &options)
            }
            Job::Delete { collection, items, recursive, ignore_missing, interpret_globs, .. } => {
                delete::run(&ctx, &collection, &items, recursive, ignore_missing, interpret_globs)
            }
        }));
        if ran.is_err() {
            ctx.fail("ENDPOINT_ERROR", "the local Globus failed while running the task".into());
        }
    })?;
    let mut workers = lock(&t.workers);
    workers.retain(|h| !h.is_finished());
    workers.push(handle);
    Ok(())
}

/// What a worker holds: the tasks it updates, the throttle, the core (to stop with the
/// server), and its task.
pub(super) struct Ctx {
    core: Arc<Core>,
    tasks: Arc<Mutex<TaskStore>>,
    pub(super) throttle: Arc<AtomicU64>,
    /// How long a fault waits before its step is tried again.
    retry_interval: Duration,
    /// The pause rules: the task waits while one holds for it.
    pauses: super::pauses::PauseStore,
    task_id: String,
    cancel: Arc<AtomicBool>,
}

/// Why a step stopped.
pub(super) enum Stop {
    /// The task ended (canceled, expired, failed) or the server is stopping.
    Ended,
    /// A source path failed (retried until the deadline when it may pass; skipped with
    /// `skip_source_errors`).
    Source(std::io::Error),
    /// The destination failed (retried until the deadline when it may pass).
    Destination(std::io::Error),
    /// The task fails at once with this code and description (nothing to retry).
    Failed(&'static str, String),
}

/// Whether a failure may pass (a file that appears, a permission granted, space freed), so
/// that Globus retries it until the deadline: not a path that leads outside the collection,
/// a special file, a directory where a file was expected, or (with `fail_on_quota_errors`)
/// a full disk.
fn transient(e: &std::io::Error, options: &Options) -> bool {
    use std::io::ErrorKind;
    let quota = matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded);
    !(paths::is_escape(e)
        || paths::is_special(e)
        || matches!(e.kind(), ErrorKind::IsADirectory | ErrorKind::NotADirectory)
        || (quota && options.fail_on_quota_errors))
}

impl Ctx {
    pub(super) fn update<R>(&self, f: impl FnOnce(&mut TaskRecord) -> R) -> Option<R> {
        lock(&self.tasks).get_mut(&self.task_id).map(f)
    }

    /// Whether the task must stop now: the server is stopping, the task was canceled or
    /// has ended, or its deadline passed (the task then expires).
    pub(super) fn ended(&self) -> bool {
        if self.core.is_stopping() || self.cancel.load(Ordering::Relaxed) {
            return true;
        }
        self.update(|t| {
            if t.is_active() && t.deadline.is_some_and(|d| chrono::Utc::now() > d) {
                t.finish(Some(("EXPIRED", "The task expired: its deadline passed before it completed".into())));
            }
            !t.is_active()
        })
        .unwrap_or(true)
    }

    /// Wait while a pause holds for the task (a rule on its collections for its owner, or a
    /// pause by id): `is_paused` and `nice_status` `PAUSED` meanwhile, `OK` again after.
    /// Checked before each step, so a pause takes effect at the next file.
    pub(super) fn hold_while_paused(&self) -> Result<(), Stop> {
        loop {
            if self.ended() {
                return Err(Stop::Ended);
            }
            let held = {
                let mut store = lock(&self.tasks);
                let Some(task) = store.get_mut(&self.task_id) else { return Err(Stop::Ended) };
                let held = super::pauses::task_paused_by(&self.pauses, task).is_some();
                if held != task.paused {
                    task.paused = held;
                    task.nice_status = Some(if held { "PAUSED" } else { "OK" });
                }
                held
            };
            if !held {
                return Ok(());
            }
            if !self.sleep(Duration::from_millis(50)) {
                return Err(Stop::Ended);
            }
        }
    }

    /// Run `step` until it succeeds. A failure that may pass is a fault (an error event, the
    /// `faults` count, the code in `nice_status`) and `step` runs again after the retry
    /// interval, until the task ends (its deadline passes, it is canceled, the server
    /// stops). Other failures, and source errors under `skip_source_errors` (the caller
    /// skips them), are returned at once.
    pub(super) fn retrying<T>(
        &self,
        options: &Options,
        src_path: &str,
        dst_path: &str,
        mut step: impl FnMut() -> Result<T, Stop>,
    ) -> Result<T, Stop> {
        let mut faulted = false;
        loop {
            if self.ended() {
                return Err(Stop::Ended);
            }
            let stop = match step() {
                Ok(v) => {
                    if faulted {
                        self.update(|t| t.nice_status = Some("OK"));
                    }
                    return Ok(v);
                }
                Err(stop) => stop,
            };
            let (e, path) = match &stop {
                Stop::Source(e) if !options.skip_source_errors && transient(e, options) => (e, src_path),
                Stop::Destination(e) if transient(e, options) => (e, dst_path),
                _ => return Err(stop),
            };
            let code = error_code(e);
            self.update(|t| {
                t.counters.faults += 1;
                t.nice_status = Some(code);
                let description = code.to_lowercase().replace('_', " ");
                t.event(code, true, &description, format!("{path}: {e} (retrying)"));
            });
            faulted = true;
            if !self.sleep(self.retry_interval) {
                return Err(Stop::Ended);
            }
        }
    }

    /// End the task for `stop` (nothing to do when it already ended).
    pub(super) fn stop(&self, stop: Stop, src_path: &str, dst_path: &str) {
        match stop {
            Stop::Ended => {}
            Stop::Source(e) => self.fail(error_code(&e), format!("{src_path}: {e}")),
            Stop::Destination(e) => self.fail(error_code(&e), format!("{dst_path}: {e}")),
            Stop::Failed(code, description) => self.fail(code, description),
        }
    }

    pub(super) fn fail(&self, code: &str, description: String) {
        self.update(|t| {
            t.counters.faults += 1;
            t.finish(Some((code, description)));
        });
    }

    /// Sleep `d` in short slices, stopping early when the task ends.
    pub(super) fn sleep(&self, d: Duration) -> bool {
        let mut left = d;
        while !left.is_zero() {
            if self.ended() {
                return false;
            }
            let step = left.min(Duration::from_millis(20));
            std::thread::sleep(step);
            left -= step;
        }
        true
    }

    /// Count a subtask done.
    pub(super) fn done(&self, f: impl FnOnce(&mut TaskRecord)) {
        self.update(|t| {
            t.counters.subtasks_pending = (t.counters.subtasks_pending - 1).max(0);
            t.counters.subtasks_succeeded += 1;
            f(t);
        });
    }

    /// Record a source error skipped because of `skip_source_errors`.
    pub(super) fn skip(
        &self,
        src_path: &str,
        dst_path: Option<&str>,
        e: &std::io::Error,
        is_directory: bool,
        pending: bool,
    ) {
        let code = error_code(e);
        self.update(|t| {
            t.counters.faults += 1;
            t.counters.subtasks_skipped_errors += 1;
            if pending {
                t.counters.subtasks_pending -= 1;
            }
            t.skipped.push(types::SkippedError {
                checksum_algorithm: None,
                data_type: Some("skipped_error".into()),
                destination_path: dst_path.map(str::to_string),
                error_code: Some(code.into()),
                error_details: Some(e.to_string()),
                error_time: Some(super::task_time(chrono::Utc::now())),
                external_checksum: None,
                is_delete_destination_extra: Some(false),
                is_directory: Some(is_directory),
                is_symlink: Some(false),
                source_path: Some(src_path.to_string()),
                extra: Default::default(),
            });
            t.event(code, true, "error skipped", format!("{src_path}: {e} (skipped: skip_source_errors is set)"));
        });
    }
}

/// Transfer's error code for an I/O failure.
pub(super) fn error_code(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "FILE_NOT_FOUND",
        std::io::ErrorKind::PermissionDenied => "PERMISSION_DENIED",
        std::io::ErrorKind::StorageFull => "NO_SPACE_LEFT",
        std::io::ErrorKind::QuotaExceeded => "QUOTA_EXCEEDED",
        _ => "ENDPOINT_ERROR",
    }
}

//! The task workers: one thread per task that really copies or deletes files, honouring
//! recursion, filter rules, sync levels, checksums, deadlines and cancellation, and keeping
//! the task's counters and events up to date.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::submit::Job;
use super::tasks::{TaskRecord, TaskStore};
use super::{Transfer, copy, delete};
use crate::testing::local::core::{Core, lock};
use crate::transfer::types;

/// Start a worker thread for `job`.
pub(super) fn spawn(t: &Transfer, job: Job) -> std::io::Result<()> {
    let (task_id, cancel) = match &job {
        Job::Transfer { task_id, cancel, .. } | Job::Delete { task_id, cancel, .. } => {
            (task_id.clone(), cancel.clone())
        }
    };
    let ctx = Ctx { core: t.core.clone(), tasks: t.tasks.clone(), throttle: t.throttle.clone(), task_id, cancel };
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
    task_id: String,
    cancel: Arc<AtomicBool>,
}

/// Why a step stopped.
pub(super) enum Stop {
    /// The task ended (canceled, expired, failed) or the server is stopping.
    Ended,
    /// A source path failed (may be skipped with `skip_source_errors`).
    Source(std::io::Error),
    /// The destination failed (ends the task).
    Destination(std::io::Error),
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

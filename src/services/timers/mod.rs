//! Globus Timers: the generated client for every Timers operation, the v2 timers
//! (`create_timer`) and the jobs API (`list_jobs`, `get_job`, `create_job`, `update_job`,
//! `delete_job`, `pause_job`, `resume_job`). Its scopes are [`crate::scopes::timers`].
//!
//!
//! The hand-written layer: the documents ([`TransferTimer`] from a
//! [`TransferData`](crate::transfer::TransferData), its schedules [`OnceSchedule`] and
//! [`RecurringSchedule`], [`FlowTimer`], the legacy [`TimerJob`]), and reading a timer leniently
//! ([`types::Timer::status_kind`], [`types::Timer::inactive_reason`], [`types::Timer::runs`]).
//! A transfer timer's token needs [`crate::scopes::timers::timer_for_transfer`].
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//! use globus_sdk::timers::{RecurringSchedule, TimerStatus, TransferTimer};
//! use globus_sdk::transfer::TransferData;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let timers = globus_sdk::timers::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! let mut data = TransferData::new("SRC-COLLECTION", "DST-COLLECTION");
//! data.add_item("/in/", "/out/", true);
//! let every_hour = RecurringSchedule::new(3600).end_after_runs(24);
//! let created = timers.create_timer().body(TransferTimer::new(every_hour, &data).name("hourly")).send().await?;
//! let job = timers.get_job().job_id(&created.timer.job_id).send().await?;
//! if job.status_kind() == Some(TimerStatus::Ended) {
//!     for run in job.runs() {
//!         println!("{:?}: task {:?}", run.ran_at, run.task_id);
//!     }
//! }
//! let listing = timers.list_jobs().send().await?;
//! for job in &listing.jobs {
//!     println!("{} {:?}", job.job_id, job.status);
//! }
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "timers",
    feature: "timers",
    resource_server: Some(crate::scopes::timers::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![crate::scopes::timers::timer()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: Some(error_format) },
}

mod documents;
mod status;

#[cfg(feature = "transfer")]
pub use documents::TransferTimer;
pub use documents::{FlowTimer, OnceSchedule, RecurringEnd, RecurringSchedule, TimerJob, TimerSchedule};
pub use status::{InactiveCause, InactiveReason, TimerRun, TimerStatus};

/// Timers' validation errors, `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`, read
/// as the Python SDK reads them: each message with its location (`field required:
/// body.start`), joined by `; `. (`{"error": {"code", "detail"}}` is read by the common
/// layer.)
fn error_format(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let Some(details) = body.get("detail").and_then(serde_json::Value::as_array) else {
        return (None, None);
    };
    let messages: Vec<String> = details
        .iter()
        .filter_map(|d| {
            let msg = d.get("msg")?.as_str()?;
            let loc: Vec<String> = d
                .get("loc")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .map(|l| match l {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Some(if loc.is_empty() { msg.to_string() } else { format!("{msg}: {}", loc.join(".")) })
        })
        .collect();
    let code = details.iter().find_map(|d| d.get("code").and_then(serde_json::Value::as_str)).map(str::to_string);
    (code, (!messages.is_empty()).then(|| messages.join("; ")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn validation_errors_read_as_python_reads_them() {
        let body = serde_json::json!({"detail": [
            {"loc": ["body", "start"], "msg": "field required", "type": "value_error.missing"},
            {"loc": ["body", "callback_url"], "msg": "field required", "type": "value_error.missing"}
        ]});
        assert_eq!(
            super::error_format(&body),
            (None, Some("field required: body.start; field required: body.callback_url".into()))
        );
        assert_eq!(super::error_format(&serde_json::json!({"detail": "Not Found"})), (None, None));
    }
}

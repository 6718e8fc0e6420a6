//! Globus Timers: the generated client for every Timers operation, the v2 timers
//! (`create_timer`) and the jobs API (`list_jobs`, `get_job`, `create_job`, `update_job`,
//! `delete_job`, `pause_job`, `resume_job`). Its scopes are [`crate::scopes::timers`].
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let timers = globus_sdk::timers::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
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
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

//! Globus Compute: the generated client for the v2 and v3 operations of the Compute web
//! service (endpoints, functions, batch submission, tasks, task groups, batch status, the AMQP
//! result URL), and [`Client::wait_for_tasks`], which waits for a batch of tasks with one
//! batch-status request per poll.
//!
//! Operation names are the Python SDK's method names prefixed with the API version:
//! `v2_get_task` is `ComputeClientV2.get_task`, `v3_submit` is `ComputeClientV3.submit`.
//! Function code, task arguments and results are strings serialized by the Globus Compute SDK;
//! this client carries them as they are and never reinterprets them. Its scopes are
//! [`scopes`] (resource server `funcx_service`).
//!
//! ```no_run
//! use std::collections::HashMap;
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo(serialized_args: String) -> Result<(), globus_sdk::Error> {
//! let compute = globus_sdk::compute::Client::with_authorizer(AccessTokenAuthorizer::new("COMPUTE-TOKEN"))?;
//! let function_id = "2b8cb6c4-0000-4000-8000-000000000001";
//! let submitted = compute
//!     .v3_submit()
//!     .endpoint_id("5e3a7f2e-0000-4000-8000-000000000002")
//!     .body_map(|b| b.tasks(HashMap::from([(function_id.to_string(), vec![serialized_args])])))
//!     .send()
//!     .await?;
//! let task_ids: Vec<String> = submitted.tasks.iter().flat_map(|t| t.values().flatten().cloned()).collect();
//! let batch = compute.wait_for_tasks(task_ids).await?;
//! for (id, task) in &batch.tasks {
//!     println!("{id}: {:?} {:?}", task.status, task.result);
//! }
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "compute",
    feature: "compute",
    resource_server: Some(scopes::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![scopes::all()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

pub mod scopes;
mod wait;

pub use wait::{TaskBatch, TaskBatchWait};

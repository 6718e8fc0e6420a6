//! Globus Flows: the generated client for every Flows operation (flows, runs, run logs,
//! registered APIs, web inputs), and [`SpecificFlowClient`] for the operations that act as one
//! flow: starting a run ([`run_flow`](SpecificFlowClient::run_flow)), validating one
//! ([`validate_run`](SpecificFlowClient::validate_run)) and resuming one
//! ([`resume_run`](SpecificFlowClient::resume_run)). Those need a token for the flow's own
//! scope ([`scopes::specific_flow`]), whose resource server is the flow's ID; every other
//! operation takes a Flows token ([`scopes::all`] and the narrower Flows scopes).
//!
//! Listings stream every page: `list_flows`, `list_runs`, `get_run_logs`,
//! `list_registered_apis` and `list_web_inputs` have `into_stream()`.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let flows = globus_sdk::flows::Client::with_authorizer(AccessTokenAuthorizer::new("FLOWS-TOKEN"))?;
//! let mine: Vec<_> = flows.list_flows().filter_roles("flow_owner").into_stream().items().try_collect().await?;
//! for flow in &mine {
//!     println!("{} {}", flow.id, flow.title.as_deref().unwrap_or(""));
//! }
//! let runs = flows.list_runs().filter_status("ACTIVE,INACTIVE").send().await?;
//! for run in &runs.runs {
//!     println!("{} {}", run.run_id, run.status);
//! }
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "flows",
    feature: "flows",
    resource_server: Some(crate::scopes::flows::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![crate::scopes::flows::all()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

mod specific;

pub use crate::scopes::flows as scopes;
pub use specific::SpecificFlowClient;

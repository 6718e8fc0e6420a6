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
    hooks: crate::transport::Hooks { retry_veto: None, error_format: Some(error_format) },
}

/// Flows errors (as the Python SDK's `FlowsAPIError`): a top-level `error` object holds the
/// `code`, and a `detail` that is either text or a list of validation failures (`loc`, `msg`),
/// whose messages are joined; without an `error` object, the generic reading applies.
fn error_format(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let Some(error) = body.get("error").filter(|e| e.is_object()) else {
        return (None, None);
    };
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string);
    let code = text(error.get("code"));
    let message = match error.get("detail") {
        Some(serde_json::Value::Array(details)) => {
            let messages: Vec<&str> = details.iter().filter_map(|d| d.get("msg")?.as_str()).collect();
            (!messages.is_empty()).then(|| messages.join("; ")).or_else(|| text(error.get("message")))
        }
        detail => text(detail).or_else(|| text(error.get("message"))),
    };
    (code, message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn flows_errors_are_read_as_the_python_sdk_reads_them() {
        let list = json!({"debug_id": "d", "error": {"code": "UNPROCESSABLE_ENTITY", "detail": [
            {"loc": ["a"], "msg": "first", "type": "value_error"}, {"loc": ["b"], "msg": "second"}]}});
        assert_eq!(super::error_format(&list), (Some("UNPROCESSABLE_ENTITY".into()), Some("first; second".into())));
        let text = json!({"error": {"code": "STATE_CONFLICT", "detail": "not done"}});
        assert_eq!(super::error_format(&text), (Some("STATE_CONFLICT".into()), Some("not done".into())));
        let gare = json!({"code": "AuthenticationPolicyRequired", "authorization_parameters": {},
                          "error": {"code": "AUTHENTICATION_POLICY_REQUIRED", "detail": "policy"}});
        assert_eq!(super::error_format(&gare).0.as_deref(), Some("AUTHENTICATION_POLICY_REQUIRED"));
        assert_eq!(super::error_format(&json!({"code": "X", "message": "m"})), (None, None));
    }
}

mod definition;
mod runs;
mod specific;

pub use definition::{DefinitionErrors, DefinitionProblem, check_definition};

pub use crate::scopes::flows as scopes;
pub use runs::RunStatus;
pub use specific::SpecificFlowClient;

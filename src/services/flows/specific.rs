//! A client that acts as one flow: its requests carry a token for the flow's own scope.

use std::sync::Arc;

use super::{Client, builder};
use crate::authorizers::Authorizer;
use crate::error::Error;
use crate::scopes::Scope;
use crate::transport::Service;

/// A Flows client for one flow (Python's `SpecificFlowClient`): starts, validates and resumes
/// its runs with a token for the flow's own scope.
///
/// Each flow is its own resource server (its ID) with its own scope,
/// `https://auth.globus.org/scopes/<flow id>/flow_<flow id with _>_user`
/// ([`scopes::flows::specific_flow`](crate::scopes::flows::specific_flow)); Flows refuses
/// to start a run with a token for Flows' own scopes. A client's credentials are its
/// authorizer, so a `SpecificFlowClient` is a [`flows::Client`](Client) whose authorizer
/// gives the flow's token: build it from that authorizer ([`new`](Self::new)), from an app
/// ([`from_app`](Self::from_app), which asks for the flow's scope at login and uses the
/// tokens stored for the flow), or from a Flows client whose settings (base URL, retries,
/// timeout) it keeps with another authorizer ([`from_flows_client`](Self::from_flows_client)).
///
/// ```no_run
/// use globus_sdk::authorizers::AccessTokenAuthorizer;
/// use globus_sdk::flows::SpecificFlowClient;
/// use serde_json::json;
///
/// # async fn demo() -> Result<(), globus_sdk::Error> {
/// let flow_id = "24bc4997-b483-4c25-a19c-64b0afc00743";
/// // A token whose resource server is the flow (granted for `scopes::flows::specific_flow(flow_id)`).
/// let flow = SpecificFlowClient::new(flow_id, AccessTokenAuthorizer::new("FLOW-TOKEN"))?;
/// let input = json!({"source": "/~/in", "destination": "/~/out"}).as_object().unwrap().clone();
/// let run = flow
///     .run_flow(input)
///     .body_map(|b| b.label("nightly copy".to_string()).tags(vec!["nightly".to_string()]))
///     .send()
///     .await?;
/// println!("run {} is {}", run.run_id, run.status);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SpecificFlowClient {
    flow_id: String,
    client: Client,
}

impl SpecificFlowClient {
    /// A client for `flow_id` whose requests carry `authorizer` (a token for the flow's scope),
    /// with the settings from the environment variables.
    ///
    /// ```
    /// use globus_sdk::authorizers::AccessTokenAuthorizer;
    /// let flow = globus_sdk::flows::SpecificFlowClient::new("d1c2-3", AccessTokenAuthorizer::new("FLOW-TOKEN")).unwrap();
    /// assert_eq!(flow.flow_id(), "d1c2-3");
    /// ```
    pub fn new(flow_id: impl Into<String>, authorizer: impl Authorizer + 'static) -> Result<Self, Error> {
        Ok(Self::from_client(flow_id, Client::with_authorizer(authorizer)?))
    }

    /// A client for `flow_id` around a Flows client built any way
    /// ([`Client::builder`]: base URL, retries, timeout), whose authorizer must give a token
    /// for the flow's scope.
    ///
    /// ```
    /// use globus_sdk::authorizers::AccessTokenAuthorizer;
    /// let client = globus_sdk::flows::Client::builder()
    ///     .authorizer(AccessTokenAuthorizer::new("FLOW-TOKEN"))
    ///     .base_url("https://flows.example.org")
    ///     .build()
    ///     .unwrap();
    /// let flow = globus_sdk::flows::SpecificFlowClient::from_client("d1c2-3", client);
    /// assert_eq!(flow.client().base_url(), "https://flows.example.org");
    /// ```
    pub fn from_client(flow_id: impl Into<String>, client: Client) -> Self {
        SpecificFlowClient { flow_id: flow_id.into(), client }
    }

    /// A client for `flow_id` with the settings of `flows` (base URL, HTTP client, retries,
    /// body limit) and another authorizer: `authorizer`, for the flow's scope. `flows` keeps its
    /// own credentials.
    ///
    /// ```
    /// use globus_sdk::authorizers::AccessTokenAuthorizer;
    /// let flows = globus_sdk::flows::Client::builder()
    ///     .authorizer(AccessTokenAuthorizer::new("FLOWS-TOKEN"))
    ///     .base_url("https://flows.example.org")
    ///     .build()
    ///     .unwrap();
    /// let flow = globus_sdk::flows::SpecificFlowClient::from_flows_client(&flows, "d1c2-3", AccessTokenAuthorizer::new("FLOW-TOKEN"));
    /// assert_eq!(flow.client().base_url(), flows.base_url());
    /// ```
    pub fn from_flows_client(
        flows: &Client,
        flow_id: impl Into<String>,
        authorizer: impl Authorizer + 'static,
    ) -> Self {
        let (base_url, http, state) = flows.parts();
        let state = state.with_authorizer(Arc::new(authorizer));
        Self::from_client(flow_id, Client::assemble(base_url, http.clone(), state))
    }

    /// A client for `flow_id` whose requests carry the app's tokens for the flow: the flow's
    /// scope ([`scope`](Self::scope)) joins the app's requirements under the flow's resource
    /// server (its ID), so the next login asks for it, and the tokens are renewed and stored
    /// as the app's other tokens.
    ///
    /// ```no_run
    /// use globus_sdk::app::{AppConfig, GlobusApp, UserApp};
    /// use globus_sdk::flows::SpecificFlowClient;
    /// use serde_json::json;
    ///
    /// # async fn demo() -> Result<(), globus_sdk::Error> {
    /// let app = UserApp::with_config("my-app", "NATIVE-CLIENT-ID", AppConfig::default())?;
    /// let flow = SpecificFlowClient::from_app(&app, "24bc4997-b483-4c25-a19c-64b0afc00743")?;
    /// let input = json!({"message": "hello"}).as_object().unwrap().clone();
    /// let run = app.with_requirements(|| flow.run_flow(input.clone()).send()).await?;
    /// println!("started {}", run.run_id);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "auth")]
    pub fn from_app(app: &impl crate::app::GlobusApp, flow_id: impl Into<String>) -> Result<Self, Error> {
        let flow_id = flow_id.into();
        app.add_scope_requirements([(flow_id.clone(), vec![crate::scopes::flows::specific_flow(&flow_id)])]);
        let client = crate::transport::ClientBuilder::<Client>::new()
            .config(app.config().sdk.clone())
            .authorizer(app.authorizer(&flow_id))
            .build()?;
        Ok(Self::from_client(flow_id, client))
    }

    /// Ask the app for Transfer's `all` scope, with the `data_access` scope of each of
    /// `collection_ids`, as an optional dependency of the flow's scope (Python's
    /// `add_app_transfer_data_access_scope`): a flow that moves data between mapped collections
    /// of GCS (not High Assurance, not guest collections) then starts without a
    /// `ConsentRequired` error.
    ///
    /// ```no_run
    /// # use globus_sdk::app::{AppConfig, UserApp};
    /// # fn demo(app: UserApp) -> Result<(), globus_sdk::Error> {
    /// let flow = globus_sdk::flows::SpecificFlowClient::from_app(&app, "24bc4997-b483-4c25-a19c-64b0afc00743")?;
    /// flow.add_app_transfer_data_access_scope(&app, &["c1f1e2a4-0000-4000-8000-000000000001"]);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "auth")]
    pub fn add_app_transfer_data_access_scope(&self, app: &impl crate::app::GlobusApp, collection_ids: &[&str]) {
        app.add_scope_requirements([(self.flow_id.clone(), vec![self.scope_with_transfer_data_access(collection_ids)])]);
    }

    /// The flow's scope with Transfer's `all` (optional) and the collections' `data_access`
    /// (optional) as dependencies (what [`add_app_transfer_data_access_scope`](Self::add_app_transfer_data_access_scope) asks for).
    ///
    /// ```
    /// use globus_sdk::authorizers::NullAuthorizer;
    /// let flow = globus_sdk::flows::SpecificFlowClient::new("f1", NullAuthorizer).unwrap();
    /// assert_eq!(
    ///     flow.scope_with_transfer_data_access(&["c1"]).to_string(),
    ///     "https://auth.globus.org/scopes/f1/flow_f1_user[*urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access]]"
    /// );
    /// ```
    pub fn scope_with_transfer_data_access(&self, collection_ids: &[&str]) -> Scope {
        let transfer = collection_ids.iter().fold(
            Scope::new("urn:globus:auth:scope:transfer.api.globus.org:all").optional(),
            |scope, id| scope.with_dependency(crate::scopes::gcs::collection(id).data_access().optional()),
        );
        self.scope().with_dependency(transfer)
    }

    /// The flow's ID (also the resource server of its tokens).
    ///
    /// ```
    /// use globus_sdk::authorizers::NullAuthorizer;
    /// let flow = globus_sdk::flows::SpecificFlowClient::new("f1", NullAuthorizer).unwrap();
    /// assert_eq!(flow.flow_id(), "f1");
    /// ```
    pub fn flow_id(&self) -> &str {
        &self.flow_id
    }

    /// The flow's own scope, which its token must carry.
    ///
    /// ```
    /// use globus_sdk::authorizers::NullAuthorizer;
    /// let flow = globus_sdk::flows::SpecificFlowClient::new("f-1", NullAuthorizer).unwrap();
    /// assert_eq!(flow.scope().to_string(), "https://auth.globus.org/scopes/f-1/flow_f_1_user");
    /// ```
    pub fn scope(&self) -> Scope {
        crate::scopes::flows::specific_flow(&self.flow_id)
    }

    /// The Flows client underneath, with the flow's credentials (any Flows operation can be
    /// sent with it, e.g. `get_run` for a run of this flow when its token allows).
    ///
    /// ```
    /// use globus_sdk::authorizers::NullAuthorizer;
    /// let flow = globus_sdk::flows::SpecificFlowClient::new("f1", NullAuthorizer).unwrap();
    /// // Flows' URL in the environment's Globus (https://flows.automate.globus.org in production).
    /// assert!(flow.client().base_url().starts_with("http"));
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Start a run of the flow with `body`, its input (`POST /flows/{flow_id}/run`); set the
    /// label, tags, monitors, managers and notification policy with `.body_map(|b| ...)`.
    /// Not resent after a lost answer: a second run would start.
    ///
    /// ```no_run
    /// # async fn demo(flow: globus_sdk::flows::SpecificFlowClient) -> Result<(), globus_sdk::Error> {
    /// use globus_sdk::flows::types::ActivityNotificationPolicy;
    /// let input = serde_json::json!({"n": 3}).as_object().unwrap().clone();
    /// let policy = ActivityNotificationPolicy::builder().status(vec!["FAILED".to_string()]);
    /// let run = flow
    ///     .run_flow(input)
    ///     .body_map(|b| b.label("three".to_string()).run_monitors(vec!["urn:globus:groups:id:GROUP".to_string()]).activity_notification_policy(Some(policy.try_into().unwrap())))
    ///     .send()
    ///     .await?;
    /// println!("{}", run.run_id);
    /// # Ok(()) }
    /// ```
    pub fn run_flow(&self, body: serde_json::Map<String, serde_json::Value>) -> builder::RunFlow<'_> {
        self.client.run_flow().flow_id(self.flow_id.clone()).body_map(|b| b.body(body))
    }

    /// Check that a run of the flow with `body` would start: the input against the flow's
    /// input schema, the metadata, the token's scopes (`POST /flows/{flow_id}/validate_run`).
    ///
    /// ```no_run
    /// # async fn demo(flow: globus_sdk::flows::SpecificFlowClient) -> Result<(), globus_sdk::Error> {
    /// let input = serde_json::json!({"n": 3}).as_object().unwrap().clone();
    /// match flow.validate_run(input).send().await {
    ///     Ok(ok) => println!("would start: {:?}", ok.message),
    ///     Err(e) => println!("would not start: {e}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn validate_run(&self, body: serde_json::Map<String, serde_json::Value>) -> builder::ValidateRun<'_> {
        self.client.validate_run().flow_id(self.flow_id.clone()).body_map(|b| b.body(body))
    }

    /// Resume an `INACTIVE` run of the flow (`POST /runs/{run_id}/resume`), with the flow's
    /// token: after the consents the run was missing are granted, that token carries them.
    ///
    /// ```no_run
    /// # async fn demo(flow: globus_sdk::flows::SpecificFlowClient) -> Result<(), globus_sdk::Error> {
    /// let run = flow.resume_run("36ad9f9a-ad29-488f-beb4-c22ab729643a").send().await?;
    /// println!("{}", run.status);
    /// # Ok(()) }
    /// ```
    pub fn resume_run(&self, run_id: impl Into<String>) -> builder::ResumeRun<'_> {
        self.client.resume_run().run_id(run_id.into())
    }
}

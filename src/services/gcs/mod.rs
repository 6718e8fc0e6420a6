//! Globus Connect Server: the generated client for a GCSv5.4 endpoint's manager API (the
//! endpoint, its collections, storage gateways, roles, user credentials, nodes and custom
//! domains), with the hand-written pieces around it:
//! - a client per endpoint: [`Client::for_endpoint`] takes the manager's address (a domain
//!   name, or the endpoint's `gcs_manager_url`); a client built without a URL is an error;
//! - single documents come out of GCS's `result` envelope ([`crate::envelope::Single`]: the
//!   document through `Deref`, the envelope through `envelope()`); listings stream
//!   (`into_stream()`, `marker` and `has_next_page`);
//! - typed documents to send ([`MappedCollectionDocument`], [`GuestCollectionDocument`],
//!   [`StorageGatewayDocument`] with [`StoragePolicies`] for each connector,
//!   [`EndpointDocument`], [`RoleDocument`], [`UserCredentialDocument`]), which fill in the
//!   `DATA_TYPE` version their fields need, as the Python SDK does;
//! - the connector table ([`Connector`]: ids and names both ways);
//! - the endpoint's client id ([`Client::endpoint_client_id`], read from `/api/info` without
//!   credentials) and the endpoint's and collections' scopes ([`crate::scopes::gcs`]).
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//! use globus_sdk::gcs::{Client, MappedCollectionDocument};
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let gcs = Client::for_endpoint("abc.def.data.globus.org", AccessTokenAuthorizer::new("TOKEN"))?;
//! let created = gcs
//!     .create_collection()
//!     .body(MappedCollectionDocument::new().storage_gateway_id("SG-ID").collection_base_path("/data").display_name("Data"))
//!     .send()
//!     .await?;
//! println!("{} ({})", created.id, created.envelope().code.as_deref().unwrap_or(""));
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "gcs",
    feature: "gcs",
    resource_server: None,
    base_url: PerClient,
    default_scopes: Vec::new,
    hooks: crate::transport::Hooks { retry_veto: None, error_format: Some(error_format) },
}

mod connectors;
mod documents;

pub use connectors::Connector;
pub use documents::{
    EndpointDocument, GuestCollectionDocument, MappedCollectionDocument, RoleDocument, StorageGatewayDocument,
    StoragePolicies, UserCredentialDocument, batch_delete_document,
};

use crate::Error;
use crate::authorizers::{Authorizer, NullAuthorizer};
use crate::scopes::Scope;
use crate::transport::Service;
use std::sync::Arc;

/// GCS errors: `code`, then `message`, else `detail` when it is text; a `detail` document is
/// named by its `DATA_TYPE` (`authentication_timeout#1.1.0`...).
fn error_format(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let text = |key: &str| body.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string);
    let code = text("code");
    let message = text("message").or_else(|| text("detail")).or_else(|| {
        let kind = body.get("detail")?.get("DATA_TYPE")?.as_str()?;
        Some(format!("the service sent a `{kind}` document with the error"))
    });
    (code, message)
}

/// The manager's base URL for an address: a domain name (`abc.def.data.globus.org`, as the
/// Python SDK's `GCSClient` takes), or a URL such as the endpoint's `gcs_manager_url`
/// (`https://abc.def.data.globus.org/api/`). The generated paths carry `/api`, so the base is
/// the host root; a bare name gets `https://`.
///
/// ```
/// use globus_sdk::gcs::manager_url;
/// assert_eq!(manager_url("abc.def.data.globus.org"), "https://abc.def.data.globus.org");
/// assert_eq!(manager_url("https://abc.def.data.globus.org/api/"), "https://abc.def.data.globus.org");
/// assert_eq!(manager_url("http://127.0.0.1:8443"), "http://127.0.0.1:8443");
/// ```
pub fn manager_url(address: &str) -> String {
    let address = address.trim().trim_end_matches('/');
    let address = address.strip_suffix("/api").unwrap_or(address).trim_end_matches('/');
    if address.contains("://") { address.to_string() } else { format!("https://{address}") }
}

impl Client {
    /// A client for the endpoint whose manager is at `address` (see [`manager_url`]), with the
    /// settings from the environment variables.
    ///
    /// ```
    /// use globus_sdk::authorizers::NullAuthorizer;
    /// let gcs = globus_sdk::gcs::Client::for_endpoint("abc.def.data.globus.org", NullAuthorizer).unwrap();
    /// assert_eq!(gcs.base_url(), "https://abc.def.data.globus.org");
    /// ```
    pub fn for_endpoint(address: &str, authorizer: impl Authorizer + 'static) -> Result<Self, Error> {
        Self::builder().base_url(manager_url(address)).authorizer(authorizer).build()
    }

    /// The endpoint's GCS manager client id: its resource server, and the owner of its scopes
    /// (usually its endpoint id). Read from `/api/info` without credentials (as the Python
    /// SDK's `endpoint_client_id`), the first time it is asked for; kept for the life of the
    /// process by manager URL. A manager whose `info` document has no `client_id` gives its
    /// `endpoint_id`; one with neither is a decode error.
    ///
    /// ```no_run
    /// # async fn demo(gcs: globus_sdk::gcs::Client) -> Result<(), globus_sdk::Error> {
    /// let client_id = gcs.endpoint_client_id().await?;
    /// let scope = globus_sdk::scopes::gcs::endpoint(&client_id).manage_collections();
    /// # Ok(()) }
    /// ```
    pub async fn endpoint_client_id(&self) -> Result<String, Error> {
        static KNOWN: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
        let base = self.base_url().to_string();
        if let Some((_, id)) = KNOWN.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|(b, _)| *b == base) {
            return Ok(id.clone());
        }
        let (base_url, http, state) = self.parts();
        let anonymous = Client::assemble(base_url, http.clone(), state.with_authorizer(Arc::new(NullAuthorizer)));
        let info = anonymous.get_gcs_info().send().await?;
        let Some(id) = info.info().and_then(|i| i.client_id.clone().or_else(|| i.endpoint_id.clone())) else {
            return Err(crate::error::Error::new(
                crate::ErrorKind::Decode,
                "the GCS manager's `/api/info` has no `info` document with a `client_id`",
            )
            .with_service("gcs"));
        };
        let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= 256 {
            known.remove(0);
        }
        known.push((base, id.clone()));
        Ok(id)
    }

    /// A client for the endpoint at `address` whose requests carry the app's tokens (as the
    /// Python SDK's `GCSClient(address, app=app)`): the endpoint's client id is read from
    /// `/api/info` without credentials, and its `manage_collections` scope joins the app's
    /// requirements under that resource server, so the next login asks for it. The app's SDK
    /// settings (environment, timeouts) apply.
    ///
    /// ```no_run
    /// use globus_sdk::app::{GlobusApp, UserApp};
    ///
    /// # async fn demo(app: UserApp) -> Result<(), globus_sdk::Error> {
    /// let gcs = globus_sdk::gcs::Client::from_app(&app, "abc.def.data.globus.org").await?;
    /// let endpoint = gcs.get_endpoint().send().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "auth")]
    pub async fn from_app(app: &impl crate::app::GlobusApp, address: &str) -> Result<Self, Error> {
        let base_url = manager_url(address);
        let probe = Self::builder().config(app.config().sdk.clone()).base_url(&base_url).build()?;
        let client_id = probe.endpoint_client_id().await?;
        let endpoint = crate::scopes::gcs::endpoint(&client_id);
        app.client_for(&client_id, &base_url, vec![endpoint.manage_collections()])
    }

    /// The scopes an app asks for to manage this endpoint: `manage_collections` on its client id
    /// (read by [`Self::endpoint_client_id`]), as the Python SDK's `default_scope_requirements`.
    ///
    /// ```no_run
    /// # async fn demo(gcs: globus_sdk::gcs::Client) -> Result<(), globus_sdk::Error> {
    /// let scopes = gcs.default_scope_requirements().await?;
    /// # Ok(()) }
    /// ```
    pub async fn default_scope_requirements(&self) -> Result<Vec<Scope>, Error> {
        let id = self.endpoint_client_id().await?;
        Ok(vec![crate::scopes::gcs::endpoint(&id).manage_collections()])
    }
}

impl types::InfoResult {
    /// The `info#1.x.0` document of the answer (GCS also lists its connectors in `data`).
    ///
    /// ```
    /// let answer: globus_sdk::gcs::types::InfoResult = serde_json::from_value(serde_json::json!({
    ///     "DATA_TYPE": "result#1.1.0",
    ///     "data": [{"DATA_TYPE": "info#1.0.0", "client_id": "c-1"}, {"DATA_TYPE": "connector#1.1.0", "id": "x", "display_name": "POSIX"}]
    /// })).unwrap();
    /// assert_eq!(answer.info().unwrap().client_id.as_deref(), Some("c-1"));
    /// assert_eq!(answer.connectors().count(), 1);
    /// ```
    pub fn info(&self) -> Option<&types::InfoItem> {
        self.data.iter().find(|d| d.data_type.as_deref().is_some_and(|t| t.starts_with("info#")))
    }

    /// The connector documents (`connector#1.x.0`) of the answer.
    pub fn connectors(&self) -> impl Iterator<Item = &types::InfoItem> {
        self.data.iter().filter(|d| d.data_type.as_deref().is_some_and(|t| t.starts_with("connector#")))
    }
}

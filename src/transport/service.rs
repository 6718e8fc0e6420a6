//! The declaration of a Globus service, and the [`Service`] trait its client implements.
//!
//! Each service module holds one [`service!`](crate::service) invocation: its name (which is
//! also its spec's file stem and its cargo feature), its resource server, its base-URL policy,
//! the scopes an app needs to use it, and its hooks. Everything else follows from it: the
//! generated client is included and wired to the transport, the [`Service`] trait is
//! implemented (so a [`ClientBuilder`](super::ClientBuilder) can build it), and the service is
//! listed for the tests (conformance, snapshots, paging) through `crate::services`.

use super::{ClientState, OperationMeta};
use crate::error::Error;
use crate::scopes::Scope;

/// Decides, for a response with a retryable status, that it must not be retried (e.g.
/// Transfer's `EndpointError` on a 502: the fault is the endpoint's, not the service's).
#[doc(hidden)]
pub type RetryVeto = fn(status: u16, body: &[u8]) -> bool;

/// Reads a service's own error format: the code and message of an error body, where the
/// generic reading (`code`, `message`, `errors[]`, ...) would miss them.
#[doc(hidden)]
pub type ErrorFormat = fn(body: &serde_json::Value) -> (Option<String>, Option<String>);

/// Decodes a body as an operation's typed response or request body (None: no typed one).
#[doc(hidden)]
pub type Decoder = fn(operation_id: &str, bytes: &[u8]) -> Option<Result<(), serde_json::Error>>;

/// Where a service's base URL comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseUrl {
    /// From the Globus environment (`GLOBUS_SDK_ENVIRONMENT`), or
    /// `GLOBUS_SDK_SERVICE_URL_<NAME>`, or the builder's `base_url`.
    Environment,
    /// Each client has its own (a GCS endpoint's manager URL): the builder's `base_url` is
    /// required, and building without it is an error.
    PerClient,
}

/// The hooks a service may have.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Hooks {
    /// Retryable statuses that must not be retried.
    pub retry_veto: Option<RetryVeto>,
    /// The service's own error format.
    pub error_format: Option<ErrorFormat>,
}

/// One Globus service, as declared by its module.
#[non_exhaustive]
pub struct ServiceInfo {
    /// The short name: the module, the spec's file stem (`specs/<name>.yaml`) and the cargo
    /// feature; also the name in `GLOBUS_SDK_SERVICE_URL_<NAME>`.
    pub name: &'static str,
    /// The cargo feature that builds it.
    pub feature: &'static str,
    /// The resource server of its tokens; None when each client has its own (GCS endpoints).
    pub resource_server: Option<&'static str>,
    /// Where its base URL comes from.
    pub base_url: BaseUrl,
    /// The scopes an app asks for to use the service (Python's `default_scope_requirements`).
    pub default_scopes: fn() -> Vec<Scope>,
    #[doc(hidden)]
    pub hooks: Hooks,
    #[doc(hidden)]
    pub operations: &'static [OperationMeta],
    /// The names of the properties the spec marks `format: password`: redacted in logged bodies.
    #[doc(hidden)]
    pub secret_fields: &'static [&'static str],
    #[doc(hidden)]
    pub decode_response: Decoder,
    #[doc(hidden)]
    pub decode_request_body: Decoder,
    /// The stream of a paginated operation on a client of `base_url` (for the paging test).
    #[doc(hidden)]
    pub paging_probe: fn(base_url: &str, operation: &str) -> Option<Result<crate::paging::Probe, Error>>,
}

impl std::fmt::Debug for ServiceInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceInfo")
            .field("name", &self.name)
            .field("feature", &self.feature)
            .field("resource_server", &self.resource_server)
            .field("base_url", &self.base_url)
            .field("operations", &self.operations.len())
            .finish_non_exhaustive()
    }
}

pub(crate) mod sealed {
    /// Only the SDK's generated clients are services.
    pub trait Sealed {}
}

/// A Globus service client generated from a spec (sealed: only the SDK's clients).
///
/// ```
/// use globus_sdk::transport::Service;
/// assert_eq!(globus_sdk::transfer::Client::info().resource_server, Some("transfer.api.globus.org"));
/// ```
pub trait Service: sealed::Sealed + Sized + Clone + Send + Sync + 'static {
    /// The service's declaration.
    fn info() -> &'static ServiceInfo;

    /// The resource server of the service's tokens (None: each client has its own).
    fn resource_server() -> Option<&'static str> {
        Self::info().resource_server
    }

    /// Put the parts together.
    #[doc(hidden)]
    fn assemble(base_url: &str, http: reqwest::Client, state: ClientState) -> Self;

    /// Take them apart: base URL, HTTP client, state.
    #[doc(hidden)]
    fn parts(&self) -> (&str, &reqwest::Client, &ClientState);
}

/// Declare a Globus service in its module: includes the generated client, wires it to the
/// transport, and implements [`Service`](crate::transport::Service). See `specs/README.md`.
#[allow(unused_macros)] // used by the service modules, none of which may be enabled
macro_rules! service {
    (
        name: $name:literal,
        feature: $feature:literal,
        resource_server: $resource_server:expr,
        base_url: $base_url:ident,
        default_scopes: $scopes:expr,
        hooks: $hooks:expr $(,)?
    ) => {
        mod generated {
            #![allow(missing_docs, clippy::all, unused_imports, unused_variables, dead_code)]
            include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
        }

        #[doc(hidden)]
        pub use generated::operations;
        pub use generated::{Client, builder, types};

        /// This service's declaration (what [`Client::info`] returns).
        #[doc(hidden)]
        pub static SERVICE: $crate::transport::ServiceInfo = $crate::transport::ServiceInfo {
            name: $name,
            feature: $feature,
            resource_server: $resource_server,
            base_url: $crate::transport::BaseUrl::$base_url,
            default_scopes: $scopes,
            hooks: $hooks,
            operations: generated::operations::OPERATIONS,
            secret_fields: generated::operations::SECRET_FIELDS,
            decode_response: generated::operations::decode_response,
            decode_request_body: generated::operations::decode_request_body,
            paging_probe: |base_url, operation| match Client::builder().base_url(base_url).build() {
                Ok(client) => generated::operations::paging_probe(&client, operation),
                Err(e) => Some(Err(e)),
            },
        };

        impl progenitor_client::ClientHooks<$crate::transport::ClientState> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                self.inner.pre(request, info).await
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner.exec(&self.client, request, info).await
            }
        }

        impl $crate::transport::sealed::Sealed for Client {}

        impl $crate::transport::Service for Client {
            fn info() -> &'static $crate::transport::ServiceInfo {
                &SERVICE
            }

            fn assemble(base_url: &str, http: reqwest::Client, state: $crate::transport::ClientState) -> Self {
                Client::new_with_client(base_url.trim_end_matches('/'), http, state)
            }

            fn parts(&self) -> (&str, &reqwest::Client, &$crate::transport::ClientState) {
                (&self.baseurl, &self.client, &self.inner)
            }
        }

        impl Client {
            /// Start configuring a client: authorizer, environment, base URL, retries, timeout.
            pub fn builder() -> $crate::transport::ClientBuilder<Self> {
                $crate::transport::ClientBuilder::new()
            }

            /// A client with `authorizer` and the settings from the environment variables.
            pub fn with_authorizer(
                authorizer: impl $crate::authorizers::Authorizer + 'static,
            ) -> Result<Self, $crate::Error> {
                Self::builder().authorizer(authorizer).build()
            }

            /// The service's declaration: name, resource server, default scopes.
            pub fn info() -> &'static $crate::transport::ServiceInfo {
                &SERVICE
            }

            /// The service's base URL (no trailing slash).
            pub fn base_url(&self) -> &str {
                &self.baseurl
            }

            /// The authorizer used for every request.
            pub fn authorizer(&self) -> &std::sync::Arc<dyn $crate::authorizers::Authorizer> {
                self.inner.authorizer()
            }

            /// A GET to a path the spec does not describe, with the same credentials,
            /// retries and errors as the typed methods.
            pub fn raw_get(&self, path: &str) -> $crate::transport::RawRequest<'_> {
                $crate::transport::RawRequest::new(self, reqwest::Method::GET, path)
            }

            /// A POST to a path the spec does not describe (see [`Self::raw_get`]).
            pub fn raw_post(&self, path: &str) -> $crate::transport::RawRequest<'_> {
                $crate::transport::RawRequest::new(self, reqwest::Method::POST, path)
            }

            /// A PUT to a path the spec does not describe (see [`Self::raw_get`]).
            pub fn raw_put(&self, path: &str) -> $crate::transport::RawRequest<'_> {
                $crate::transport::RawRequest::new(self, reqwest::Method::PUT, path)
            }

            /// A PATCH to a path the spec does not describe (see [`Self::raw_get`]).
            pub fn raw_patch(&self, path: &str) -> $crate::transport::RawRequest<'_> {
                $crate::transport::RawRequest::new(self, reqwest::Method::PATCH, path)
            }

            /// A DELETE to a path the spec does not describe (see [`Self::raw_get`]).
            pub fn raw_delete(&self, path: &str) -> $crate::transport::RawRequest<'_> {
                $crate::transport::RawRequest::new(self, reqwest::Method::DELETE, path)
            }
        }
    };
}
pub(crate) use service;

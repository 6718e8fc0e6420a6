//! Scope builders: the scope strings of each Globus resource server.

use super::Scope;

/// Builds scope strings for one resource server.
///
/// ```
/// use globus_sdk::scopes::ScopeBuilder;
/// let flows = ScopeBuilder::new("flows.globus.org");
/// assert_eq!(flows.urn("run").to_string(), "urn:globus:auth:scope:flows.globus.org:run");
/// assert_eq!(flows.url("run").to_string(), "https://auth.globus.org/scopes/flows.globus.org/run");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScopeBuilder {
    resource_server: &'static str,
}

impl ScopeBuilder {
    /// A builder for `resource_server` (`transfer.api.globus.org`, a client id...).
    pub const fn new(resource_server: &'static str) -> Self {
        ScopeBuilder { resource_server }
    }

    /// The resource server.
    pub const fn resource_server(&self) -> &'static str {
        self.resource_server
    }

    /// A builder for a resource server known only at run time (a collection or flow id).
    pub fn new_owned(resource_server: &str) -> OwnedScopeBuilder {
        OwnedScopeBuilder { resource_server: resource_server.to_string() }
    }

    /// `urn:globus:auth:scope:<resource server>:<name>`.
    pub fn urn(&self, name: &str) -> Scope {
        Scope::new(format!("urn:globus:auth:scope:{}:{name}", self.resource_server))
    }

    /// `https://auth.globus.org/scopes/<resource server>/<name>`.
    pub fn url(&self, name: &str) -> Scope {
        Scope::new(format!("https://auth.globus.org/scopes/{}/{name}", self.resource_server))
    }
}

/// [`ScopeBuilder`] for a resource server known at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedScopeBuilder {
    resource_server: String,
}

impl OwnedScopeBuilder {
    /// The resource server.
    pub fn resource_server(&self) -> &str {
        &self.resource_server
    }

    /// `urn:globus:auth:scope:<resource server>:<name>`.
    pub fn urn(&self, name: &str) -> Scope {
        Scope::new(format!("urn:globus:auth:scope:{}:{name}", self.resource_server))
    }

    /// `https://auth.globus.org/scopes/<resource server>/<name>`.
    pub fn url(&self, name: &str) -> Scope {
        Scope::new(format!("https://auth.globus.org/scopes/{}/{name}", self.resource_server))
    }
}

/// The dynamic scopes of Globus Connect Server endpoints and collections, whose resource
/// server is the endpoint's or collection's own id.
///
/// ```
/// use globus_sdk::scopes::gcs;
/// assert_eq!(
///     gcs::endpoint("EP").manage_collections().to_string(),
///     "urn:globus:auth:scope:EP:manage_collections"
/// );
/// assert_eq!(gcs::collection("C").data_access().to_string(), "https://auth.globus.org/scopes/C/data_access");
/// assert_eq!(gcs::collection("C").https().to_string(), "https://auth.globus.org/scopes/C/https");
/// ```
pub mod gcs {
    use super::{OwnedScopeBuilder, Scope, ScopeBuilder};

    /// The scopes of one GCS endpoint (its id is the resource server).
    pub fn endpoint(endpoint_id: &str) -> EndpointScopes {
        EndpointScopes(ScopeBuilder::new_owned(endpoint_id))
    }

    /// The scopes of one collection (its id is the resource server).
    pub fn collection(collection_id: &str) -> CollectionScopes {
        CollectionScopes(ScopeBuilder::new_owned(collection_id))
    }

    /// The scopes of one GCS endpoint.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct EndpointScopes(OwnedScopeBuilder);

    impl EndpointScopes {
        /// Manage the endpoint's collections, storage gateways and roles.
        pub fn manage_collections(&self) -> Scope {
            self.0.urn("manage_collections")
        }
        /// The endpoint's resource server (its id).
        pub fn resource_server(&self) -> &str {
            self.0.resource_server()
        }
    }

    /// The scopes of one collection.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct CollectionScopes(OwnedScopeBuilder);

    impl CollectionScopes {
        /// Use the collection's data through Transfer (mapped collections).
        pub fn data_access(&self) -> Scope {
            self.0.url("data_access")
        }
        /// Read and write the collection's files over HTTPS.
        pub fn https(&self) -> Scope {
            self.0.url("https")
        }
        /// The collection's resource server (its id).
        pub fn resource_server(&self) -> &str {
            self.0.resource_server()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders() {
        let b = ScopeBuilder::new("flows.globus.org");
        assert_eq!(b.urn("run").to_string(), "urn:globus:auth:scope:flows.globus.org:run");
        assert_eq!(gcs::endpoint("e1").resource_server(), "e1");
        assert_eq!(gcs::collection("c1").data_access().to_string(), "https://auth.globus.org/scopes/c1/data_access");
    }
}

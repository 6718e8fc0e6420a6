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

/// The scopes of Globus Flows and of each flow. Flows' resource server is
/// `flows.globus.org`, but its scopes are built on its client id; each flow has its own `user`
/// scope, which starting a run needs.
///
/// ```
/// use globus_sdk::scopes::flows;
/// assert_eq!(flows::run().to_string(), "https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/run");
/// assert_eq!(
///     flows::specific_flow("d1c2-3").to_string(),
///     "https://auth.globus.org/scopes/d1c2-3/flow_d1c2_3_user"
/// );
/// ```
pub mod flows {
    use super::{Scope, ScopeBuilder};

    /// Flows' resource server.
    pub const RESOURCE_SERVER: &str = "flows.globus.org";
    /// The Flows service's client id, on which its scopes are built.
    pub const CLIENT_ID: &str = "eec9b274-0c81-4334-bdc2-54e90e689b9a";
    const BUILDER: ScopeBuilder = ScopeBuilder::new(CLIENT_ID);

    /// Full use of Flows.
    pub fn all() -> Scope {
        BUILDER.url("all")
    }
    /// Create, change and delete flows.
    pub fn manage_flows() -> Scope {
        BUILDER.url("manage_flows")
    }
    /// See flows.
    pub fn view_flows() -> Scope {
        BUILDER.url("view_flows")
    }
    /// Start runs.
    pub fn run() -> Scope {
        BUILDER.url("run")
    }
    /// See the status of runs.
    pub fn run_status() -> Scope {
        BUILDER.url("run_status")
    }
    /// Cancel and change runs.
    pub fn run_manage() -> Scope {
        BUILDER.url("run_manage")
    }
    /// One flow's own `user` scope (`https://auth.globus.org/scopes/<id>/flow_<id with _>_user`),
    /// needed to start a run of it.
    pub fn specific_flow(flow_id: &str) -> Scope {
        ScopeBuilder::new_owned(flow_id).url(&format!("flow_{}_user", flow_id.replace('-', "_")))
    }
}

/// The scopes of Globus Timers, and the timer scope a transfer timer needs: Timers acting for
/// the user with Transfer, with the `data_access` of the collections it moves data between.
///
/// ```
/// use globus_sdk::scopes::timers;
/// assert_eq!(
///     timers::timer_with_transfer_data_access(&["c1"]).to_string(),
///     "https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer[urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access]]"
/// );
/// ```
pub mod timers {
    use super::{Scope, ScopeBuilder, gcs};

    /// Timers' resource server (its client id).
    pub const RESOURCE_SERVER: &str = "524230d7-ea86-4a52-8312-86065a9e0417";
    const BUILDER: ScopeBuilder = ScopeBuilder::new(RESOURCE_SERVER);
    const TRANSFER_ALL: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";

    /// Create and manage timers.
    pub fn timer() -> Scope {
        BUILDER.url("timer")
    }

    /// [`timer`] with Transfer's `all` as a dependency, itself with each collection's
    /// `data_access` as an optional dependency (what a transfer timer between mapped
    /// collections needs; as the Python SDK's `add_app_transfer_data_access_scope`).
    pub fn timer_with_transfer_data_access(collection_ids: &[&str]) -> Scope {
        let transfer = collection_ids
            .iter()
            .fold(Scope::new(TRANSFER_ALL), |s, id| s.with_dependency(gcs::collection(id).data_access().optional()));
        timer().with_dependency(transfer)
    }

    /// The timer scope a transfer timer running `data` needs:
    /// [`timer_with_transfer_data_access`] on its source and destination collections (once
    /// each).
    ///
    /// ```
    /// use globus_sdk::scopes::timers;
    /// use globus_sdk::transfer::TransferData;
    /// let scope = timers::timer_for_transfer(&TransferData::new("c1", "c2"));
    /// assert_eq!(scope, timers::timer_with_transfer_data_access(&["c1", "c2"]));
    /// assert_eq!(timers::timer_for_transfer(&TransferData::new("c1", "c1")).dependencies[0].dependencies.len(), 1);
    /// ```
    #[cfg(feature = "transfer")]
    pub fn timer_for_transfer(data: &crate::transfer::TransferData) -> Scope {
        let (source, destination) = (data.source(), data.destination());
        if source == destination {
            timer_with_transfer_data_access(&[source])
        } else {
            timer_with_transfer_data_access(&[source, destination])
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

    #[test]
    fn flows_and_timers_match_the_python_sdk() {
        let url = |rs: &str, name: &str| format!("https://auth.globus.org/scopes/{rs}/{name}");
        let flows = "eec9b274-0c81-4334-bdc2-54e90e689b9a";
        for (scope, name) in [
            (flows::all(), "all"),
            (flows::manage_flows(), "manage_flows"),
            (flows::view_flows(), "view_flows"),
            (flows::run(), "run"),
            (flows::run_status(), "run_status"),
            (flows::run_manage(), "run_manage"),
        ] {
            assert_eq!(scope.to_string(), url(flows, name));
        }
        let id = "6b3a7e1e-0000-4000-8000-00000000abcd";
        assert_eq!(flows::specific_flow(id).to_string(), url(id, "flow_6b3a7e1e_0000_4000_8000_00000000abcd_user"));
        let timer = timers::timer_with_transfer_data_access(&["c2", "c1"]);
        assert_eq!(timer.scope_string, url("524230d7-ea86-4a52-8312-86065a9e0417", "timer"));
        let transfer = &timer.dependencies[0];
        assert_eq!(transfer.scope_string, "urn:globus:auth:scope:transfer.api.globus.org:all");
        assert!(transfer.dependencies.iter().all(|d| d.optional) && transfer.dependencies.len() == 2);
    }
}

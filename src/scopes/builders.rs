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
    /// `urn:globus:auth:scope:<resource server>:<name>`.
    pub fn urn(&self, name: &str) -> Scope {
        Scope::new(format!("urn:globus:auth:scope:{}:{name}", self.resource_server))
    }

    /// `https://auth.globus.org/scopes/<resource server>/<name>`.
    pub fn url(&self, name: &str) -> Scope {
        Scope::new(format!("https://auth.globus.org/scopes/{}/{name}", self.resource_server))
    }
}

/// Globus Auth's scopes.
pub mod auth {
    use super::{Scope, ScopeBuilder};

    /// Auth's resource server.
    pub const RESOURCE_SERVER: &str = "auth.globus.org";
    /// The builder for Auth's scopes.
    pub const BUILDER: ScopeBuilder = ScopeBuilder::new(RESOURCE_SERVER);

    /// OpenID Connect: an id_token with the user's identity.
    pub fn openid() -> Scope {
        Scope::new("openid")
    }
    /// The user's email address in the id_token and userinfo.
    pub fn email() -> Scope {
        Scope::new("email")
    }
    /// The user's name and organization in the id_token and userinfo.
    pub fn profile() -> Scope {
        Scope::new("profile")
    }
    /// Look up identities (`get_identities`).
    pub fn view_identities() -> Scope {
        BUILDER.urn("view_identities")
    }
    /// See the user's linked identities.
    pub fn view_identity_set() -> Scope {
        BUILDER.urn("view_identity_set")
    }
    /// See the user's recent authentications.
    pub fn view_authentications() -> Scope {
        BUILDER.urn("view_authentications")
    }
    /// Manage projects, clients, scopes and policies.
    pub fn manage_projects() -> Scope {
        BUILDER.urn("manage_projects")
    }
    /// See clients.
    pub fn view_clients() -> Scope {
        BUILDER.urn("view_clients")
    }
    /// See clients and their scopes.
    pub fn view_clients_and_scopes() -> Scope {
        BUILDER.urn("view_clients_and_scopes")
    }
    /// See the user's consents.
    pub fn view_consents() -> Scope {
        BUILDER.urn("view_consents")
    }
}

/// Globus Transfer's scopes, and the `data_access` scopes of mapped collections.
///
/// ```
/// use globus_sdk::scopes::transfer;
/// let scope = transfer::all_with_data_access(&["c8f8a5a0-0000-4000-8000-000000000001"]);
/// assert_eq!(
///     scope.to_string(),
///     "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c8f8a5a0-0000-4000-8000-000000000001/data_access]"
/// );
/// ```
pub mod transfer {
    use super::{Scope, ScopeBuilder};

    /// Transfer's resource server.
    pub const RESOURCE_SERVER: &str = "transfer.api.globus.org";
    /// The builder for Transfer's scopes.
    pub const BUILDER: ScopeBuilder = ScopeBuilder::new(RESOURCE_SERVER);

    /// Full use of Transfer.
    pub fn all() -> Scope {
        BUILDER.urn("all")
    }
    /// Installing Globus Connect Personal.
    pub fn gcp_install() -> Scope {
        BUILDER.urn("gcp_install")
    }
    /// The `data_access` scope of one mapped collection (GCSv5), needed to use it through Transfer.
    pub fn data_access(collection_id: &str) -> Scope {
        ScopeBuilder::new_owned(collection_id).url("data_access")
    }
    /// [`all`] with the `data_access` scope of each collection as an optional dependency.
    pub fn all_with_data_access(collection_ids: &[&str]) -> Scope {
        collection_ids.iter().fold(all(), |scope, id| scope.with_dependency(data_access(id).optional()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_scopes_match_the_python_sdk() {
        assert_eq!(auth::openid().to_string(), "openid");
        assert_eq!(auth::email().to_string(), "email");
        assert_eq!(auth::profile().to_string(), "profile");
        let urn = |n: &str| format!("urn:globus:auth:scope:auth.globus.org:{n}");
        assert_eq!(auth::view_identities().to_string(), urn("view_identities"));
        assert_eq!(auth::view_identity_set().to_string(), urn("view_identity_set"));
        assert_eq!(auth::view_authentications().to_string(), urn("view_authentications"));
        assert_eq!(auth::manage_projects().to_string(), urn("manage_projects"));
        assert_eq!(auth::view_clients().to_string(), urn("view_clients"));
        assert_eq!(auth::view_clients_and_scopes().to_string(), urn("view_clients_and_scopes"));
        assert_eq!(auth::view_consents().to_string(), urn("view_consents"));
    }

    #[test]
    fn transfer_scopes() {
        assert_eq!(transfer::all().to_string(), "urn:globus:auth:scope:transfer.api.globus.org:all");
        assert_eq!(transfer::gcp_install().to_string(), "urn:globus:auth:scope:transfer.api.globus.org:gcp_install");
        assert_eq!(transfer::data_access("c1").to_string(), "https://auth.globus.org/scopes/c1/data_access");
        assert_eq!(
            transfer::all_with_data_access(&["c1", "c2"]).to_string(),
            "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access *https://auth.globus.org/scopes/c2/data_access]"
        );
        let parsed: Scope = transfer::all_with_data_access(&["c1"]).to_string().parse().unwrap();
        assert!(parsed.dependencies[0].optional);
    }
}

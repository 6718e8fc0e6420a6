//! Globus Transfer's scopes, and the `data_access` scopes of mapped collections.
//!
//! ```
//! use globus_sdk::transfer::scopes;
//! let scope = scopes::all_with_data_access(&["c8f8a5a0-0000-4000-8000-000000000001"]);
//! assert_eq!(
//!     scope.to_string(),
//!     "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c8f8a5a0-0000-4000-8000-000000000001/data_access]"
//! );
//! ```
use crate::scopes::{Scope, ScopeBuilder};

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
    crate::scopes::gcs::collection(collection_id).data_access()
}
/// [`all`] with the `data_access` scope of each collection as an optional dependency.
pub fn all_with_data_access(collection_ids: &[&str]) -> Scope {
    collection_ids.iter().fold(all(), |scope, id| scope.with_dependency(data_access(id).optional()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::Scope;

    #[test]
    fn transfer_scopes() {
        assert_eq!(all().to_string(), "urn:globus:auth:scope:transfer.api.globus.org:all");
        assert_eq!(gcp_install().to_string(), "urn:globus:auth:scope:transfer.api.globus.org:gcp_install");
        assert_eq!(data_access("c1").to_string(), "https://auth.globus.org/scopes/c1/data_access");
        assert_eq!(
            all_with_data_access(&["c1", "c2"]).to_string(),
            "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access *https://auth.globus.org/scopes/c2/data_access]"
        );
        let parsed: Scope = all_with_data_access(&["c1"]).to_string().parse().unwrap();
        assert!(parsed.dependencies[0].optional);
    }
}

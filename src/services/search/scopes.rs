//! Globus Search's scopes.
//!
//! ```
//! use globus_sdk::search::scopes;
//! assert_eq!(scopes::search().to_string(), "urn:globus:auth:scope:search.api.globus.org:search");
//! assert_eq!(scopes::ingest().to_string(), "urn:globus:auth:scope:search.api.globus.org:ingest");
//! ```
use crate::scopes::{Scope, ScopeBuilder};

/// Search's resource server.
pub const RESOURCE_SERVER: &str = "search.api.globus.org";
/// The builder for Search's scopes.
pub const BUILDER: ScopeBuilder = ScopeBuilder::new(RESOURCE_SERVER);

/// Full use of Search: querying, writing data, managing indices and roles.
pub fn all() -> Scope {
    BUILDER.urn("all")
}
/// Querying indices (the default scope of a Search client).
pub fn search() -> Scope {
    BUILDER.urn("search")
}
/// Writing data to indices (ingest and deletion).
pub fn ingest() -> Scope {
    BUILDER.urn("ingest")
}
/// Search's scope for Globus Connect Server.
pub fn globus_connect_server() -> Scope {
    BUILDER.urn("globus_connect_server")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_scopes() {
        assert_eq!(all().to_string(), "urn:globus:auth:scope:search.api.globus.org:all");
        assert_eq!(search().to_string(), "urn:globus:auth:scope:search.api.globus.org:search");
        assert_eq!(ingest().to_string(), "urn:globus:auth:scope:search.api.globus.org:ingest");
        assert_eq!(
            globus_connect_server().to_string(),
            "urn:globus:auth:scope:search.api.globus.org:globus_connect_server"
        );
    }
}

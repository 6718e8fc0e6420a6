//! Globus Groups' scopes.
//!
//! ```
//! use globus_sdk::groups::scopes;
//! assert_eq!(
//!     scopes::view_my_groups_and_memberships().to_string(),
//!     "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"
//! );
//! ```
use crate::scopes::{Scope, ScopeBuilder};

/// Groups' resource server.
pub const RESOURCE_SERVER: &str = "groups.api.globus.org";
/// The builder for Groups' scopes.
pub const BUILDER: ScopeBuilder = ScopeBuilder::new(RESOURCE_SERVER);

/// Full use of Groups.
pub fn all() -> Scope {
    BUILDER.urn("all")
}
/// Reading your groups and memberships (the default scope of a Groups client).
pub fn view_my_groups_and_memberships() -> Scope {
    BUILDER.urn("view_my_groups_and_memberships")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_scopes() {
        assert_eq!(all().to_string(), "urn:globus:auth:scope:groups.api.globus.org:all");
        assert_eq!(
            view_my_groups_and_memberships().to_string(),
            "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"
        );
    }
}

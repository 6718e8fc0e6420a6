//! Globus Compute's scopes. Compute breaks the usual convention: its resource server is a
//! service name (`funcx_service`) while its scopes are built on its client ID.
//!
//! ```
//! use globus_sdk::compute::scopes;
//! assert_eq!(scopes::RESOURCE_SERVER, "funcx_service");
//! assert_eq!(scopes::all().to_string(), "https://auth.globus.org/scopes/facd7ccc-c5f4-42aa-916b-a0e270e2c2a9/all");
//! ```
use crate::scopes::{Scope, ScopeBuilder};

/// Compute's resource server (the `resource_server` of its tokens).
pub const RESOURCE_SERVER: &str = "funcx_service";
/// Compute's client ID, on which its scopes are built.
pub const CLIENT_ID: &str = "facd7ccc-c5f4-42aa-916b-a0e270e2c2a9";
/// The builder for Compute's scopes.
pub const BUILDER: ScopeBuilder = ScopeBuilder::new(CLIENT_ID);

/// Full use of Compute (the default scope of a Compute client).
pub fn all() -> Scope {
    BUILDER.url("all")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_scopes_match_the_python_sdk() {
        assert_eq!(all().to_string(), "https://auth.globus.org/scopes/facd7ccc-c5f4-42aa-916b-a0e270e2c2a9/all");
        assert_eq!(RESOURCE_SERVER, "funcx_service");
    }
}

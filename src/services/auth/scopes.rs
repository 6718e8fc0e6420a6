//! Globus Auth's scopes.
use crate::scopes::{Scope, ScopeBuilder};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_scopes_match_the_python_sdk() {
        assert_eq!(openid().to_string(), "openid");
        assert_eq!(email().to_string(), "email");
        assert_eq!(profile().to_string(), "profile");
        let urn = |n: &str| format!("urn:globus:auth:scope:auth.globus.org:{n}");
        assert_eq!(view_identities().to_string(), urn("view_identities"));
        assert_eq!(view_identity_set().to_string(), urn("view_identity_set"));
        assert_eq!(view_authentications().to_string(), urn("view_authentications"));
        assert_eq!(manage_projects().to_string(), urn("manage_projects"));
        assert_eq!(view_clients().to_string(), urn("view_clients"));
        assert_eq!(view_clients_and_scopes().to_string(), urn("view_clients_and_scopes"));
        assert_eq!(view_consents().to_string(), urn("view_consents"));
    }
}

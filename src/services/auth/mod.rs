//! Globus Auth: the generated client for every Auth operation, and the hand-written layer
//! for logins ([`NativeAppClient`], [`ConfidentialAppClient`], [`LoginFlow`]), tokens
//! ([`TokenResponse`]), renewing authorizers, id_token validation ([`IdTokenDecoder`]) and
//! batched identity lookups ([`IdentityMap`]).
//!
//! ```no_run
//! use globus_sdk::auth::ConfidentialAppClient;
//! use globus_sdk::auth::scopes as auth;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let app = ConfidentialAppClient::new("CLIENT_ID", "CLIENT_SECRET")?;
//! // An Auth client that renews its own token.
//! let authorizer = app.client_credentials_authorizer(&[auth::view_identities()]);
//! let auth = globus_sdk::auth::Client::with_authorizer(authorizer)?;
//! let found = auth.get_identities().usernames("someone@globusid.org").send().await?;
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "auth",
    feature: "auth",
    resource_server: Some(scopes::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![scopes::openid(), scopes::profile(), scopes::email()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

mod id_token;
mod identity_map;
mod login;
mod renewal;
pub mod scopes;
mod tokens;

pub use id_token::IdTokenDecoder;
pub use identity_map::IdentityMap;
pub use login::{AuthorizeParams, ConfidentialAppClient, LoginFlow, NativeAppClient, Pkce};
pub use renewal::{ClientCredentialsAuthorizer, ClientCredentialsSource, RefreshTokenAuthorizer, RefreshTokenSource};
pub use tokens::TokenResponse;

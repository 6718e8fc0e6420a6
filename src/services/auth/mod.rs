//! Globus Auth: the generated client for every Auth operation, and the hand-written layer
//! for logins ([`NativeAppClient`], [`ConfidentialAppClient`], [`LoginFlow`]), tokens
//! ([`TokenResponse`]), renewing authorizers, id_token validation ([`IdTokenDecoder`]) and
//! batched identity lookups ([`IdentityMap`]).
//!
//! ```no_run
//! use globus_sdk::auth::ConfidentialAppClient;
//! use globus_sdk::scopes::auth;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let app = ConfidentialAppClient::new("CLIENT_ID", "CLIENT_SECRET")?;
//! // An Auth client that renews its own token.
//! let authorizer = app.client_credentials_authorizer(&[auth::view_identities()]);
//! let auth = globus_sdk::auth::Client::with_authorizer(authorizer)?;
//! let found = auth.get_identities().usernames("someone@globusid.org").send().await?;
//! # Ok(()) }
//! ```

mod generated {
    #![allow(missing_docs, clippy::all, unused_imports, dead_code)]
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/generated/auth.rs"));
}

pub mod operations {
    //! Metadata of every Auth operation (from the spec).
    #[allow(unused_imports)]
    use super::types;
    include!(concat!(env!("OUT_DIR"), "/auth_operations.rs"));
}

mod id_token;
mod identity_map;
mod login;
mod renewal;
mod tokens;

pub use generated::{Client, builder, types};
pub use id_token::IdTokenDecoder;
pub use identity_map::IdentityMap;
pub use login::{AuthorizeParams, ConfidentialAppClient, LoginFlow, NativeAppClient, Pkce};
pub use renewal::{ClientCredentialsAuthorizer, ClientCredentialsSource, RefreshTokenAuthorizer, RefreshTokenSource};
pub use tokens::TokenResponse;

crate::transport::service_client!(Client, "auth", operations::OPERATIONS, None);

//! # globus-sdk
//!
//! A typed, async Rust SDK for [Globus](https://www.globus.org), the research-data platform.
//!
//! Each service's client is generated at build time from a hand-maintained OpenAPI document
//! (`specs/<service>.yaml`) by progenitor; a thin hand-written layer adds what the specs cannot
//! say: [authorizers], [retries](transport::RetryPolicy), the one [`Error`] type,
//! [paging], [scopes], the OAuth2 login flows and [token storage](token_storage).
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let auth = globus_sdk::auth::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN".to_string()))?;
//! let found = auth.get_identities().usernames("someone@example.org").send().await?;
//! for identity in &found.identities {
//!     println!("{} {}", identity.id, identity.username.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```
//!
//! Cargo features: one per service (`auth`, ...; all on by default), `testing` (the local
//! Globus emulator) and `sqlite` (the SQLite [token store](token_storage)).
#![warn(missing_docs)]

// Generated types name `::globus_sdk::Secret` (from `format: password` in the specs).
extern crate self as globus_sdk;

#[cfg(feature = "auth")]
pub mod app;
pub mod authorizers;
pub mod config;
pub mod envelope;
pub mod error;
pub mod gare;
#[cfg(any(feature = "transfer", feature = "search", feature = "compute"))]
mod pacing;
pub mod paging;
pub mod scopes;
mod secret;
pub mod token_storage;
pub mod transport;

mod services;
pub use services::*;

pub use config::{Config, Environment};
pub use error::{Error, ErrorKind};
pub use secret::Secret;
pub use transport::ClientBuilder;

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(feature = "testing")]
pub mod testing;

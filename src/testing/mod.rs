//! Test support for programs built on this SDK (feature `testing`).
//!
//! [`LocalGlobus`] (with the `auth` feature) is a local Globus: Globus services served on
//! 127.0.0.1, Auth with tokens that expire and, with the `transfer` feature, Transfer with
//! collections backed by directories and tasks that really copy bytes; fault injection
//! ([`Faults`]) on every service. Point any client at it with [`LocalGlobus::config`], or any
//! program (the Python SDK too) with the variables of [`LocalGlobus::env_exports`]; the
//! `globus-local` binary serves it standalone.
//!
//! [`ScriptedServer`] is an HTTP server on 127.0.0.1 that answers from a script and records
//! every request: point a client's base URL at it to test how a program handles any answer
//! Globus may give (errors, retries, dropped connections, truncated bodies).
//!
//! ```
//! use globus_sdk::testing::{Reply, ScriptedServer};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = ScriptedServer::start().await.unwrap();
//! server.once("GET", "/v2/api/identities", Reply::json(200, serde_json::json!({"identities": []})));
//! let auth = globus_sdk::auth::Client::builder().base_url(server.url()).build().unwrap();
//! let found = auth.get_identities().usernames("nobody@example.org").send().await.unwrap();
//! assert!(found.identities.is_empty());
//! assert_eq!(server.requests()[0].query_param("usernames"), Some("nobody@example.org"));
//! # });
//! ```

#[cfg(feature = "auth")]
mod local;
mod loopback;
mod scripted;

#[cfg(all(feature = "auth", feature = "transfer"))]
pub use local::LocalCollection;
#[cfg(feature = "auth")]
pub use local::{
    Approval, Faults, LocalClient, LocalGlobus, LocalGlobusBuilder, LocalIdentity, LoggedRequest, LostResponse,
};
pub use scripted::{RecordedRequest, Reply, ScriptedServer};

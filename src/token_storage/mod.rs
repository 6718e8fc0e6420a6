//! Token storage: keep the tokens of a login between runs, in the files the Python SDK uses.
//!
//! | store | where | feature |
//! |---|---|---|
//! | [`JsonTokenStorage`] | a JSON file (the Python SDK's `JSONTokenStorage` format, `2.0`; reads `1.0`) | always |
//! | [`SqliteTokenStorage`] | a SQLite database (the Python SDK's `SQLiteTokenStorage` schema) | `sqlite` |
//! | [`MemoryTokenStorage`] | memory, for the life of the process | always |
//!
//! Every store implements [`TokenStorage`]: store, get and remove [`TokenStorageData`] by
//! resource server within a namespace (Python's GlobusApp uses `DEFAULT`,
//! [`DEFAULT_NAMESPACE`]), get everything of a namespace, list the namespaces. The trait is
//! object safe (`Arc<dyn TokenStorage>`), so a program can bring its own store (a keyring, a
//! database).
//!
//! [`AppLocation`] gives the default file of an app, the one a Python `UserApp` with the same
//! client id, app name and environment uses (`~/.globus/app/<client id>/<app name>/tokens.json`),
//! so a Rust program and a Python program share a login.
//!
//! [`ValidatingTokenStorage`] runs [`TokenValidator`]s when tokens are read and before they are
//! stored ([`NotExpired`], [`HasRefreshTokens`], [`UnchangingIdentity`],
//! [`ScopeRequirements`], or your own); a failure is a [`ValidationError`] whose
//! [`next_step`](ValidationError::next_step) says whether to log in again.
//!
//! ```no_run
//! use std::sync::Arc;
//! use globus_sdk::token_storage::*;
//!
//! # fn demo() -> Result<(), StorageError> {
//! let file = JsonTokenStorage::for_app(&AppLocation::new("CLIENT_ID", "My App"))?;
//! let storage = ValidatingTokenStorage::new(Arc::new(file)).validator(HasRefreshTokens);
//! match storage.get("transfer.api.globus.org") {
//!     Ok(tokens) => println!("logged in as {:?}", tokens.identity_id),
//!     Err(e) if e.validation().is_some_and(|v| v.next_step() == NextStep::Login) => println!("log in first"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! Tokens stay [`Secret`](crate::Secret)s in memory: no `Debug` output, log line or error
//! message shows one.
//!
//! ## Why synchronous
//!
//! The stores do local file work that takes microseconds to milliseconds, and the one place
//! the SDK stores tokens by itself, [`RenewingAuthorizer::on_refresh`], is a synchronous
//! callback; a synchronous trait is usable from there, from programs without an async
//! runtime, and by the same code in both. (An async trait would also need boxed futures to stay
//! object safe.) An async program that expects a store to block for long (a network-backed
//! one, a lock held elsewhere) calls it through `tokio::task::spawn_blocking`.
//!
//! [`RenewingAuthorizer::on_refresh`]: crate::authorizers::RenewingAuthorizer::on_refresh

mod data;
mod error;
mod file;
mod json;
mod location;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;
mod validation;

use std::collections::BTreeMap;
use std::fmt;

pub use data::TokenStorageData;
pub use error::{NextStep, StorageError, ValidationError};
pub use json::JsonTokenStorage;
pub use location::AppLocation;
pub use memory::MemoryTokenStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteTokenStorage;
pub use validation::{
    HasRefreshTokens, NotExpired, ScopeRequirements, TokenValidator, UnchangingIdentity, ValidatingTokenStorage,
    ValidationContext,
};

/// The namespace the Python SDK's `GlobusApp` uses.
pub const DEFAULT_NAMESPACE: &str = "DEFAULT";

/// A store of token data: by namespace, then by resource server.
///
/// Implement it to keep tokens elsewhere; every method takes `&self` (stores are shared
/// between threads) and reports failures as [`StorageError`].
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::{Arc, Mutex};
/// use globus_sdk::token_storage::{StorageError, TokenStorage, TokenStorageData};
///
/// /// Tokens of the namespace DEFAULT only.
/// #[derive(Debug, Default)]
/// struct OneNamespace(Mutex<BTreeMap<String, TokenStorageData>>);
///
/// impl TokenStorage for OneNamespace {
///     fn store(&self, _: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
///         let mut map = self.0.lock().unwrap();
///         map.extend(tokens.iter().map(|t| (t.resource_server.clone(), t.clone())));
///         Ok(())
///     }
///     fn get_all(&self, _: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
///         Ok(self.0.lock().unwrap().clone())
///     }
///     fn remove(&self, _: &str, resource_server: &str) -> Result<bool, StorageError> {
///         Ok(self.0.lock().unwrap().remove(resource_server).is_some())
///     }
///     fn namespaces(&self) -> Result<Vec<String>, StorageError> {
///         Ok(vec!["DEFAULT".into()])
///     }
/// }
///
/// let storage: Arc<dyn TokenStorage> = Arc::new(OneNamespace::default());
/// storage.store("DEFAULT", &[TokenStorageData::new("auth.globus.org", "openid", "AT", 0)]).unwrap();
/// assert!(storage.get("DEFAULT", "auth.globus.org").unwrap().is_some());
/// ```
pub trait TokenStorage: Send + Sync + fmt::Debug {
    /// Store `tokens` in `namespace`, each under its resource server, replacing what was
    /// stored there; other resource servers are kept. All are stored, or none.
    fn store(&self, namespace: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError>;

    /// Every token of `namespace`, by resource server (empty when there is none).
    fn get_all(&self, namespace: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError>;

    /// The tokens for `resource_server` in `namespace`, if stored.
    fn get(&self, namespace: &str, resource_server: &str) -> Result<Option<TokenStorageData>, StorageError> {
        Ok(self.get_all(namespace)?.remove(resource_server))
    }

    /// Remove the tokens for `resource_server` from `namespace`; true when there were some.
    fn remove(&self, namespace: &str, resource_server: &str) -> Result<bool, StorageError>;

    /// The namespaces that hold tokens.
    fn namespaces(&self) -> Result<Vec<String>, StorageError>;
}

macro_rules! forward {
    ($($ptr:ty),*) => {$(
        impl<T: TokenStorage + ?Sized> TokenStorage for $ptr {
            fn store(&self, namespace: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
                (**self).store(namespace, tokens)
            }
            fn get_all(&self, namespace: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
                (**self).get_all(namespace)
            }
            fn get(&self, namespace: &str, resource_server: &str) -> Result<Option<TokenStorageData>, StorageError> {
                (**self).get(namespace, resource_server)
            }
            fn remove(&self, namespace: &str, resource_server: &str) -> Result<bool, StorageError> {
                (**self).remove(namespace, resource_server)
            }
            fn namespaces(&self) -> Result<Vec<String>, StorageError> {
                (**self).namespaces()
            }
        }
    )*};
}

forward!(std::sync::Arc<T>, Box<T>, &T);

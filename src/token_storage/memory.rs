//! [`MemoryTokenStorage`]: tokens for the life of the process.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{StorageError, TokenStorage, TokenStorageData};

type Namespaces = BTreeMap<String, BTreeMap<String, TokenStorageData>>;

/// Tokens kept in memory, lost when the process exits (the Python SDK's
/// `MemoryTokenStorage`). Clones share the same tokens.
///
/// ```
/// use globus_sdk::token_storage::{MemoryTokenStorage, TokenStorage, TokenStorageData};
/// let storage = MemoryTokenStorage::new();
/// storage.store("DEFAULT", &[TokenStorageData::new("auth.globus.org", "openid", "AT", 1_900_000_000)]).unwrap();
/// assert!(storage.get("DEFAULT", "auth.globus.org").unwrap().is_some());
/// assert!(storage.get("other", "auth.globus.org").unwrap().is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryTokenStorage {
    namespaces: Arc<Mutex<Namespaces>>,
}

impl MemoryTokenStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Namespaces) -> R) -> R {
        // Nothing can be left half-changed by a panic (each change is one insert or remove).
        f(&mut self.namespaces.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl TokenStorage for MemoryTokenStorage {
    fn store(&self, namespace: &str, tokens: &[TokenStorageData]) -> Result<(), StorageError> {
        self.with(|all| {
            let records = all.entry(namespace.to_string()).or_default();
            for token in tokens {
                records.insert(token.resource_server.clone(), token.clone());
            }
        });
        Ok(())
    }

    fn get_all(&self, namespace: &str) -> Result<BTreeMap<String, TokenStorageData>, StorageError> {
        Ok(self.with(|all| all.get(namespace).cloned().unwrap_or_default()))
    }

    fn get(&self, namespace: &str, resource_server: &str) -> Result<Option<TokenStorageData>, StorageError> {
        Ok(self.with(|all| all.get(namespace).and_then(|r| r.get(resource_server)).cloned()))
    }

    fn remove(&self, namespace: &str, resource_server: &str) -> Result<bool, StorageError> {
        Ok(self.with(|all| all.get_mut(namespace).is_some_and(|r| r.remove(resource_server).is_some())))
    }

    fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.with(|all| all.iter().filter(|(_, r)| !r.is_empty()).map(|(n, _)| n.clone()).collect()))
    }
}

//! What a `LocalGlobus` offers about Transfer: its URL, the collections (added and removed
//! at run time too), the throttle.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::{LocalCollection, Transfer, collections};
use crate::testing::local::LocalGlobus;
use crate::testing::local::core::lock;
use crate::testing::local::plugin::Service as _;

impl LocalGlobus {
    /// The base URL of Transfer, `http://127.0.0.1:<port>` (the API is under `/v0.10/`).
    pub fn transfer_url(&self) -> String {
        self.url_of(Transfer::NAME)
    }

    /// The collections: those configured, in order, then those added since, less those
    /// removed.
    pub fn collections(&self) -> Vec<LocalCollection> {
        self.service::<Transfer>().map_or_else(Vec::new, |t| lock(&t.collections).clone())
    }

    /// A collection by name.
    pub fn collection(&self, name: &str) -> Option<LocalCollection> {
        self.collections().into_iter().find(|c| c.name == name)
    }

    /// Add a collection named `name` on the existing directory `dir`, owned by the default
    /// user, while the server runs: it is found by endpoint search and get_endpoint and
    /// usable by ls and transfers at once. Fails for a name already used or a directory that
    /// cannot be opened.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::builder().start().await.unwrap();
    /// let data = tempfile::tempdir().unwrap();
    /// std::fs::create_dir(data.path().join("shared")).unwrap();
    /// let mapped = local.add_collection("data", data.path()).unwrap();
    /// let guest = local.add_guest_collection("shared", mapped.id(), "/shared/").unwrap();
    /// assert_eq!(local.collections().len(), 4);
    /// assert!(local.remove_collection(mapped.id()).is_err(), "a guest collection lies in it");
    /// local.remove_collection(guest.id()).unwrap();
    /// local.remove_collection(mapped.id()).unwrap();
    /// assert_eq!(local.collections().len(), 2);
    /// # });
    /// ```
    pub fn add_collection(&self, name: &str, dir: impl AsRef<Path>) -> Result<LocalCollection, crate::Error> {
        let t = self.transfer_service()?;
        let owner = self.core.default_user().id;
        let c = collections::mapped(name, dir.as_ref(), false, &owner).map_err(|e| invalid(e.to_string()))?;
        t.registry().add(c).map_err(invalid)
    }

    /// Add a guest collection named `name`, owned by the default user, whose root is the
    /// directory `path` (a Globus path) of the mapped collection `mapped` (its id or name);
    /// anyone but the owner reaches it through its access rules. Neither `..` nor a symbolic
    /// link can place its root outside the mapped collection: such a path is refused, as one
    /// that is not a directory. See [`Self::add_collection`] for an example.
    pub fn add_guest_collection(&self, name: &str, mapped: &str, path: &str) -> Result<LocalCollection, crate::Error> {
        let owner = self.core.default_user().id;
        self.transfer_service()?.registry().add_guest(name, mapped, path, &owner).map_err(invalid)
    }

    /// Remove the collection `id` and its access rules: it leaves endpoint search, and
    /// get_endpoint, ls and new transfers naming it are answered `EndpointNotFound` (a task
    /// already running finishes). Its directory is kept. A mapped collection that guest
    /// collections lie in is refused: remove them first. See [`Self::add_collection`].
    pub fn remove_collection(&self, id: &str) -> Result<LocalCollection, crate::Error> {
        self.transfer_service()?.registry().remove(id).map_err(invalid)
    }

    /// Copy task data at most this many bytes per second (None: no limit); applies to
    /// running tasks at once.
    pub fn set_throttle(&self, bytes_per_second: Option<u64>) {
        if let Some(t) = self.service::<Transfer>() {
            t.throttle.store(bytes_per_second.unwrap_or(0), Ordering::Relaxed);
        }
    }

    fn transfer_service(&self) -> Result<&Transfer, crate::Error> {
        self.service::<Transfer>().ok_or_else(|| invalid("the local Transfer is not running".into()))
    }
}

fn invalid(message: String) -> crate::Error {
    crate::Error::invalid_request(message)
}

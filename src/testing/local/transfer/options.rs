//! The builder's Transfer options: port, collections, throttle, marker page size.

use std::path::Path;
use std::time::Duration;

use super::collections::{CollectionSpec, GuestSpec};
use super::{Transfer, TransferSettings};
use crate::testing::local::LocalGlobusBuilder;
use crate::testing::local::plugin::Service as _;

impl LocalGlobusBuilder {
    /// Listen for Transfer on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn transfer_port(self, port: u16) -> Self {
        self.port(Transfer::NAME, port)
    }

    /// A collection named `name` backed by the existing directory `dir` (kept on drop).
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let data = std::env::temp_dir();
    /// let local = LocalGlobus::builder().collection("data", &data).temp_collection("scratch").start().await.unwrap();
    /// assert_eq!(local.collections().len(), 2);
    /// # });
    /// ```
    pub fn collection(self, name: impl Into<String>, dir: impl AsRef<Path>) -> Self {
        self.add_collection(name.into(), Some(dir.as_ref()), false)
    }

    /// Like [`Self::collection`], but every write to it is refused with `EndpointPermissionDenied`.
    pub fn read_only_collection(self, name: impl Into<String>, dir: impl AsRef<Path>) -> Self {
        self.add_collection(name.into(), Some(dir.as_ref()), true)
    }

    /// A collection backed by a new empty temporary directory, removed on drop.
    ///
    /// Without any collection, the server has two temporary ones, `source` and `destination`.
    pub fn temp_collection(self, name: impl Into<String>) -> Self {
        self.add_collection(name.into(), None, false)
    }

    /// A guest collection named `name` whose root is the directory `path` (a Globus path such
    /// as `/shared/`) of the collection named `mapped`, owned by the default user. Anyone else
    /// reaches it only through its access rules (`add_endpoint_acl_rule`). Its root is opened
    /// through the mapped collection's, so neither `..` nor a symbolic link can place it
    /// outside: `start` fails instead, as it does for a path that is not a directory.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let data = tempfile::tempdir().unwrap();
    /// std::fs::create_dir(data.path().join("shared")).unwrap();
    /// let local = LocalGlobus::builder()
    ///     .collection("data", data.path())
    ///     .guest_collection("shared", "data", "/shared/")
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let shared = local.collection("shared").unwrap();
    /// assert_eq!(shared.host_collection_id(), Some(local.collection("data").unwrap().id()));
    /// assert!(shared.uses_acls());
    /// # });
    /// ```
    pub fn guest_collection(self, name: impl Into<String>, mapped: impl Into<String>, path: impl Into<String>) -> Self {
        let spec = GuestSpec { name: name.into(), mapped: mapped.into(), path: path.into() };
        self.configure(|s: &mut TransferSettings| s.guests.push(spec))
    }

    /// Copy task data at most this many bytes per second (default: as fast as the disk goes).
    pub fn throttle(self, bytes_per_second: u64) -> Self {
        self.configure(|s: &mut TransferSettings| s.throttle = bytes_per_second)
    }

    /// Page size of `task_successful_transfers` and `task_skipped_errors` (default 1000).
    pub fn marker_page_size(self, n: usize) -> Self {
        self.configure(|s: &mut TransferSettings| s.marker_page_size = n.max(1))
    }

    /// How long a task waits before retrying a step that failed in a way that may pass (a
    /// missing source file, a permission, a full disk): Globus keeps such a task `ACTIVE`,
    /// records each failure as a fault (an error event, the `faults` count) and retries
    /// until the task's deadline (by default a day after the request), then fails it.
    /// Default 30 seconds; tests use a few milliseconds.
    pub fn retry_interval(self, interval: Duration) -> Self {
        self.configure(|s: &mut TransferSettings| s.retry_interval = interval)
    }

    fn add_collection(self, name: String, dir: Option<&Path>, read_only: bool) -> Self {
        let spec = CollectionSpec { name, dir: dir.map(Path::to_path_buf), read_only };
        self.configure(|s: &mut TransferSettings| s.collections.push(spec))
    }
}

//! What a `LocalGlobus` offers about Transfer: its URL, the collections, the throttle.

use std::sync::atomic::Ordering;

use super::{LocalCollection, Transfer};
use crate::testing::local::LocalGlobus;
use crate::testing::local::plugin::Service as _;

impl LocalGlobus {
    /// The base URL of Transfer, `http://127.0.0.1:<port>` (the API is under `/v0.10/`).
    pub fn transfer_url(&self) -> String {
        self.url_of(Transfer::NAME)
    }

    /// The collections, in the order they were configured.
    pub fn collections(&self) -> &[LocalCollection] {
        self.service::<Transfer>().map_or(&[], |t| &t.collections)
    }

    /// A collection by name.
    pub fn collection(&self, name: &str) -> Option<&LocalCollection> {
        self.collections().iter().find(|c| c.name == name)
    }

    /// Copy task data at most this many bytes per second (None: no limit); applies to
    /// running tasks at once.
    pub fn set_throttle(&self, bytes_per_second: Option<u64>) {
        if let Some(t) = self.service::<Transfer>() {
            t.throttle.store(bytes_per_second.unwrap_or(0), Ordering::Relaxed);
        }
    }
}

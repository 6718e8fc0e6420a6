//! What a `LocalGlobus` offers about Search: its URL.

use super::Search;
use crate::testing::local::LocalGlobus;
use crate::testing::local::plugin::Service as _;

impl LocalGlobus {
    /// The base URL of Search, `http://127.0.0.1:<port>` (the API is under `/v1/`).
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// assert_eq!(Some(local.search_url()), local.service_url("search"));
    /// # });
    /// ```
    pub fn search_url(&self) -> String {
        self.url_of(Search::NAME)
    }
}

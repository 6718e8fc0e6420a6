//! The builder's Search options: port, task delay, trial index limit.

use std::time::Duration;

use super::{Search, SearchSettings};
use crate::testing::local::LocalGlobusBuilder;
use crate::testing::local::plugin::Service as _;

impl LocalGlobusBuilder {
    /// Listen for Search on this port of 127.0.0.1 (default 0: an ephemeral port).
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// let local = LocalGlobus::builder().search_port(free).start().await.unwrap();
    /// assert_eq!(local.search_url(), format!("http://127.0.0.1:{free}"));
    /// # });
    /// ```
    pub fn search_port(self, port: u16) -> Self {
        self.port(Search::NAME, port)
    }

    /// Hold each Search task this long in `PENDING`, then as long in `PROGRESS`, before it
    /// runs (default: none, tasks run as soon as the worker takes them), to watch a client
    /// wait for a task.
    ///
    /// ```
    /// use std::time::Duration;
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::builder().search_task_delay(Duration::from_millis(200)).start().await.unwrap();
    /// assert!(local.search_url().starts_with("http://127.0.0.1:"));
    /// # });
    /// ```
    pub fn search_task_delay(self, delay: Duration) -> Self {
        self.configure(|s: &mut SearchSettings| s.task_delay = delay)
    }

    /// How many indexes one identity may own (default 3, Globus Search's limit on trial
    /// indexes); creating one more is `409 Conflict.LimitExceeded`.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// // Room for many indexes per identity.
    /// let local = LocalGlobus::builder().search_index_limit(100).start().await.unwrap();
    /// # assert!(!local.search_url().is_empty());
    /// # });
    /// ```
    pub fn search_index_limit(self, n: usize) -> Self {
        self.configure(|s: &mut SearchSettings| s.trial_index_limit = n)
    }
}

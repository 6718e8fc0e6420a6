//! Globus Search: the generated client for every Search operation (indices, queries, scrolling,
//! ingest and deletion tasks, subjects and entries, tasks, roles), with hand-written query
//! documents ([`SearchQuery`], [`SearchScrollQuery`] and their parts), ingest documents
//! ([`GIngest`], [`GMetaList`], [`GMetaEntry`]) and task waiting ([`Client::wait_for_task`]).
//! Its scopes are in [`scopes`].
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let search = globus_sdk::search::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! let page = search.search().index_id("INDEX_ID").q("ocean temperature").limit(20).send().await?;
//! for result in &page.gmeta {
//!     println!("{}: {} entries", result.subject, result.entries.len());
//! }
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "search",
    feature: "search",
    resource_server: Some(scopes::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![scopes::search()],
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}

pub mod scopes;
mod ingest;
mod query;
mod tasks;

pub use ingest::{GIngest, GMetaEntry, GMetaList};
pub use query::{Boost, Facet, Filter, Range, SearchQuery, SearchScrollQuery, Sort, SortOrder};
pub use tasks::{TaskWait, TaskWaitError};

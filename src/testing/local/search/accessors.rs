//! What a `LocalGlobus` offers about Search: its URL, and the description of what the local
//! Search answers.

use super::Search;
use crate::testing::local::LocalGlobus;
use crate::testing::local::plugin::Service as _;

impl LocalGlobus {
    /// The base URL of Search, `http://127.0.0.1:<port>` (the API is under `/v1/`).
    ///
    /// The local Search (feature `search`) keeps its indexes in memory:
    ///
    /// - **Indexes**: whoever creates one is its owner (at most three owned per identity,
    ///   [`LocalGlobusBuilder::search_index_limit`]); deleting makes it `delete-pending`
    ///   (no query nor write answers, `409 Conflict.IncompatibleIndexStatus`) until reopened.
    /// - **Roles** (`owner`, `admin`, `writer`, for identity or group URNs): writers ingest,
    ///   delete and read the index's tasks; admins and owners also manage roles and may
    ///   `bypass_visible_to`; only owners delete, reopen, and give or take the owner role.
    /// - **Writes are tasks** (ingest `GMetaEntry`/`GMetaList`, entries, deletions by subject,
    ///   entry or query) run in order by a worker: `PENDING`, `PROGRESS`, then `SUCCESS`, or
    ///   `FAILED` with the reason when a batch breaks an index limit (it is then written not
    ///   at all); [`LocalGlobusBuilder::search_task_delay`] slows them down to watch.
    /// - **Visibility**: a caller sees the entries whose `visible_to` holds `public`, and with
    ///   a token `all_authenticated_users`, its identity URN, or the URN of a group it is an
    ///   active member of in the local Groups. Queries need no token.
    /// - **Queries** match entry by entry; a subject is a result with the entries that
    ///   matched. Simple query strings: every word must appear (case-insensitive, in any
    ///   field), `"phrases"`, `word*` prefixes, `*` for everything. Advanced ones
    ///   (`advanced: true`): `field:value`, `field:"phrase"`, `field:(a OR b)`, ranges
    ///   `field:[a TO b]`, `field:>=a`, `field:*`, `AND`/`OR`/`NOT`/`+`/`-`, parentheses,
    ///   `*`/`?` wildcards; boosts (`^2`) are accepted and ignored. Filters: `match_any`,
    ///   `match_all`, `range` (numbers, dates, text; `*` open), `exists`, `like`, `not`,
    ///   `and`, `or`, with `post_filter` (2017 format) and `post_facet_filters`. Facets:
    ///   `terms`, `sum`, `avg`, `distinct_count`, `numeric_histogram`, `date_histogram`.
    ///   Sort by any field, `asc` or `desc` (default: most matching words first). Offset
    ///   paging up to `offset + limit` = 10 000; `scroll` beyond it by marker.
    ///   `filter_principal_sets` keeps the entries with one of the named `principal_sets`
    ///   holding one of the caller's principals, and `matched_principal_sets` names them.
    /// - **Refused with a 400**, never guessed at: regular expressions, fuzzy and proximity
    ///   terms, geographic filters, query templates, the 2017 result format.
    ///
    /// ```
    /// use globus_sdk::authorizers::AccessTokenAuthorizer;
    /// use globus_sdk::search::{Filter, GIngest, GMetaEntry, GMetaList, SearchQuery};
    /// use globus_sdk::testing::LocalGlobus;
    /// use serde_json::json;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// assert_eq!(Some(local.search_url()), local.service_url("search"));
    ///
    /// // A token of the default user for Search, and a client of the local Search.
    /// let scope = "urn:globus:auth:scope:search.api.globus.org:all";
    /// let tokens = local.issue_tokens(local.native_client().id(), &local.user().username, scope, false).unwrap();
    /// let token = tokens.raw().access_token.expose().to_string();
    /// let search = globus_sdk::search::Client::builder()
    ///     .config(local.config())
    ///     .authorizer(AccessTokenAuthorizer::new(token))
    ///     .build()
    ///     .unwrap();
    ///
    /// // An index, two documents written by a task, and a query with a filter.
    /// let index = search.create_index().body_map(|b| b.display_name("ocean".to_string()).description("d".to_string()));
    /// let index = index.send().await.unwrap().into_inner().id;
    /// let docs: GMetaList = [("a", 4000), ("b", 12)]
    ///     .into_iter()
    ///     .map(|(subject, depth)| GMetaEntry::new(subject, ["public"], json!({"title": "deep water", "depth": depth})))
    ///     .collect();
    /// let task = search.ingest().index_id(&index).body(GIngest::list(docs)).send().await.unwrap();
    /// assert_eq!(search.wait_for_task(task.task_id.clone()).await.unwrap().state, "SUCCESS");
    /// let query = SearchQuery::new().q("water").filter(Filter::range("depth", [globus_sdk::search::Range::at_least(100)]));
    /// let found = search.post_search().index_id(&index).body(&query).send().await.unwrap();
    /// assert_eq!(found.gmeta.iter().map(|g| g.subject.as_str()).collect::<Vec<_>>(), ["a"]);
    /// # });
    /// ```
    ///
    /// [`LocalGlobusBuilder::search_index_limit`]: crate::testing::LocalGlobusBuilder::search_index_limit
    /// [`LocalGlobusBuilder::search_task_delay`]: crate::testing::LocalGlobusBuilder::search_task_delay
    pub fn search_url(&self) -> String {
        self.url_of(Search::NAME)
    }
}

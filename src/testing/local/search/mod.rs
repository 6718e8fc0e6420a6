//! Globus Search v1: indexes of subjects and entries held in memory, queried by a small
//! search engine of its own, written by tasks that a background worker runs in order.
//!
//! The engine: `fields` (dotted paths, words, dates, sort keys), `query` (the query string,
//! simple and advanced), `filters`, `facets`, `request` (query documents and their limits),
//! `store` (an index's documents, the search, sort, paging and scroll). The service:
//! `access` (tokens, scopes, principals, roles), `indexes`, `roles`, `ingest` (ingest and
//! entries), `deletes`, `tasks` (the task store and the worker), `queries` (search, scroll,
//! subjects, entries), `errors` (GError), `options` and `accessors`.

mod access;
mod accessors;
mod deletes;
mod errors;
mod facets;
mod fields;
mod filters;
mod indexes;
mod ingest;
mod options;
mod queries;
mod query;
mod request;
mod roles;
mod store;
mod tasks;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::core::Core;
use super::http::{Reply, Request};
use super::plugin::{Handler, Service};
use super::settings::Settings;
use crate::transport::OperationMeta;

use access::{Access, RoleName};
use store::Store;
use tasks::{TaskStore, Worker};

/// How many trial indexes an identity may own, as Globus Search allows.
const DEFAULT_TRIAL_INDEX_LIMIT: usize = 3;

/// What the builder says of Search.
struct SearchSettings {
    task_delay: Duration,
    trial_index_limit: usize,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings { task_delay: Duration::ZERO, trial_index_limit: DEFAULT_TRIAL_INDEX_LIMIT }
    }
}

/// An index's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Open,
    DeletePending,
}

impl Status {
    /// As index documents show it.
    fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::DeletePending => "delete-pending",
        }
    }

    /// As Search's status errors name it.
    fn error_name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::DeletePending => "delete_pending",
        }
    }
}

/// A role on an index.
#[derive(Clone, Debug)]
struct Role {
    id: String,
    name: RoleName,
    principal: String,
    creation_date: DateTime<Utc>,
}

/// One index.
struct Index {
    id: String,
    display_name: String,
    description: String,
    creation_date: DateTime<Utc>,
    content_last_modified: Option<DateTime<Utc>>,
    status: Status,
    roles: Vec<Role>,
    store: Store,
}

/// Everything Search holds, under one lock.
#[derive(Default)]
struct State {
    indexes: BTreeMap<String, Index>,
    tasks: TaskStore,
    role_seq: u64,
}

/// The local Search.
pub(crate) struct Search {
    core: Arc<Core>,
    /// Shared with the worker.
    state: Arc<Mutex<State>>,
    worker: Worker,
    trial_index_limit: usize,
}

impl Service for Search {
    const NAME: &'static str = "search";
    const TITLE: &'static str = "Search";
    const OPERATIONS: &'static [OperationMeta] = crate::search::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("create_index", indexes::create),
        ("get_index", indexes::get),
        ("index_list", indexes::list),
        ("update_index", indexes::update),
        ("delete_index", indexes::delete),
        ("reopen_index", indexes::reopen),
        ("search", queries::search),
        ("post_search", queries::post_search),
        ("scroll", queries::scroll),
        ("get_subject", queries::get_subject),
        ("get_entry", queries::get_entry),
        ("ingest", ingest::ingest),
        ("create_entry", ingest::create_entry),
        ("update_entry", ingest::update_entry),
        ("delete_by_query", deletes::by_query),
        ("batch_delete_by_subject", deletes::batch_by_subject),
        ("delete_subject", deletes::subject),
        ("delete_entry", deletes::entry),
        ("get_task", tasks::get),
        ("get_task_list", tasks::list),
        ("create_role", roles::create),
        ("get_role_list", roles::list),
        ("delete_role", roles::delete),
    ];

    /// The token's identity and scopes (queries need none).
    type Caller = Access;

    fn start(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Self> {
        let settings: SearchSettings = settings.take();
        let state = Arc::new(Mutex::new(State::default()));
        let worker = Worker::start(core.clone(), state.clone(), settings.task_delay)?;
        Ok(Search { core: core.clone(), state, worker, trial_index_limit: settings.trial_index_limit })
    }

    fn admit(&self, req: &Request) -> Result<Access, Reply> {
        Access::admit(&self.core, req).map_err(|r| Self::error(r.status, &r.message, req))
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    /// `all`, `search`, `ingest` and `globus_connect_server`, for Search's resource server.
    fn scopes(&self) -> Vec<(String, String)> {
        [access::SCOPE_ALL, access::SCOPE_SEARCH, access::SCOPE_INGEST, access::SCOPE_GCS]
            .iter()
            .map(|s| (s.to_string(), access::SEARCH_RS.to_string()))
            .collect()
    }

    /// Stop the worker (it ends at its next step), waiting for it a short while.
    fn stop(&self) {
        self.worker.stop();
    }
}

/// Dates of index and role documents: `2021-04-05 15:05:18`.
fn short_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The body as JSON (400 in Search's shape if it is not).
fn json_body(req: &Request) -> Result<serde_json::Value, Reply> {
    req.json().map_err(|e| errors::bad_request(e, req))
}

/// The open index `id` (404 if there is none, 409 if it is being deleted).
fn open_index<'a>(state: &'a mut State, id: &str, req: &Request) -> Result<&'a mut Index, Reply> {
    let index = state.indexes.get_mut(id).ok_or_else(|| no_index(id, req))?;
    if index.status != Status::Open {
        return Err(status_conflict(index.status, Status::Open, req));
    }
    Ok(index)
}

fn no_index(id: &str, req: &Request) -> Reply {
    errors::not_found(format!("There is no index with the id {id:?}"), req)
}

fn status_conflict(have: Status, need: Status, req: &Request) -> Reply {
    let message = format!(
        "Index status ({}) did not match required status for this operation: {}",
        have.error_name(),
        need.error_name()
    );
    errors::error(409, "Conflict.IncompatibleIndexStatus", message, req)
}

impl Index {
    /// The strongest role the caller holds (through its identity or a group).
    fn role_of(&self, principals: &[String]) -> Option<RoleName> {
        self.roles.iter().filter(|r| principals.contains(&r.principal)).map(|r| r.name).min()
    }

    /// The roles the caller holds, strongest first, each once.
    fn permissions(&self, principals: &[String]) -> Vec<&'static str> {
        let mut names: Vec<RoleName> =
            self.roles.iter().filter(|r| principals.contains(&r.principal)).map(|r| r.name).collect();
        names.sort();
        names.dedup();
        names.into_iter().map(RoleName::as_str).collect()
    }

    /// Whether the caller holds `at_least` or a stronger role; else the 403 of `operation`.
    fn require(&self, principals: &[String], at_least: RoleName, operation: &str, req: &Request) -> Result<(), Reply> {
        match self.role_of(principals) {
            Some(r) if r <= at_least => Ok(()),
            _ => Err(errors::denied(operation, req)),
        }
    }
}

//! Globus Compute: endpoints (registered, updated, locked, deleted, their allowed
//! functions and status), functions (registered, read, deleted) and tasks (submitted
//! through the v2 and v3 APIs, their status alone and in batches, task groups), and the
//! service version.
//!
//! Tasks do not execute: there is no worker, and the local Globus runs no code sent to it.
//! A submission is checked (the function and endpoint exist and are visible, the endpoint
//! allows the function) and each task is accepted and stays `waiting-for-ep` (pending), as
//! on Compute while an endpoint is offline; every endpoint's status is `offline`. The AMQP
//! credentials a registration answers are random and lead nowhere (no AMQP service runs).
//! Serialized function code and task arguments are never decoded; arguments are not kept.

mod endpoints;
mod functions;
mod tasks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::LocalGlobus;
use super::core::{Caller, Core};
use super::http::{Reply, Request};
use super::plugin::{Handler, Service};
use super::settings::Settings;
use crate::transport::OperationMeta;

/// The most endpoints, functions and tasks the local Compute holds, and tasks per submission.
const MAX_ENDPOINTS: usize = 10_000;
const MAX_FUNCTIONS: usize = 10_000;
const MAX_TASKS: usize = 100_000;
const MAX_TASKS_PER_SUBMIT: usize = 1_000;
/// The longest text field (names, descriptions) and the most allowed functions.
const MAX_TEXT: usize = 1024;
const MAX_ALLOWED: usize = 1_000;
/// How long a lock lasts.
const LOCK_SECONDS: i64 = 300;

/// An endpoint.
#[derive(Clone, Debug)]
struct EndpointRecord {
    id: String,
    owner: String,
    name: String,
    display_name: String,
    description: String,
    multi_user: bool,
    public: bool,
    high_assurance: bool,
    allowed_functions: Vec<String>,
    version: String,
    locked_until: Option<DateTime<Utc>>,
}

/// A function.
#[derive(Clone, Debug)]
struct FunctionRecord {
    id: String,
    owner: String,
    name: String,
    code: String,
    description: String,
    metadata: Value,
    public: bool,
}

/// A task (accepted, never run).
#[derive(Clone, Debug)]
struct TaskRecord {
    id: String,
    owner: String,
    group: String,
    created: DateTime<Utc>,
}

/// What the local Compute holds.
#[derive(Default)]
struct State {
    endpoints: HashMap<String, EndpointRecord>,
    functions: HashMap<String, FunctionRecord>,
    tasks: HashMap<String, TaskRecord>,
    /// Task groups: id, owner and their tasks in order.
    groups: HashMap<String, (String, Vec<String>)>,
}

/// The local Compute.
pub(crate) struct Compute {
    core: Arc<Core>,
    state: Mutex<State>,
}

impl Service for Compute {
    const NAME: &'static str = "compute";
    const TITLE: &'static str = "Compute";
    const OPERATIONS: &'static [OperationMeta] = crate::compute::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("v2_get_version", tasks::version),
        ("v2_get_result_amqp_url", endpoints::result_amqp_url),
        ("v2_get_endpoints", endpoints::list),
        ("v2_register_endpoint", endpoints::register_v2),
        ("v2_get_endpoint", endpoints::get),
        ("v2_delete_endpoint", endpoints::delete),
        ("v2_get_endpoint_status", endpoints::status),
        ("v2_lock_endpoint", endpoints::lock_endpoint),
        ("v2_register_function", functions::register),
        ("v2_get_function", functions::get),
        ("v2_delete_function", functions::delete),
        ("v2_get_task", tasks::get),
        ("v2_get_task_batch", tasks::batch),
        ("v2_get_task_group", tasks::group),
        ("v2_submit", tasks::submit_v2),
        ("v3_register_endpoint", endpoints::register_v3),
        ("v3_update_endpoint", endpoints::update_v3),
        ("v3_delete_endpoint", endpoints::delete),
        ("v3_lock_endpoint", endpoints::lock_endpoint),
        ("v3_get_endpoint_allowlist", endpoints::allowlist),
        ("v3_submit", tasks::submit_v3),
        ("v3_register_function", functions::register),
    ];

    /// Every call needs a token for `funcx_service` with Compute's `all` scope.
    type Caller = Caller;

    fn start(core: &Arc<Core>, _settings: &mut Settings) -> std::io::Result<Self> {
        Ok(Compute { core: core.clone(), state: Mutex::new(State::default()) })
    }

    fn admit(&self, req: &Request) -> Result<Caller, Reply> {
        let scope = crate::compute::scopes::all().to_string();
        self.core
            .authorize(req, crate::compute::scopes::RESOURCE_SERVER, &scope)
            .map_err(|r| super::errors::globus(r.status, &r.message, req))
    }

    /// Compute's `all` scope, for its resource server `funcx_service` (as real Auth names it).
    fn scopes(&self) -> Vec<(String, String)> {
        vec![(crate::compute::scopes::all().to_string(), crate::compute::scopes::RESOURCE_SERVER.to_string())]
    }
}

/// A 4xx in Compute's shape (Globus's common error document), without the request.
fn error(status: u16, message: &str, req: &Request) -> Reply {
    super::errors::globus(status, message, req)
}

/// The local Compute (feature `compute`).
impl LocalGlobus {
    /// The base URL of the local Compute.
    ///
    /// Every operation of Compute's spec is served, v2 and v3: endpoints (register, update,
    /// get, list by `role`, status, lock for five minutes, allowed functions, delete),
    /// functions (register, get, delete: yours, or public ones), tasks (submit, get, batch
    /// status, task groups) and the version. Tasks are accepted and never run: there is no
    /// worker, so each stays `waiting-for-ep`, and every endpoint is `offline`. No code sent
    /// to it is decoded or executed.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = globus_sdk::testing::LocalGlobus::start().await.unwrap();
    /// assert!(local.compute_url().starts_with("http://127.0.0.1:"));
    /// # });
    /// ```
    pub fn compute_url(&self) -> String {
        self.url_of(Compute::NAME)
    }
}

/// A text field of a body: absent, a string within [`MAX_TEXT`], or a 400.
fn text(body: &serde_json::Map<String, Value>, field: &str, req: &Request) -> Result<Option<String>, Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(_) => Err(error(400, &format!("{field} must be a string of at most {MAX_TEXT} characters"), req)),
    }
}

/// The JSON object body of a request, or a 400.
fn body(req: &Request) -> Result<serde_json::Map<String, Value>, Reply> {
    match req.json::<Value>() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(error(400, "the body must be a JSON object", req)),
        Err(e) => Err(error(400, &format!("the body is not JSON: {e}"), req)),
    }
}

/// An id of a path, which must be a UUID (Compute's ids are).
fn uuid_param(id: &str, what: &str, req: &Request) -> Result<String, Reply> {
    uuid::Uuid::parse_str(id).map(|u| u.to_string()).map_err(|_| error(400, &format!("{what} {id:?} is not a UUID"), req))
}

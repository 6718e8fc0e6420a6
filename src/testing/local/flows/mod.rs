//! Globus Flows: flows (create, validate, list, get, update, delete, each registering the
//! flow's own scope with the local Auth), runs (started with a token for the flow's scope,
//! listed, updated, cancelled, resumed, released, their definitions and logs), and the
//! engine that really runs them (`engine`: Action, Pass, Choice, Wait, ExpressionEval, Fail
//! and Succeed states, JSONPath parameters of the subset `paths` reads, Choice rules as
//! `choice` evaluates them), calling the local Transfer and Search as action providers
//! (`actions`) over HTTP as the run's user.
//!
//! Like Flows, the service acts for the run's user with dependent grants: when a run starts,
//! it gets through the core (Auth's accounts) refresh tokens for Transfer and Search for the
//! caller of `run_flow`, issued to Flows' client id; each action turns one into an access
//! token. A provider refusing it (401, 403) makes the run `INACTIVE`; `resume_run` with a
//! token for the flow's scope makes new grants and retries.
//!
//! Registered APIs and web inputs are not emulated: their listings are empty and a lookup
//! by id is a 404.

mod actions;
mod api;
mod choice;
mod engine;
mod errors;
mod pages;
mod paths;
mod runs;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::core::{Core, lock};
use super::http::{Reply, Request};
use super::plugin::{Call, Handler, Service};
use super::settings::Settings;
use super::LocalGlobus;
use crate::transport::OperationMeta;
use store::{FlowRecord, Principals, RunRecord};

/// Flows' resource server.
const FLOWS_RS: &str = "flows.globus.org";
/// Flows' client id: the client its dependent grants are issued to.
const FLOWS_CLIENT_ID: &str = "eec9b274-0c81-4334-bdc2-54e90e689b9a";
/// How long stopping waits for the engine (it stops at its next step).
const STOP_GRACE: Duration = Duration::from_secs(2);
/// The most flows, runs (kept, finished or not) and active runs the local Flows holds.
const MAX_FLOWS: usize = 10_000;
const MAX_RUNS: usize = 10_000;
const MAX_ACTIVE_RUNS: usize = 1_000;
/// The most principals in a role list, tags on a run, and characters in a title or label.
const MAX_PRINCIPALS: usize = 100;
const MAX_TAGS: usize = 100;
const MAX_TEXT: usize = 1024;

/// The local Flows.
pub(crate) struct Flows {
    core: Arc<Core>,
    shared: Arc<Shared>,
    engine: Mutex<Option<JoinHandle<()>>>,
}

/// What the handlers and the engine share.
struct Shared {
    flows: Mutex<HashMap<String, FlowRecord>>,
    runs: Mutex<HashMap<String, RunRecord>>,
    /// Wakes the engine: a run started, was cancelled or resumed, or stopping.
    wake: Condvar,
    stop: AtomicBool,
    seq: AtomicU64,
    /// Transfer tasks of cancelled runs, to cancel on Transfer (task id, the run's grant).
    cancels: Mutex<Vec<(String, crate::Secret)>>,
}

impl Shared {
    fn stopping(&self, core: &Core) -> bool {
        self.stop.load(Ordering::SeqCst) || core.is_stopping()
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }
}

impl Service for Flows {
    const NAME: &'static str = "flows";
    const TITLE: &'static str = "Flows";
    const OPERATIONS: &'static [OperationMeta] = crate::flows::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("list_flows", api::list_flows),
        ("create_flow", api::create_flow),
        ("validate_flow", api::validate_flow),
        ("get_flow", api::get_flow),
        ("update_flow", api::update_flow),
        ("delete_flow", api::delete_flow),
        ("run_flow", runs::run_flow),
        ("validate_run", runs::validate_run),
        ("list_runs", runs::list_runs),
        ("get_run", runs::get_run),
        ("update_run", runs::update_run),
        ("cancel_run", runs::cancel_run),
        ("delete_run", runs::delete_run),
        ("resume_run", runs::resume_run),
        ("get_run_definition", runs::get_run_definition),
        ("get_run_logs", runs::get_run_logs),
        ("list_registered_apis", api::list_registered_apis),
        ("get_registered_api", api::get_registered_api),
        ("list_web_inputs", api::list_web_inputs),
        ("get_web_input", api::get_web_input),
        ("respond_to_web_input", api::get_web_input),
    ];

    /// Operations authorize differently (a Flows token, or the flow's own): each handler
    /// checks its caller.
    type Caller = ();

    fn start(core: &Arc<Core>, _settings: &mut Settings) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            flows: Mutex::new(HashMap::new()),
            runs: Mutex::new(HashMap::new()),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
            seq: AtomicU64::new(0),
            cancels: Mutex::new(Vec::new()),
        });
        let handle = {
            let (shared, core) = (shared.clone(), core.clone());
            std::thread::Builder::new().name("local-flows".into()).spawn(move || engine::run(&shared, &core))?
        };
        Ok(Flows { core: core.clone(), shared, engine: Mutex::new(Some(handle)) })
    }

    fn admit(&self, _req: &Request) -> Result<(), Reply> {
        Ok(())
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    /// Flows' scopes (resource server `flows.globus.org`); each flow's own scope is
    /// registered when the flow is created (resource server: the flow's id).
    fn scopes(&self) -> Vec<(String, String)> {
        use crate::scopes::flows as s;
        [s::all(), s::manage_flows(), s::view_flows(), s::run(), s::run_status(), s::run_manage()]
            .into_iter()
            .map(|scope| (scope.to_string(), FLOWS_RS.to_string()))
            .collect()
    }

    /// Stop the engine (an action in flight is abandoned) and wait for it, at most
    /// [`STOP_GRACE`].
    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _guard = lock(&self.shared.runs);
            self.shared.wake.notify_all();
        }
        let Some(handle) = lock(&self.engine).take() else { return };
        let deadline = Instant::now() + STOP_GRACE;
        while !handle.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if handle.is_finished() {
            let _ = handle.join();
        }
    }
}

impl Flows {
    /// The caller of an operation taking a Flows token: one for `flows.globus.org` with
    /// `all` or one of `scopes`.
    fn flows_caller(&self, call: &Call<'_>, scopes: &[crate::scopes::Scope]) -> Result<Principals, Reply> {
        let all = crate::scopes::flows::all().to_string();
        let mut refusal = None;
        for scope in std::iter::once(all).chain(scopes.iter().map(ToString::to_string)) {
            match self.core.authorize(call.req, FLOWS_RS, &scope) {
                Ok(caller) => return Ok(self.principals(&caller.identity_id)),
                Err(r) if r.status == 401 => return Err(errors::error(401, &r.message)),
                Err(r) => refusal = Some(r),
            }
        }
        let message = refusal.map_or_else(|| "this operation needs a Flows token".to_string(), |r| r.message);
        Err(errors::error(403, &message))
    }

    /// The caller of an operation taking a token for the flow's own scope.
    fn flow_caller(&self, call: &Call<'_>, flow_id: &str) -> Result<Principals, Reply> {
        self.core
            .authorize(call.req, flow_id, &store::flow_scope(flow_id))
            .map(|c| self.principals(&c.identity_id))
            .map_err(|r| {
                let code_status = if r.status == 401 { 401 } else { 403 };
                errors::error(code_status, &r.message)
            })
    }

    fn principals(&self, identity_id: &str) -> Principals {
        let mut urns = vec![store::urn(identity_id)];
        urns.extend(self.core.groups_of(identity_id).into_iter().map(|g| format!("urn:globus:groups:id:{g}")));
        Principals { identity_id: identity_id.to_string(), urns }
    }

    /// The base URL clients reach Flows at (for `flow_url`).
    fn url(&self) -> String {
        self.core.urls().url(Self::NAME).unwrap_or_default()
    }
}

/// The local Flows (feature `flows`).
impl LocalGlobus {
    /// The base URL of the local Flows.
    ///
    /// Every operation of Flows' spec is served. Flows are kept in memory; creating one
    /// registers its scope (`https://auth.globus.org/scopes/<id>/flow_<id with _>_user`,
    /// resource server: the flow's id) with the local Auth, so a login can ask for it and
    /// `run_flow` can check it. Runs really run in the background (one engine thread,
    /// stopped with the server): states `Action`, `Pass`, `Choice`, `Wait` (at most a day),
    /// `ExpressionEval` (`.$` parameters only), `Fail` and `Succeed`; `Parameters` with `.$`
    /// keys, `InputPath` and `ResultPath` (default `$`: the result replaces the run's state)
    /// read and write the JSONPath subset `$`, `.name`, `['name']`, `[0]`; an Action's
    /// `Catch` (by `ErrorEquals`, `States.ALL` included). Action providers: Transfer's
    /// `transfer` (waits for the task), `delete`, `ls` and Search's `ingest`
    /// (`https://actions.globus.org/transfer/transfer` and the like), called on the local
    /// services as the run's user; cancelling a run cancels the Transfer task its action waits
    /// for. A run taking more than a thousand states fails, as does one whose state grows
    /// past 512 KiB. The logs
    /// hold `FlowStarted`, `<Type>Started`, `<Type>Completed`, `ActionFailed`,
    /// `FlowInactive`, `FlowResumed`, `FlowCanceled`, `FlowSucceeded`, `FlowFailed`.
    /// Registered APIs and web inputs are not emulated (empty lists, 404).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = globus_sdk::testing::LocalGlobus::start().await.unwrap();
    /// assert!(local.flows_url().starts_with("http://127.0.0.1:"));
    /// # });
    /// ```
    pub fn flows_url(&self) -> String {
        self.url_of(Flows::NAME)
    }
}

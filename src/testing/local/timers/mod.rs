//! Globus Timers: transfer timers (`POST /v2/timer`) and the jobs API (`/jobs/...`), run by
//! a scheduler that really submits each run's transfer to the local Transfer.
//!
//! Like Timers, the service acts for the timer's owner with a dependent grant: at creation it
//! gets, through the core (Auth's accounts), a refresh token for Transfer for the caller;
//! at each run it turns it into an access token and submits the transfer over HTTP to
//! Transfer's URL (`GET /v0.10/submission_id`, `POST /v0.10/transfer`), as any client
//! would. It never reaches into Transfer's state.
//!
//! Its state: the timers, and the scheduler thread (stopped with the server).

mod api;
mod errors;
mod schedule;
mod scheduler;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::core::{Caller, Core, lock};
use super::http::{Reply, Request};
use super::plugin::{Handler, Service};
use super::settings::Settings;
use super::{LocalGlobus, LocalGlobusBuilder};
use crate::transport::OperationMeta;
use store::TimerRecord;

/// Timers' resource server (and the client id it makes dependent grants as).
const TIMERS_RS: &str = "524230d7-ea86-4a52-8312-86065a9e0417";
/// The scope every Timers call needs.
const TIMER_SCOPE: &str = "https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer";
/// Transfer's resource server and scope: what a run acts with.
const TRANSFER_RS: &str = "transfer.api.globus.org";
const TRANSFER_SCOPE: &str = "urn:globus:auth:scope:transfer.api.globus.org:all";
/// How long stopping waits for the scheduler (it stops at its next step: a run in flight is
/// abandoned at once).
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The local Timers.
pub(crate) struct Timers {
    core: Arc<Core>,
    shared: Arc<Shared>,
    scheduler: Mutex<Option<JoinHandle<()>>>,
}

/// What the handlers and the scheduler share.
struct Shared {
    timers: Mutex<HashMap<String, TimerRecord>>,
    /// Wakes the scheduler: a timer was created, resumed, paused or deleted, or stopping.
    wake: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn stopping(&self, core: &Core) -> bool {
        self.stop.load(Ordering::SeqCst) || core.is_stopping()
    }
}

impl Service for Timers {
    const NAME: &'static str = "timers";
    const TITLE: &'static str = "Timers";
    const OPERATIONS: &'static [OperationMeta] = crate::timers::operations::OPERATIONS;
    const HANDLERS: &'static [(&'static str, Handler<Self>)] = &[
        ("create_timer", api::create_timer),
        ("create_job", api::create_job),
        ("list_jobs", api::list_jobs),
        ("get_job", api::get_job),
        ("update_job", api::update_job),
        ("delete_job", api::delete_job),
        ("pause_job", api::pause_job),
        ("resume_job", api::resume_job),
    ];

    /// Every call needs an active token for Timers with its `timer` scope.
    type Caller = Caller;

    fn start(core: &Arc<Core>, _settings: &mut Settings) -> std::io::Result<Self> {
        let shared =
            Arc::new(Shared { timers: Mutex::new(HashMap::new()), wake: Condvar::new(), stop: AtomicBool::new(false) });
        let handle = {
            let (shared, core) = (shared.clone(), core.clone());
            std::thread::Builder::new().name("local-timers".into()).spawn(move || scheduler::run(&shared, &core))?
        };
        Ok(Timers { core: core.clone(), shared, scheduler: Mutex::new(Some(handle)) })
    }

    fn admit(&self, req: &Request) -> Result<Caller, Reply> {
        self.core.authorize(req, TIMERS_RS, TIMER_SCOPE).map_err(|r| errors::error(r.status, &r.message))
    }

    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::for_status(status, message, req)
    }

    /// Timers' `timer` scope (Transfer's, with the collections' `data_access`, are
    /// Transfer's to declare: a timer scope with them as dependents is granted).
    fn scopes(&self) -> Vec<(String, String)> {
        vec![(TIMER_SCOPE.to_string(), TIMERS_RS.to_string())]
    }

    /// The Python SDK's TimersClient looks its URL up as the service `timer`.
    fn env_vars(&self) -> Vec<(String, String)> {
        self.core.urls().url(Self::NAME).map(|url| ("GLOBUS_SDK_SERVICE_URL_TIMER".to_string(), format!("{url}/"))).into_iter().collect()
    }

    /// Stop the scheduler (a run in flight is abandoned) and wait for it, at most
    /// [`STOP_GRACE`].
    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _guard = lock(&self.shared.timers);
            self.shared.wake.notify_all();
        }
        let Some(handle) = lock(&self.scheduler).take() else { return };
        let until = Instant::now() + STOP_GRACE;
        while !handle.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
        if handle.is_finished() {
            let _ = handle.join();
        }
    }
}

impl Drop for Timers {
    fn drop(&mut self) {
        self.stop();
    }
}

impl LocalGlobusBuilder {
    /// Listen for Timers on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn timers_port(self, port: u16) -> Self {
        self.port(Timers::NAME, port)
    }
}

impl LocalGlobus {
    /// The base URL of the local Timers (`http://127.0.0.1:<port>`). Its scheduler runs each
    /// timer's transfer on the local Transfer, as the timer's owner.
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// assert!(local.timers_url().starts_with("http://127.0.0.1:"));
    /// let vars = local.env_vars();
    /// assert!(vars.iter().any(|(k, _)| k == "GLOBUS_SDK_SERVICE_URL_TIMER"), "the Python SDK's name");
    /// # });
    /// ```
    pub fn timers_url(&self) -> String {
        self.url_of(Timers::NAME)
    }

    /// How many timers the local Timers holds (every owner's, ended ones included; deleted
    /// ones are gone).
    ///
    /// ```
    /// use globus_sdk::testing::LocalGlobus;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let local = LocalGlobus::start().await.unwrap();
    /// assert_eq!(local.timer_count(), 0);
    /// # });
    /// ```
    pub fn timer_count(&self) -> usize {
        self.service::<Timers>().map_or(0, |t| lock(&t.shared.timers).len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_is_the_sdks() {
        assert_eq!(TIMER_SCOPE, crate::scopes::timers::timer().to_string());
        assert_eq!(TIMERS_RS, crate::scopes::timers::RESOURCE_SERVER);
    }
}

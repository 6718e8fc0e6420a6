//! Building a service client: authorizer, configuration, HTTP client.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::{BaseUrl, ClientState, RetryPolicy, Service};
use crate::authorizers::{Authorizer, NullAuthorizer};
use crate::config::{Config, Environment, TlsVerification};
use crate::error::Error;

/// Configures and builds a service client.
///
/// ```
/// use globus_sdk::authorizers::AccessTokenAuthorizer;
/// use globus_sdk::config::Environment;
/// let auth = globus_sdk::auth::Client::builder()
///     .authorizer(AccessTokenAuthorizer::new("token".to_string()))
///     .environment(Environment::Sandbox)
///     .app_name("my-app")
///     .build()
///     .unwrap();
/// assert_eq!(auth.base_url(), "https://auth.sandbox.globuscs.info");
/// ```
pub struct ClientBuilder<S> {
    config: Config,
    authorizer: Option<Arc<dyn Authorizer>>,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    max_body_size: u64,
    _service: PhantomData<fn() -> S>,
}

impl<S: Service> Default for ClientBuilder<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Service> ClientBuilder<S> {
    /// Start from the defaults (and the `GLOBUS_SDK_*` environment variables).
    pub fn new() -> Self {
        ClientBuilder {
            config: Config::new(),
            authorizer: None,
            base_url: None,
            http: None,
            max_body_size: super::DEFAULT_MAX_BODY_SIZE,
            _service: PhantomData,
        }
    }

    /// Credentials for every request (default: none).
    pub fn authorizer(mut self, authorizer: impl Authorizer + 'static) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// Share one authorizer between clients.
    pub fn shared_authorizer(mut self, authorizer: Arc<dyn Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }

    /// All settings at once.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The Globus environment.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.config = self.config.environment(environment);
        self
    }

    /// The service's base URL (wins over the environment and its variable).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.retry_policy(policy);
        self
    }

    /// Request timeout (None: no timeout).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config = self.config.timeout(timeout);
        self
    }

    /// Appended to `User-Agent`.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.config = self.config.app_name(name);
        self
    }

    /// The largest success body the client reads, in bytes (default
    /// [`DEFAULT_MAX_BODY_SIZE`](super::DEFAULT_MAX_BODY_SIZE), 256 MiB).
    ///
    /// A larger answer is not read: it is an [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge)
    /// error that keeps the status, headers and request id, whether the service announced the
    /// size (`Content-Length`) or streamed it without end. Error bodies are kept up to
    /// [`ERROR_BODY_LIMIT`](super::ERROR_BODY_LIMIT) (or this size, when smaller).
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Use this HTTP client instead of the shared one: its timeout, TLS, proxy and connection
    /// pool settings then apply instead of the config's timeout and TLS settings.
    ///
    /// By default every client whose TLS checking is the default shares an HTTP client and its
    /// connection pool with the others (one per Tokio runtime: a connection belongs to the
    /// runtime that opened it), so building a client costs microseconds and clients reuse each
    /// other's connections; the config's timeout is set on each request. A client with TLS checking disabled or its own CA bundle gets an HTTP client of
    /// its own.
    ///
    /// ```
    /// let http = reqwest::Client::builder().pool_max_idle_per_host(4).build().unwrap();
    /// let transfer = globus_sdk::transfer::Client::builder().http_client(http).build().unwrap();
    /// assert_eq!(transfer.base_url(), "https://transfer.api.globus.org");
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Build the client; an invalid setting is an error that names it.
    ///
    /// A service whose clients each have their own URL (a GCS endpoint's manager URL) needs
    /// [`Self::base_url`]: without it this is an error.
    pub fn build(self) -> Result<S, Error> {
        let info = S::info();
        let base_url = match (self.base_url, info.base_url) {
            (Some(url), _) => {
                let cfg = self.config.clone().with_service_url(info.name, &url)?;
                cfg.service_url(info.name)?
            }
            (None, BaseUrl::PerClient) => {
                return Err(Error::config(format!(
                    "a {} client needs the URL of its endpoint: set it with ClientBuilder::base_url(..)",
                    info.name
                )));
            }
            (None, _) => self.config.service_url(info.name)?,
        };
        // The user's own HTTP client keeps its own timeout; the SDK's gets the config's on
        // every request.
        let (http, shared, timeout) = match self.http {
            Some(http) => (http, None, None),
            None => {
                let (http, shared) = http_client(&self.config)?;
                (http, shared, self.config.resolved_timeout()?)
            }
        };
        let state = ClientState::new(
            info,
            self.authorizer.unwrap_or_else(|| Arc::new(NullAuthorizer)),
            self.config.resolved_retry_policy().clone(),
            self.config.resolved_app_name(),
            self.max_body_size,
            timeout,
            shared,
        );
        Ok(S::assemble(base_url.as_str(), http, state))
    }
}

/// The HTTP clients shared by the SDK's clients: one per Tokio runtime and TLS setting, built
/// on first use there, for the connections a client pools belong to the runtime that opened
/// them: a request on another runtime's connection waits until that runtime runs (forever, if
/// it is idle or blocked), so clients on different runtimes must not share a pool. This holds
/// for a client with its own CA bundle or with TLS checking off as for the default one: the
/// blocking `GlobusApp::login_required` asks for consents on a runtime of its own while the
/// caller's runtime is blocked. A few are remembered (a program that makes a runtime per call
/// keeps at most `REMEMBERED` HTTP clients alive); the current thread's last answer is cached.
mod shared {
    use std::cell::RefCell;
    use std::sync::Mutex;

    use tokio::runtime::{Handle, Id};

    use crate::config::TlsVerification;

    const REMEMBERED: usize = 16;

    type Entry = (Id, TlsVerification, reqwest::Client);

    static BY_RUNTIME: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    thread_local! {
        static CACHED: RefCell<Option<Entry>> = const { RefCell::new(None) };
    }

    /// The shared HTTP client for `tls` of the runtime this runs on (None outside a Tokio
    /// runtime, or when it cannot be built: the caller then uses its own).
    pub(crate) fn for_current_runtime(tls: &TlsVerification) -> Option<reqwest::Client> {
        let id = Handle::try_current().ok()?.id();
        let hit = |entry: &Entry| entry.0 == id && entry.1 == *tls;
        if let Some(http) = CACHED.with_borrow(|c| c.as_ref().filter(|e| hit(e)).map(|e| e.2.clone())) {
            return Some(http);
        }
        let http = {
            let mut all = BY_RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
            match all.iter().find(|e| hit(e)) {
                Some(entry) => entry.2.clone(),
                None => {
                    let http = super::new_http_client(tls).ok()?;
                    if all.len() >= REMEMBERED {
                        all.remove(0);
                    }
                    all.push((id, tls.clone(), http.clone()));
                    http
                }
            }
        };
        CACHED.with_borrow_mut(|c| *c = Some((id, tls.clone(), http.clone())));
        Some(http)
    }
}

pub(crate) use shared::for_current_runtime as shared_http_for_current_runtime;

/// The client that builds requests for the SDK's clients with the default TLS checking (the
/// requests are sent by the shared client of the runtime they run on).
static REQUEST_BUILDER: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();

/// The HTTP client that builds the requests, and the TLS setting whose shared clients send
/// them (one per runtime, above). The default TLS checking builds requests with one
/// process-wide client; TLS checking changed (disabled, or a CA bundle) builds a client of its
/// own here, which checks the CA bundle now (a bad file is a build error) and sends the
/// requests made outside a Tokio runtime. The request timeout is not a client setting: the
/// transport sets it on each request (see `ClientState::timeout`).
pub(crate) fn http_client(config: &Config) -> Result<(reqwest::Client, Option<TlsVerification>), Error> {
    match config.resolved_tls()? {
        TlsVerification::Enabled => {
            if let Some(http) = REQUEST_BUILDER.get() {
                return Ok((http.clone(), Some(TlsVerification::Enabled)));
            }
            // Two threads may both build one: the first stored wins, the other is dropped.
            let built = new_http_client(&TlsVerification::Enabled)?;
            Ok((REQUEST_BUILDER.get_or_init(|| built).clone(), Some(TlsVerification::Enabled)))
        }
        tls => Ok((new_http_client(&tls)?, Some(tls))),
    }
}

fn new_http_client(tls: &TlsVerification) -> Result<reqwest::Client, Error> {
    let mut b = reqwest::Client::builder().connect_timeout(Duration::from_secs(30));
    match tls {
        TlsVerification::Enabled => {}
        TlsVerification::Disabled => b = b.tls_danger_accept_invalid_certs(true),
        TlsVerification::CaBundle(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| Error::config(format!("cannot read the CA bundle {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| Error::config(format!("{} is not a PEM CA bundle: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(Error::config(format!("{} holds no PEM certificate", path.display())));
            }
            for cert in certs {
                b = b.add_root_certificate(cert);
            }
        }
    }
    b.build().map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")).with_source(e))
}

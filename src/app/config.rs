//! [`AppConfig`]: how an app logs in, where it keeps its tokens, and what it does when they
//! no longer satisfy it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::flows::{CommandLineLoginFlow, LoginFlowManager};
use crate::config::Config;
use crate::token_storage::TokenStorage;

/// Where an app keeps its tokens.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum StorageChoice {
    /// The JSON file a Python `GlobusApp` of the same client id, app name and environment
    /// uses: `~/.globus/app/<client id>/<app name>/tokens.json` (the default).
    #[default]
    Json,
    /// A JSON file at this path.
    JsonFile(PathBuf),
    /// The SQLite database beside the default JSON file (`tokens.db`), as Python's.
    #[cfg(feature = "sqlite")]
    Sqlite,
    /// Memory, for the life of the process: every run logs in again.
    Memory,
    /// Your own store.
    Custom(Arc<dyn TokenStorage>),
}

impl fmt::Debug for StorageChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageChoice::Json => f.write_str("Json"),
            StorageChoice::JsonFile(p) => f.debug_tuple("JsonFile").field(p).finish(),
            #[cfg(feature = "sqlite")]
            StorageChoice::Sqlite => f.write_str("Sqlite"),
            StorageChoice::Memory => f.write_str("Memory"),
            StorageChoice::Custom(s) => f.debug_tuple("Custom").field(s).finish(),
        }
    }
}

/// What an app does when its stored tokens no longer satisfy it (missing, expired without a
/// refresh token, missing a required scope) and a client needs a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnInvalidTokens {
    /// Log in again (the default, as Python's `GlobusApp`).
    #[default]
    Login,
    /// Fail with an error that says to log in.
    Error,
}

/// The settings of a [`UserApp`](super::UserApp) or [`ClientApp`](super::ClientApp).
///
/// ```
/// use globus_sdk::app::{AppConfig, LocalServerLoginFlow, OnInvalidTokens};
/// let config = AppConfig::new()
///     .login_flow(LocalServerLoginFlow::new())
///     .request_refresh_tokens(true)
///     .token_storage_memory()
///     .on_invalid_tokens(OnInvalidTokens::Error)
///     .login_on_requirements(true);
/// assert!(config.refresh_tokens_requested());
/// ```
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub(crate) sdk: Config,
    pub(crate) storage: StorageChoice,
    pub(crate) flow: Arc<dyn LoginFlowManager>,
    pub(crate) refresh_tokens: bool,
    pub(crate) on_invalid: OnInvalidTokens,
    pub(crate) login_on_requirements: bool,
    pub(crate) home: Option<PathBuf>,
    pub(crate) login_redirect_uri: Option<String>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            sdk: Config::new(),
            storage: StorageChoice::Json,
            flow: Arc::new(CommandLineLoginFlow::new()),
            refresh_tokens: false,
            on_invalid: OnInvalidTokens::Login,
            login_on_requirements: false,
            home: None,
            login_redirect_uri: None,
        }
    }
}

impl AppConfig {
    /// The defaults: command-line login, the Python JSON file, no refresh tokens, log in again
    /// when the tokens do not satisfy the app, requirement errors returned as they are.
    pub fn new() -> Self {
        Self::default()
    }

    /// The SDK settings (environment, service URLs, timeout, retries) for the app's clients.
    pub fn sdk_config(mut self, config: Config) -> Self {
        self.sdk = config;
        self
    }

    /// The Globus environment (production unless set here or by `GLOBUS_SDK_ENVIRONMENT`).
    pub fn environment(mut self, environment: crate::Environment) -> Self {
        self.sdk = self.sdk.environment(environment);
        self
    }

    /// How users log in ([`CommandLineLoginFlow`], [`LocalServerLoginFlow`](super::LocalServerLoginFlow)
    /// or your own). Client apps do not use it.
    pub fn login_flow(mut self, flow: impl LoginFlowManager + 'static) -> Self {
        self.flow = Arc::new(flow);
        self
    }

    /// Ask for refresh tokens, so the login lasts beyond the access tokens' two days.
    pub fn request_refresh_tokens(mut self, yes: bool) -> Self {
        self.refresh_tokens = yes;
        self
    }

    /// Whether refresh tokens are asked for.
    pub fn refresh_tokens_requested(&self) -> bool {
        self.refresh_tokens
    }

    /// Keep tokens here (default: [`StorageChoice::Json`]).
    pub fn storage(mut self, storage: StorageChoice) -> Self {
        self.storage = storage;
        self
    }

    /// Keep tokens in memory only.
    pub fn token_storage_memory(self) -> Self {
        self.storage(StorageChoice::Memory)
    }

    /// Keep tokens in your own store.
    pub fn token_storage(self, storage: Arc<dyn TokenStorage>) -> Self {
        self.storage(StorageChoice::Custom(storage))
    }

    /// The home directory under which the default token file lives (default: the user's).
    pub fn home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// The redirect URI of the command-line flow (default for native apps: Auth's page that
    /// shows the code; confidential apps need one registered for the client).
    pub fn login_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.login_redirect_uri = Some(uri.into());
        self
    }

    /// What to do when the stored tokens no longer satisfy the app.
    pub fn on_invalid_tokens(mut self, what: OnInvalidTokens) -> Self {
        self.on_invalid = what;
        self
    }

    /// Let [`GlobusApp::with_requirements`](super::GlobusApp::with_requirements) log in again
    /// with the parameters of an authorization requirements error and send the call again
    /// (default: no, the error is returned).
    pub fn login_on_requirements(mut self, yes: bool) -> Self {
        self.login_on_requirements = yes;
        self
    }
}

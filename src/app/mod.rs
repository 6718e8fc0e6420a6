//! Apps: say what your program needs, log the user in once, keep the tokens, renew them, and
//! ask again only when something changed (Python's `GlobusApp`).
//!
//! - [`UserApp`]: a user logs in (a native client with PKCE, or a confidential one with its
//!   secret), through the [`CommandLineLoginFlow`] (the default) or the
//!   [`LocalServerLoginFlow`].
//! - [`ClientApp`]: the app acts as itself (client credentials).
//!
//! Both implement [`GlobusApp`]: scope requirements per resource server (`openid` is always
//! one of them), [`login`](GlobusApp::login), [`login_required`](GlobusApp::login_required),
//! [`logout`](GlobusApp::logout), [`client`](GlobusApp::client) for any service client (its
//! default scopes join the requirements), [`authorizer`](GlobusApp::authorizer) per resource
//! server, and [`with_requirements`](GlobusApp::with_requirements) to meet an authorization
//! requirements error (consent, session) by logging in again. Tokens are kept as
//! [`AppConfig`] says: by default in the file a Python `GlobusApp` with the same client id and
//! name uses, so both share a login.
//!
//! ```no_run
//! use globus_sdk::app::{AppConfig, GlobusApp, LocalServerLoginFlow, UserApp};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), globus_sdk::Error> {
//!     let config = AppConfig::new().login_flow(LocalServerLoginFlow::new()).request_refresh_tokens(true);
//!     let app = UserApp::with_config("My App", "NATIVE-CLIENT-ID", config)?;
//!     let transfer = app.client::<globus_sdk::transfer::Client>()?;
//!     // The first run opens the browser; the next ones use the stored tokens.
//!     for task in transfer.task_list().limit(5).send().await?.data.iter() {
//!         println!("{} {}", task.task_id, task.status);
//!     }
//!     Ok(())
//! }
//! ```

mod authorizer;
mod client;
mod config;
mod core;
mod flows;
mod user;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

pub use authorizer::AppAuthorizer;
pub use client::ClientApp;
pub use config::{AppConfig, OnInvalidTokens, StorageChoice};
pub use flows::{BrowserOpener, CommandLineLoginFlow, LocalServerLoginFlow, LoginFlowManager, LoginStart};

use crate::auth::AuthorizeParams;
use crate::error::Error;
use crate::scopes::Scope;
use crate::token_storage::ValidatingTokenStorage;
use crate::transport::Service;

// The core is the crate's own; the trait that hands it out cannot be named outside.
#[allow(private_interfaces)]
mod sealed {
    pub trait Sealed {
        fn core(&self) -> &std::sync::Arc<super::core::Core>;
    }
}

#[allow(private_interfaces)]
impl sealed::Sealed for UserApp {
    fn core(&self) -> &Arc<core::Core> {
        &self.core
    }
}

#[allow(private_interfaces)]
impl sealed::Sealed for ClientApp {
    fn core(&self) -> &Arc<core::Core> {
        &self.core
    }
}

pub use user::UserApp;

/// Options of one login: forced or not, and the session parameters to send.
///
/// ```
/// use globus_sdk::app::LoginOptions;
/// let options = LoginOptions::forced().required_identities(["someone@example.org"]).mfa(true).message("again");
/// assert!(options.force);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct LoginOptions {
    /// Log in even when the stored tokens satisfy the app.
    pub force: bool,
    /// Session parameters and prompt.
    pub params: AuthorizeParams,
}

impl LoginOptions {
    /// Log in only when needed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Log in whatever is stored.
    pub fn forced() -> Self {
        LoginOptions { force: true, ..Self::default() }
    }

    /// Log in with one of these identities (ids or usernames); forces the login.
    pub fn required_identities<S: Into<String>>(mut self, identities: impl IntoIterator<Item = S>) -> Self {
        self.params.session_required_identities = identities.into_iter().map(Into::into).collect();
        self.force = true;
        self
    }

    /// Log in with an identity from one of these domains; forces the login.
    pub fn single_domain<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.params.session_required_single_domain = domains.into_iter().map(Into::into).collect();
        self.force = true;
        self
    }

    /// Satisfy these authentication policies; forces the login.
    pub fn policies<S: Into<String>>(mut self, policies: impl IntoIterator<Item = S>) -> Self {
        self.params.session_required_policies = policies.into_iter().map(Into::into).collect();
        self.force = true;
        self
    }

    /// Require multi-factor authentication; forces the login.
    pub fn mfa(mut self, yes: bool) -> Self {
        self.params.session_required_mfa = Some(yes);
        self.force = true;
        self
    }

    /// A message for the login page.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.params.session_message = Some(message.into());
        self
    }

    /// Ask for a fresh authentication (`prompt=login`); forces the login.
    pub fn prompt_login(mut self) -> Self {
        self.params.prompt_login = true;
        self.force = true;
        self
    }
}

/// What [`UserApp`] and [`ClientApp`] do (sealed: only those two).
pub trait GlobusApp: sealed::Sealed {
    /// The app's name.
    fn name(&self) -> &str {
        &self.core().app_name
    }

    /// The app's config.
    fn config(&self) -> &AppConfig {
        &self.core().config
    }

    /// The validated token store (namespace `DEFAULT`, as Python's).
    fn token_storage(&self) -> &ValidatingTokenStorage {
        &self.core().storage
    }

    /// The scope requirements, by resource server (merged and sorted).
    fn scope_requirements(&self) -> BTreeMap<String, Vec<Scope>> {
        self.core().scope_requirements()
    }

    /// Add scope requirements (merged with those present: a scope already required gets the
    /// new dependencies). The next token use checks them and logs in when they are not met.
    fn add_scope_requirements<R: Into<String>>(&self, requirements: impl IntoIterator<Item = (R, Vec<Scope>)>) {
        self.core().add_scope_requirements(requirements.into_iter().map(|(rs, s)| (rs.into(), s)).collect());
    }

    /// Whether the stored tokens fail the requirements (a login is needed).
    ///
    /// The tokens must be there, valid (or renewable) and carry the required scopes. When a
    /// requirement has dependent scopes (`transfer:all[*<collection>/data_access]`), the
    /// user's consents are asked of Globus Auth (with the app's Auth token) and must meet them
    /// ([`ConsentForest::meets_scope_requirements`](crate::scopes::ConsentForest::meets_scope_requirements)).
    /// Consents found to meet the requirements are trusted until the requirements change or a
    /// login or logout happens (as Python's `ScopeRequirementsValidator`). Fetching them, this
    /// waits on a thread of its own, which works from any runtime, a current-thread one
    /// included; async code should still await
    /// [`login_required_async`](Self::login_required_async), which does not block its runtime.
    /// The same check runs, awaited, before each use of the tokens.
    fn login_required(&self) -> Result<bool, Error> {
        self.core().login_required()
    }

    /// [`login_required`](Self::login_required), awaiting the consents (when they are to be
    /// asked for) instead of blocking the thread.
    ///
    /// ```no_run
    /// # use globus_sdk::app::{GlobusApp, UserApp};
    /// # async fn demo(app: UserApp) -> Result<(), globus_sdk::Error> {
    /// if app.login_required_async().await? {
    ///     println!("you will be asked to log in");
    /// }
    /// # Ok(()) }
    /// ```
    fn login_required_async(&self) -> impl Future<Output = Result<bool, Error>> + Send {
        let core = self.core().clone();
        async move { core.needs_login().await }
    }

    /// Log in when the stored tokens do not satisfy the app, and store the new tokens.
    fn login(&self) -> impl Future<Output = Result<(), Error>> + Send {
        self.login_with(LoginOptions::new())
    }

    /// Log in with options: forced, or with session parameters.
    fn login_with(&self, options: LoginOptions) -> impl Future<Output = Result<(), Error>> + Send {
        let core = self.core().clone();
        async move { core.login(options.params, options.force, &[]).await }
    }

    /// Revoke the stored access and refresh tokens with Globus Auth and remove them.
    fn logout(&self) -> impl Future<Output = Result<(), Error>> + Send {
        let core = self.core().clone();
        async move { core.logout().await }
    }

    /// The authorizer for `resource_server`: renews itself and stores what it renews.
    fn authorizer(&self, resource_server: &str) -> AppAuthorizer {
        AppAuthorizer::new(self.core().clone(), resource_server)
    }

    /// A client of any service (`app.client::<globus_sdk::transfer::Client>()`): the
    /// service's default scopes join the requirements, and its requests carry the app's
    /// tokens for its resource server.
    fn client<S: Service>(&self) -> Result<S, Error> {
        let info = S::info();
        let rs = info.resource_server.ok_or_else(|| {
            Error::invalid_request(format!(
                "{} clients each have their own resource server and URL: build one with app.client_for()",
                info.name
            ))
        })?;
        self.add_scope_requirements([(rs, (info.default_scopes)())]);
        crate::transport::ClientBuilder::<S>::new()
            .config(self.core().config.sdk.clone())
            .authorizer(self.authorizer(rs))
            .build()
    }

    /// A client of a service whose clients each have their own resource server and URL (a GCS
    /// endpoint): `scopes` join the requirements of `resource_server`.
    fn client_for<S: Service>(&self, resource_server: &str, base_url: &str, scopes: Vec<Scope>) -> Result<S, Error> {
        self.add_scope_requirements([(resource_server, scopes)]);
        crate::transport::ClientBuilder::<S>::new()
            .config(self.core().config.sdk.clone())
            .base_url(base_url)
            .authorizer(self.authorizer(resource_server))
            .build()
    }

    /// Run `call`; when it fails with an authorization requirements error (consent required,
    /// a session requirement) and the app is configured to
    /// ([`AppConfig::login_on_requirements`]), log in with the error's parameters and scopes,
    /// and run it once more. A dead login (a refresh token Auth refused,
    /// [`Error::is_login_required`]) is met the same way, with a plain login.
    ///
    /// ```no_run
    /// # use globus_sdk::app::{GlobusApp, UserApp};
    /// # async fn demo(app: UserApp, transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
    /// let listing = app.with_requirements(|| transfer.operation_ls().endpoint_id("COLLECTION").send()).await?;
    /// # Ok(()) }
    /// ```
    fn with_requirements<T, F, Fut>(&self, mut call: F) -> impl Future<Output = Result<T, Error>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let core = self.core().clone();
        async move {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if !core.config.login_on_requirements {
                return Err(error);
            }
            let Some(requirements) = error.authorization_requirements().cloned() else {
                if error.is_login_required() {
                    // A refresh token Auth refused: only a new login helps.
                    core.login(AuthorizeParams::default(), true, &[]).await?;
                    return call().await;
                }
                return Err(error);
            };
            let mut extra = Vec::new();
            for s in &requirements.parameters.required_scopes {
                extra.extend(Scope::parse_list(s)?);
            }
            let params = AuthorizeParams::from_requirements(&requirements.parameters);
            core.login(params, true, &extra).await?;
            call().await
        }
    }
}

impl GlobusApp for UserApp {}
impl GlobusApp for ClientApp {}

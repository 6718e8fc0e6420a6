//! What a user app and a client app share: the scope requirements, the validated store, the
//! authorizers, the login and logout.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::config::{AppConfig, OnInvalidTokens, StorageChoice};
use super::flows::{LoginStart, grant_name};
use crate::auth::{AuthorizeParams, ConfidentialAppClient, LoginFlow, NativeAppClient, TokenResponse};
use crate::authorizers::{AccessTokenAuthorizer, Authorizer, RenewingAuthorizer, TokenData, TokenSource};
use crate::error::Error;
use crate::scopes::{ConsentForest, Scope};
use crate::token_storage::{
    AppLocation, HasRefreshTokens, JsonTokenStorage, MemoryTokenStorage, NotExpired, ScopeRequirements, TokenStorage,
    TokenStorageData, TokenValidator, UnchangingIdentity, ValidatingTokenStorage, ValidationContext,
};

pub(crate) const AUTH_RS: &str = "auth.globus.org";

#[derive(Debug)]
pub(crate) enum Grant {
    Native(NativeAppClient),
    ConfidentialUser(ConfidentialAppClient),
    ClientCredentials(ConfidentialAppClient),
}

/// The state behind an app (shared by its clones and its authorizers).
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) app_name: String,
    pub(crate) credentials: Grant,
    pub(crate) config: AppConfig,
    pub(crate) storage: ValidatingTokenStorage,
    requirements: Mutex<BTreeMap<String, Vec<Scope>>>,
    authorizers: Mutex<BTreeMap<String, Arc<dyn Authorizer>>>,
    /// The consents last fetched, with the identity they are of: trusted while they meet the
    /// requirements, until the requirements change or a login or logout happens.
    consents: Mutex<Option<(String, ConsentForest)>>,
    login_lock: tokio::sync::Mutex<()>,
}

/// How far the stored tokens alone decide whether a login is needed.
enum Stored {
    Decided(bool),
    /// The tokens carry the required scopes; whether the user consented to their dependent
    /// scopes is for the consents of `identity` to say.
    Consents {
        identity: String,
        required: Vec<Vec<Scope>>,
    },
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Core {
    pub(crate) fn new(app_name: &str, credentials: Grant, config: AppConfig) -> Result<Core, Error> {
        if app_name.trim().is_empty() {
            return Err(Error::invalid_request("an app needs a name (it names its token file and its grant)"));
        }
        let client_id = match &credentials {
            Grant::Native(c) => c.client_id().to_string(),
            Grant::ConfidentialUser(c) | Grant::ClientCredentials(c) => c.client_id().to_string(),
        };
        let mut location = AppLocation::new(&client_id, app_name).environment(config.sdk.resolved_environment()?);
        if let Some(home) = &config.home {
            location = location.home(home.clone());
        }
        let store: Arc<dyn TokenStorage> = match &config.storage {
            StorageChoice::Json => Arc::new(JsonTokenStorage::for_app(&location)?),
            StorageChoice::JsonFile(path) => Arc::new(JsonTokenStorage::new(path.clone())),
            #[cfg(feature = "sqlite")]
            StorageChoice::Sqlite => Arc::new(crate::token_storage::SqliteTokenStorage::for_app(&location)?),
            StorageChoice::Memory => Arc::new(MemoryTokenStorage::new()),
            StorageChoice::Custom(s) => s.clone(),
        };
        let mut storage = ValidatingTokenStorage::new(store).validator(NotExpired);
        if !matches!(credentials, Grant::ClientCredentials(_)) {
            storage = storage.validator(UnchangingIdentity);
            if config.refresh_tokens {
                storage = storage.validator(HasRefreshTokens);
            }
        }
        let requirements = BTreeMap::from([(AUTH_RS.to_string(), vec![Scope::new("openid")])]);
        Ok(Core {
            app_name: app_name.to_string(),
            credentials,
            config,
            storage,
            requirements: Mutex::new(requirements),
            authorizers: Mutex::new(BTreeMap::new()),
            consents: Mutex::new(None),
            login_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub(crate) fn scope_requirements(&self) -> BTreeMap<String, Vec<Scope>> {
        locked(&self.requirements).clone()
    }

    pub(crate) fn add_scope_requirements(&self, added: BTreeMap<String, Vec<Scope>>) {
        let mut requirements = locked(&self.requirements);
        let mut changed = Vec::new();
        for (rs, scopes) in added {
            let entry = requirements.entry(rs.clone()).or_default();
            let merged = Scope::merge(entry.iter().cloned().chain(scopes));
            if *entry != merged {
                *entry = merged;
                changed.push(rs);
            }
        }
        drop(requirements);
        if !changed.is_empty() {
            locked(&self.consents).take();
        }
        // An authorizer made for the old requirements is made again at its next use.
        let mut authorizers = locked(&self.authorizers);
        for rs in changed {
            authorizers.remove(&rs);
        }
    }

    /// Whether the stored tokens fail to meet the requirements (missing, expired without a
    /// refresh token, without a required scope, without a refresh token when asked for, or a
    /// dependent scope the user did not consent to).
    ///
    /// The consents, when they must be fetched, are fetched on a thread of its own, this one
    /// waiting for them (the method is not async; [`Core::needs_login`] is its async twin).
    /// That thread's runtime sends through HTTP clients of its own (the shared clients are per
    /// runtime), so a caller's blocked runtime holds up nothing, the renewal of an expired Auth
    /// token included, unless a renewal of that token is itself in flight on the blocked
    /// runtime: async code should await the twin.
    pub(crate) fn login_required(self: &Arc<Self>) -> Result<bool, Error> {
        let (identity, required) = match self.check_stored()? {
            Stored::Decided(needed) => return Ok(needed),
            Stored::Consents { identity, required } => (identity, required),
        };
        let core = self.clone();
        let who = identity.clone();
        let fetched = std::thread::scope(|s| {
            s.spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
                    Error::config(format!("cannot start a runtime to fetch the consents: {e}")).with_source(e)
                })?;
                runtime.block_on(core.fetch_consents(&who, true))
            })
            .join()
        })
        .map_err(|_| Error::authorization("fetching the user's consents failed (the thread panicked)"))?;
        self.judge_consents(identity, &required, fetched)
    }

    /// [`Core::login_required`], awaiting the consents instead of waiting on a thread.
    pub(crate) async fn needs_login(self: &Arc<Self>) -> Result<bool, Error> {
        match self.check_stored()? {
            Stored::Decided(needed) => Ok(needed),
            Stored::Consents { identity, required } => {
                let fetched = self.fetch_consents(&identity, false).await;
                self.judge_consents(identity, &required, fetched)
            }
        }
    }

    /// What the stored tokens say: a login is needed, or not, or the consents are to be
    /// asked (some requirement has dependent scopes, the tokens name their identity, and the
    /// consents cached for it do not meet the requirements). As Python's
    /// `ScopeRequirementsValidator`: tokens that name no identity are not checked further.
    fn check_stored(&self) -> Result<Stored, Error> {
        let tokens = match self.storage.get_all() {
            Ok(tokens) => tokens,
            Err(e) if e.validation().is_some() => return Ok(Stored::Decided(true)),
            Err(e) => return Err(e.into()),
        };
        let requirements = self.scope_requirements();
        if requirements.keys().any(|rs| !tokens.contains_key(rs)) {
            return Ok(Stored::Decided(true));
        }
        let check = ScopeRequirements::new(requirements.clone());
        if check.after_retrieve(&tokens, &ValidationContext::default()).is_err() {
            return Ok(Stored::Decided(true));
        }
        // Per resource server, as Python: all its scopes, when one of them has dependencies.
        let required: Vec<Vec<Scope>> =
            requirements.into_values().filter(|scopes| scopes.iter().any(|s| !s.dependencies.is_empty())).collect();
        if required.is_empty() {
            return Ok(Stored::Decided(false));
        }
        let Some(identity) = tokens.values().find_map(|t| t.identity_id.clone()) else {
            return Ok(Stored::Decided(false));
        };
        if let Some((cached_for, forest)) = &*locked(&self.consents)
            && *cached_for == identity
            && required.iter().all(|scopes| forest.meets_scope_requirements(scopes))
        {
            return Ok(Stored::Decided(false));
        }
        Ok(Stored::Consents { identity, required })
    }

    /// The consents of `identity` rooted at the app's client, asked of Auth with the app's
    /// own Auth token (renewed when it has expired or Auth refuses it, and there is a refresh
    /// token).
    ///
    /// `own_runtime`: called on a runtime of its own (from [`Core::login_required`]), it first
    /// tries the stored token as it is, on a connection of its own, while it looks valid: the
    /// shared authorizer's connections may belong to the runtime waiting for this one.
    async fn fetch_consents(self: &Arc<Self>, identity: &str, own_runtime: bool) -> Result<ConsentForest, Error> {
        if own_runtime {
            let stored = self.storage.get(AUTH_RS)?;
            if !stored.is_expired() {
                let plain = AccessTokenAuthorizer::new(stored.access_token.clone());
                match self.consents_with(Arc::new(plain), identity).await {
                    Err(e) if e.http_status() == Some(401) => {}
                    done => return done,
                }
            }
        }
        // The authorizer the app's Auth clients share, so that a renewal is made once.
        let shared = match self.cached_authorizer(AUTH_RS) {
            Some(current) => current,
            None => {
                let made = self.make_authorizer(AUTH_RS)?;
                locked(&self.authorizers).entry(AUTH_RS.to_string()).or_insert(made).clone()
            }
        };
        self.consents_with(shared, identity).await
    }

    async fn consents_with(&self, authorizer: Arc<dyn Authorizer>, identity: &str) -> Result<ConsentForest, Error> {
        let auth = crate::transport::ClientBuilder::<crate::auth::Client>::new()
            .config(self.config.sdk.clone())
            .shared_authorizer(authorizer)
            .build()?;
        let consents = auth.get_consents().identity_id(identity).send().await?.into_inner().consents;
        ConsentForest::new(consents)
    }

    /// Cache what was fetched and say whether it falls short. Auth refusing the app's tokens
    /// (a refresh token revoked) means a login is needed.
    fn judge_consents(
        &self,
        identity: String,
        required: &[Vec<Scope>],
        fetched: Result<ConsentForest, Error>,
    ) -> Result<bool, Error> {
        let forest = match fetched {
            Ok(forest) => forest,
            Err(e) if e.is_login_required() || e.http_status() == Some(401) => return Ok(true),
            Err(e) => return Err(e),
        };
        let met = required.iter().all(|scopes| forest.meets_scope_requirements(scopes));
        *locked(&self.consents) = Some((identity, forest));
        Ok(!met)
    }

    pub(crate) async fn login(
        self: &Arc<Self>,
        params: AuthorizeParams,
        force: bool,
        extra: &[Scope],
    ) -> Result<(), Error> {
        let _one_at_a_time = self.login_lock.lock().await;
        if !force && extra.is_empty() && !self.needs_login().await? {
            return Ok(());
        }
        let requirements = self.scope_requirements();
        let records = match &self.credentials {
            Grant::ClientCredentials(app) => {
                let mut records = Vec::new();
                for (i, scopes) in requirements.values().enumerate() {
                    let with_extra: Vec<Scope> =
                        if i == 0 { scopes.iter().chain(extra).cloned().collect() } else { scopes.clone() };
                    let tokens = app.client_credentials_tokens(&Scope::merge(with_extra)).await?;
                    records.extend(TokenStorageData::from_token_response(&tokens, None));
                }
                records
            }
            _ => {
                let scopes = Scope::merge(requirements.into_values().flatten().chain(extra.iter().cloned()));
                let tokens = self.user_login(&scopes, params).await?;
                let identity = self.identity_of(&tokens).await?;
                TokenStorageData::from_token_response(&tokens, Some(identity))
            }
        };
        self.storage.store(&records)?;
        locked(&self.authorizers).clear();
        locked(&self.consents).take();
        Ok(())
    }

    async fn user_login(&self, scopes: &[Scope], params: AuthorizeParams) -> Result<TokenResponse, Error> {
        let name = grant_name(&self.app_name);
        let refresh = self.config.refresh_tokens;
        let configured = self.config.login_redirect_uri.clone();
        let make = |redirect_uri: Option<String>| -> Result<LoginFlow, Error> {
            let redirect_uri = redirect_uri.or_else(|| configured.clone());
            Ok(match (&self.credentials, redirect_uri) {
                (Grant::Native(app), None) => app.start_flow(scopes),
                (Grant::Native(app), Some(uri)) => app.start_flow(scopes).redirect_uri(uri),
                (Grant::ConfidentialUser(app) | Grant::ClientCredentials(app), Some(uri)) => {
                    app.start_flow(uri, scopes)
                }
                (Grant::ConfidentialUser(_) | Grant::ClientCredentials(_), None) => {
                    return Err(Error::invalid_request(
                        "a confidential app's command-line login needs a redirect URI registered for the client \
                         (AppConfig::login_redirect_uri), or use the local-server login flow",
                    ));
                }
            }
            .refresh_tokens(refresh))
            .map(|flow| match &self.credentials {
                // Python prefills the grant's name for native apps only.
                Grant::Native(_) => flow.prefill_named_grant(name.clone()),
                _ => flow,
            })
        };
        self.config.flow.run(LoginStart { make: &make, params }).await
    }

    /// The identity of a login: the `sub` of its id_token, checked with Auth's keys.
    async fn identity_of(&self, tokens: &TokenResponse) -> Result<String, Error> {
        let id_token = tokens.id_token().ok_or_else(|| {
            Error::authorization("Globus Auth returned no id_token although openid was requested; log in again")
        })?;
        let (client, client_id) = match &self.credentials {
            Grant::Native(app) => (app.client().clone(), app.client_id()),
            Grant::ConfidentialUser(app) | Grant::ClientCredentials(app) => (app.client().clone(), app.client_id()),
        };
        let claims = crate::auth::IdTokenDecoder::new(client, client_id).decode(id_token).await?;
        claims
            .get("sub")
            .and_then(|s| s.as_str())
            .map(str::to_string)
            .ok_or_else(|| Error::authorization("the id_token names no identity (no `sub`)"))
    }

    /// Revoke every stored token and forget them.
    pub(crate) async fn logout(&self) -> Result<(), Error> {
        let _one_at_a_time = self.login_lock.lock().await;
        let tokens = self.storage.storage().get_all(self.storage.namespace_name())?;
        for token in tokens.values() {
            for secret in std::iter::once(&token.access_token).chain(token.refresh_token.as_ref()) {
                match &self.credentials {
                    Grant::Native(app) => app.revoke_token(secret).await?,
                    Grant::ConfidentialUser(app) | Grant::ClientCredentials(app) => app.revoke_token(secret).await?,
                }
            }
            self.storage.remove(&token.resource_server)?;
        }
        locked(&self.authorizers).clear();
        locked(&self.consents).take();
        Ok(())
    }

    /// The authorizer in use for `resource_server`: made from the stored tokens (logging in
    /// first when they do not satisfy the app and the config says so).
    pub(crate) async fn current_authorizer(self: &Arc<Self>, rs: &str) -> Result<Arc<dyn Authorizer>, Error> {
        if let Some(a) = locked(&self.authorizers).get(rs) {
            return Ok(a.clone());
        }
        if self.needs_login().await? {
            match self.config.on_invalid {
                OnInvalidTokens::Login => self.login(AuthorizeParams::default(), false, &[]).await?,
                OnInvalidTokens::Error => {
                    return Err(Error::authorization(format!(
                        "the stored tokens of app {:?} do not satisfy its scope requirements; log in again (login())",
                        self.app_name
                    )));
                }
            }
        }
        let authorizer = self.make_authorizer(rs)?;
        Ok(locked(&self.authorizers).entry(rs.to_string()).or_insert(authorizer).clone())
    }

    fn make_authorizer(self: &Arc<Self>, rs: &str) -> Result<Arc<dyn Authorizer>, Error> {
        let stored = self.storage.get(rs)?;
        let store = {
            let storage = self.storage.clone();
            let name = self.app_name.clone();
            move |tokens: &crate::authorizers::TokenData| {
                if let Err(e) = storage.store_renewed(tokens) {
                    tracing::warn!(app = %name, resource_server = %tokens.resource_server, "renewed tokens not stored: {e}");
                }
            }
        };
        Ok(match &self.credentials {
            Grant::ClientCredentials(app) => {
                let scopes = self.scope_requirements().remove(rs).unwrap_or_default();
                let source = AppCredentials { app: app.clone(), scopes, resource_server: rs.to_string() };
                Arc::new(RenewingAuthorizer::with_tokens(source, stored.to_token_data()).on_refresh(store))
            }
            Grant::Native(app) if stored.refresh_token.is_some() => {
                Arc::new(app.refresh_token_authorizer(stored.to_token_data())?.on_refresh(store))
            }
            Grant::ConfidentialUser(app) if stored.refresh_token.is_some() => {
                Arc::new(app.refresh_token_authorizer(stored.to_token_data())?.on_refresh(store))
            }
            _ => Arc::new(AccessTokenAuthorizer::new(stored.access_token.clone())),
        })
    }

    pub(crate) fn cached_authorizer(&self, rs: &str) -> Option<Arc<dyn Authorizer>> {
        locked(&self.authorizers).get(rs).cloned()
    }
}

/// A client app's tokens for one resource server, renewed with the client-credentials grant
/// (the stored tokens are used until then).
#[derive(Debug)]
struct AppCredentials {
    app: ConfidentialAppClient,
    scopes: Vec<Scope>,
    resource_server: String,
}

impl TokenSource for AppCredentials {
    fn fetch<'a>(
        &'a self,
        _previous: Option<&'a TokenData>,
    ) -> futures::future::BoxFuture<'a, Result<TokenData, Error>> {
        Box::pin(async move {
            let tokens = self.app.client_credentials_tokens(&self.scopes).await?;
            tokens.for_resource_server(&self.resource_server).ok_or_else(|| {
                Error::authorization(format!(
                    "the client-credentials grant returned no token for {}; check the app's scope requirements",
                    self.resource_server
                ))
            })
        })
    }
}

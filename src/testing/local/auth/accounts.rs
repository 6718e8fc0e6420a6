//! The accounts of the local Auth: its clients, its identities (users, and clients acting
//! as themselves) and the tokens it issued; and a user's approval of a login.
//!
//! The core lends them to every service: that is how Transfer checks Auth's tokens.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::consents::ConsentStore;
use super::tokens::{self, RequestedScope, ScopeNode, TokenKind, TokenRecord, TokenStore, random_string};
use crate::Secret;
use crate::testing::local::core::lock;

/// A client registered with the local Auth.
#[derive(Clone, Debug)]
pub struct LocalClient {
    pub(crate) id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) name: String,
    /// The registered redirect URIs (confidential clients; native clients may use any
    /// loopback URI).
    pub(crate) redirect_uris: Vec<String>,
}

impl LocalClient {
    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client secret (confidential clients only).
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// The client's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the client has a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }

    /// The redirect URIs registered for the client (for the confidential client, those
    /// given to [`LocalGlobusBuilder::confidential_redirect_uri`](crate::testing::LocalGlobusBuilder::confidential_redirect_uri)).
    /// A native client has none: like Globus for native apps, the local Auth redirects it
    /// to any loopback URI (`http://127.0.0.1:<port>/...`, `http://localhost:<port>/...`,
    /// `http://[::1]:<port>/...`), its own `/v2/web/auth-code` page among them.
    pub fn redirect_uris(&self) -> &[String] {
        &self.redirect_uris
    }

    /// Whether the authorize page may send this client's code to `uri`: for a native
    /// client an `http` loopback URI on any port; for a confidential one a registered URI
    /// (the same scheme, host, port and path; the query may differ).
    pub(crate) fn may_redirect_to(&self, uri: &str) -> bool {
        let Ok(uri) = url::Url::parse(uri) else { return false };
        if !self.is_confidential() {
            let loopback = match uri.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            return uri.scheme() == "http" && loopback && uri.username().is_empty() && uri.password().is_none();
        }
        let target = |u: &url::Url| (u.scheme().to_string(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default(), u.path().to_string());
        self.redirect_uris.iter().filter_map(|r| url::Url::parse(r).ok()).any(|r| target(&r) == target(&uri))
    }
}

/// An identity known to the local Auth: a user, or a client acting as itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalIdentity {
    /// The identity id (for a client: the client id).
    pub id: String,
    /// The username (for a client: `<client id>@clients.auth.globus.org`).
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// The organization.
    pub organization: Option<String>,
}

/// A user's consent given without a browser: what the authorize page would approve.
///
/// ```
/// use globus_sdk::testing::Approval;
/// let approval = Approval::new("client-id", "openid profile", "http://localhost:8000/callback")
///     .code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
///     .refresh_tokens(true);
/// # let _ = approval;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Approval {
    pub(crate) client_id: String,
    pub(crate) scopes: String,
    pub(crate) redirect_uri: String,
    pub(crate) identity: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) code_challenge_method: Option<String>,
    pub(crate) refresh_tokens: bool,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
}

impl Approval {
    /// `client_id` asks for `scopes` (space-separated) and will exchange the code with
    /// `redirect_uri`.
    pub fn new(client_id: impl Into<String>, scopes: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Approval {
            client_id: client_id.into(),
            scopes: scopes.into(),
            redirect_uri: redirect_uri.into(),
            ..Default::default()
        }
    }

    /// The user who logs in, by id or username (default:
    /// [`LocalGlobus::user`](crate::testing::LocalGlobus::user)).
    pub fn identity(mut self, id_or_username: impl Into<String>) -> Self {
        self.identity = Some(id_or_username.into());
        self
    }

    /// The PKCE S256 challenge the code exchange must answer.
    pub fn code_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.code_challenge = Some(challenge.into());
        self.code_challenge_method = Some("S256".into());
        self
    }

    /// Also issue refresh tokens (`access_type=offline`).
    pub fn refresh_tokens(mut self, yes: bool) -> Self {
        self.refresh_tokens = yes;
        self
    }

    /// The `state` echoed in the token response.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The OpenID Connect `nonce` put in the id_token.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
}

/// What the builder says of the accounts: more users, fixed client credentials.
#[derive(Default)]
pub(crate) struct AccountSettings {
    pub users: Vec<(String, String)>,
    pub confidential_client: Option<(String, Secret)>,
    pub native_client: Option<String>,
    pub confidential_redirect_uris: Vec<String>,
}

/// Auth's clients, identities and tokens.
pub(crate) struct Accounts {
    identity_provider_id: String,
    default_user: LocalIdentity,
    confidential: LocalClient,
    native: LocalClient,
    /// Every identity: the default user, the other users, the clients', then provisioned ones.
    identities: Mutex<Vec<LocalIdentity>>,
    tokens: Mutex<TokenStore>,
    consents: Mutex<ConsentStore>,
    /// Every scope of the emulated services, with its resource server.
    scopes: Mutex<HashMap<String, String>>,
}

impl Accounts {
    /// The default user `testuser@example.org`, the users and clients of `settings` (random
    /// client credentials unless given), each client with its own identity.
    pub fn new(settings: AccountSettings) -> Accounts {
        let (conf_id, conf_secret) = settings
            .confidential_client
            .unwrap_or_else(|| (uuid::Uuid::new_v4().to_string(), Secret::new(random_string(44))));
        let native_id = settings.native_client.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let confidential = LocalClient {
            id: conf_id,
            secret: Some(conf_secret),
            name: "Local Globus confidential client".into(),
            redirect_uris: settings.confidential_redirect_uris,
        };
        let native =
            LocalClient { id: native_id, secret: None, name: "Local Globus native client".into(), redirect_uris: Vec::new() };
        let default_user = user_identity("testuser@example.org", "Test User");
        let mut identities = vec![default_user.clone()];
        for (username, name) in &settings.users {
            identities.push(user_identity(username, name));
        }
        for c in [&confidential, &native] {
            identities.push(LocalIdentity {
                id: c.id.clone(),
                username: format!("{}@clients.auth.globus.org", c.id),
                name: Some(c.name.clone()),
                email: None,
                organization: None,
            });
        }
        Accounts {
            identity_provider_id: uuid::Uuid::new_v4().to_string(),
            default_user,
            confidential,
            native,
            identities: Mutex::new(identities),
            tokens: Mutex::new(TokenStore::default()),
            consents: Mutex::new(ConsentStore::default()),
            scopes: Mutex::new(HashMap::new()),
        }
    }

    /// Make `scopes` (scope string, resource server) known: a service's, as it starts.
    pub fn register_scopes(&self, scopes: impl IntoIterator<Item = (String, String)>) {
        lock(&self.scopes).extend(scopes);
    }

    /// The scopes a scope string asks for, each with its resource server; an error names
    /// a scope no emulated service defines (dependent scopes are checked too).
    pub fn requested_scopes(&self, s: &str) -> Result<Vec<RequestedScope>, String> {
        let known = lock(&self.scopes);
        tokens::parse_scopes(s, &|scope| known.get(scope).cloned())
            .map_err(|e| format!("{e}: the local Globus grants only the scopes of its services"))
    }

    /// A scope string as trees of scopes and their dependent scopes (see
    /// [`Self::requested_scopes`]).
    pub fn requested_scope_tree(&self, s: &str) -> Result<Vec<ScopeNode>, String> {
        let known = lock(&self.scopes);
        tokens::parse_scope_tree(s, &|scope| known.get(scope).cloned())
            .map_err(|e| format!("{e}: the local Globus grants only the scopes of its services"))
    }

    /// The id of the local identity provider.
    pub fn identity_provider_id(&self) -> &str {
        &self.identity_provider_id
    }

    /// The default user.
    pub fn default_user(&self) -> LocalIdentity {
        self.default_user.clone()
    }

    /// The preloaded confidential client.
    pub fn confidential_client(&self) -> &LocalClient {
        &self.confidential
    }

    /// The preloaded native client.
    pub fn native_client(&self) -> &LocalClient {
        &self.native
    }

    /// A client by id.
    pub fn client(&self, id: &str) -> Option<&LocalClient> {
        [&self.confidential, &self.native].into_iter().find(|c| c.id == id)
    }

    /// Every identity.
    pub fn identities(&self) -> Vec<LocalIdentity> {
        lock(&self.identities).clone()
    }

    /// An identity by id or username (case-insensitive).
    pub fn find_identity(&self, id_or_username: &str) -> Option<LocalIdentity> {
        lock(&self.identities)
            .iter()
            .find(|i| i.id == id_or_username || i.username.eq_ignore_ascii_case(id_or_username))
            .cloned()
    }

    /// An identity by id only.
    pub fn identity_by_id(&self, id: &str) -> Option<LocalIdentity> {
        lock(&self.identities).iter().find(|i| i.id == id).cloned()
    }

    /// The identity of `username`, made (without name, email or organization) when there
    /// is none yet; true when it was made.
    pub fn provision(&self, username: &str) -> (LocalIdentity, bool) {
        let mut identities = lock(&self.identities);
        if let Some(known) = identities.iter().find(|i| i.username.eq_ignore_ascii_case(username)) {
            return (known.clone(), false);
        }
        let made = LocalIdentity {
            id: uuid::Uuid::new_v4().to_string(),
            username: username.to_ascii_lowercase(),
            name: None,
            email: None,
            organization: None,
        };
        identities.push(made.clone());
        (made, true)
    }

    /// The tokens and codes issued.
    pub fn tokens(&self) -> MutexGuard<'_, TokenStore> {
        lock(&self.tokens)
    }

    /// The consents users gave.
    pub fn consents(&self) -> MutexGuard<'_, ConsentStore> {
        lock(&self.consents)
    }

    /// The active access token an `Authorization: Bearer` header carries, or why not.
    pub fn access_token(&self, authorization: Option<&str>) -> Result<TokenRecord, &'static str> {
        let header = authorization.ok_or("no Authorization header was sent")?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or("the Authorization header is not a Bearer token")?
            .trim();
        match self.tokens().get(token) {
            Some(r) if r.kind == TokenKind::Access && r.is_active() => Ok(r.clone()),
            Some(r) if r.kind == TokenKind::Access => Err("the token is not active (expired or revoked)"),
            _ => Err("the token is not valid"),
        }
    }
}

fn user_identity(username: &str, name: &str) -> LocalIdentity {
    LocalIdentity {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.to_string(),
        name: Some(name.to_string()),
        email: Some(username.to_string()),
        organization: Some("Local Globus".into()),
    }
}
